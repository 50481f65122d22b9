#!/usr/bin/env bash
# Issue [11]'s benchmark (single sign-on, Mina tjänster as the OpenID Provider): full authorizations
# per second (authorize with a live portal session -> code -> token -> userinfo), for a client whose
# ID tokens are signed RS256 and one signed ES256, beside the start page's rate from the same run,
# with the same wrk -tN -cN. See bench/README.md.
#
#   bench/oidc.sh    # about 105 s; prints a table and writes it to bench/out/oidc.txt
#
# Environment (all optional):
#   MINA_BIN        the server binary                                (default: build/mina)
#   BENCH_SECONDS   length of each wrk window                        (default: 10; 9 windows)
#   BENCH_THREADS   N of wrk -tN -cN: wrk threads = connections      (default: 4)
#   BENCH_KEEP=1    keep the temporary directory (database, logs) for inspection
#
# Target: full authorizations/s >= 25 % of the start page's requests/s, for RS256 and ES256 each.
# Everything runs on 127.0.0.1 and every process started here is stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
MINA=${MINA_BIN:-$ROOT/build/mina}
OUT=$HERE/out
RAW=$OUT/raw-oidc
SECS=${BENCH_SECONDS:-10}
N=${BENCH_THREADS:-4}
PASSWORD='Mina-demo-2026!'    # what `mina admin demo` sets
REDIRECT_URI=http://127.0.0.1:9/cb   # registered for both clients; never followed
# One fixed PKCE pair: CHALLENGE = base64url(SHA-256(VERIFIER)) (checked below). oidc.lua has the same.
VERIFIER=dBjftJeZ4CVP-mJ0kZJgXrwOYwKKwmxZlVTTSNUcStg
CHALLENGE=BywPl2yevAgjBWC8-rr0nRt-B8t7BXc8A8jAR8TibzY
SCOPE='openid profile email schools'
TARGET=25

# On failure the server's log is kept beside the raw output.
die() {
    echo "bench: $*" >&2
    if [[ -n ${TMP:-} && -f $TMP/serve.log ]]; then cp "$TMP/serve.log" "$RAW/serve.log"; fi
    exit 1
}
note() { echo "bench: $*" >&2; }

[[ $SECS =~ ^[0-9]+$ && $SECS -ge 2 ]] || die "BENCH_SECONDS must be a whole number >= 2"
[[ $N =~ ^[0-9]+$ && $N -ge 1 ]] || die "BENCH_THREADS must be a whole number >= 1"

mkdir -p "$OUT" "$RAW"
rm -f "$RAW"/*
TMP=$(mktemp -d /tmp/mina-bench-oidc.XXXXXX)
T0=$(date +%s.%N)

# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
require wrk curl awk python3 openssl

minof() { printf '%s\n' "$@" | awk 'NR == 1 || $1 < m { m = $1 } END { printf "%.2f", m }'; }
urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

python3 - "$VERIFIER" "$CHALLENGE" <<'PY' || die "the PKCE pair does not match"
import base64, hashlib, sys
v, c = sys.argv[1], sys.argv[2]
sys.exit(base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest()).rstrip(b'=').decode() != c)
PY

# ---- the data: the demo and two confidential clients ----------------------------------------------

server_env

note "creating the demo data and two clients (RS256 and ES256)"
(cd "$TMP" && "$MINA" admin demo) >"$RAW/demo.txt"
mapfile -t USERS < <(awk '/^  [a-z0-9]+ \(/ {print $1}' "$RAW/demo.txt")
[[ ${#USERS[@]} -ge 2 ]] || die "could not read the demo usernames from 'mina admin demo' (see $RAW/demo.txt)"
SESSION_USER=${USERS[1]}   # Anna Admin: one school, so the start page shows it chosen, with its menu

# Registers a client; prints its secret (the last line `mina admin client add` prints).
add_client() {
    local id=$1 out=$RAW/client-$1.txt
    shift
    (cd "$TMP" && "$MINA" admin client add --id "$id" --name Bench --redirect-uri "$REDIRECT_URI" "$@") >"$out" ||
        die "mina admin client add --id $id failed"
    local secret
    secret=$(tail -n 1 "$out")
    [[ $secret =~ ^[A-Za-z0-9_-]{32,}$ ]] || die "no secret on the last line of 'mina admin client add --id $id' (see $out)"
    sed -i '$ s/.*/<secret>/' "$out"   # the raw output keeps no secret
    echo "$secret"
}
declare -A SECRET ALG_OF
SECRET[bench-rs]=$(add_client bench-rs)
SECRET[bench-es]=$(add_client bench-es --id-token-alg ES256)
ALG_OF[bench-rs]=RS256
ALG_OF[bench-es]=ES256

