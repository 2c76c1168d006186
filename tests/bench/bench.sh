#!/usr/bin/env bash
# Benchmarks piloto against nginx on loopback with wrk (run by `make bench`,
# which builds build/piloto first; this script builds nothing).
#
# Starts build/piloto (SQLite, in a temp dir) and nginx (Debian's
# nginx-light, own temp prefix and config, `return 200` on /healthz), both on
# free ports of 127.0.0.1, then runs wrk against each target in interleaved
# rounds and prints a table of req/s, p99 latency, server CPU per request
# (utime+stime of the server's processes over the run, PostgreSQL backends
# included, divided by the requests wrk completed: far steadier than req/s
# on shared cores) and memory (VmRSS/VmHWM from /proc), also written to
# build/bench/results.txt. After the rounds at BENCH_CONNECTIONS, one round
# at BENCH_CONNECTIONS_HIGH connections, and the RSS of 2,000 idle
# keep-alive connections (tests/bench/idle_conns.py, from several loopback
# addresses) on piloto and on nginx. Everything it started is stopped on exit.
#
# Settings (environment): BENCH_ROUNDS (3), BENCH_DURATION (seconds, 10),
# BENCH_AUTH (1: the auth rounds), BENCH_WA (1: the WhatsApp webhook rounds,
# beside the FastAPI peer when its Debian packages are there), BENCH_WA_ONLY
# (1: those alone), BENCH_WA_CONNECTIONS (32), BENCH_WA_RATE (500 POST/s),
# BENCH_WARMUP (seconds, 2), BENCH_THREADS (2), BENCH_CONNECTIONS (64),
# BENCH_CONNECTIONS_HIGH (256, 0 = no such round), BENCH_IDLE_CONNECTIONS
# (2000, 0 = not measured), BENCH_LOG_LEVEL (piloto's LOG_LEVEL, warning: no
# access log, as nginx), BENCH_LOGINS (1; 0 skips the login rounds), BENCH_PILOTO_ENV (more NAME=VALUE settings for every
# piloto, e.g. "HTTP_THREADS=2 DB_POOL_SIZE=4"), BENCH_JOBS (1: the job queue's
# enqueue and claim rates; needs BENCH_AUTH's PostgreSQL for the second
# backend), BENCH_JOB_WORKERS (2), BENCH_JOBS_N (20000), BENCH_EVENTS (1: the live-updates
# figures of tests/bench/events_bench.py; 0 skips them), BENCH_AGENTS (1: the agent replies'
# overhead of tests/bench/agents_bench.py; 0 skips it), BENCH_AGENTS_N (200 replies),
# PILOTO_BIN (build/piloto).
#
# More targets: add_target NAME URL [HEADER...] before run_rounds, e.g.
#   add_target piloto-me "$PILOTO_URL/auth/me" "Cookie: piloto_session=$token"
# (bench_url NAME URL [HEADER...] runs one wrk pass on its own).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${PILOTO_BIN:-$ROOT/build/piloto}
ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
CONNS_HIGH=${BENCH_CONNECTIONS_HIGH:-256}
IDLE_CONNS=${BENCH_IDLE_CONNECTIONS:-2000}
read -r -a EXTRA_ENV <<<"${BENCH_PILOTO_ENV:-}"
LOG_LEVEL=${BENCH_LOG_LEVEL:-warning}
OUT_DIR=$ROOT/build/bench
RESULTS=$OUT_DIR/results.txt
NGINX=${NGINX:-/usr/sbin/nginx}
WRK=${WRK:-wrk}

die() {
    echo "bench: $*" >&2
    exit 1
}

[ -x "$BIN" ] || die "$BIN is not built (run: make bench)"
command -v "$WRK" >/dev/null || die "wrk is missing (apt-get install wrk)"
[ -x "$NGINX" ] || die "nginx is missing (apt-get install nginx-light)"

