#!/usr/bin/env bash
# The cost per request of going multi-node (docs/scale-out.md): wrk on loopback against the real Tessera.Server,
# GET /auth/me with a Bearer token (token validation with the repeat-token cache, then the session lookup), in three
# modes:
#   one-node        one server, embedded defaults (SQLite users, key files, in-memory sessions); the baseline
#   one-node-redis  one server as a node of a cluster: users and keys in PostgreSQL, sessions in Redis with the
#                   5 s near cache (Tessera__NearCache=00:00:05); tells the store's cost apart from the second process
#   two-nodes       nodes A and B configured like one-node-redis, sharing one PostgreSQL database and one Redis
#                   database; the requests are spread over both, the same token (signed in on A) on both
# The load is the same in every mode: two wrk -t1 at once with half the connections each (one wrk thread alone can
# be the bottleneck), both at the one node or, in two-nodes, one at each; the figure is the sum of the two.
# One redis-server and one PostgreSQL server, started here on free loopback ports in temp folders (Redis without
# persistence; PostgreSQL via initdb, fsync off, run as the postgres OS user when we are root, as the tests do);
# one-node-redis and two-nodes use their own Redis database (1, 2) and their own PostgreSQL database.
# All four servers run at once, each on its own port with its own data folder; the idle ones sit idle while one mode
# is measured. Each signs its first admin in once (TESSERA_ADMIN_PASSWORD, random per run; in two-nodes A starts
# first and makes the admin, B finds it) with Tessera__AccessTokenLifetime=04:00:00 so the one token outlives the
# run; the token must give 200 on every node and no token 401 before anything is measured, and any non-2xx answer or
# socket error during a run fails the script.
# On this machine all of it (wrk, Redis, PostgreSQL, one or two servers) shares 2 cores, so two nodes cannot add
# capacity here: the figure is the cost per request of the shared stores and the second process, not the scaling
# that two machines would give. DOTNET_gcServer=0 as in run.sh.
# Runs are interleaved in rounds (one-node, one-node-redis, two-nodes, one-node, ...) so the machine's drift hits
# every mode alike; each mode's figure is the median of its rounds and the ratio is to one-node's median. Since the
# cores are shared, the cost per request is also given as CPU time: the servers' own (user + system, from
# /proc/PID/stat, summed over the mode's nodes) and Redis's (INFO cpu), per request served. The last column is Redis's
# own count of commands processed during the round per request served (about 0 with the near cache: anything above
# 0.1 is flagged). Closing lines: each server's resident memory after the run.
# Bounded: ROUNDS x 3 x DURATION (default 3 x 3 x 10 s) plus a WARMUP of 5 s per mode; every process is stopped by
# its PID.
# Usage: bench/http/scale-out.sh   (DURATION=10s ROUNDS=3 WARMUP=5s CONNECTIONS=64 to change)
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/http/servers.sh

duration=${DURATION:-10s}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-64}
warmup=${WARMUP:-5s}
modes=(one-node one-node-redis two-nodes)
(( connections >= 2 && connections % 2 == 0 )) || { echo "CONNECTIONS must be even (two-nodes gives each node half)" >&2; exit 1; }

require_wrk
for tool in redis-server redis-cli curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (redis-server and redis-cli: apt-get install redis-server)" >&2; exit 1; }
done
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || { echo "PostgreSQL is missing: apt-get install postgresql" >&2; exit 1; }

