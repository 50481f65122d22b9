# Shared by the benchmark scripts (run.sh, studietider.sh, reports.sh, oidc.sh): sourced after die(),
# note() and TMP are defined. Process bookkeeping (every child tracked and stopped on exit), a free port, and
# reading wrk's output and the server's /metrics.

# ---- process bookkeeping -------------------------------------------------------------------------

PIDS=()
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        # Give each a few seconds, then insist.
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then note "kept $TMP"; else rm -rf "$TMP"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- what a benchmark needs ----------------------------------------------------------------------

# Every tool named is on PATH and $MINA is an executable (made absolute), or the run stops.
require() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "$tool is not installed (Debian: apt-get install $tool)"
    done
    [[ -x $MINA ]] || die "no server binary at $MINA (build it first, or set MINA_BIN)"
    MINA=$(cd "$(dirname "$MINA")" && pwd)/$(basename "$MINA")
}

# The server's environment every benchmark starts from: a fresh SQLite database in $TMP, any free
# port (read from its log), no access log, warnings only, and no per-client throttle to trip over.
server_env() {
    export MINA_DATABASE_URL="sqlite:$TMP/mina.db"
    export MINA_SERVER_LISTEN=127.0.0.1:0
    export MINA_SERVER_ACCESS_LOG=false
    export MINA_LOG_LEVEL=warn
    export MINA_POLICY_CLIENT_MAX_FAILURES=1000000
    # The benchmarks log in with a password alone, the demo's school admin too ([12]).
    export MINA_POLICY_SECOND_FACTOR_ROLES=
}

# One login by hand as user $1 with $PASSWORD at $BASE: checks the protocol (303, a mina_session
# cookie) and sets SESSION to the portal session. The headers are kept in $RAW/login-headers.txt,
# the session's value blanked.
login_session() {
    local user=$1 token
    token=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | head -c 43)
    curl -sS -o /dev/null -D "$RAW/login-headers.txt" -H "Cookie: mina_pre=$token" \
        --data-urlencode "csrf=$token" --data-urlencode "username=$user" --data-urlencode "password=$PASSWORD" \
        "$BASE/logga-in"
    head -n 1 "$RAW/login-headers.txt" | grep -q ' 303' || die "login as $user failed: $(head -n 1 "$RAW/login-headers.txt")"
    SESSION=$(tr -d '\r' <"$RAW/login-headers.txt" | awk -F'[=;]' 'tolower($0) ~ /^set-cookie: mina_session=/ {print $2; exit}')
    [[ -n $SESSION ]] || die "the login set no mina_session cookie"
    sed -i 's/mina_session=[^;]*/mina_session=<token>/' "$RAW/login-headers.txt"
}

# ---- helpers -------------------------------------------------------------------------------------

# Runs a command as a tracked child and waits for it, so that a signal stops the run at once.
run() {
    "$@" &
    local pid=$!
    PIDS+=("$pid")
    wait "$pid"
}

# A free TCP port on 127.0.0.1: below the ephemeral range (where wrk's own connections live) and
# not used by any socket.
free_port() {
    local p lo
    lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    (( lo > 12000 )) || lo=32768
    for _ in $(seq 200); do
        p=$(( 10000 + RANDOM % (lo - 10000) ))
        if command -v ss >/dev/null; then
            [[ -z $(ss -Htan "( sport = :$p )" 2>/dev/null) ]] && { echo "$p"; return 0; }
        elif ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"; return 0
        fi
    done
    die "no free port found"
}

# wrk's "Requests/sec:" figure, and how many requests it made.
wrk_rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
wrk_requests() { awk '/ requests in / {print $1}' "$1"; }

# wrk's p99 from --latency, in milliseconds.
wrk_p99_ms() {
    awk '$1 == "99%" {
        v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
        if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000;
        printf "%.2f", v }' "$1"
}

# Microseconds of CPU per request: CPU seconds $1 before and $2 after the wrk run whose output is $3.
us_per_request() {
    awk -v a="$1" -v b="$2" -v n="$(wrk_requests "$3")" 'BEGIN { printf "%.0f", 1e6 * (b - a) / n }'
}

# Fails the run if wrk saw socket errors or non-2xx/3xx responses.
wrk_clean() {
    local f=$1 what=$2
    if grep -q 'Socket errors' "$f"; then die "$what: wrk reported socket errors: $(grep 'Socket errors' "$f")"; fi
    if grep -q 'Non-2xx or 3xx' "$f"; then die "$what: wrk reported $(grep 'Non-2xx or 3xx' "$f")"; fi
}

# mina_http_requests_total by status class, from /metrics of the server at $PORT: prints
# "1xx 2xx 3xx 4xx 5xx".
status_counts() {
    curl -fsS "http://127.0.0.1:$PORT/metrics" | awk '
        /^mina_http_requests_total\{code="[1-5]xx"\}/ { c = substr($1, index($1, "\"") + 1, 1); n[c] = $2 }
        END { printf "%d %d %d %d %d\n", n[1], n[2], n[3], n[4], n[5] }'
}

