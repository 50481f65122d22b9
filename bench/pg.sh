#!/usr/bin/env bash
# Issue [4]'s benchmark: logins per second and start-page requests per second on PostgreSQL, for one
# and for two servers (behind nginx), beside SQLite on one server, all in one run on this machine.
#
#   bench/pg.sh             # about 60 s; prints a table and writes it to bench/out/pg-results.txt
#
# Environment (all optional): MINA_BIN (default build/mina), BENCH_SECONDS (each measurement,
# default 8), BENCH_KEEP=1 (keep the temporary directory).
#
# Target: the start page on PostgreSQL (one server) at least 70 % of its rate on SQLite.
# PostgreSQL runs durable here (fsync and synchronous_commit on, as in production), SQLite with
# synchronous = FULL (mina's default): both acknowledge only what survives a power cut.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
MINA=${MINA_BIN:-$ROOT/build/mina}
SECS=${BENCH_SECONDS:-8}
OUT=$HERE/out
RAW=$OUT/raw-pg
PASSWORD='Mina-demo-2026!'

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }
for tool in wrk nginx curl awk psql; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
[[ -x $MINA ]] || die "no server binary at $MINA (build it first, or set MINA_BIN)"
mkdir -p "$OUT" "$RAW"
rm -f "$RAW"/*
TMP=$(mktemp -d /tmp/mina-bench-pg.XXXXXX)
chmod 0755 "$TMP"  # the PostgreSQL server runs as the postgres user when this runs as root
export MINA_PG_DIR=$TMP/pg MINA_PG_PORT=$(( 57000 + RANDOM % 1000 )) MINA_PG_DURABLE=1

PIDS=()
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    "$ROOT/scripts/pg.sh" stop >/dev/null 2>&1 || true
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then note "kept $TMP"; else rm -rf "$TMP"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wrk_rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
wrk_clean() {
    ! grep -q 'Socket errors\|Non-2xx or 3xx' "$1" || die "$2: wrk reported $(grep 'Socket errors\|Non-2xx or 3xx' "$1")"
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }'; }

# Starts `mina serve` with the current environment (log in $1); sets PORT and PID.
serve() {
    local log=$1
    PORT=
    MINA_LOG_LEVEL=info "$MINA" serve 2>"$log" &
    PID=$!
    PIDS+=("$PID")
    for _ in $(seq 100); do
        PORT=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$log" | grep -o '[0-9]*$' || true)
        [[ -n $PORT ]] && return
        sleep 0.1
    done
    die "the server did not start (see $log)"
}

# nginx on loopback, round-robin over the given ports; sets PORT.
balance() {
    local port=$(( 58000 + RANDOM % 1000 )) dir=$TMP/nginx servers=
    mkdir -p "$dir"
    for p in "$@"; do servers+="server 127.0.0.1:$p; "; done
    cat >"$dir/nginx.conf" <<NGINX
$([[ $(id -u) == 0 ]] && echo 'user root;')
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
    upstream mina { $servers keepalive 32; }
    server {
        listen 127.0.0.1:$port;
        location / {
            proxy_pass http://mina;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$remote_addr;
        }
    }
}
NGINX
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
    PIDS+=($!)
    for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.1; done
    PORT=$port
}

# The demo data and six bench users in the database of the current environment.
setup_data() {
    "$MINA" admin demo >"$RAW/demo-$1.txt"
    USERS=()
    mapfile -t USERS < <(awk '/^  [a-z0-9]+ \(/ {print $1}' "$RAW/demo-$1.txt")
    for i in 1 2 3 4 5 6; do
        u=$("$MINA" admin person add --first Bench --last "User$i" --email "bench.user$i@example.se" | tail -n 1)
        echo "$PASSWORD" | "$MINA" admin person set-password --username "$u" >/dev/null
        "$MINA" admin grant --username "$u" --school DEMO1 --role studietider >/dev/null
        USERS+=("$u")
    done
    BENCH_USERS=$(IFS=,; echo "${USERS[*]}")
}

# A session cookie of Anna Admin (one school: the full start page with its menu).
session_cookie() {
    local base=$1 token
    token=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | head -c 43)
    curl -sS -o /dev/null -D "$TMP/h" -H "Cookie: mina_pre=$token" --data-urlencode "csrf=$token" \
        --data-urlencode "username=${USERS[1]}" --data-urlencode "password=$PASSWORD" "$base/logga-in"
    tr -d '\r' <"$TMP/h" | awk -F'[=;]' 'tolower($0) ~ /^set-cookie: mina_session=/ {print "Cookie: mina_session=" $2; exit}'
}

# Measures one setup at $1 (base URL) named $2: prints "logins_per_s start_per_s".
measure() {
    local base=$1 name=$2 cookie
    cookie=$(session_cookie "$base")
    [[ -n $cookie ]] || die "$name: the login set no session"
    BENCH_USERS=$BENCH_USERS BENCH_PASSWORD=$PASSWORD \
        wrk -t2 -c8 -d"${SECS}s" --timeout 30s -s "$HERE/login.lua" "$base/logga-in" >"$RAW/$name-logins.txt"
    grep -q 'login_result ok=[1-9][0-9]* errors=0' "$RAW/$name-logins.txt" || die "$name: logins failed (see $RAW/$name-logins.txt)"
    sleep 1
    wrk -t1 -c16 -d"${SECS}s" -H "$cookie" "$base/start" >"$RAW/$name-start.txt"
    wrk_clean "$RAW/$name-start.txt" "$name start page"
    echo "$(wrk_rps "$RAW/$name-logins.txt") $(wrk_rps "$RAW/$name-start.txt")"
}

export MINA_SERVER_LISTEN=127.0.0.1:0 MINA_SERVER_ACCESS_LOG=false MINA_LOG_LEVEL=warn
export MINA_POLICY_CLIENT_MAX_FAILURES=1000000
# PostgreSQL needs the key that seals personal identity numbers (issue [6]); SQLite would write one.
MINA_SECURITY_IDENTITY_KEY=$("$MINA" admin identity-key)
export MINA_SECURITY_IDENTITY_KEY

note "SQLite, one server"
export MINA_DATABASE_URL="sqlite:$TMP/mina.db"
setup_data sqlite
serve "$TMP/sqlite.log"
read -r SQ_LOGINS SQ_START < <(measure "http://127.0.0.1:$PORT" sqlite)
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true

note "PostgreSQL (durable), one server"
ADMIN=$("$ROOT/scripts/pg.sh" start | tail -n 1)
psql -X -q "$ADMIN" -c 'CREATE DATABASE mina_bench' >/dev/null
export MINA_DATABASE_URL="${ADMIN%/*}/mina_bench"
setup_data pg
serve "$TMP/pg1.log"; port1=$PORT
read -r PG1_LOGINS PG1_START < <(measure "http://127.0.0.1:$port1" pg-one)

note "PostgreSQL, two servers behind nginx"
serve "$TMP/pg2.log"; port2=$PORT
balance "$port1" "$port2"
read -r PG2_LOGINS PG2_START < <(measure "http://127.0.0.1:$PORT" pg-two)

PCT=$(pct "$PG1_START" "$SQ_START")
VERDICT=$(awk -v p="$PCT" 'BEGIN { print (p >= 70 ? "PASS" : "MISS") }')
{
    echo "Mina tjänster on PostgreSQL, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, mina $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
    echo "logins: wrk -t2 -c8 -d${SECS}s (login.lua); start page: wrk -t1 -c16 -d${SECS}s with a session"
    printf '%-34s %12s %14s\n' "setup" "logins/s" "start page/s"
    printf '%-34s %12s %14s\n' "SQLite, one server" "$SQ_LOGINS" "$SQ_START"
    printf '%-34s %12s %14s\n' "PostgreSQL, one server" "$PG1_LOGINS" "$PG1_START"
    printf '%-34s %12s %14s\n' "PostgreSQL, two servers + nginx" "$PG2_LOGINS" "$PG2_START"
    echo "start page on PostgreSQL = $PCT % of SQLite (target >= 70 %): $VERDICT"
    echo "(two servers share these $(nproc) cores with PostgreSQL, nginx and wrk: on one machine they can only show that the setup works, not scale)"
} | tee "$OUT/pg-results.txt"