# ---- the server ----------------------------------------------------------------------------------

note "starting $MINA serve"
# Info level only for the line that names the port; the access log stays off. Its working directory
# is the temporary one (the identity key it makes, and mail without an SMTP server, go there).
(cd "$TMP" && MINA_LOG_LEVEL=info exec "$MINA" serve) 2>"$TMP/serve.log" &
PIDS+=($!)
SERVER_PID=$!
wait_listening "$TMP/serve.log" "$SERVER_PID"
BASE=http://127.0.0.1:$PORT
cp "$TMP/serve.log" "$RAW/serve-start.log"

# One login by hand (as run.sh): the portal session that every authorization rides on.
login_session "$SESSION_USER"
COOKIE="Cookie: mina_session=$SESSION"
code=$(curl -sS -o "$RAW/start.html" -w '%{http_code}' -H "$COOKIE" "$BASE/start")
[[ $code == 200 ]] || die "GET /start with the session answered $code"
grep -q 'logga-ut' "$RAW/start.html" || die "GET /start did not return the signed-in start page"
START_BYTES=$(wc -c <"$RAW/start.html")

# ---- one full authorization by curl, for each client ---------------------------------------------

# authorize (303, code in Location) -> token (200, access_token, an ID token whose header's alg is
# the client's) -> userinfo (200, sub). Writes $RAW/chain-<id>-*.txt (tokens blanked).
check_chain() {
    local id=$1 alg=${ALG_OF[$1]} f=$RAW/chain-$1 location code_ token_json access userinfo header
    curl -sS -o /dev/null -D "$f-authorize.txt" -H "$COOKIE" \
        "$BASE/oidc/authorize?response_type=code&client_id=$id&redirect_uri=$(urlencode "$REDIRECT_URI")&scope=$(urlencode "$SCOPE")&state=s&nonce=n&code_challenge=$CHALLENGE&code_challenge_method=S256"
    head -n 1 "$f-authorize.txt" | grep -q ' 303' || die "$id: GET /oidc/authorize answered $(head -n 1 "$f-authorize.txt")"
    location=$(tr -d '\r' <"$f-authorize.txt" | awk 'tolower($1) == "location:" {print $2; exit}')
    [[ $location == "$REDIRECT_URI?"* ]] || die "$id: /oidc/authorize redirected to '$location', not $REDIRECT_URI"
    code_=$(grep -o '[?&]code=[^&]*' <<<"$location" | cut -d= -f2 || true)
    [[ -n $code_ ]] || die "$id: no code in the authorization's Location ($location)"
    token_json=$(curl -sS -w '\n%{http_code}' -u "$id:${SECRET[$id]}" --data-urlencode grant_type=authorization_code \
        --data-urlencode "code=$code_" --data-urlencode "redirect_uri=$REDIRECT_URI" \
        --data-urlencode "code_verifier=$VERIFIER" "$BASE/oidc/token")
    [[ ${token_json##*$'\n'} == 200 ]] || die "$id: POST /oidc/token answered ${token_json##*$'\n'}: ${token_json%$'\n'*}"
    token_json=${token_json%$'\n'*}
    read -r access header < <(python3 -c '
import base64, json, sys
t = json.loads(sys.argv[1])
h = t["id_token"].split(".")[0]
print(t["access_token"], json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["alg"])' "$token_json") ||
        die "$id: the token answer has no access_token or no readable id_token: $token_json"
    [[ $header == "$alg" ]] || die "$id: the ID token's header says alg $header, not $alg"
    userinfo=$(curl -sS -w '\n%{http_code}' -H "Authorization: Bearer $access" "$BASE/oidc/userinfo")
    [[ ${userinfo##*$'\n'} == 200 ]] || die "$id: GET /oidc/userinfo answered ${userinfo##*$'\n'}"
    grep -q '"sub"' <<<"$userinfo" || die "$id: userinfo has no sub: $userinfo"
    sed -i 's/code=[^&]*/code=<code>/' "$f-authorize.txt"
    python3 -c 'import json, sys; t = json.loads(sys.argv[1]); t["access_token"] = "<token>"; print(json.dumps(t))' \
        "$token_json" >"$f-token.json"
    echo "${userinfo%$'\n'*}" >"$f-userinfo.json"
    note "one full authorization for $id works; its ID token is $header"
}
check_chain bench-rs
check_chain bench-es

# ---- the chains beside the start page, alternating: S R S E S R S E S ---------------------------

WRK=(-t"$N" -c"$N" -d"${SECS}s")
declare -a S_RPS S_P99 R_CPS E_CPS R_RPS E_RPS
S_CPU=0; S_N=0
declare -A C_CPU C_CHAINS C_REQS
C_CPU=([bench-rs]=0 [bench-es]=0); C_CHAINS=([bench-rs]=0 [bench-es]=0); C_REQS=([bench-rs]=0 [bench-es]=0)


# The group commit's transactions and writes so far (/metrics): "transactions writes".
group_counts() {
    curl -fsS "$BASE/metrics" | awk '/^mina_group_commit_transactions_total / { t = $2 } /^mina_group_commit_writes_total / { w = $2 }
        END { printf "%d %d\n", t, w }'
}
G_TX=0; G_WRITES=0

# The full authorization of client $2 in window $1 (R1, E1, ...).
window_chain() {
    local name=$1 id=$2 f=$RAW/chain-$1.txt before after cpu_a cpu_b ok2 ok3 bad chains cps g_a g_b
    wait_idle "$SERVER_PID"
    note "window $name: full authorizations for $id (${ALG_OF[$id]}) (wrk ${WRK[*]} -s oidc.lua)"
    before=$(status_counts)
    g_a=$(group_counts)
    cpu_a=$(proc_cpu "$SERVER_PID")
    BENCH_SESSION=$SESSION BENCH_CLIENT_ID=$id BENCH_CLIENT_SECRET=${SECRET[$id]} BENCH_ALG=${ALG_OF[$id]} \
        BENCH_REDIRECT_URI=$REDIRECT_URI run wrk "${WRK[@]}" -s "$HERE/oidc.lua" "$BASE/" >"$f" ||
        die "$name: wrk failed (see $f)"
    cpu_b=$(proc_cpu "$SERVER_PID")
    g_b=$(group_counts)
    after=$(status_counts)
    read -r G_TX G_WRITES < <(awk -v a="$g_a" -v b="$g_b" -v t="$G_TX" -v w="$G_WRITES" \
        'BEGIN { split(a, x, " "); split(b, y, " "); print t + y[1] - x[1], w + y[2] - x[2] }')
    grep -q '^oidc_result chains=[1-9][0-9]* errors=0 ' "$f" ||
        die "$name: $(grep '^oidc_result' "$f" || echo 'no oidc_result line') (see $f);" \
            "the server's last error: $(grep -m1 -o ' error .*' <(tac "$TMP/serve.log") || echo none)" \
            "($(grep -c ' error ' "$TMP/serve.log" || true) error lines in $RAW/serve.log)"
    wrk_clean "$f" "$name"
    read -r ok2 ok3 bad < <(status_delta "$before" "$after")
    (( bad == 0 )) || die "$name: the server answered $bad requests with neither 2xx nor 3xx (/metrics)"
    chains=$(awk '/^oidc_result/ { sub(/.*chains=/, ""); print $1 + 0 }' "$f")
    cps=$(awk '/^oidc_result/ { sub(/.*chains_per_s=/, ""); print $1 + 0 }' "$f")
    if [[ $id == bench-rs ]]; then R_CPS+=("$cps"); R_RPS+=("$(wrk_rps "$f")"); else E_CPS+=("$cps"); E_RPS+=("$(wrk_rps "$f")"); fi
    C_CPU[$id]=$(awk -v s="${C_CPU[$id]}" -v a="$cpu_a" -v b="$cpu_b" 'BEGIN { print s + b - a }')
    C_CHAINS[$id]=$(( C_CHAINS[$id] + chains ))
    C_REQS[$id]=$(( C_REQS[$id] + $(wrk_requests "$f") ))
}

window_start 1
window_chain R1 bench-rs
window_start 2
window_chain E1 bench-es
window_start 3
window_chain R2 bench-rs
window_start 4
window_chain E2 bench-es
window_start 5

# Each chain window against the mean of the start windows on either side: S1 R1 S2 E1 S3 R2 S4 E2 S5.
beside() { awk -v q="$1" -v a="$2" -v b="$3" 'BEGIN { print 100 * q / ((a + b) / 2) }'; }
ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { r = (a + b) / 2; printf (r < 10 ? "%.1f" : "%.0f"), r }'; }
R_RATIOS=("$(beside "${R_CPS[0]}" "${S_RPS[0]}" "${S_RPS[1]}")" "$(beside "${R_CPS[1]}" "${S_RPS[2]}" "${S_RPS[3]}")")
E_RATIOS=("$(beside "${E_CPS[0]}" "${S_RPS[1]}" "${S_RPS[2]}")" "$(beside "${E_CPS[1]}" "${S_RPS[3]}" "${S_RPS[4]}")")
R_RATIO=$(ratio_of "${R_RATIOS[@]}")
E_RATIO=$(ratio_of "${E_RATIOS[@]}")
START_RPS=$(mean "${S_RPS[@]}")
START_P99=$(maxof "${S_P99[@]}")
RS_CPS=$(mean "${R_CPS[@]}")
ES_CPS=$(mean "${E_CPS[@]}")
us_per() { awk -v c="$1" -v n="$2" 'BEGIN { printf "%.0f", n ? 1e6 * c / n : 0 }'; }
START_US=$(us_per "$S_CPU" "$S_N")
RS_US=$(us_per "${C_CPU[bench-rs]}" "${C_CHAINS[bench-rs]}")
ES_US=$(us_per "${C_CPU[bench-es]}" "${C_CHAINS[bench-es]}")
RS_REQ_US=$(us_per "${C_CPU[bench-rs]}" "${C_REQS[bench-rs]}")
ES_REQ_US=$(us_per "${C_CPU[bench-es]}" "${C_REQS[bench-es]}")
pcts() { local r out=(); for r in "$@"; do out+=("$(awk -v r="$r" 'BEGIN { printf "%.0f%%", r }')"); done; joined "${out[@]}"; }

# ---- the signing alone ----------------------------------------------------------------------------

# What the signatures alone allow on this machine: OpenSSL's own rate for the private-key operation of
# each algorithm, every core signing and nothing else running (no HTTP, no database, no wrk). An
# authorization signs once, so this is its ceiling, beside the same start page.
note "openssl speed -multi $(nproc): RSA-2048 and ECDSA P-256 signatures per second"
openssl speed -seconds 2 -multi "$(nproc)" rsa2048 ecdsap256 >"$RAW/openssl-speed.txt" 2>/dev/null ||
    die "openssl speed failed (see $RAW/openssl-speed.txt)"
RSA_SIGNS=$(awk '/^rsa 2048 bits/ { print $(NF - 1) }' "$RAW/openssl-speed.txt")
EC_SIGNS=$(awk '/ecdsa \(nistp256\)/ { print $(NF - 1) }' "$RAW/openssl-speed.txt")
[[ -n $RSA_SIGNS && -n $EC_SIGNS ]] || die "no signing rates in openssl speed's output (see $RAW/openssl-speed.txt)"
of_start() { awk -v a="$1" -v s="$START_RPS" 'BEGIN { printf "%.0f", 100 * a / s }'; }

# ---- the table -----------------------------------------------------------------------------------

REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
{
    echo "Mina tjänster: single sign-on benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(hostname), $(nproc) cores, mina $REV"
    echo "one full authorization = GET /oidc/authorize (portal session; 303 with code) -> POST /oidc/token (client_secret_basic, PKCE S256; 200) -> GET /oidc/userinfo (Bearer; 200)"
    echo "scope '$SCOPE', SQLite; start page $START_BYTES bytes"
    echo
    printf '%-52s %10s %10s\n' "wrk -t$N -c$N -d${SECS}s, S R S E S R S E S" "per s" "p99 ms"
    printf '%-52s %10s %10.2f\n' "S: GET /start (session), requests" "$(rate "$START_RPS")" "$START_P99"
    printf '%-52s %10s %10s\n' "R: full authorizations, ID token RS256" "$(rate "$RS_CPS")" "-"
    printf '%-52s %10s %10s\n' "E: full authorizations, ID token ES256" "$(rate "$ES_CPS")" "-"
    printf 'RS256 authorizations/start = %s %% (target >= %s %%)  %s\n' "$R_RATIO" "$TARGET" "$(verdict ge "$R_RATIO" "$TARGET")"
    printf 'ES256 authorizations/start = %s %% (target >= %s %%)  %s\n' "$E_RATIO" "$TARGET" "$(verdict ge "$E_RATIO" "$TARGET")"
    printf '    windows: start %s req/s (p99 %s ms); RS256 %s /s; ES256 %s /s\n' \
        "$(joined "${S_RPS[@]}")" "$(joined "${S_P99[@]}")" "$(joined "${R_CPS[@]}")" "$(joined "${E_CPS[@]}")"
    printf '    ratio of each chain window to the start windows on either side: RS256 %s; ES256 %s\n' \
        "$(pcts "${R_RATIOS[@]}")" "$(pcts "${E_RATIOS[@]}")"
    printf '    requests/s in the chain windows (three a chain): RS256 %s; ES256 %s\n' "$(joined "${R_RPS[@]}")" "$(joined "${E_RPS[@]}")"
    printf '    CPU time (whole server process): %s us per RS256 authorization (%s us a request), %s us per ES256 authorization (%s us a request), %s us per start page\n' \
        "$RS_US" "$RS_REQ_US" "$ES_US" "$ES_REQ_US" "$START_US"
    printf '    writes committed in the chain windows: %s in %s transactions (%s a transaction; an authorization is two writes: the audit row of the code, committed unsynced, and at the exchange the record of its use with an audit row, synced)\n' \
        "$G_WRITES" "$G_TX" "$(awk -v w="$G_WRITES" -v t="$G_TX" 'BEGIN { printf "%.1f", t ? w / t : 0 }')"
    printf '    the signing alone (openssl speed -multi %s, every core, nothing else): RSA-2048 %s/s = %s %% of the start page, ECDSA P-256 %s/s = %s %%: an authorization signs once, so RS256 can reach no more\n' \
        "$(nproc)" "$(rate "$RSA_SIGNS")" "$(of_start "$RSA_SIGNS")" "$(rate "$EC_SIGNS")" "$(of_start "$EC_SIGNS")"
    printf '    %s RS256 and %s ES256 authorizations completed, none failed (every step checked in oidc.lua; /metrics: no 4xx or 5xx)\n' \
        "${C_CHAINS[bench-rs]}" "${C_CHAINS[bench-es]}"
    echo
    echo "load average at the end: $LOAD (anything else running on this machine skews every figure); run time $(elapsed "$T0") s"
    echo "raw wrk output and the curl check of one chain per client: bench/out/raw-oidc/"
} | tee "$OUT/oidc.txt"
cp "$TMP/serve.log" "$RAW/serve.log"
