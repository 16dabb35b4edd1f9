# Shared by the wrk scripts that run the real Tessera.Server (server-redis.sh, scale-out.sh); sourced, not run.
# The caller sets $work (its temp folder) and declares the associative arrays pid and port (server name -> PID,
# port); each server's log is $work/<name>/server.log.

# Installs Debian's wrk when missing (as root), else says how.
require_wrk() {
  command -v wrk >/dev/null && return
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  else echo "wrk is missing: sudo apt-get install wrk" >&2; exit 1; fi
}

seconds() { # wrk duration (10, 10s, 2m, 1h) -> seconds
  local d=$1
  case "$d" in *h) echo $(( ${d%h} * 3600 ));; *m) echo $(( ${d%m} * 60 ));; *s) echo "${d%s}";; *) echo "$d";; esac
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts redis-server on a free loopback port in $work/redis, persistence off; sets redis_port and redis_pid.
start_redis() {
  redis_port=$(free_port)
  mkdir -p "$work/redis"
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" --save '' --appendonly no --daemonize no \
    >"$work/redis.log" 2>&1 & redis_pid=$!
  for _ in $(seq 100); do
    # Ours, not another server that held the port: INFO reports our PID.
    [ "$(redis-cli -p "$redis_port" INFO server 2>/dev/null | tr -d '\r' | awk -F: '$1 == "process_id" { print $2 }')" = "$redis_pid" ] && break
    kill -0 "$redis_pid" 2>/dev/null || { echo "redis-server exited:" >&2; cat "$work/redis.log" >&2; exit 1; }
    sleep 0.1
  done
  [ "$(redis-cli -p "$redis_port" PING)" = PONG ] || { echo "redis-server on $redis_port did not answer" >&2; exit 1; }
}

# The user + system CPU time the processes <PID>... have used so far, in ms (fields 14 and 15 of /proc/PID/stat).
cpu_ms() {
  local p total=0
  for p in "$@"; do total=$(( total + $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }') )); done
  echo $(( total * 1000 / $(getconf CLK_TCK) ))
}

# Redis's own count of the commands it has processed.
redis_commands() { redis-cli -p "$redis_port" INFO stats | tr -d '\r' | awk -F: '$1 == "total_commands_processed" { print $2 }'; }

# Waits (up to 60 s) for server <name> to answer /healthz with 200; fails with its log if it exits or never does.
wait_healthy() {
  local n=$1 base="http://127.0.0.1:${port[$1]}"
  for _ in $(seq 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ] && return
    kill -0 "${pid[$n]}" 2>/dev/null || { echo "$n server exited:" >&2; cat "$work/$n/server.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "$n server not healthy:" >&2; tail -20 "$work/$n/server.log" >&2; exit 1
}

# Signs in as admin on server <name> with <password>; prints the access token.
sign_in() {
  local login
  login=$(curl -s -X POST -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$2\"}" "http://127.0.0.1:${port[$1]}/auth/login")
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' <<<"$login" || { echo "$1 login failed: $login" >&2; exit 1; }
}

# Server <name> must accept <token> on /auth/me and refuse no token, or the numbers mean nothing.
check_token() {
  local base="http://127.0.0.1:${port[$1]}"
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" "$base/auth/me")" = 200 ] || { echo "$1 refused its token" >&2; exit 1; }
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/auth/me")" = 401 ] || { echo "$1 accepted no token" >&2; exit 1; }
}

# Warms every <mode> up for $warmup (JIT, tiered compilation, caches), pauses so that no server is still compiling
# in the background, then runs $rounds rounds of every mode in turn for $duration each (interleaved, so the machine's
# drift hits every mode alike), appending "<mode> <round> <what run_wrk printed>" to <results>. The caller defines
# run_wrk <mode> <duration>; a failing run_wrk stops the script.
interleave_rounds() {
  local results=$1 m round line; shift
  for m in "$@"; do run_wrk "$m" "$warmup" >/dev/null; done
  sleep 2
  for round in $(seq "$rounds"); do
    for m in "$@"; do
      line=$(run_wrk "$m" "$duration")
      echo "$m $round $line" | tee -a "$results"
    done
  done
}
