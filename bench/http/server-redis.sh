#!/usr/bin/env bash
# HTTP load test (wrk, loopback) of the real Tessera.Server process: GET /auth/me with a Bearer token (an
# authenticated GET: token validation with the repeat-token cache, then the session lookup in the store), in three
# modes, each its own fresh server process with a fresh data folder:
#   memory      Tessera__Store=memory (the in-memory store; baseline)
#   redis       Tessera__Store=redis, Tessera__NearCache=00:00:00 (every request reads Redis)
#   redis-near  Tessera__Store=redis, Tessera__NearCache=00:00:05 (a repeat request is answered from the near cache)
# One redis-server, started here on a free loopback port in a temp folder (persistence off); the two Redis servers
# use databases 1 and 2 so their keys stay apart (pub/sub is server-wide, but nothing is published while measuring:
# /auth/me writes nothing but a last-seen touch once a minute, which publishes nothing).
# Each server signs in once as its first admin (TESSERA_ADMIN_PASSWORD, random per run; login is throttled, so once
# per server) with Tessera__AccessTokenLifetime=04:00:00 so the one token outlives the run; the token must give 200
# and no token 401 before anything is measured, and any non-2xx answer during a run fails the script.
# Runs are interleaved in rounds (memory, redis, redis-near, memory, ...) so the machine's drift hits every mode
# alike; each mode's figure is the median of its rounds, and the ratio is to the memory server's median. The last
# column is Redis's own count of commands it processed during the round (INFO stats) per request served: about 1
# without the near cache, about 0 with it (anything else in redis-near is a bug and is flagged).
# Keys: the server's own (ES256 key files in its data folder, as deployed; the repeat-token cache skips the
# signature after the first request). DOTNET_gcServer=0 as in run.sh: wrk, redis-server and the measured server
# share the 2 cores (the other two servers sit idle meanwhile).
# Bounded: ROUNDS x 3 x DURATION (default 3 x 3 x 10 s, plus a WARMUP of 5 s per server); every process is stopped
# by its PID.
# Usage: bench/http/server-redis.sh   (DURATION=10s ROUNDS=3 WARMUP=5s CONNECTIONS=64 THREADS=1 to change)
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/http/servers.sh

duration=${DURATION:-10s}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-64}
threads=${THREADS:-1}
warmup=${WARMUP:-5s}
modes=(memory redis redis-near)

require_wrk
for tool in redis-server redis-cli curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (redis-server and redis-cli: apt-get install redis-server)" >&2; exit 1; }
done

planned=$(( rounds * ${#modes[@]} * $(seconds "$duration") + ${#modes[@]} * $(seconds "$warmup") ))
[ "$planned" -lt 14000 ] || { echo "the run ($planned s) would outlive the 4-hour access token" >&2; exit 1; }

dotnet build -c Release src/Tessera.Server -v quiet -nologo >/dev/null
app=src/Tessera.Server/bin/Release/net10.0/Tessera.Server.dll

work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-server-redis.XXXXXX")
redis_pid=
declare -A pid port token
cleanup() {
  for m in "${!pid[@]}"; do kill "${pid[$m]}" 2>/dev/null || true; done
  for m in "${!pid[@]}"; do wait "${pid[$m]}" 2>/dev/null || true; done
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start_redis

# --- Servers: three at once on three ports, each with its own data folder.
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
for m in "${modes[@]}"; do
  port[$m]=$(free_port)
  mkdir -p "$work/$m/data"
  store=(Tessera__Store=memory)
  case "$m" in
    redis) store=(Tessera__Store=redis "Tessera__Redis=127.0.0.1:$redis_port,defaultDatabase=1" Tessera__NearCache=00:00:00) ;;
    redis-near) store=(Tessera__Store=redis "Tessera__Redis=127.0.0.1:$redis_port,defaultDatabase=2" Tessera__NearCache=00:00:05) ;;
  esac
  env DOTNET_gcServer=0 Tessera__DataDir="$work/$m/data" TESSERA_ADMIN_PASSWORD="$password" \
    Tessera__AccessTokenLifetime=04:00:00 "${store[@]}" \
    dotnet "$app" --urls "http://127.0.0.1:${port[$m]}" >"$work/$m/server.log" 2>&1 &
  pid[$m]=$!
done

for m in "${modes[@]}"; do
  wait_healthy "$m"
  token[$m]=$(sign_in "$m" "$password")
  check_token "$m" "${token[$m]}"
done

results=$work/results
run_wrk() { # mode duration -> "requests/s requests redis-commands"
  local m=$1 out before after
  before=$(redis_commands)
  out=$(wrk -t"$threads" -c"$connections" -d"$2" -H "Authorization: Bearer ${token[$m]}" "http://127.0.0.1:${port[$m]}/auth/me")
  after=$(redis_commands)
  if grep -q 'Non-2xx' <<<"$out" || grep -q 'Socket errors' <<<"$out"; then
    echo "$m: wrk saw errors:" >&2; echo "$out" >&2; tail -20 "$work/$m/server.log" >&2; exit 1
  fi
  echo "$(awk '/Requests\/sec/ { print $2 }' <<<"$out") $(awk '/requests in/ { print $1 }' <<<"$out") $(( after - before ))"
}

echo "redis-server $(redis-server --version | awk '{ print $3 }' | tr -d 'v=') on 127.0.0.1:$redis_port; servers: ${port[memory]} memory, ${port[redis]} redis, ${port[redis-near]} redis-near"
echo "wrk -t$threads -c$connections -d$duration, GET /auth/me with a Bearer token; $rounds rounds"
# The warm-up also runs the near-cache probe; without the pause after it the first memory round came out ~30% low.
interleave_rounds "$results" "${modes[@]}"

echo
echo "| mode | rounds (requests/s) | median | ratio to memory | Redis commands per request |"
echo "|---|---|--:|--:|--:|"
python3 - "$results" <<'PY'
import sys, statistics, collections
rps, per_request = collections.defaultdict(list), collections.defaultdict(list)
for line in open(sys.argv[1]):
    mode, _, value, requests, commands = line.split()
    rps[mode].append(float(value))
    per_request[mode].append(int(commands) / max(int(requests), 1))
memory = statistics.median(rps["memory"])
for mode, values in rps.items():
    median = statistics.median(values)
    print(f"| {mode} | {', '.join(f'{v:,.0f}' for v in values)} | {median:,.0f} | {median / memory:.2f} | {statistics.median(per_request[mode]):.3f} |")
near = statistics.median(per_request["redis-near"])
if near > 0.1:
    print(f"\nWARNING: with the near cache, {near:.2f} Redis commands per request: the near cache is not answering.")
PY
