#!/usr/bin/env bash
# The Mina tjänster benchmark: see bench/README.md.
#
#   bench/run.sh            # about 80 s; prints a table and writes it to bench/out/results.txt
#
# Environment (all optional):
#   MINA_BIN        the server binary            (default: build/mina)
#   MINA_BUILD_DIR  the CMake build directory    (default: build) for the mina_bench_hash_rate target
#   BENCH_SECONDS   length of each measurement   (default: 10)
#   BENCH_KEEP=1    keep the temporary directory (database, logs, nginx prefix) for inspection
#
# Everything runs on 127.0.0.1 and every process started here is stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${MINA_BUILD_DIR:-$ROOT/build}
MINA=${MINA_BIN:-$BUILD/mina}
OUT=$HERE/out
RAW=$OUT/raw
SECS=${BENCH_SECONDS:-10}
ROUNDS=5                                          # (a): login windows, each between two hash windows
LOGIN_WINDOW=$(( (SECS + ROUNDS - 1) / ROUNDS ))  # whole seconds per login window (wrk -d)
HASH_WINDOW=$(awk -v s="$SECS" -v r="$ROUNDS" 'BEGIN { printf "%.2f", s / (r + 1) }')  # per raw-rate window
FLOOD_LEAD=2                 # seconds the login flood runs before the start page is measured
PASSWORD='Mina-demo-2026!'   # what `mina admin demo` sets; the bench users get it too
CORES=$(nproc)

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }

[[ $SECS =~ ^[0-9]+$ && $SECS -ge 2 ]] || die "BENCH_SECONDS must be a whole number >= 2"

mkdir -p "$OUT" "$RAW"
rm -f "$RAW"/*
TMP=$(mktemp -d /tmp/mina-bench.XXXXXX)

# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
require wrk nginx curl awk

# One raw-rate window: runs the hash rate program into FILE and prints
# "rate hashes seconds cpu_seconds".
hash_window() {
    local out
    run "$HASH_RATE" "$HASH_WINDOW" "$CORES" >"$1" || die "mina_bench_hash_rate failed (see $1)"
    out=$(awk '/^result / { for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
                            printf "%.1f %s %s %s\n", r["hashes"] / r["seconds"], r["hashes"], r["seconds"], r["cpu_seconds"] }' "$1")
    [[ -n $out ]] || die "no result from mina_bench_hash_rate (see $1)"
    echo "$out"
}

# "tid cpu_ticks" for each thread of a process.
thread_ticks() {
    local t
    for t in /proc/"$1"/task/*; do
        awk -v tid="${t##*/}" '{ sub(/^.*\) /, ""); print tid, $12 + $13 }' "$t/stat" 2>/dev/null || true
    done | sort -k1,1
}

# "nice N, POLICY" of one thread.
thread_sched() {
    local nice policy
    nice=$(awk '{ sub(/^.*\) /, ""); print $17 }' "/proc/$1/task/$2/stat" 2>/dev/null || echo '?')
    policy=$( (chrt -p "$2" 2>/dev/null || true) | awk -F': ' '/policy/ {print $2}')
    echo "nice $nice ${policy:-?}"
}

# CPU seconds (user + system, all threads) of a process and its children processes (nginx workers).
tree_cpu() {
    local total=0 pid
    for pid in "$1" $(pgrep -P "$1" 2>/dev/null || true); do
        total=$(awk -v t="$total" -v hz="$CLK_TCK" '{ sub(/^.*\) /, ""); printf "%.3f", t + ($12 + $13) / hz }' "/proc/$pid/stat" 2>/dev/null || echo "$total")
    done
    echo "$total"
}

# wrk's run time in seconds ("123 requests in 10.01s, ...").
wrk_seconds() {
    awk '/ requests in / { v = $4; sub(/,$/, "", v); u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                            if (u == "ms") v /= 1000; else if (u == "m") v *= 60; print v }' "$1"
}

# Waits (up to 10 s) until a process has stopped using CPU: when wrk stops, the server still works
# off the logins already queued, and that must not overlap the next measurement.
# Successful logins the server has counted so far.
logins_counted() {
    curl -fsS "http://127.0.0.1:$PORT/metrics" | awk '/^mina_logins_total\{outcome="success"\}/ { printf "%d", $2 }'
}

# wrk's request count.

# CPU seconds (user + system, all threads) a process has used so far.

# ---- the raw hash rate program -------------------------------------------------------------------

