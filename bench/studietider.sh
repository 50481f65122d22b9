#!/usr/bin/env bash
# Issue [5]'s benchmark (Studietider och utbildningar): the public search "Ansök om studiemedel" on
# 2,000 schools x 50 educations x 4 published study periods, beside the start page, from one run;
# and the upload of a 10,000-row CSV file (preview plus save). See bench/README.md.
#
#   bench/studietider.sh    # about 80 s; prints a table and writes it to bench/out/studietider.txt
#
# Environment (all optional):
#   MINA_BIN        the server binary                     (default: build/mina)
#   BENCH_SECONDS   length of each wrk window             (default: 10; 9 windows plus a half one)
#   BENCH_KEEP=1    keep the temporary directory (database, logs, CSV, preview page) for inspection
#
# Targets: search requests/s >= 50 % of the start page's; upload (preview + save) < 2 s.
# Everything runs on 127.0.0.1 and every process started here is stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
MINA=${MINA_BIN:-$ROOT/build/mina}
OUT=$HERE/out
RAW=$OUT/raw-studietider
SECS=${BENCH_SECONDS:-10}
SCHOOLS=2000                  # schools in the search data set
PER_SCHOOL=50                 # educations per school, each with 4 published periods
UPLOAD_EDUCATIONS=2500        # educations in the CSV file, 4 rows (periods) each
PASSWORD='Mina-demo-2026!'    # what `mina admin demo` sets
READY_TIMEOUT=60              # seconds the server may take to start (it may build a search index)
STUDIETIDER=/tjanster/studietider

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }

[[ $SECS =~ ^[0-9]+$ && $SECS -ge 2 ]] || die "BENCH_SECONDS must be a whole number >= 2"