WORK=$(mktemp -d /tmp/piloto-bench.XXXXXX)
chmod 755 "$WORK" # the PostgreSQL cluster inside runs as user postgres
PILOTO_PID=
NGINX_PID=

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$PILOTO_PID" ] && kill -0 "$PILOTO_PID" 2>/dev/null; then
        kill -TERM "$PILOTO_PID" 2>/dev/null || true
        wait "$PILOTO_PID" 2>/dev/null || true
    fi
    if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
        kill -TERM "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    fi
    local p
    for p in "${EXTRA_PIDS[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    if [ -n "${PGDIR_TO_STOP:-}" ]; then
        "$ROOT/tests/support/pg.sh" stop "$PGDIR_TO_STOP" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() { # URL: waits up to 15 s for a 200
    local i
    for i in $(seq 1 150); do
        if curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# --- the servers --------------------------------------------------------------

start_piloto() {
    PILOTO_PORT=$(free_port)
    PILOTO_URL=http://127.0.0.1:$PILOTO_PORT
    mkdir -p "$WORK/piloto"
    # A clean environment: only what the bench sets. RATE_LIMIT_* at their
    # maximum (10^9/min) so no route is throttled in any round.
    env -i PATH="$PATH" HOME="$WORK/piloto" \
        PILOTO_ENV=dev HOST=127.0.0.1 PORT="$PILOTO_PORT" \
        DATABASE_URL="sqlite:$WORK/piloto/data/piloto.db" \
        RATE_LIMIT_GENERAL=1000000000 RATE_LIMIT_AUTH=1000000000 LOG_LEVEL="$LOG_LEVEL" \
        MAX_CONNECTIONS=4096 MAX_CONNECTIONS_PER_IP=4096 "${EXTRA_ENV[@]}" \
        "$BIN" serve >"$WORK/piloto/stdout.log" 2>"$WORK/piloto/stderr.log" &
    PILOTO_PID=$!
    wait_http "$PILOTO_URL/healthz" || die "piloto did not start: $(tail -5 "$WORK/piloto/stderr.log" "$WORK/piloto/stdout.log")"
}

start_nginx() {
    NGINX_PORT=$(free_port)
    NGINX_URL=http://127.0.0.1:$NGINX_PORT
    local p=$WORK/nginx
    mkdir -p "$p/logs" "$p/tmp"
    cat >"$p/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $p/nginx.pid;
error_log $p/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $p/tmp/body;
    proxy_temp_path $p/tmp/proxy;
    fastcgi_temp_path $p/tmp/fastcgi;
    uwsgi_temp_path $p/tmp/uwsgi;
    scgi_temp_path $p/tmp/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location = /healthz {
            default_type application/json;
            return 200 '{"status":"ok"}';
        }
    }
}
EOF
    "$NGINX" -p "$p" -c "$p/nginx.conf" -e "$p/logs/error.log" &
    NGINX_PID=$!
    wait_http "$NGINX_URL/healthz" || die "nginx did not start: $(tail -5 "$p/logs/error.log")"
}

# --- measuring ------------------------------------------------------------------

# Sum of a /proc/PID/status field (kB) over PID and its children, in MiB.
mem_mib() { # FIELD PID
    local field=$1 pid=$2 total=0 kb p
    for p in $pid $(pgrep -P "$pid" || true); do
        kb=$(awk -v f="$field:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
        total=$((total + ${kb:-0}))
    done
    awk -v kb="$total" 'BEGIN {printf "%.1f", kb / 1024}'
}

nprocs() {
    echo $((1 + $(pgrep -P "$1" | wc -l)))
}

# wrk's "99%  1.23ms" -> milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.3f", n
    }'
}

# utime+stime, in clock ticks, of PIDS and their children (all their threads).
cpu_ticks() { # PID...
    local p all=()
    for p in "$@"; do
        all+=("$p")
        all+=($(pgrep -P "$p" || true))
    done
    for p in "${all[@]}"; do
        awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2>/dev/null || true
    done | awk '{t += $1} END {print t + 0}'
}
CLK_TCK=$(getconf CLK_TCK)

TARGETS=()
declare -A TARGET_URL TARGET_HEADERS TARGET_PIDS

# add_target NAME URL [HEADER...]: a URL benchmarked in every round. Its
# server's CPU is read from the processes in TARGET_PIDS[NAME] (set after).
add_target() {
    local name=$1 url=$2 h
    shift 2
    TARGETS+=("$name")
    TARGET_URL[$name]=$url
    TARGET_HEADERS[$name]=""
    TARGET_PIDS[$name]=""
    for h in "$@"; do
        TARGET_HEADERS[$name]+="$h"$'\n'
    done
}

# bench_url NAME URL [HEADER...]: one wrk pass of BENCH_DURATION seconds
# with CONNS connections; appends "NAME req/s p99_ms non2xx errors cpu_us
# conns" to $WORK/raw.tsv (cpu_us: server CPU µs per request, over the
# processes in $PIDS, "-" when none).
bench_url() {
    local name=$1 url=$2 out args=() h rps p99 non2xx errs reqs t0 t1 cpu=-
    shift 2
    for h in "$@"; do
        args+=(-H "$h")
    done
    # shellcheck disable=SC2086 # PIDS is a list
    t0=$([ -n "${PIDS:-}" ] && cpu_ticks $PIDS || echo 0)
    out=$("$WRK" -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "${args[@]}" "$url")
    # shellcheck disable=SC2086
    t1=$([ -n "${PIDS:-}" ] && cpu_ticks $PIDS || echo 0)
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    reqs=$(awk '/ requests in / {print $1}' <<<"$out")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
    errs=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
    [ -n "$rps" ] || die "cannot read wrk's output for $name:"$'\n'"$out"
    if [ -n "${PIDS:-}" ] && [ "${reqs:-0}" -gt 0 ]; then
        cpu=$(awk -v d="$((t1 - t0))" -v n="$reqs" -v hz="$CLK_TCK" 'BEGIN {printf "%.1f", d * 1e6 / hz / n}')
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rps" "$p99" "${non2xx:-0}" "${errs:-0}" "$cpu" "$CONNS" >>"$WORK/raw.tsv"
    printf '  %-18s c=%-4s %10.0f req/s  p99 %8.3f ms  cpu %6s us/req%s\n' "$name" "$CONNS" "$rps" "$p99" "$cpu" \
        "$([ "${non2xx:-0}${errs:-0}" = 00 ] || echo "  (non-2xx ${non2xx:-0}, socket errors ${errs:-0})")" >&2
}