planned=$(( rounds * ${#modes[@]} * $(seconds "$duration") + ${#modes[@]} * $(seconds "$warmup") ))
[ "$planned" -lt 14000 ] || { echo "the run ($planned s) would outlive the 4-hour access token" >&2; exit 1; }

dotnet build -c Release src/Tessera.Server -v quiet -nologo >/dev/null
app=src/Tessera.Server/bin/Release/net10.0/Tessera.Server.dll

work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-scale-out.XXXXXX")
chmod 755 "$work"
redis_pid= pg_pid=
declare -A pid port
cleanup() {
  for n in "${!pid[@]}"; do kill "${pid[$n]}" 2>/dev/null || true; done
  for n in "${!pid[@]}"; do wait "${pid[$n]}" 2>/dev/null || true; done
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  if [ -n "$pg_pid" ]; then
    kill -INT "$pg_pid" 2>/dev/null || true # fast shutdown
    for _ in $(seq 100); do kill -0 "$pg_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT

start_redis
redis_cpu_ms() { redis-cli -p "$redis_port" INFO cpu | tr -d '\r' | awk -F: '$1 == "used_cpu_user" || $1 == "used_cpu_sys" { t += $2 } END { printf "%d", t * 1000 }'; }

# --- PostgreSQL (initdb and postgres refuse to run as root)
as_pg=()
mkdir -p "$work/pg"
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "no postgres OS user (apt-get install postgresql makes it)" >&2; exit 1; }
  chown postgres "$work/pg"; as_pg=(runuser -u postgres --)
fi
pg_port=$(free_port)
(cd /tmp && "${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg/data" -A trust -U postgres -E UTF8 --no-sync --no-instructions >"$work/initdb.log" 2>&1) \
  || { echo "initdb failed:" >&2; cat "$work/initdb.log" >&2; exit 1; }
(cd /tmp && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 60 \
  -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $work/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null) \
  || { echo "PostgreSQL did not start:" >&2; cat "$work/pg/server.log" >&2; exit 1; }
pg_pid=$(head -1 "$work/pg/data/postmaster.pid")
run_psql() { (cd /tmp && "${as_pg[@]}" "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 -c "$1"); }
run_psql 'CREATE DATABASE tessera_one;'
run_psql 'CREATE DATABASE tessera_two;'
pg_connection() { echo "Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=$1"; }

# --- Servers
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
start_server() { # name, then the server's environment
  local n=$1; shift
  port[$n]=$(free_port)
  mkdir -p "$work/$n/data"
  env DOTNET_gcServer=0 Tessera__DataDir="$work/$n/data" TESSERA_ADMIN_PASSWORD="$password" \
    Tessera__AccessTokenLifetime=04:00:00 "$@" \
    dotnet "$app" --urls "http://127.0.0.1:${port[$n]}" >"$work/$n/server.log" 2>&1 &
  pid[$n]=$!
}
cluster=(Tessera__Database=postgres Tessera__Store=redis Tessera__NearCache=00:00:05)

start_server one-node
start_server one-node-redis "${cluster[@]}" "Tessera__Postgres=$(pg_connection tessera_one)" "Tessera__Redis=127.0.0.1:$redis_port,defaultDatabase=1"
start_server node-a "${cluster[@]}" "Tessera__Postgres=$(pg_connection tessera_two)" "Tessera__Redis=127.0.0.1:$redis_port,defaultDatabase=2"
for n in one-node one-node-redis node-a; do wait_healthy "$n"; done
# B only once A has made the schema, the first key and the first admin, as docs/scale-out.md starts them.
start_server node-b "${cluster[@]}" "Tessera__Postgres=$(pg_connection tessera_two)" "Tessera__Redis=127.0.0.1:$redis_port,defaultDatabase=2"
wait_healthy node-b

declare -A token targets
# Every mode gets the same load: two wrk -t1 at once with half the connections each (one wrk thread can be the
# bottleneck on its own); in two-nodes one wrk per node, otherwise both at the one node.
token[one-node]=$(sign_in one-node "$password"); targets[one-node]="one-node one-node"
token[one-node-redis]=$(sign_in one-node-redis "$password"); targets[one-node-redis]="one-node-redis one-node-redis"
token[two-nodes]=$(sign_in node-a "$password"); targets[two-nodes]="node-a node-b"
for m in "${modes[@]}"; do
  for n in ${targets[$m]}; do check_token "$n" "${token[$m]}"; done # on every node
done

results=$work/results
run_wrk() { # mode duration -> "requests/s requests redis-commands server-cpu-ms redis-cpu-ms"; several targets run
  # at once, connections split between them
  local m=$1 before after i n rps=0 requests=0 nodes=(${targets[$1]}) wrk_pids=() node_pids=() cpu_before redis_before
  local each=$(( connections / ${#nodes[@]} ))
  for n in $(printf '%s\n' "${nodes[@]}" | sort -u); do node_pids+=("${pid[$n]}"); done
  cpu_before=$(cpu_ms "${node_pids[@]}"); redis_before=$(redis_cpu_ms)
  before=$(redis_commands)
  for i in "${!nodes[@]}"; do
    wrk -t1 -c"$each" -d"$2" -H "Authorization: Bearer ${token[$m]}" "http://127.0.0.1:${port[${nodes[$i]}]}/auth/me" >"$work/wrk.$i" &
    wrk_pids+=($!)
  done
  for p in "${wrk_pids[@]}"; do wait "$p"; done
  after=$(redis_commands)
  local cpu=$(( $(cpu_ms "${node_pids[@]}") - cpu_before )) redis_cpu=$(( $(redis_cpu_ms) - redis_before ))
  for i in "${!nodes[@]}"; do
    n=${nodes[$i]}
    if grep -q 'Non-2xx' "$work/wrk.$i" || grep -q 'Socket errors' "$work/wrk.$i"; then
      echo "$m ($n): wrk saw errors:" >&2; cat "$work/wrk.$i" >&2; tail -20 "$work/$n/server.log" >&2; exit 1
    fi
    rps=$(python3 -c "print(round($rps + $(awk '/Requests\/sec/ { print $2 }' "$work/wrk.$i"), 2))")
    requests=$(( requests + $(awk '/requests in/ { print $1 }' "$work/wrk.$i") ))
  done
  echo "$rps $requests $(( after - before )) $cpu $redis_cpu"
}

echo "redis-server $(redis-server --version | awk '{ print $3 }' | tr -d 'v=') on 127.0.0.1:$redis_port; PostgreSQL $("$pg_bin/postgres" --version | awk '{ print $3 }') on 127.0.0.1:$pg_port"
echo "servers: ${port[one-node]} one-node, ${port[one-node-redis]} one-node-redis, ${port[node-a]} + ${port[node-b]} two-nodes"
echo "two wrk -t1 -c$(( connections / 2 )) -d$duration at once (two-nodes: one per node), GET /auth/me with a Bearer token; $rounds rounds"
interleave_rounds "$results" "${modes[@]}"

echo
echo "| mode | rounds (requests/s) | median | ratio to one-node | server CPU per request | Redis CPU per request | Redis commands per request |"
echo "|---|---|--:|--:|--:|--:|--:|"
python3 - "$results" <<'PY'
import sys, statistics, collections
rps, per_request = collections.defaultdict(list), collections.defaultdict(list)
cpu_us, redis_us = collections.defaultdict(list), collections.defaultdict(list)
for line in open(sys.argv[1]):
    mode, _, value, requests, commands, cpu_ms, redis_ms = line.split()
    served = max(int(requests), 1)
    rps[mode].append(float(value))
    per_request[mode].append(int(commands) / served)
    cpu_us[mode].append(int(cpu_ms) * 1000 / served)
    redis_us[mode].append(int(redis_ms) * 1000 / served)
base = statistics.median(rps["one-node"])
for mode, values in rps.items():
    median = statistics.median(values)
    print(f"| {mode} | {', '.join(f'{v:,.0f}' for v in values)} | {median:,.0f} | {median / base:.2f} "
          f"| {statistics.median(cpu_us[mode]):.1f} µs | {statistics.median(redis_us[mode]):.1f} µs | {statistics.median(per_request[mode]):.3f} |")
for mode in ("one-node-redis", "two-nodes"):
    if statistics.median(per_request[mode]) > 0.1:
        print(f"\nWARNING: {mode} sent {statistics.median(per_request[mode]):.2f} Redis commands per request: the near cache is not answering.")
PY
echo
for n in one-node one-node-redis node-a node-b; do
  echo "$n resident memory: $(( $(ps -o rss= -p "${pid[$n]}") / 1024 )) MiB"
done