mkdir -p "$OUT" "$RAW"
rm -f "$RAW"/*
TMP=$(mktemp -d /tmp/mina-bench-st.XXXXXX)
T0=$(date +%s.%N)

# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
require wrk curl awk sqlite3 python3

# The save form's hidden fields (csrf, fil, filnamn, plan) of the preview, HTML-unescaped, as a form
# body in $TMP/save.body; on failure the reason in $TMP/extract.err.
save_body() {
    form_body "$RAW/preview.html" "$TMP/save.body" "$STUDIETIDER/fil/spara" 2>"$TMP/extract.err" || return 1
    local missing='' n
    for n in csrf fil filnamn plan; do grep -qE "(^|&)$n=" "$TMP/save.body" || missing+=" $n"; done
    [[ -z $missing ]] || { echo "the save form lacks the hidden field(s)$missing" >"$TMP/extract.err"; return 1; }
}

# ---- helpers of this benchmark -------------------------------------------------------------------

# A rate: whole numbers from 100 up, one decimal below.
# The CSRF token of the forms in an HTML page.

# ---- the data ------------------------------------------------------------------------------------

server_env
DB=$TMP/mina.db

note "creating the demo data"
"$MINA" admin demo >"$RAW/demo.txt"
mapfile -t USERS < <(awk '/^  [a-z0-9]+ \(/ {print $1}' "$RAW/demo.txt")
[[ ${#USERS[@]} -ge 2 ]] || die "could not read the demo usernames from 'mina admin demo' (see $RAW/demo.txt)"
UPLOAD_USER=${USERS[0]}    # Pelle Test: studietider at DEMO1 (and DEMO2, so he chooses DEMO1)
SESSION_USER=${USERS[1]}   # Anna Admin: one school, so the start page shows it chosen, with its menu

note "filling $SCHOOLS schools x $PER_SCHOOL educations x 4 published periods (sqlite3, one transaction)"
t=$(date +%s.%N)
{
    echo "CREATE TEMP TABLE bench_size AS SELECT $SCHOOLS AS schools, $PER_SCHOOL AS per_school;"
    cat "$HERE/studietider_fill.sql"
} | sqlite3 -bail -cmd '.timeout 10000' "$DB" >/dev/null || die "the fill failed"
FILL_SECS=$(elapsed "$t")
read -r N_SCHOOLS N_EDU N_PERIODS N_VERSIONS < <(sqlite3 -separator ' ' "$DB" "
    SELECT (SELECT count(*) FROM schools WHERE code GLOB 'SK[0-9]*'),
           (SELECT count(*) FROM educations WHERE school_code GLOB 'SK[0-9]*'),
           (SELECT count(*) FROM study_periods p JOIN educations e ON e.id = p.education_id
             WHERE e.school_code GLOB 'SK[0-9]*' AND p.published_version = 1 AND p.changed = 0),
           (SELECT count(*) FROM study_period_versions v JOIN study_periods p ON p.id = v.period_id
             JOIN educations e ON e.id = p.education_id WHERE e.school_code GLOB 'SK[0-9]*')")
(( N_SCHOOLS == SCHOOLS && N_EDU == SCHOOLS * PER_SCHOOL && N_PERIODS == 4 * N_EDU && N_VERSIONS == N_PERIODS )) ||
    die "the fill made $N_SCHOOLS schools, $N_EDU educations, $N_PERIODS periods, $N_VERSIONS versions"
note "filled in ${FILL_SECS}s: $N_SCHOOLS schools, $N_EDU educations, $N_PERIODS study periods (database $(du -m "$DB" | cut -f1) MB)"

# The search queries, from the data (deterministic): text<TAB>term a line. 50 queries of 5 kinds:
#   12 a school's full name       ("Gällivare universitet 8", term HT2026 or any)
#   10 a school code              ("SK0421", a term)
#   10 one word of a school name  (the town, term HT2026)
#   10 an education code          ("EDU-31337", any term)
#    8 an education's name        ("Sjuksköterskeprogrammet", a term)
QUERIES=$RAW/queries.tsv
sqlite3 -separator $'\t' "$DB" "
    WITH RECURSIVE k(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k WHERE k < 11),
    terms(i, t) AS (VALUES (0, 'HT2026'), (1, 'VT2027'), (2, 'HT2027'), (3, 'VT2028'), (4, '')),
    school(k, code, name) AS (SELECT k.k, s.code, s.name FROM k JOIN schools s
                              ON s.code = printf('SK%04d', (k.k * 167 + 5) % $SCHOOLS + 1)),
    programme(n, name) AS (SELECT row_number() OVER (ORDER BY name), name
                           FROM (SELECT DISTINCT name FROM educations WHERE school_code GLOB 'SK[0-9]*')),
    q(text, term, kind, k) AS (
        SELECT name, CASE k % 2 WHEN 0 THEN 'HT2026' ELSE '' END, 1, k FROM school
        UNION ALL
        SELECT s.code, t.t, 2, k.k FROM k JOIN schools s ON s.code = printf('SK%04d', (k.k * 389 + 11) % $SCHOOLS + 1)
            JOIN terms t ON t.i = k.k % 5 WHERE k.k < 10
        UNION ALL
        SELECT replace(replace(replace(rtrim(s.name, '0123456789 '), 'Folkhögskolan i ', ''), 'Yrkeshögskolan ', ''),
                       ' universitet', ''), 'HT2026', 3, k.k
            FROM k JOIN schools s ON s.code = printf('SK%04d', (k.k * 233 + 2) % $SCHOOLS + 1) WHERE k.k < 10
        UNION ALL
        SELECT e.code, '', 4, k.k FROM k JOIN educations e
            ON e.code = printf('EDU-%04d', ((k.k * 211 + 29) % $SCHOOLS) * $PER_SCHOOL + (k.k * 7) % $PER_SCHOOL + 1)
            WHERE k.k < 10
        UNION ALL
        SELECT p.name, t.t, 5, k.k FROM k JOIN programme p ON p.n = k.k * 7 + 1
            JOIN terms t ON t.i = k.k % 4 WHERE k.k < 8)
    SELECT text, term FROM q ORDER BY k, kind" >"$QUERIES"
N_QUERIES=$(wc -l <"$QUERIES")
(( N_QUERIES == 50 )) || die "expected 50 search queries, made $N_QUERIES (see $QUERIES)"
# The broad query: one common word, a whole word in a third of the schools' names (so it matches
# alike whether the search looks for substrings or for the beginnings of words).
BROAD_Q=folkhögskolan
N_BROAD=$(sqlite3 "$DB" "SELECT count(*) FROM educations e JOIN schools s ON s.code = e.school_code
                         WHERE instr(lower(s.name), '$BROAD_Q') > 0 OR instr(lower(e.name), '$BROAD_Q') > 0")

# ---- the server ----------------------------------------------------------------------------------

note "starting $MINA serve (waiting up to ${READY_TIMEOUT}s: it may build its search index first)"
t=$(date +%s.%N)
# Info level only for the line that names the port; the access log stays off. Its working directory
# is the temporary one (mail without an SMTP server goes to ./var/mail).
(cd "$TMP" && MINA_LOG_LEVEL=info exec "$MINA" serve) 2>"$TMP/serve.log" &
PIDS+=($!)
SERVER_PID=$!
wait_listening "$TMP/serve.log" "$SERVER_PID" $(( READY_TIMEOUT * 10 ))
BASE=http://127.0.0.1:$PORT
deadline=$(( $(date +%s) + READY_TIMEOUT ))
until [[ $(curl -s -o /dev/null -m 30 -w '%{http_code}' "$BASE/studiemedel?q=SK0001&termin=" || true) == 200 ]]; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/serve.log" >&2; die "the server exited"; }
    (( $(date +%s) < deadline )) || die "the public search did not answer 200 within ${READY_TIMEOUT}s (see $TMP/serve.log)"
    sleep 0.2
done
READY_SECS=$(elapsed "$t")
cp "$TMP/serve.log" "$RAW/serve-start.log"

# One login by hand (as run.sh): the session for the start page.
TOKEN=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | head -c 43)
curl -sS -o /dev/null -D "$RAW/login-headers.txt" -H "Cookie: mina_pre=$TOKEN" \
    --data-urlencode "csrf=$TOKEN" --data-urlencode "username=$SESSION_USER" --data-urlencode "password=$PASSWORD" \
    "$BASE/logga-in"
head -n 1 "$RAW/login-headers.txt" | grep -q ' 303' || die "login as $SESSION_USER failed: $(head -n 1 "$RAW/login-headers.txt")"
SESSION=$(tr -d '\r' <"$RAW/login-headers.txt" | awk -F'[=;]' 'tolower($0) ~ /^set-cookie: mina_session=/ {print $2; exit}')
[[ -n $SESSION ]] || die "the login set no mina_session cookie"
COOKIE="Cookie: mina_session=$SESSION"
code=$(curl -sS -o "$RAW/start.html" -w '%{http_code}' -H "$COOKIE" "$BASE/start")
[[ $code == 200 ]] || die "GET /start with the session answered $code"
grep -q 'logga-ut' "$RAW/start.html" || die "GET /start did not return the signed-in start page"
START_BYTES=$(wc -c <"$RAW/start.html")

# Every query once (two at a time): all must answer 200; count what they find (a hit is a
# <section class="card">). Writes text, term, hits, bytes a line.
note "checking the $N_QUERIES search queries once each"
python3 - "$BASE" "$QUERIES" >"$RAW/queries-hits.tsv" <<'PY' || die "a search query failed (see above)"
import sys, urllib.parse, urllib.request, urllib.error
from concurrent.futures import ThreadPoolExecutor

base, path = sys.argv[1], sys.argv[2]
queries = [line.rstrip('\n').split('\t') for line in open(path, encoding='utf-8') if line.strip()]

def one(q):
    url = base + '/studiemedel?' + urllib.parse.urlencode({'q': q[0], 'termin': q[1]})
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            body = r.read()
            return q, r.status, body
    except urllib.error.HTTPError as e:
        return q, e.code, b''

failed = False
with ThreadPoolExecutor(max_workers=2) as pool:
    for q, status, body in pool.map(one, queries):
        if status != 200:
            print(f'bench: GET /studiemedel?q={q[0]}&termin={q[1]} answered {status}', file=sys.stderr)
            failed = True
        hits = body.count(b'<section class="card"')
        print(f'{q[0]}\t{q[1]}\t{hits}\t{len(body)}')
sys.exit(1 if failed else 0)
PY
read -r HITS_MEAN HITS_MAX HITS_ZERO SEARCH_BYTES < <(awk -F'\t' '{ s += $3; z += ($3 == 0); if ($3 > m) m = $3; b += $4 }
    END { printf "%.0f %d %d %.0f\n", s / NR, m, z, b / NR }' "$RAW/queries-hits.tsv")

# ---- the search beside the start page, alternating: S Q S Q S, then the broad query ---------------

WRK=(-t1 -c16 -d"${SECS}s" --latency)
export BENCH_QUERIES=$QUERIES
declare -a S_RPS S_P99 Q_RPS Q_P99
S_CPU=0; S_N=0; Q_CPU=0; Q_N=0

# Waits (up to 30 s) until the server has stopped using CPU: when wrk stops, the server may still
# work off the requests already queued, and that must not overlap the next window.

# Runs the search script against the server into $2; fails on any answer other than 200.
search_wrk() {
    local name=$1 f=$2
    shift 2
    run wrk "$@" --timeout 30s -s "$HERE/studietider_search.lua" "$BASE/studiemedel" >"$f" || die "$name: wrk failed (see $f)"
    grep -q '^search_result ok=[1-9][0-9]* errors=0 ' "$f" ||
        die "$name: $(grep '^search_result' "$f" || echo 'no search_result line') (see $f)"
    wrk_clean "$f" "$name"
}

window_search() {
    local i=$1 f=$RAW/search-$1.txt cpu_a cpu_b
    wait_idle "$SERVER_PID"
    note "window Q$i: GET /studiemedel, $N_QUERIES queries in rotation, no login (wrk ${WRK[*]})"
    cpu_a=$(proc_cpu "$SERVER_PID")
    search_wrk "Q$i" "$f" "${WRK[@]}"
    cpu_b=$(proc_cpu "$SERVER_PID")
    Q_RPS+=("$(wrk_rps "$f")"); Q_P99+=("$(wrk_p99_ms "$f")")
    Q_CPU=$(awk -v s="$Q_CPU" -v a="$cpu_a" -v b="$cpu_b" 'BEGIN { print s + b - a }'); Q_N=$(( Q_N + $(wrk_requests "$f") ))
}

# The same, every query spelled anew (BENCH_VARY_CASE): no page is kept rendered for it.
declare -a U_RPS U_P99
U_CPU=0; U_N=0
window_search_new() {
    local i=$1 f=$RAW/search-new-$1.txt cpu_a cpu_b
    wait_idle "$SERVER_PID"
    note "window U$i: GET /studiemedel, every query spelled anew so that no page is kept for it (wrk ${WRK[*]})"
    cpu_a=$(proc_cpu "$SERVER_PID")
    BENCH_VARY_CASE=1 search_wrk "U$i" "$f" "${WRK[@]}"
    cpu_b=$(proc_cpu "$SERVER_PID")
    U_RPS+=("$(wrk_rps "$f")"); U_P99+=("$(wrk_p99_ms "$f")")
    U_CPU=$(awk -v s="$U_CPU" -v a="$cpu_a" -v b="$cpu_b" 'BEGIN { print s + b - a }'); U_N=$(( U_N + $(wrk_requests "$f") ))
}

window_start 1
window_search 1
window_start 2
window_search_new 1
window_start 3
window_search 2
window_start 4
window_search_new 2
window_start 5

BROAD_SECS=$(( SECS / 2 > 2 ? SECS / 2 : 2 ))
note "the broad query q=$BROAD_Q (information only; spelled anew each time; wrk -t1 -c16 -d${BROAD_SECS}s)"
printf '%s\t\n' "$BROAD_Q" >"$TMP/broad.tsv"
code=$(curl -sS -o "$TMP/broad.html" -w '%{http_code} %{time_total}' -G --data-urlencode "q=$BROAD_Q" --data-urlencode "termin=" "$BASE/studiemedel")
[[ ${code%% *} == 200 ]] || die "GET /studiemedel?q=$BROAD_Q answered ${code%% *}"
BROAD_HITS=$(grep -o '<section class="card"' "$TMP/broad.html" | wc -l || true)
BROAD_ONE_MS=$(awk -v s="${code#* }" 'BEGIN { printf "%.1f", 1000 * s }')
wait_idle "$SERVER_PID"
BENCH_VARY_CASE=1 BENCH_QUERIES=$TMP/broad.tsv search_wrk "broad" "$RAW/broad.txt" -t1 -c16 -d"${BROAD_SECS}s" --latency
BROAD_RPS=$(wrk_rps "$RAW/broad.txt")
BROAD_P99=$(wrk_p99_ms "$RAW/broad.txt")

START_RPS=$(mean "${S_RPS[@]}")
SEARCH_RPS=$(mean "${Q_RPS[@]}")
START_P99=$(maxof "${S_P99[@]}")
SEARCH_P99=$(maxof "${Q_P99[@]}")
# Each search window against the mean of the start windows on either side of it: S1 Q1 S2 U1 S3
# Q2 S4 U2 S5.
beside() { awk -v q="$1" -v a="$2" -v b="$3" 'BEGIN { print 100 * q / ((a + b) / 2) }'; }
ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { r = (a + b) / 2; printf (r < 10 ? "%.1f" : "%.0f"), r }'; }
RATIO=$(ratio_of "$(beside "${Q_RPS[0]}" "${S_RPS[0]}" "${S_RPS[1]}")" "$(beside "${Q_RPS[1]}" "${S_RPS[2]}" "${S_RPS[3]}")")
NEW_RATIO=$(ratio_of "$(beside "${U_RPS[0]}" "${S_RPS[1]}" "${S_RPS[2]}")" "$(beside "${U_RPS[1]}" "${S_RPS[3]}" "${S_RPS[4]}")")
SEARCH_OK=$(verdict ge "$RATIO" 50)
NEW_OK=$(verdict ge "$NEW_RATIO" 50)
NEW_RPS=$(mean "${U_RPS[@]}")
NEW_P99=$(maxof "${U_P99[@]}")
NEW_US=$(awk -v c="$U_CPU" -v n="$U_N" 'BEGIN { printf "%.0f", n ? 1e6 * c / n : 0 }')
START_US=$(awk -v c="$S_CPU" -v n="$S_N" 'BEGIN { printf "%.0f", n ? 1e6 * c / n : 0 }')
SEARCH_US=$(awk -v c="$Q_CPU" -v n="$Q_N" 'BEGIN { printf "%.0f", n ? 1e6 * c / n : 0 }')

# ---- the upload of a 10,000-row CSV file: preview, then save --------------------------------------

CSV=$TMP/studietider.csv
note "writing a CSV file of $(( UPLOAD_EDUCATIONS * 4 )) rows for DEMO1"
awk -v n="$UPLOAD_EDUCATIONS" 'BEGIN {
    split("Sjuksköterskeprogrammet|Civilingenjör i datateknik|Ekonomi A|Svenska som andraspråk|Programmering 1|" \
          "Socionomprogrammet|Förskollärarprogrammet|Civilingenjör i maskinteknik|Ekonomi B|Svenska 1|" \
          "Programmering 2|Juristprogrammet|Grundlärarprogrammet|Högskoleingenjör i byggteknik|Engelska 5|" \
          "Matematik 1a|Webbutveckling 1|Psykologprogrammet|Ämneslärarprogrammet|Civilingenjör i elektroteknik|" \
          "Engelska 6|Matematik 2b|Allmän kurs|Läkarprogrammet|Systemvetenskapliga programmet|" \
          "Fastighetsmäklarprogrammet|Historia 1b|Matematik 3c|Allmän kurs med inriktning musik|" \
          "Arbetsterapeutprogrammet|Fysioterapeutprogrammet|Samhällskunskap 1b|Naturkunskap 1b|Skrivarlinjen|" \
          "Tandhygienistprogrammet|Barnmorskeprogrammet|Kemi 1|Fysik 1a|Musiklinjen|" \
          "Röntgensjuksköterskeprogrammet|Ekonomprogrammet|Biologi 1|Psykologi 1|Teaterlinjen|" \
          "Mjukvaruutvecklare .NET|Redovisningsekonom|Konst och form|Journalistik|Fotografi|" \
          "Fullstackutvecklare JavaScript|Lönespecialist|Keramik|Textil och design|Logistiker|Undersköterska|" \
          "Barnskötare|Elektriker|Projektledare bygg|Medicinsk sekreterare|Kock och restaurang", prog, "|")
    split("Kiruna|Luleå|Umeå|Sundsvall|Östersund|Gävle|Falun|Karlstad|Västerås|Uppsala|Stockholm|Södertälje|" \
          "Eskilstuna|Nyköping|Örebro|Norrköping|Linköping|Jönköping|Växjö|Kalmar|Karlskrona|Kristianstad|" \
          "Malmö|Lund|Helsingborg|Halmstad|Varberg|Göteborg|Uddevalla|Trollhättan|Skövde|Borås|Visby|" \
          "Mora|Ludvika|Hudiksvall|Skellefteå|Piteå|Härnösand|Motala|Ystad|Kungsbacka", town, "|")
    np = length(prog); nt = length(town)
    split("HT2026 VT2027 HT2027 VT2028", label, " ")
    split("2026-08-31 2027-01-18 2027-08-30 2028-01-17", first, " ")
    split("2027-01-17 2027-06-06 2028-01-16 2028-06-04", last, " ")
    split("2026-12-21/2027-01-06||2027-12-20/2028-01-06|", lov, "|")
    print "Utbildningskod;Utbildningens namn;Nivå;Poängtyp;Omfattning;Distans;Uppdragsutbildning;Studietid;Första dag;Sista dag;Poäng;Studietakt;Lov;Status"
    for (i = 0; i < n; i++) {
        # Distinct names: a programme at a campus (60 programmes x 42 towns >= 2,500).
        name = prog[i % np + 1] ", " town[int(i / np) % nt + 1]
        for (k = 1; k <= 4; k++)
            printf "B%04d;%s;eftergymnasial;hp;120;nej;nej;%s;%s;%s;30;;%s;publicerad\n",
                   i + 1, name, label[k], first[k], last[k], (i % 2 == 0 ? lov[k] : "")
    }
}' >"$CSV"
CSV_ROWS=$(( $(wc -l <"$CSV") - 1 ))
CSV_BYTES=$(wc -c <"$CSV")
cp "$CSV" "$RAW/studietider.csv"

UPLOAD_STATUS=  # "" (measured), or why not
PREVIEW_S=; SAVE_S=; UPLOAD_S=
JAR=$TMP/upload.jar
wait_idle "$SERVER_PID"
note "logging in as $UPLOAD_USER and choosing DEMO1"
TOKEN=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | head -c 43)
code=$(curl -sS -o /dev/null -w '%{http_code}' -c "$JAR" -H "Cookie: mina_pre=$TOKEN" --data-urlencode "csrf=$TOKEN" \
    --data-urlencode "username=$UPLOAD_USER" --data-urlencode "password=$PASSWORD" "$BASE/logga-in")
[[ $code == 303 ]] || die "login as $UPLOAD_USER answered $code"
code=$(curl -sS -o "$TMP/page.html" -w '%{http_code}' -b "$JAR" -c "$JAR" "$BASE/start")
[[ $code == 200 ]] || die "GET /start as $UPLOAD_USER answered $code"
CSRF=$(csrf_of "$TMP/page.html")
[[ -n $CSRF ]] || die "no csrf token on the start page of $UPLOAD_USER"
code=$(curl -sS -o /dev/null -w '%{http_code}' -b "$JAR" -c "$JAR" --data-urlencode "csrf=$CSRF" --data-urlencode "skola=DEMO1" "$BASE/skola")
[[ $code == 303 ]] || die "choosing DEMO1 (POST /skola) answered $code"
code=$(curl -sS -o "$TMP/page.html" -w '%{http_code}' -b "$JAR" -c "$JAR" "$BASE$STUDIETIDER")
[[ $code == 200 ]] || die "GET $STUDIETIDER as $UPLOAD_USER answered $code"
CSRF=$(csrf_of "$TMP/page.html")
[[ -n $CSRF ]] || die "no csrf token on $STUDIETIDER"

# Is the upload there? A file of the header row alone: a preview of nothing, nothing saved.
head -n 1 "$CSV" >"$TMP/probe.csv"
code=$(curl -sS -o "$TMP/probe.html" -w '%{http_code}' -b "$JAR" -c "$JAR" \
    -F "csrf=$CSRF" -F "fil=@$TMP/probe.csv;type=text/csv;filename=studietider.csv" "$BASE$STUDIETIDER/fil")
if [[ $code == 404 || $code == 405 ]]; then
    UPLOAD_STATUS="endpoint not available (HTTP $code)"
    note "upload: $UPLOAD_STATUS"
else
    note "upload: preview of $CSV_ROWS rows (POST $STUDIETIDER/fil, multipart)"
    read -r code PREVIEW_S < <(curl -sS -o "$RAW/preview.html" -w '%{http_code} %{time_total}\n' -b "$JAR" -c "$JAR" \
        -F "csrf=$CSRF" -F "fil=@$CSV;type=text/csv;filename=studietider.csv" "$BASE$STUDIETIDER/fil")
    if [[ $code != 200 ]]; then
        UPLOAD_STATUS="the preview answered HTTP $code (see $RAW/preview.html)"
        PREVIEW_S=
    else
        if ! save_body; then
            UPLOAD_STATUS="the preview has no save form: $(cat "$TMP/extract.err") (see $RAW/preview.html)"
        else
            note "upload: save (POST $STUDIETIDER/fil/spara, $(wc -c <"$TMP/save.body") bytes)"
            read -r code SAVE_S < <(curl -sS -o "$RAW/save.html" -w '%{http_code} %{time_total}\n' -b "$JAR" -c "$JAR" \
                -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$TMP/save.body" "$BASE$STUDIETIDER/fil/spara")
            if [[ $code != 303 ]]; then
                UPLOAD_STATUS="the save answered HTTP $code, not 303 (see $RAW/save.html)"
                SAVE_S=
            else
                UPLOAD_S=$(awk -v a="$PREVIEW_S" -v b="$SAVE_S" 'BEGIN { printf "%.3f", a + b }')
                read -r U_EDU U_PER U_PUB < <(sqlite3 -readonly -separator ' ' "$DB" "
                    SELECT (SELECT count(*) FROM educations WHERE school_code = 'DEMO1'),
                           (SELECT count(*) FROM study_periods p JOIN educations e ON e.id = p.education_id WHERE e.school_code = 'DEMO1'),
                           (SELECT count(*) FROM study_periods p JOIN educations e ON e.id = p.education_id
                             WHERE e.school_code = 'DEMO1' AND p.published_version > 0)")
                if (( U_EDU != UPLOAD_EDUCATIONS || U_PER != 4 * UPLOAD_EDUCATIONS )); then
                    UPLOAD_STATUS="saved, but DEMO1 has $U_EDU educations and $U_PER study periods (expected $UPLOAD_EDUCATIONS and $(( 4 * UPLOAD_EDUCATIONS )))"
                fi
            fi
        fi
    fi
    [[ -z $UPLOAD_STATUS ]] || note "upload: $UPLOAD_STATUS"
fi

# ---- the table -----------------------------------------------------------------------------------

REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
{
    echo "Mina tjänster: Studietider benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(hostname), $(nproc) cores, mina $REV"
    echo "data: $N_SCHOOLS schools x $PER_SCHOOL educations x 4 published periods = $N_PERIODS periods (filled in ${FILL_SECS}s; server ready ${READY_SECS}s after start)"
    echo "search: $N_QUERIES queries in rotation; educations on the page: mean $HITS_MEAN, most $HITS_MAX, $HITS_ZERO with none; mean page $SEARCH_BYTES bytes; start page $START_BYTES bytes"
    echo
    printf '%-52s %10s %10s\n' "wrk -t1 -c16 -d${SECS}s --latency, S Q S U S Q S U S" "req/s" "p99 ms"
    printf '%-52s %10s %10.2f\n' "S: GET /start (session)" "$(rate "$START_RPS")" "$START_P99"
    printf '%-52s %10s %10.2f\n' "Q: GET /studiemedel?q=..&termin=.., the queries again" "$(rate "$SEARCH_RPS")" "$SEARCH_P99"
    printf '%-52s %10s %10.2f\n' "U: the same, every query spelled anew" "$(rate "$NEW_RPS")" "$NEW_P99"
    printf 'search/start = %s %% (target >= 50 %%)  %s   (the %s queries asked again and again: pages kept rendered)\n' "$RATIO" "$SEARCH_OK" "$N_QUERIES"
    printf 'search/start = %s %% (target >= 50 %%)  %s   (each query new to the server: the search itself)\n' "$NEW_RATIO" "$NEW_OK"
    printf '    windows: start %s req/s (p99 %s ms); Q %s req/s (p99 %s ms); U %s req/s (p99 %s ms)\n' \
        "$(joined "${S_RPS[@]}")" "$(joined "${S_P99[@]}")" "$(joined "${Q_RPS[@]}")" "$(joined "${Q_P99[@]}")" \
        "$(joined "${U_RPS[@]}")" "$(joined "${U_P99[@]}")"
    printf '    req/s: mean of the windows; p99: the worst window; ratio: each search window against the start windows on either side\n'
    printf '    CPU time: %s us per search (Q), %s us per new search (U), %s us per start page (whole server process)\n' "$SEARCH_US" "$NEW_US" "$START_US"
    printf 'broad query q=%s (information only, spelled anew each time; %s educations match, %s shown): %s req/s, p99 %.2f ms (wrk -t1 -c16 -d%ss); one request alone %s ms\n' \
        "$BROAD_Q" "$N_BROAD" "$BROAD_HITS" "$(rate "$BROAD_RPS")" "$BROAD_P99" "$BROAD_SECS" "$BROAD_ONE_MS"
    echo
    if [[ -n $UPLOAD_S && -z $UPLOAD_STATUS ]]; then
        printf 'upload of %s rows (%s bytes) for DEMO1: preview %.2f s + save %.2f s = %.2f s (target < 2 s)  %s\n' \
            "$CSV_ROWS" "$CSV_BYTES" "$PREVIEW_S" "$SAVE_S" "$UPLOAD_S" "$(verdict lt "$UPLOAD_S" 2)"
        printf '    DEMO1 now has %s educations and %s study periods (%s published)\n' "$U_EDU" "$U_PER" "$U_PUB"
    else
        echo "upload: $UPLOAD_STATUS"
    fi
    echo
    echo "load average at the end: $LOAD (anything else running on this machine skews every figure); run time $(elapsed "$T0") s"
    echo "raw wrk output, the queries and their hits, the CSV file and the preview: bench/out/raw-studietider/"
} | tee "$OUT/studietider.txt"

# A missing upload endpoint is reported, not failed (the search figures stand); a broken one fails.
[[ -z $UPLOAD_STATUS || $UPLOAD_STATUS == "endpoint not available"* ]] || exit 1
