#!/usr/bin/env bash
# HTTP load test (wrk, loopback): the same tiny JSON unauthenticated, behind Tessera (in-memory store; HS256,
# then ES256 with the repeat-token cache) and behind ASP.NET Core's JwtBearer (HS256, stateless). Runs are
# interleaved in rounds (bare, tessera, jwt, bare, ...) so the machine's drift hits every endpoint alike, and each
# endpoint's figure is the median of its rounds; ratios are to /bare in the same app process.
# /floor (a scheme that accepts everything with a fixed principal) shows what ASP.NET Core's authentication +
# authorization pipeline costs by itself, under any scheme.
# Since wrk and the app share the cores, each round also gives the app's own CPU time (user + system, from
# /proc/PID/stat) per request served: the cost of an endpoint with wrk's share taken out.
# Three more app runs make Tessera (HS256, then ES256), then /floor, the app's default scheme, the shape of the
# README and the sample (plain RequireAuthorization(), /bare kept out of the authentication middleware): apps
# "HS256-default-Tessera", "ES256-default-Tessera" and "HS256-default-floor". The Tessera-default apps also measure
# "/bare+token": /bare sent the same Authorization header as /tessera, which no scheme reads there, so what
# receiving a token costs Kestrel by itself shows apart from what Tessera does with it. The floor-default app also
# measures "/floor+token", the floor sent that header: the least any scheme that reads a token from the header can
# cost, to put /tessera against.
# Bounded: ROUNDS x endpoints x DURATION (default 3 x 15 x 10 s, plus warm-ups); the app is stopped by its PID.
# Usage: bench/http/run.sh            (DURATION=10s ROUNDS=3 CONNECTIONS=64 THREADS=1 PORT=5099 to change;
#                                     CONFIGS="HS256-default-Tessera ..." runs only those apps)
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/http/servers.sh

duration=${DURATION:-10s}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-64}
threads=${THREADS:-1}
port=${PORT:-5099}
configs=${CONFIGS:-HS256 ES256 HS256-default-Tessera ES256-default-Tessera HS256-default-floor}
base="http://127.0.0.1:$port"

require_wrk

dotnet build -c Release bench/Tessera.Benchmarks.Http -v quiet -nologo >/dev/null
app=bench/Tessera.Benchmarks.Http/bin/Release/net10.0/Tessera.Benchmarks.Http.dll
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null || true' EXIT
results=$(mktemp)

token_for() { # endpoint -> the token its requests carry (none for /bare)
  case $1 in tessera | *+token) echo "$tessera" ;; jwt) echo "$jwt" ;; esac
}

rps() { # endpoint [wrk duration] -> "requests/s app-CPU-ns-per-request"
  local header=() out before token
  token=$(token_for "$1")
  [ -n "$token" ] && header=(-H "Authorization: Bearer $token")
  before=$(cpu_ms "$pid")
  out=$(wrk -t"$threads" -c"$connections" -d"${2:-$duration}" "${header[@]}" "$base/${1%+token}")
  echo "$(awk '/Requests\/sec/ { print $2 }' <<<"$out") $(( ($(cpu_ms "$pid") - before) * 1000000 / $(awk '/requests in/ { print $1 }' <<<"$out") ))"
}

for config in $configs; do
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
  [ "$(curl -sf -H "Authorization: Bearer $tessera" "$base/bare/check")" = '{"authenticated":false}' ] || { echo "/bare got authenticated" >&2; exit 1; }
  endpoints=(bare tessera)
  if [ "$default" = floor ]; then
    endpoints=(bare floor floor+token)
  elif [ -n "$default" ]; then
    endpoints=(bare bare+token tessera)
  elif [ "$config" = HS256 ]; then
    endpoints+=(jwt floor)
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $jwt" "$base/jwt")" = 200 ] || { echo "jwt refused its token" >&2; exit 1; }
  fi
  if [[ " ${endpoints[*]} " == *" floor "* ]]; then
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/floor")" = 200 ] || { echo "floor refused a request" >&2; exit 1; }
  fi
  for e in "${endpoints[@]}"; do # warm-up: JIT, tiered compilation, caches
    rps "$e" 3s >/dev/null
  done
  for round in $(seq "$rounds"); do
    for e in "${endpoints[@]}"; do
      echo "$config $e $round $(rps "$e")" | tee -a "$results"
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
for (app, endpoint), values in runs.items():
    if endpoint == "tessera" and (app, "bare+token") in runs:
        carrying = runs[(app, "bare+token")]
        print(f"\n{app}: /tessera against /bare+token (same header, nothing reads it), median of per-round ratios "
              f"{statistics.median(v / b for v, b in zip(values, carrying)):.2f}, app CPU per request "
              f"+{statistics.median(cpu[(app, endpoint)]) - statistics.median(cpu[(app, 'bare+token')]):.1f} µs")
PY