# Difference of two status_counts lines: prints "2xx 3xx other".
status_delta() {
    local -a a b
    read -r -a a <<<"$1"
    read -r -a b <<<"$2"
    echo "$(( b[1] - a[1] )) $(( b[2] - a[2] )) $(( b[0] - a[0] + b[3] - a[3] + b[4] - a[4] ))"
}

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
verdict() { if "$@"; then echo "PASS"; else echo "MISS"; fi; }

# CPU seconds a process has used so far (user + system).
CLK_TCK=$(getconf CLK_TCK)
proc_cpu() { awk -v hz="$CLK_TCK" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' "/proc/$1/stat"; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# ---- shared helpers ------------------------------------------------------------------------------

# A rate with one decimal below 100, none above.
rate() { awk -v r="$1" 'BEGIN { printf (r < 100 ? "%.1f" : "%.0f"), r }'; }
# The first CSRF token of a saved page.
csrf_of() { grep -o 'name="csrf" value="[^"]*"' "$1" | head -n 1 | sed 's/.*value="//; s/"$//'; }
# Waits (at most 30 s) until the server (process $1) uses no CPU, so that a measurement
# does not start while it still works on the last one.
wait_idle() {
    local pid=$1 a b
    for _ in $(seq 150); do
        a=$(proc_cpu "$pid"); sleep 0.2; b=$(proc_cpu "$pid")
        awk -v a="$a" -v b="$b" 'BEGIN { exit !(b - a < 0.01) }' && return 0
    done
    note "warning: the server is still busy"
}

# Waits until the server $2, logging to $1, says where it listens (at most $3 tenths of a second,
# default 100); sets PORT. Dies if the server exits first or never says so.
wait_listening() {
    local log=$1 pid=$2 tenths=${3:-100}
    PORT=
    for _ in $(seq "$tenths"); do
        PORT=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$log" | grep -o '[0-9]*$' || true)
        [[ -n $PORT ]] && return
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "the server exited"; }
        sleep 0.1
    done
    die "the server did not say where it listens within $((tenths / 10)) s (see $log)"
}

# The hidden fields of the form with action $3 in the page $1, HTML-unescaped, as a form body in $2
# (with any extra name=value pairs after $3).
form_body() {
    python3 - "$@" <<'PY'
import sys, urllib.parse
from html.parser import HTMLParser

page, out, action, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

class Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.current = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'form':
            self.current = (a.get('action') or '', [])
            self.forms.append(self.current)
        elif tag == 'input' and self.current is not None and (a.get('type') or '').lower() == 'hidden' and a.get('name'):
            self.current[1].append((a['name'], a.get('value') or ''))
    def handle_endtag(self, tag):
        if tag == 'form':
            self.current = None

p = Forms()
p.feed(open(page, encoding='utf-8', newline='').read())  # the file's CRLF kept: its sha256 is checked
fields = next((f for act, f in p.forms if act.split('?')[0] == action), None)
if fields is None:
    sys.exit(f'no form with action {action} in {page}')
fields = fields + [tuple(e.split('=', 1)) for e in extra]
with open(out, 'w', encoding='utf-8') as f:
    f.write(urllib.parse.urlencode(fields))
PY
}

# ---- shared by the scripts that measure beside the start page (studietider.sh, oidc.sh) ----------

mean() { printf '%s\n' "$@" | awk '{ s += $1; n++ } END { printf "%.2f", (n ? s / n : 0) }'; }
maxof() { printf '%s\n' "$@" | awk 'NR == 1 || $1 > m { m = $1 } END { printf "%.2f", m }'; }
joined() { local IFS=' '; local s="$*"; echo "${s// /, }"; }

# One window of GET /start with the session ($COOKIE) at $BASE, wrk ${WRK[@]} with --latency: its
# rate, p99 and the server's CPU (S_RPS, S_P99, S_CPU, S_N); any answer but 200 stops the run.
window_start() {
    local i=$1 f=$RAW/start-$1.txt before after cpu_a cpu_b ok2 ok3 bad
    wait_idle "$SERVER_PID"
    note "window S$i: GET /start with the session (wrk ${WRK[*]} --latency)"
    before=$(status_counts)
    cpu_a=$(proc_cpu "$SERVER_PID")
    run wrk "${WRK[@]}" --latency -H "$COOKIE" "$BASE/start" >"$f"
    cpu_b=$(proc_cpu "$SERVER_PID")
    after=$(status_counts)
    wrk_clean "$f" "S$i"
    read -r ok2 ok3 bad < <(status_delta "$before" "$after")
    (( ok3 == 0 && bad == 0 )) || die "S$i: /start answered $ok3 redirects and $bad errors (2xx: $ok2)"
    S_RPS+=("$(wrk_rps "$f")"); S_P99+=("$(wrk_p99_ms "$f")")
    S_CPU=$(awk -v s="$S_CPU" -v a="$cpu_a" -v b="$cpu_b" 'BEGIN { print s + b - a }'); S_N=$(( S_N + $(wrk_requests "$f") ))
}
