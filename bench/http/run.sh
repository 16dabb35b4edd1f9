#!/usr/bin/env bash
# HTTP load test (wrk, loopback): the same tiny JSON unauthenticated, behind Tessera (in-memory store; HS256,
# then ES256 with the repeat-token cache) and behind ASP.NET Core's JwtBearer (HS256, stateless). Runs are
# interleaved in rounds (bare, tessera, jwt, bare, ...) so the machine's drift hits every endpoint alike, and each
# endpoint's figure is the median of its rounds; ratios are to /bare in the same app process.
# /floor (a scheme that accepts everything with a fixed principal) shows what ASP.NET Core's authentication +
# authorization pipeline costs by itself, under any scheme.
# Since wrk and the app share the cores, each round also gives the app's own CPU time (user + system, from
# /proc/PID/stat) per request served: the cost of an endpoint with wrk's share taken out.
# Two more app runs make Tessera, then /floor, the app's default scheme (plain RequireAuthorization(), /bare kept
# out of the authentication middleware): apps "HS256-default-Tessera" and "HS256-default-floor".
# Bounded: ROUNDS x endpoints x DURATION (default 3 x 10 x 10 s, plus warm-ups); the app is stopped by its PID.
# Usage: bench/http/run.sh            (DURATION=10s ROUNDS=3 CONNECTIONS=64 THREADS=1 PORT=5099 to change)
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/http/servers.sh

duration=${DURATION:-10s}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-64}
threads=${THREADS:-1}
port=${PORT:-5099}
base="http://127.0.0.1:$port"

require_wrk

dotnet build -c Release bench/Tessera.Benchmarks.Http -v quiet -nologo >/dev/null
app=bench/Tessera.Benchmarks.Http/bin/Release/net10.0/Tessera.Benchmarks.Http.dll
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null || true' EXIT
results=$(mktemp)

rps() { # endpoint token -> "requests/s app-CPU-ns-per-request"
  local header=() out before
  [ -n "$2" ] && header=(-H "Authorization: Bearer $2")
  before=$(cpu_ms "$pid")
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" "${header[@]}" "$base/$1")
  echo "$(awk '/Requests\/sec/ { print $2 }' <<<"$out") $(( ($(cpu_ms "$pid") - before) * 1000000 / $(awk '/requests in/ { print $1 }' <<<"$out") ))"
}

for config in HS256 ES256 HS256-default-Tessera HS256-default-floor; do
  alg=${config%%-*}
  default=; [[ $config == *-default-* ]] && default=${config##*-default-}
  DOTNET_gcServer=0 dotnet "$app" --urls "$base" --alg "$alg" ${default:+--default "$default"} & pid=$!
  for _ in $(seq 100); do curl -sf "$base/bare" >/dev/null 2>&1 && break; sleep 0.2; done
  tokens=$(curl -sf "$base/tokens")
  tessera=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tessera"])' <<<"$tokens")
  jwt=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["jwt"])' <<<"$tokens")
  # Every endpoint must answer 200 with its token and 401 without, or the numbers mean nothing.
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tessera" "$base/tessera")" = 200 ] || { echo "tessera refused its token" >&2; exit 1; }
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/tessera")" = 401 ] || { echo "tessera accepted no token" >&2; exit 1; }
  endpoints=(bare tessera)
  if [ "$default" = floor ]; then
    endpoints=(bare floor)
  elif [ "$config" = HS256 ]; then
    endpoints+=(jwt floor)
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $jwt" "$base/jwt")" = 200 ] || { echo "jwt refused its token" >&2; exit 1; }
  fi
  if [[ " ${endpoints[*]} " == *" floor "* ]]; then
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/floor")" = 200 ] || { echo "floor refused a request" >&2; exit 1; }
  fi
  for e in "${endpoints[@]}"; do # warm-up: JIT, tiered compilation, caches
    t=; [ "$e" = tessera ] && t=$tessera; [ "$e" = jwt ] && t=$jwt
    wrk -t"$threads" -c"$connections" -d3s ${t:+-H "Authorization: Bearer $t"} "$base/$e" >/dev/null
  done
  for round in $(seq "$rounds"); do
    for e in "${endpoints[@]}"; do
      t=; [ "$e" = tessera ] && t=$tessera; [ "$e" = jwt ] && t=$jwt
      echo "$config $e $round $(rps "$e" "$t")" | tee -a "$results"
    done
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
done

echo
echo "| app | endpoint | rounds (requests/s) | median | ratio to /bare | median of per-round ratios | app CPU per request (median) |"
echo "|---|---|---|--:|--:|--:|--:|"
python3 - "$results" <<'PY'
import sys, statistics, collections
runs, cpu = collections.defaultdict(list), collections.defaultdict(list)
for line in open(sys.argv[1]):
    app, endpoint, _, value, ns = line.split()
    runs[(app, endpoint)].append(float(value))
    cpu[(app, endpoint)].append(int(ns) / 1000)
for (app, endpoint), values in runs.items():
    bare = runs[(app, "bare")]
    # Each round against /bare of the same round: less exposed to the machine's drift than a ratio of medians.
    paired = "–" if endpoint == "bare" else f"{statistics.median(v / b for v, b in zip(values, bare)):.2f}"
    print(f"| {app} | /{endpoint} | {', '.join(f'{v:,.0f}' for v in values)} | {statistics.median(values):,.0f} | "
          f"{statistics.median(values) / statistics.median(bare):.2f} | {paired} | {statistics.median(cpu[(app, endpoint)]):.1f} µs |")
PY
