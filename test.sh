#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian/Ubuntu machine that has only the .NET SDK, then builds
# the solution in Release (warnings are errors) and runs every test. Exit code: 0 only if all passed.
#
# Beyond the SDK and NuGet packages the tests need Node.js with the npm package jose (a third-party JWT
# client in the server's end-to-end tests), Debian's Chromium (the admin page test), Redis (redis-server
# and redis-cli: the Redis store's tests start their own servers and a 3-node cluster) and PostgreSQL (the
# user database's tests start their own server from /usr/lib/postgresql/*/bin); all are installed here
# when missing.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

configuration=${CONFIGURATION:-Release}
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# Debian packages the tests use, installed when missing (root, as on CI): Node.js + npm (a third-party JWT
# client), Chromium (the admin page's browser test, driven by Playwright with no browser download), Redis
# (redis-server, and redis-cli from redis-tools to create the cluster) and PostgreSQL (initdb, pg_ctl, postgres
# and psql, found only where Debian's package puts them: /usr/local/bin or PATH may have others that a fresh
# machine lacks). The tests start redis-server and PostgreSQL on free ports and in folders of their own; the
# system services that the packages may start (Redis on 6379, the "main" PostgreSQL cluster on 5432) are neither
# used nor needed.
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "The tests need: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2; exit 1
  fi
fi
(cd tests/interop/jose && npm ci --no-audit --no-fund --loglevel=error)

dotnet build Tessera.slnx -c "$configuration"
status=0
dotnet test Tessera.slnx -c "$configuration" --no-build 2>&1 | tee "$results/test.log" || status=$?

# One plain closing line for CI: the totals over every test project, and the fixtures whose clean-up failed (the
# test runner counts those in no total, though they fail the run).
awk '
  match($0, /Failed: *[0-9]+, Passed: *[0-9]+, Skipped: *[0-9]+/) {
    split(substr($0, RSTART, RLENGTH), f, /[^0-9]+/); failed += f[2]; passed += f[3]; skipped += f[4]; seen = 1
  }
  /\[Test( (Assembly|Collection|Class|Method|Case))? Cleanup Failure/ { cleanup++ }
  END {
    printf "tests: %d passed, %d failed, %d skipped", passed, failed, skipped
    if (cleanup) printf ", %d clean-up failures (see [Test ... Cleanup Failure] above)", cleanup
    printf "\n"
    if (!seen || cleanup) exit 1
  }
' "$results/test.log" || status=1
exit "$status"