run_target() { # NAME
    local name=$1 hs=() line
    while IFS= read -r line; do
        [ -n "$line" ] && hs+=("$line")
    done <<<"${TARGET_HEADERS[$name]}"
    PIDS=${TARGET_PIDS[$name]} bench_url "$name" "${TARGET_URL[$name]}" "${hs[@]}"
}

run_rounds() {
    local r name
    : >"$WORK/raw.tsv"
    if [ "$WARMUP" -gt 0 ]; then
        for name in "${TARGETS[@]}"; do
            DURATION=$WARMUP bench_url warmup "${TARGET_URL[$name]}" >/dev/null 2>&1 || true
        done
        : >"$WORK/raw.tsv"
    fi
    for r in $(seq 1 "$ROUNDS"); do
        echo "round $r/$ROUNDS" >&2
        # Interleaved, and the order alternates, so drift hits every target alike.
        if [ $((r % 2)) -eq 1 ]; then
            for name in "${TARGETS[@]}"; do run_target "$name"; done
        else
            for ((i = ${#TARGETS[@]} - 1; i >= 0; i--)); do run_target "${TARGETS[$i]}"; done
        fi
    done
    if [ "$CONNS_HIGH" -gt 0 ]; then
        echo "round at $CONNS_HIGH connections" >&2
        for name in "${TARGETS[@]}"; do CONNS=$CONNS_HIGH run_target "$name"; done
    fi
}

# RSS of IDLE_CONNS idle keep-alive connections on piloto and nginx.
bench_idle() {
    local out
    : >"$WORK/idle.tsv"
    [ "$IDLE_CONNS" -gt 0 ] || return 0
    out=$(python3 "$ROOT/tests/bench/idle_conns.py" "$PILOTO_PORT" "$IDLE_CONNS" "$PILOTO_PID") ||
        die "idle connections to piloto failed"
    printf 'piloto\t%s\n' "$out" >>"$WORK/idle.tsv"
    out=$(python3 "$ROOT/tests/bench/idle_conns.py" "$NGINX_PORT" "$IDLE_CONNS" "$NGINX_PID") ||
        die "idle connections to nginx failed"
    printf 'nginx\t%s\n' "$out" >>"$WORK/idle.tsv"
}

# --- report ----------------------------------------------------------------------

median() { # numbers on stdin
    sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

# report_table CONNS: one row per target from the runs at CONNS connections.
report_table() {
    local c=$1 name rps p99 lo hi ref cpu
    ref=$(awk -F'\t' -v c="$c" '$1 == "nginx" && $7 == c {print $2}' "$WORK/raw.tsv" | median)
    printf '%-18s %5s %12s %23s %12s %10s %10s\n' target conns "req/s (med)" "req/s (min..max)" \
        "p99 ms (med)" "vs nginx" "cpu us/req"
    for name in "${TARGETS[@]}"; do
        rps=$(awk -F'\t' -v n="$name" -v c="$c" '$1 == n && $7 == c {print $2}' "$WORK/raw.tsv" | median)
        [ -n "$rps" ] || continue
        p99=$(awk -F'\t' -v n="$name" -v c="$c" '$1 == n && $7 == c {print $3}' "$WORK/raw.tsv" | median)
        cpu=$(awk -F'\t' -v n="$name" -v c="$c" '$1 == n && $7 == c && $6 != "-" {print $6}' "$WORK/raw.tsv" | median)
        lo=$(awk -F'\t' -v n="$name" -v c="$c" '$1 == n && $7 == c {print $2}' "$WORK/raw.tsv" | sort -g | head -1)
        hi=$(awk -F'\t' -v n="$name" -v c="$c" '$1 == n && $7 == c {print $2}' "$WORK/raw.tsv" | sort -g | tail -1)
        printf '%-18s %5s %12.0f %11.0f..%-11.0f %12.3f %10s %10s\n' "$name" "$c" "$rps" "$lo" "$hi" "$p99" \
            "$(awk -v a="$rps" -v b="${ref:-0}" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}')" \
            "${cpu:--}"
    done
}

report() {
    local bad
    echo "# piloto vs nginx: wrk -t$THREADS -c$CONNS -d${DURATION}s --latency, $ROUNDS interleaved rounds (+1 at -c$CONNS_HIGH), 127.0.0.1"
    echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $(uname -r), $("$BIN" version), $("$NGINX" -v 2>&1 | sed 's/.*: //'), piloto LOG_LEVEL=$LOG_LEVEL${BENCH_PILOTO_ENV:+, $BENCH_PILOTO_ENV}"
    echo "# cpu us/req: utime+stime of the target's server processes (PostgreSQL's included) / requests"
    echo
    report_table "$CONNS"
    if [ "$CONNS_HIGH" -gt 0 ]; then
        report_table "$CONNS_HIGH" | tail -n +2
    fi
    bad=$(awk -F'\t' '$4 + $5 > 0' "$WORK/raw.tsv" | wc -l)
    [ "$bad" -eq 0 ] || echo "# warning: $bad runs had non-2xx answers or socket errors"
    echo
    printf '%-18s %10s %10s %6s %12s\n' process "VmRSS MiB" "VmHWM MiB" procs "idle MiB"
    printf '%-18s %10s %10s %6s %12s\n' piloto "$(mem_mib VmRSS "$PILOTO_PID")" \
        "$(mem_mib VmHWM "$PILOTO_PID")" "$(nprocs "$PILOTO_PID")" "$PILOTO_IDLE_RSS"
    printf '%-18s %10s %10s %6s %12s\n' nginx "$(mem_mib VmRSS "$NGINX_PID")" \
        "$(mem_mib VmHWM "$NGINX_PID")" "$(nprocs "$NGINX_PID")" "$NGINX_IDLE_RSS"
    if [ -s "$WORK/idle.tsv" ]; then
        echo
        printf '%-18s %12s %14s %16s\n' "$IDLE_CONNS idle conns" "before MiB" "with them MiB" "KiB per conn"
        awk -F'[\t ]' '{printf "%-18s %12.1f %14.1f %16.1f\n", $1, $2 / 1024, $3 / 1024, $4}' "$WORK/idle.tsv"
    fi
}

# --- the auth routes (issue 3) ------------------------------------------------------

# start_piloto_on NAME DATABASE_URL: another piloto (high rate limits, 2 workers), with
# the settings in EXTRA_ENV (BENCH_PILOTO_ENV) and WA_ENV (NAME=value words) added.
WA_ENV=()
start_piloto_on() {
    local name=$1 url=$2 port
    port=$(free_port)
    mkdir -p "$WORK/$name"
    env -i PATH="$PATH" HOME="$WORK/$name" "${WA_ENV[@]}" \
        PILOTO_ENV=dev HOST=127.0.0.1 PORT="$port" DATABASE_URL="$url" \
        PILOTO_SECRET=bench-secret-0123456789abcdefghijklmnop \
        RATE_LIMIT_GENERAL=1000000000 RATE_LIMIT_AUTH=1000000000 LOG_LEVEL="$LOG_LEVEL" \
        MAX_CONNECTIONS=4096 MAX_CONNECTIONS_PER_IP=4096 WORKER_THREADS=2 "${EXTRA_ENV[@]}" \
        "$BIN" serve >"$WORK/$name/stdout.log" 2>"$WORK/$name/stderr.log" &
    EXTRA_PIDS+=($!)
    eval "${name}_URL=http://127.0.0.1:$port"
    eval "${name}_PID=$!"
    wait_http "http://127.0.0.1:$port/healthz" || die "$name did not start"
}

# signup URL EMAIL: prints the session cookie pair of a new account.
signup() {
    local url=$1 email=$2 jar=$WORK/jar.$$ token
    token=$(curl -fsS -c "$jar" "$url/auth/csrf" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrfToken"])')
    curl -fsS -o /dev/null -b "$jar" -c "$jar" -H "Origin: $(origin_of "$url")" \
        -H "X-CSRF-Token: $token" -H 'Content-Type: application/json' \
        -d "{\"email\":\"$email\",\"password\":\"$BENCH_PASSWORD\",\"name\":\"Bench\"}" \
        "$url/auth/signup" || die "sign-up on $url failed"
    awk '$6 == "piloto_session" {print $6 "=" $7}' "$jar"
    rm -f "$jar"
}

# workspace URL COOKIE: creates a workspace for the session, prints its id.
workspace() {
    local url=$1 cookie=$2 token
    token=$(curl -fsS -H "Cookie: $cookie" "$url/auth/csrf" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrfToken"])')
    curl -fsS -H "Cookie: $cookie; piloto_csrf=$token" -H "Origin: $(origin_of "$url")" \
        -H "X-CSRF-Token: $token" -H 'Content-Type: application/json' -d '{"name":"Bench"}' \
        "$url/api/v1/workspaces" | python3 -c 'import json,sys; print(json.load(sys.stdin)["workspace"]["id"])' ||
        die "cannot create a workspace on $url"
}

origin_of() { # dev app origins are http://localhost:PORT and http://127.0.0.1:PORT
    sed -E 's#^(http://[^/]+).*#\1#' <<<"$1"
}

# A wrk script that logs in over and over with a pre-session CSRF token.
login_script() { # URL EMAIL -> path of the Lua script
    local url=$1 email=$2 f=$WORK/login.lua token jar=$WORK/jar.login
    token=$(curl -fsS -c "$jar" "$url/auth/csrf" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrfToken"])')
    cat >"$f" <<LUA
wrk.method = "POST"
wrk.body = '{"email":"$email","password":"$BENCH_PASSWORD"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Origin"] = "$(origin_of "$url")"
wrk.headers["X-CSRF-Token"] = "$token"
wrk.headers["Cookie"] = "piloto_csrf=$token"
LUA
    echo "$f"
}

BENCH_PASSWORD="bench passphrase for piloto 42"
EXTRA_PIDS=()

bench_auth() {
    local cookie_sqlite cookie_pg pgdir pgurl script hashrate logins me_idle me_busy
    start_piloto_on PSQLITE "sqlite:$WORK/PSQLITE/data/piloto.db"
    cookie_sqlite=$(signup "$PSQLITE_URL" bench@example.com)
    add_target me-sqlite "$PSQLITE_URL/auth/me" "Cookie: $cookie_sqlite"
    TARGET_PIDS[me-sqlite]=$PSQLITE_PID
    # A workspace route: the session, then tenancy (membership and role), then the members.
    add_target members-sqlite \
        "$PSQLITE_URL/api/v1/workspaces/$(workspace "$PSQLITE_URL" "$cookie_sqlite")/members" \
        "Cookie: $cookie_sqlite"
    TARGET_PIDS[members-sqlite]=$PSQLITE_PID
    if [ -x "$ROOT/tests/support/pg.sh" ] && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
        pgdir=$WORK/pg
        pgurl=$("$ROOT/tests/support/pg.sh" start "$pgdir" "$(free_port)") || die "cannot start PostgreSQL"
        EVENTS_PG_URL=$pgurl
        PGDIR_TO_STOP=$pgdir
        start_piloto_on PPG "$pgurl"
        cookie_pg=$(signup "$PPG_URL" bench@example.com)
        add_target me-postgres "$PPG_URL/auth/me" "Cookie: $cookie_pg"
        # The postmaster and its backends: their CPU is the request's too.
        TARGET_PIDS[me-postgres]="$PPG_PID $(head -1 "$pgdir/data/postmaster.pid" 2>/dev/null || true)"
        add_target members-postgres \
            "$PPG_URL/api/v1/workspaces/$(workspace "$PPG_URL" "$cookie_pg")/members" \
            "Cookie: $cookie_pg"
        TARGET_PIDS[members-postgres]=${TARGET_PIDS[me-postgres]}
    fi
}

# Logins per second through HTTP against the raw Argon2id rate, and /auth/me's
# p99 alone and while 32 clients log in continuously (SQLite instance).
bench_logins() {
    local script out hashrate logins me_alone me_busy pid
    hashrate=$("$ROOT/build/bench/argon2_rate" 2 "$DURATION" | sed -E 's/.*: ([0-9.]+) hashes.*/\1/')
    script=$(login_script "$PSQLITE_URL" bench@example.com)
    out=$("$WRK" -t2 -c32 -d"${DURATION}s" --latency -s "$script" "$PSQLITE_URL/auth/login")
    logins=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    LOGIN_NON2XX=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
    out=$("$WRK" -t1 -c8 -d"${DURATION}s" --latency -H "Cookie: $(signup "$PSQLITE_URL" alone@example.com)" "$PSQLITE_URL/auth/me")
    me_alone=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
    "$WRK" -t1 -c32 -d"$((DURATION + 2))s" -s "$script" "$PSQLITE_URL/auth/login" >/dev/null &
    pid=$!
    sleep 1
    out=$("$WRK" -t1 -c8 -d"${DURATION}s" --latency -H "Cookie: $(signup "$PSQLITE_URL" busy@example.com)" "$PSQLITE_URL/auth/me")
    wait "$pid" || true
    me_busy=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
    {
        echo
        echo "# logins (Argon2id m=19 MiB t=2 p=1 on WORKER_THREADS=2), SQLite, wrk -t2 -c32"
        printf '%-34s %10s\n' "raw argon2id hashes/s (2 threads)" "$hashrate"
        printf '%-34s %10s\n' "POST /auth/login per second" "$logins"
        printf '%-34s %10s\n' "logins / raw hash rate" "$(awk -v a="$logins" -v b="$hashrate" 'BEGIN {printf "%.2f", a / b}')"
        printf '%-34s %10s\n' "non-2xx logins" "${LOGIN_NON2XX:-0}"
        printf '%-34s %10s\n' "/auth/me p99 ms, alone (c=8)" "$me_alone"
        printf '%-34s %10s\n' "/auth/me p99 ms, 32 logging in" "$me_busy"
    } >"$WORK/logins.txt"
}

# Retrieval latency over BENCH_CHUNKS chunks on both databases and a 10 MB PDF
# indexed (build/bench/knowledge_rate; BENCH_KNOWLEDGE=0 skips it).
bench_knowledge() {
    local chunks=${BENCH_CHUNKS:-50000} queries=${BENCH_QUERIES:-500} pgdir pgurl
    /usr/bin/python3 "$ROOT/tests/support/mkdocs.py" "$WORK/docs" --big-pdf 10
    {
        echo
        echo "# knowledge: retrieval over $chunks chunks, $queries questions; a 10 MB PDF indexed"
        (cd "$ROOT" && build/bench/knowledge_rate "sqlite:$WORK/knowledge.db" "$chunks" "$queries" \
            "$WORK/docs/big.pdf") | grep -v '"severity"' | sed 's/^/sqlite    /'
        if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
            pgdir=${PGDIR_TO_STOP:-}
            if [ -z "$pgdir" ]; then
                pgdir=$WORK/pg
                "$ROOT/tests/support/pg.sh" start "$pgdir" "$(free_port)" >/dev/null || die "cannot start PostgreSQL"
                PGDIR_TO_STOP=$pgdir
            fi
            pgurl=$("$ROOT/tests/support/pg.sh" url "$pgdir")
            psql -q "$pgurl" -c 'CREATE DATABASE knowledge' >/dev/null
            (cd "$ROOT" && build/bench/knowledge_rate "${pgurl%/*}/knowledge" "$chunks" "$queries" \
                "$WORK/docs/big.pdf") | grep -v '"severity"' | sed 's/^/postgres  /'
        fi
    } >"$WORK/knowledge.txt"
}

# The job queue (issue 11): enqueues/s (one transaction each) and claims/s
# (claim + no-op run + done, JOB_WORKERS threads) on SQLite and PostgreSQL,
# each on a database of its own (build/bench/jobs_rate).
bench_jobs() {
    local workers=${BENCH_JOB_WORKERS:-2} n=${BENCH_JOBS_N:-20000} pgurl
    {
        echo
        echo "# job queue: $n no-op jobs, enqueued one per transaction, then run by $workers workers"
        "$ROOT/build/bench/jobs_rate" "sqlite:$WORK/jobs-bench.db" "$workers" "$n"
        if [ -n "${PGDIR_TO_STOP:-}" ]; then
            pgurl=$("$ROOT/tests/support/pg.sh" url "$PGDIR_TO_STOP")
            psql "$pgurl" -qc "CREATE DATABASE jobs_bench" >/dev/null
            "$ROOT/build/bench/jobs_rate" "${pgurl%/*}/jobs_bench" "$workers" "$n"
        fi
    } >"$WORK/jobs.txt" 2>&1
}

report_extra() {
    local name pid
    cat "$WORK/logins.txt" 2>/dev/null || true
    cat "$WORK/knowledge.txt" 2>/dev/null || true
    cat "$WORK/jobs.txt" 2>/dev/null || true
    echo
    printf '%-18s %10s %10s\n' "auth instance" "VmRSS MiB" "VmHWM MiB"
    for name in PSQLITE PPG; do
        eval "pid=\${${name}_PID:-}"
        [ -n "$pid" ] || continue
        printf '%-18s %10s %10s\n' "$name" "$(mem_mib VmRSS "$pid")" "$(mem_mib VmHWM "$pid")"
    done
}

# --- WhatsApp webhooks (issue 11) ---------------------------------------------------

WA_SECRET=bench-wa-app-secret-0123456789
WA_PNID=109000000000001
PEER_DIR=${PEER_DIR:-$ROOT/../shared/peers/fastapi}
[ -d "$PEER_DIR" ] || PEER_DIR=/work/shared/peers/fastapi
WA_CONNS=${BENCH_WA_CONNECTIONS:-32}
WA_RATE=${BENCH_WA_RATE:-500}

# cpu_ticks PID: user+system clock ticks of PID and its children (uvicorn's workers).
cpu_ticks() {
    local total=0 p t
    for p in $1 $(pgrep -P "$1" || true); do
        t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
        total=$((total + ${t:-0}))
    done
    echo "$total"
}

# The workspace and agent every benchmarked webhook is for (seeded in SQL: the bench
# measures the webhook, not the sign-up).
WA_SEED="INSERT INTO workspaces (id, name, created_at, updated_at) VALUES ('wbench', 'Bench', 0, 0);
INSERT INTO agents (id, workspace_id, name, phone_number_id, access_token, created_at, updated_at)
VALUES ('abench', 'wbench', 'Bench', '$WA_PNID', 'v1.unused', 0, 0);"

start_wa_targets() {
    local pgurl
    WA_ENV=(WHATSAPP_APP_SECRET="$WA_SECRET")
    start_piloto_on WSQLITE "sqlite:$WORK/WSQLITE/data/piloto.db"
    sqlite3 "$WORK/WSQLITE/data/piloto.db" "$WA_SEED" || die "cannot seed the SQLite webhook target"
    WA_TARGETS=(wa-sqlite)
    WA_URL[wa-sqlite]=$WSQLITE_URL
    WA_PID[wa-sqlite]=$WSQLITE_PID
    WA_COUNT[wa-sqlite]="sqlite3 $WORK/WSQLITE/data/piloto.db"
    if [ -n "${PGDIR_TO_STOP:-}" ]; then
        pgurl=$("$ROOT/tests/support/pg.sh" url "$PGDIR_TO_STOP")
        psql -q "$pgurl" -c "CREATE DATABASE wabench" >/dev/null || die "cannot create wabench"
        pgurl=${pgurl%/*}/wabench
        start_piloto_on WPG "$pgurl"
        psql -q -v ON_ERROR_STOP=1 "$pgurl" -c "$WA_SEED" >/dev/null || die "cannot seed wabench"
        WA_TARGETS+=(wa-postgres)
        WA_URL[wa-postgres]=$WPG_URL
        WA_PID[wa-postgres]=$WPG_PID
        WA_COUNT[wa-postgres]="psql -qAt $pgurl -c"
    fi
    WA_ENV=()
    # Debian's python3 (python3-fastapi & co. from tools/deps.sh), whatever python3 PATH finds.
    if /usr/bin/python3 -c 'import fastapi, uvicorn, uvloop, httptools' 2>/dev/null; then
        local port
        port=$(free_port)
        mkdir -p "$WORK/peer"
        (cd "$PEER_DIR" && exec env -i PATH="$PATH" BENCH_DB="$WORK/peer/peer.db" \
            BENCH_WA_SECRET="$WA_SECRET" /usr/bin/python3 -m uvicorn app:app --host 127.0.0.1 \
            --port "$port" --no-access-log --loop uvloop --http httptools --workers 2 \
            >"$WORK/peer/log" 2>&1) &
        EXTRA_PIDS+=($!)
        WA_PEER_PID=$!
        wait_http "http://127.0.0.1:$port/healthz" || die "the FastAPI peer did not start"
        WA_TARGETS=(fastapi-peer "${WA_TARGETS[@]}")
        WA_URL[fastapi-peer]=http://127.0.0.1:$port
        WA_PID[fastapi-peer]=$WA_PEER_PID
        WA_COUNT[fastapi-peer]="sqlite3 $WORK/peer/peer.db"
    else
        echo "bench: the FastAPI peer needs python3-fastapi python3-uvicorn python3-uvloop" \
            "python3-httptools (tools/deps.sh); measuring piloto alone" >&2
    fi
}

# stored TARGET: messages the target holds.
stored() {
    local q="SELECT COUNT(*) FROM messages"
    [ "$1" = fastapi-peer ] && q="SELECT COUNT(*) FROM wa_messages"
    local n
    n=$(${WA_COUNT[$1]} "$q" 2>/dev/null | tail -1)
    echo "${n:-0}"
}

bench_webhooks() {
    local r name bodies out rps p99 ticks0 ticks1 n0 n1 hz rate_out
    declare -gA WA_URL WA_PID WA_COUNT
    start_wa_targets
    hz=$(getconf CLK_TCK)
    : >"$WORK/wa.tsv"
    for r in $(seq 1 "$ROUNDS"); do
        echo "webhooks round $r/$ROUNDS" >&2
        for name in "${WA_TARGETS[@]}"; do
            bodies=$WORK/bodies-$name-$r
            python3 "$ROOT/tests/bench/wa_bodies.py" "$bodies" 60000 "$WA_SECRET" "$WA_PNID" "r${r}x" 1
            n0=$(stored "$name")
            ticks0=$(cpu_ticks "${WA_PID[$name]}")
            out=$(BODIES=$bodies WRK_THREADS=1 "$WRK" -t1 -c"$WA_CONNS" -d"${DURATION}s" --latency \
                -s "$ROOT/tests/bench/wa.lua" "${WA_URL[$name]}/internal/whatsapp")
            ticks1=$(cpu_ticks "${WA_PID[$name]}")
            n1=$(stored "$name")
            rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
            p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
            non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rps" "$p99" "$(((n1 - n0) / DURATION))" \
                "$(awk -v t=$((ticks1 - ticks0)) -v hz="$hz" -v n="$rps" -v d="$DURATION" \
                    'BEGIN {if (n > 0) printf "%.0f", t / hz * 1e6 / (n * d); else print 0}')" \
                "${non2xx:-0}" >>"$WORK/wa.tsv"
            printf '  %-14s %8.0f POST/s  p99 %8.3f ms  stored %6d/s\n' "$name" "$rps" "$p99" \
                "$(((n1 - n0) / DURATION))" >&2
            rm -f "$bodies"
        done
    done
    # The ack latency at a fixed, sustainable rate (open loop: late answers count from when due).
    : >"$WORK/wa_rate.txt"
    for name in "${WA_TARGETS[@]}"; do
        bodies=$WORK/bodies-$name-rate
        python3 "$ROOT/tests/bench/wa_bodies.py" "$bodies" $((WA_RATE * DURATION)) "$WA_SECRET" \
            "$WA_PNID" "rate" 1
        rate_out=$(python3 "$ROOT/tests/bench/wa_rate.py" "${WA_URL[$name]}/internal/whatsapp" \
            "$bodies" "$WA_RATE" "$DURATION" 16)
        printf '%s\t%s\n' "$name" "$rate_out" >>"$WORK/wa_rate.txt"
        echo "  $name at $WA_RATE POST/s: $rate_out" >&2
        rm -f "$bodies"
    done
}

report_webhooks() {
    local name
    echo
    echo "# WhatsApp webhooks: one signed text message per POST, wrk -t1 -c$WA_CONNS -d${DURATION}s, $ROUNDS rounds (median)"
    echo "# piloto stores message + lead + conversation + raw payload (SQLite synchronous=FULL); the peer stores the message only (synchronous=FULL)"
    printf '%-14s %12s %12s %14s %16s %8s\n' target "POST/s" "p99 ms" "stored msg/s" "server CPU us/req" non2xx
    for name in "${WA_TARGETS[@]}"; do
        printf '%-14s %12.0f %12.3f %14.0f %16.0f %8s\n' "$name" \
            "$(awk -F'\t' -v n="$name" '$1 == n {print $2}' "$WORK/wa.tsv" | median)" \
            "$(awk -F'\t' -v n="$name" '$1 == n {print $3}' "$WORK/wa.tsv" | median)" \
            "$(awk -F'\t' -v n="$name" '$1 == n {print $4}' "$WORK/wa.tsv" | median)" \
            "$(awk -F'\t' -v n="$name" '$1 == n {print $5}' "$WORK/wa.tsv" | median)" \
            "$(awk -F'\t' -v n="$name" '$1 == n {s += $6} END {print s + 0}' "$WORK/wa.tsv")"
    done
    echo
    echo "# ack latency at a fixed $WA_RATE POST/s for ${DURATION}s, 16 connections, open loop"
    sed 's/\t/  /' "$WORK/wa_rate.txt"
}

# BENCH_WA_ONLY=1: the webhook rounds alone (their PostgreSQL cluster included).
wa_only() {
    if [ -x "$ROOT/tests/support/pg.sh" ] && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
        "$ROOT/tests/support/pg.sh" start "$WORK/pg" "$(free_port)" >/dev/null || die "cannot start PostgreSQL"
        PGDIR_TO_STOP=$WORK/pg
    fi
    bench_webhooks
    mkdir -p "$OUT_DIR"
    report_webhooks | tee "$OUT_DIR/results-wa.txt"
}

main() {
    if [ "${BENCH_WA_ONLY:-0}" = 1 ]; then
        wa_only
        return
    fi
    start_piloto
    start_nginx
    PILOTO_IDLE_RSS=$(mem_mib VmRSS "$PILOTO_PID")
    NGINX_IDLE_RSS=$(mem_mib VmRSS "$NGINX_PID")
    add_target piloto "$PILOTO_URL/healthz"
    TARGET_PIDS[piloto]=$PILOTO_PID
    add_target nginx "$NGINX_URL/healthz"
    TARGET_PIDS[nginx]=$NGINX_PID
    [ "${BENCH_AUTH:-1}" = 1 ] && bench_auth
    run_rounds
    bench_idle
    [ "${BENCH_AUTH:-1}" = 1 ] && [ "${BENCH_LOGINS:-1}" = 1 ] && bench_logins
    [ "${BENCH_KNOWLEDGE:-1}" = 1 ] && bench_knowledge
    [ "${BENCH_AUTH:-1}" = 1 ] && [ "${BENCH_JOBS:-1}" = 1 ] && bench_jobs
    [ "${BENCH_WA:-1}" = 1 ] && bench_webhooks
    # Live updates (issue 14): 1,000 open event streams on an instance of its own.
    if [ "${BENCH_EVENTS:-1}" = 1 ]; then
        python3 "$ROOT/tests/bench/events_bench.py" "$BIN" "$DURATION" >"$WORK/events.txt" ||
            die "events_bench.py failed"
        if [ -n "${EVENTS_PG_URL:-}" ]; then
            { echo; python3 "$ROOT/tests/bench/events_bench.py" "$BIN" "$DURATION" 1000 "$EVENTS_PG_URL"; } \
                >>"$WORK/events.txt" || die "events_bench.py (PostgreSQL) failed"
        fi
    fi
    # Agent replies (issue 13): our overhead around the model call, on an instance of its own.
    if [ "${BENCH_AGENTS:-1}" = 1 ]; then
        /usr/bin/python3 "$ROOT/tests/bench/agents_bench.py" "$BIN" "${BENCH_AGENTS_N:-200}" \
            >"$WORK/agents.txt" || die "agents_bench.py failed"
    fi
    mkdir -p "$OUT_DIR"
    { report; report_extra; } | tee "$RESULTS.tmp"
    {
        report
        [ "${BENCH_AUTH:-1}" = 1 ] && report_extra
        [ "${BENCH_WA:-1}" = 1 ] && report_webhooks
        echo
        cat "$WORK/events.txt" 2>/dev/null || true
        echo
        cat "$WORK/agents.txt" 2>/dev/null || true
    } | tee "$RESULTS.tmp"
    mv "$RESULTS.tmp" "$RESULTS"
    echo "(written to ${RESULTS#"$ROOT"/})" >&2
    kill -0 "$PILOTO_PID" 2>/dev/null || die "piloto died during the bench: $(tail -5 "$WORK/piloto/stderr.log")"
}

main "$@"
