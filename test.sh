#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian/Ubuntu machine that has only the .NET SDK, then builds
# the solution in Release (warnings are errors) and runs every test. Exit code: 0 only if all passed.
#
# Today the tests need nothing beyond the SDK and NuGet packages. Later components (redis-server,
# PostgreSQL, Chromium) are installed here, by this script, before the tests that use them run.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

configuration=${CONFIGURATION:-Release}
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

dotnet build Tessera.slnx -c "$configuration"
status=0
dotnet test Tessera.slnx -c "$configuration" --no-build 2>&1 | tee "$results/test.log" || status=$?

# One plain closing line for CI: the totals over every test project.
awk '
  match($0, /Failed: *[0-9]+, Passed: *[0-9]+, Skipped: *[0-9]+/) {
    split(substr($0, RSTART, RLENGTH), f, /[^0-9]+/); failed += f[2]; passed += f[3]; skipped += f[4]; seen = 1
  }
  END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped; if (!seen) exit 1 }
' "$results/test.log" || status=1
exit "$status"