HASH_RATE=$BUILD/bench/mina_bench_hash_rate
note "building mina_bench_hash_rate"
if ! cmake --build "$BUILD" --target mina_bench_hash_rate -j2 >"$RAW/build.log" 2>&1; then
    # The top-level configure can be broken by unrelated work in progress; the program depends on
    # libsodium only, so compile it directly rather than give up.
    note "cmake --build failed (see $RAW/build.log); compiling bench/hash_rate.cpp directly"
    HASH_RATE=$TMP/mina_bench_hash_rate
    # shellcheck disable=SC2046
    c++ -std=c++20 -O2 "$HERE/hash_rate.cpp" \
        $(pkg-config --cflags --libs libsodium) -pthread -o "$HASH_RATE" \
        >>"$RAW/build.log" 2>&1 || die "cannot build hash_rate.cpp (see $RAW/build.log)"
fi

# ---- the server ----------------------------------------------------------------------------------

server_env

note "creating the demo data and bench users"
"$MINA" admin demo >"$RAW/demo.txt"
mapfile -t USERS < <(awk '/^  [a-z0-9]+ \(/ {print $1}' "$RAW/demo.txt")
[[ ${#USERS[@]} -ge 2 ]] || die "could not read the demo usernames from 'mina admin demo' (see $RAW/demo.txt)"
SESSION_USER=${USERS[1]}   # Anna Admin: one school, so the start page shows it chosen, with its menu
for i in 1 2 3 4 5 6; do
    u=$("$MINA" admin person add --first Bench --last "User$i" --email "bench.user$i@example.se" | tail -n 1)
    echo "$PASSWORD" | "$MINA" admin person set-password --username "$u" >/dev/null
    "$MINA" admin grant --username "$u" --school DEMO1 --role studietider >/dev/null
    USERS+=("$u")
done
BENCH_USERS=$(IFS=,; echo "${USERS[*]}")

note "starting $MINA serve"
# Info level only for the line that names the port; the access log stays off.
MINA_LOG_LEVEL=info "$MINA" serve 2>"$TMP/serve.log" &
PIDS+=($!)
SERVER_PID=$!
wait_listening "$TMP/serve.log" "$SERVER_PID"
BASE=http://127.0.0.1:$PORT
HASH_THREADS=$(grep -o '[0-9]* hashing thread' "$TMP/serve.log" | grep -o '^[0-9]*' || echo '?')

# One login by hand: checks the protocol and gives the session for the start page.
login_session "$SESSION_USER"
COOKIE="Cookie: mina_session=$SESSION"

mkdir -p "$TMP/nginx/www" "$TMP/nginx/logs"
START_BODY=$TMP/nginx/www/start
code=$(curl -sS -o "$START_BODY" -w '%{http_code}' -H "$COOKIE" "$BASE/start")
[[ $code == 200 ]] || die "GET /start with the session answered $code"
grep -q 'logga-ut' "$START_BODY" || die "GET /start did not return the signed-in start page"
cp "$START_BODY" "$RAW/start.html"
START_BYTES=$(wc -c <"$START_BODY")

# ---- (a) logins per second against the raw hash rate ---------------------------------------------
#
# The machine's speed drifts (other tenants, memory bandwidth), so the raw rate and the logins are
# measured in alternating short windows, H L H L ... H, and each login window is set against the hash
# windows on either side of it. Each H measures the raw rate of the Argon2id computation the server's
# hashing threads run: libsodium as shipped (fresh memory mapped for every hash), the fastest raw
# Argon2id rate this machine gives through a supported interface (bench/README.md, issue [8] item 4).

note "(a) raw hash rates ($((ROUNDS + 1)) x ${HASH_WINDOW}s, $CORES threads) alternating with logins ($ROUNDS x ${LOGIN_WINDOW}s, wrk -t2 -c8)"
declare -a HRATE LRATE
LOGIN_OK=0 LOGIN_TIME=0 LOGIN_CPU=0 HASHES=0 HASH_SECS=0 HASH_CPU=0 REF_SUM=0
thread_ticks "$SERVER_PID" >"$TMP/ticks_before"
for (( r = 0; r <= ROUNDS; r++ )); do
    w=$(hash_window "$RAW/a_hash_rate_$r.txt")  # an assignment: a failure stops the run
    read -r 'HRATE[r]' h sec cpu <<<"$w"
    HASHES=$(( HASHES + h ))
    HASH_SECS=$(awk -v a="$HASH_SECS" -v b="$sec" 'BEGIN { print a + b }')
    HASH_CPU=$(awk -v a="$HASH_CPU" -v b="$cpu" 'BEGIN { print a + b }')
    if (( r > 0 )); then
        REF_SUM=$(awk -v a="$REF_SUM" -v x="${HRATE[r - 1]}" -v y="${HRATE[r]}" 'BEGIN { print a + (x + y) / 2 }')
    fi
    (( r == ROUNDS )) && break

    # wrk runs half a second longer on either side; the rate is the server's own login counter
    # over the steady middle, so neither the ramp nor the logins still queued when wrk stops count.
    f=$RAW/a_logins_$((r + 1)).txt
    BENCH_USERS=$BENCH_USERS BENCH_PASSWORD=$PASSWORD \
        wrk -t2 -c8 -d"$((LOGIN_WINDOW + 1))s" --timeout 30s --latency -s "$HERE/login.lua" "$BASE/logga-in" >"$f" &
    wpid=$!
    PIDS+=("$wpid")
    sleep 0.5
    n_a=$(logins_counted); t_a=$(date +%s.%N); cpu_a=$(proc_cpu "$SERVER_PID")
    sleep "$LOGIN_WINDOW"
    n_b=$(logins_counted); t_b=$(date +%s.%N); cpu_b=$(proc_cpu "$SERVER_PID")
    wait "$wpid" || die "(a) wrk failed (see $f)"
    read -r ok err < <(awk '/^login_result/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
                                              print r["ok"], r["errors"] }' "$f")
    [[ ${err:-x} == 0 ]] || die "(a) logins failed: $(grep login_result "$f" || echo "no login_result line in $f")"
    (( n_b > n_a )) || die "(a) no login succeeded (see $f)"
    wait_idle "$SERVER_PID"
    LRATE[r + 1]=$(awk -v n="$((n_b - n_a))" -v a="$t_a" -v b="$t_b" 'BEGIN { printf "%.1f", n / (b - a) }')
    LOGIN_OK=$(( LOGIN_OK + n_b - n_a ))
    LOGIN_WRK=$(( ${LOGIN_WRK:-0} + ok ))
    LOGIN_TIME=$(awk -v s="$LOGIN_TIME" -v a="$t_a" -v b="$t_b" 'BEGIN { print s + b - a }')
    LOGIN_CPU=$(awk -v s="$LOGIN_CPU" -v x="$cpu_a" -v y="$cpu_b" 'BEGIN { print s + y - x }')
done
thread_ticks "$SERVER_PID" >"$TMP/ticks_after"

LOGINS=$(awk -v n="$LOGIN_OK" -v t="$LOGIN_TIME" 'BEGIN { printf "%.2f", n / t }')
RAW_RATE=$(awk -v s="$REF_SUM" -v n="$ROUNDS" 'BEGIN { printf "%.2f", s / n }')
LOGIN_MS=$(awk -v c="$LOGIN_CPU" -v n="$LOGIN_OK" 'BEGIN { printf "%.1f", 1000 * c / n }')
HASH_MS=$(awk -v c="$HASH_CPU" -v n="$HASHES" 'BEGIN { printf "%.1f", 1000 * c / n }')
# The share of the cores the raw-rate program got: well below 100% means the machine was busy.
HASH_SHARE=$(awk -v c="$HASH_CPU" -v s="$HASH_SECS" -v n="$CORES" 'BEGIN { printf "%.0f", 100 * c / (s * n) }')
HRATES=$(IFS=' '; echo "${HRATE[*]}"); HRATES=${HRATES// /, }
LRATES=$(IFS=' '; echo "${LRATE[*]}"); LRATES=${LRATES// /, }

# The hashing threads are the busiest ones during the login windows; note how they are scheduled.
NHASH=${HASH_THREADS//[^0-9]/}
HASH_SCHED=$(join "$TMP/ticks_before" "$TMP/ticks_after" | awk '{print $3 - $2, $1}' | sort -rn |
    awk -v n="${NHASH:-$CORES}" 'NR <= n' | while read -r _ tid; do thread_sched "$SERVER_PID" "$tid"; done |
    sort | uniq -c | awk '{c = $1; $1 = ""; printf "%s%d x%s", (NR > 1 ? ", " : ""), c, $0}')

# ---- (b) the start page against nginx serving the same bytes -------------------------------------

wait_idle "$SERVER_PID"
WRK_B=(-t1 -c16 -d"${SECS}s" --latency)
note "(b) GET /start on mina (wrk ${WRK_B[*]})"
before=$(status_counts)
cpu_a=$(proc_cpu "$SERVER_PID")
run wrk "${WRK_B[@]}" -H "$COOKIE" "$BASE/start" >"$RAW/b_mina.txt"
cpu_b=$(proc_cpu "$SERVER_PID")
after=$(status_counts)
wrk_clean "$RAW/b_mina.txt" "(b) mina"
read -r ok2 ok3 bad < <(status_delta "$before" "$after")
(( ok3 == 0 && bad == 0 )) || die "(b) mina answered /start with $ok3 redirects and $bad errors (2xx: $ok2)"
MINA_RPS=$(wrk_rps "$RAW/b_mina.txt")
MINA_P99=$(wrk_p99_ms "$RAW/b_mina.txt")
MINA_US=$(us_per_request "$cpu_a" "$cpu_b" "$RAW/b_mina.txt")
KEPT_HITS=$(curl -fsS "$BASE/metrics" | awk '/^mina_session_pages_total\{result="hit"\}/ { printf "%d", $2 }')

# The same page rendered for every request: a second server on the same database that keeps no
# pages (server.session_cache_pages = 0), with the same session. Printed beside (b), not judged.
MINA_SERVER_SESSION_CACHE_PAGES=0 MINA_LOG_LEVEL=info "$MINA" serve 2>"$TMP/serve-render.log" &
PIDS+=($!)
RENDER_PID=$!
MAIN_PORT=$PORT  # wait_listening sets PORT: the main server keeps it
wait_listening "$TMP/serve-render.log" "$RENDER_PID"
RENDER_BASE=http://127.0.0.1:$PORT
PORT=$MAIN_PORT
curl -sS -o "$TMP/start-rendered" -H "$COOKIE" "$RENDER_BASE/start"
cmp -s "$TMP/start-rendered" "$START_BODY" || die "the server that keeps no pages answers /start with other bytes (see $TMP/start-rendered)"
note "(b) GET /start on a second server that renders every page (wrk ${WRK_B[*]})"
cpu_a=$(proc_cpu "$RENDER_PID")
run wrk "${WRK_B[@]}" -H "$COOKIE" "$RENDER_BASE/start" >"$RAW/b_mina_rendered.txt"
cpu_b=$(proc_cpu "$RENDER_PID")
wrk_clean "$RAW/b_mina_rendered.txt" "(b) mina rendering every page"
RENDER_RPS=$(wrk_rps "$RAW/b_mina_rendered.txt")
RENDER_US=$(us_per_request "$cpu_a" "$cpu_b" "$RAW/b_mina_rendered.txt")
kill -TERM "$RENDER_PID"
wait "$RENDER_PID" 2>/dev/null || true

NGINX_PORT=$(free_port)
NGINX_USER=
[[ $(id -u) == 0 ]] && NGINX_USER='user root;'
cat >"$TMP/nginx/nginx.conf" <<EOF
$NGINX_USER
worker_processes auto;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $TMP/nginx/www;
        location = /start { default_type "text/html; charset=utf-8"; }
    }
}
EOF
note "(b) GET /start on nginx (port $NGINX_PORT, same bytes as a static file)"
nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/logs/error.log" 2>"$TMP/nginx/logs/stderr.log" &
PIDS+=($!)
NGINX_PID=$!
for _ in $(seq 50); do
    curl -fsS -o "$TMP/nginx-start" "http://127.0.0.1:$NGINX_PORT/start" 2>/dev/null && break
    kill -0 "$NGINX_PID" 2>/dev/null || { cat "$TMP/nginx/logs/stderr.log" >&2; die "nginx exited"; }
    sleep 0.1
done
cmp -s "$TMP/nginx-start" "$START_BODY" || die "nginx does not serve the saved start page (see $TMP/nginx/logs/error.log)"
cpu_a=$(tree_cpu "$NGINX_PID")
run wrk "${WRK_B[@]}" "http://127.0.0.1:$NGINX_PORT/start" >"$RAW/b_nginx.txt"
cpu_b=$(tree_cpu "$NGINX_PID")
wrk_clean "$RAW/b_nginx.txt" "(b) nginx"
NGINX_RPS=$(wrk_rps "$RAW/b_nginx.txt")
NGINX_P99=$(wrk_p99_ms "$RAW/b_nginx.txt")
NGINX_US=$(us_per_request "$cpu_a" "$cpu_b" "$RAW/b_nginx.txt")
kill -TERM "$NGINX_PID" 2>/dev/null || true
wait "$NGINX_PID" 2>/dev/null || true

# ---- (c) the start page while a login flood keeps every hashing thread busy ----------------------

WRK_C=(-t1 -c2 -d"${SECS}s" --latency)
note "(c) login flood (wrk -t2 -c8) and, ${FLOOD_LEAD}s in, GET /start (wrk ${WRK_C[*]})"
BENCH_USERS=$BENCH_USERS BENCH_PASSWORD=$PASSWORD \
    wrk -t2 -c8 -d"$((SECS + FLOOD_LEAD + 1))s" --timeout 30s -s "$HERE/login.lua" "$BASE/logga-in" >"$RAW/c_flood.txt" &
PIDS+=($!)
FLOOD_PID=$!
sleep "$FLOOD_LEAD"
before=$(status_counts)
run wrk "${WRK_C[@]}" -H "$COOKIE" "$BASE/start" >"$RAW/c_start.txt"
wait "$FLOOD_PID" || die "(c) the login flood failed (see $RAW/c_flood.txt)"
after=$(status_counts)
wrk_clean "$RAW/c_start.txt" "(c) start page"
read -r FLOOD_OK FLOOD_ERR < <(awk '/^login_result/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
                                                      print r["ok"], r["errors"] }' "$RAW/c_flood.txt")
[[ ${FLOOD_ERR:-x} == 0 && ${FLOOD_OK:-0} -gt 0 ]] || die "(c) logins failed: $(grep login_result "$RAW/c_flood.txt" || echo 'no login_result line')"
read -r _ _ bad < <(status_delta "$before" "$after")
(( bad == 0 )) || die "(c) the server answered $bad requests with an error status"
UNDER_P99=$(wrk_p99_ms "$RAW/c_start.txt")
UNDER_RPS=$(wrk_rps "$RAW/c_start.txt")
FLOOD_RPS=$(wrk_rps "$RAW/c_flood.txt")

# ---- the table -----------------------------------------------------------------------------------

A_PCT=$(pct "$LOGINS" "$RAW_RATE")
B_PCT=$(pct "$MINA_RPS" "$NGINX_RPS")
A_OK=$(verdict ge "$A_PCT" 90)
B_OK=$(verdict ge "$B_PCT" 50)
C_OK=$(verdict lt "$UNDER_P99" 10)
REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

{
    echo "Mina tjänster benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(hostname), $CORES cores, mina $REV"
    echo "server: $HASH_THREADS hashing threads, Argon2id t=2 m=19 MiB, SQLite in $(dirname "$TMP"); start page $START_BYTES bytes"
    echo
    printf '(a) logins/s %.1f vs raw hash rate %.1f/s = %s%% (target >= 90%%)  %s\n' "$LOGINS" "$RAW_RATE" "$A_PCT" "$A_OK"
    printf '    reference: libsodium as shipped, as the server runs it (memory mapped afresh for every hash)\n'
    printf '    windows: raw %s /s, logins %s /s; raw-rate threads got %s%% of %s cores\n' \
        "$HRATES" "$LRATES" "$HASH_SHARE" "$CORES"
    printf '    %s logins counted in the windows, %s answered to wrk in all, 0 failed\n' "$LOGIN_OK" "$LOGIN_WRK"
    printf '    CPU time: %s ms per login (whole server process) vs %s ms per raw hash\n' "$LOGIN_MS" "$HASH_MS"
    printf '(b) /start req/s %.0f vs nginx static %.0f = %s%% (target >= 50%%)  %s\n' "$MINA_RPS" "$NGINX_RPS" "$B_PCT" "$B_OK"
    printf '    /start p99 %.2f ms vs nginx p99 %.2f ms (wrk %s)\n' "$MINA_P99" "$NGINX_P99" "${WRK_B[*]}"
    printf '    CPU time: %s us per request (mina) vs %s us (nginx, all workers)\n' "$MINA_US" "$NGINX_US"
    printf '    mina answered %s of its %s requests with the page kept for the session (server.session_cache_pages)\n' \
        "$KEPT_HITS" "$(wrk_requests "$RAW/b_mina.txt")"
    printf '    rendered for every request (a second server, session_cache_pages = 0): %.0f req/s = %s%% of nginx, %s us per request\n' \
        "$RENDER_RPS" "$(pct "$RENDER_RPS" "$NGINX_RPS")" "$RENDER_US"
    printf '(c) /start p99 under login flood %.2f ms (target < 10 ms)  %s\n' "$UNDER_P99" "$C_OK"
    printf '    /start %.0f req/s (wrk %s) beside %.1f logins/s (wrk -t2 -c8), 0 failed\n' \
        "$UNDER_RPS" "${WRK_C[*]}" "$FLOOD_RPS"
    printf '    hashing threads (the busiest during (a)): %s\n' "$HASH_SCHED"
    echo
    echo "load average at the end: $LOAD (anything else running on this machine skews every figure)"
    if (( HASH_SHARE < 90 )); then
        echo "WARNING: the raw-rate program got only $HASH_SHARE% of the cores: the machine was busy, the figures are noisy"
    fi
    echo "raw wrk and hash-rate output: bench/out/raw/"
} | tee "$OUT/results.txt"
