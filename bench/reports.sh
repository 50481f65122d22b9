#!/usr/bin/env bash
# Issue [6]'s benchmark (Studeranderapportering, "How fast"): 100,000 report rows uploaded through
# the reporting API (validated and durably stored), in rows per second beside the raw rate of
# inserting the same rows into the same database in one transaction, from one run (target: at least
# 50 %); the same rows as one school file (preview plus save), for information; and the student
# page's p99 with 1,000,000 reports stored (target: under 10 ms). See bench/README.md.
#
#   bench/reports.sh    # about 2-3 minutes; prints a table and writes it to bench/out/reports.txt
#
# Environment (all optional):
#   MINA_BIN         the server binary                        (default: build/mina)
#   MINA_BUILD_DIR   the CMake build directory                 (default: build), for mina_bench_reports_raw
#   BENCH_ROWS       rows uploaded through the API             (default: 100000)
#   BENCH_BATCH      rows per API request                      (default: 100000: one call, one transaction, as the raw reference)
#   BENCH_FILE_ROWS  rows of the school file; 0: no file       (default: BENCH_ROWS)
#   BENCH_EVENTS     reports stored for the student page       (default: 1000000; at least)
#   BENCH_SECONDS    length of the student-page wrk window     (default: 10)
#   BENCH_KEEP=1     keep the temporary directory (databases, logs, request bodies) for inspection
#
# Everything runs on 127.0.0.1 and every process started here is stopped on exit. The server runs
# with database.sqlite_synchronous_full = true (its default): every commit is on disk ("durably
# stored"), and the raw reference runs under the same PRAGMAs.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${MINA_BUILD_DIR:-$ROOT/build}
MINA=${MINA_BIN:-$BUILD/mina}
OUT=$HERE/out
RAW=$OUT/raw-reports
ROWS=${BENCH_ROWS:-100000}
BATCH=${BENCH_BATCH:-100000}
FILE_ROWS=${BENCH_FILE_ROWS:-$ROWS}
EVENTS=${BENCH_EVENTS:-1000000}
SECS=${BENCH_SECONDS:-10}
PASSWORD='Mina-demo-2026!'    # what `mina admin demo` sets
SCHOOL=DEMO1
EDUCATION=BENCH1              # the education the students report on, with one published period
PERIOD=BENCH26
KEY_NAME=Bench                # the API key's name: the reports are "api:Bench"
BASE_PATH=/tjanster/studeranderapportering
STUDIETIDER=/tjanster/studietider
WRK_PAGE=(-t1 -c4 -d"${SECS}s" --latency)

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }

for v in ROWS BATCH FILE_ROWS EVENTS SECS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "BENCH_$v must be a whole number"
done
(( ROWS >= 1 && BATCH >= 1 && SECS >= 2 )) || die "BENCH_ROWS and BENCH_BATCH must be >= 1, BENCH_SECONDS >= 2"
(( ROWS + FILE_ROWS <= 500000 )) || die "at most 500,000 students (the numbers' generator)"

mkdir -p "$OUT" "$RAW"
rm -f "$RAW"/*
TMP=$(mktemp -d /tmp/mina-bench-sr.XXXXXX)
T0=$(date +%s.%N)

# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
require wrk curl awk sqlite3 python3 pkg-config

# ---- helpers of this benchmark -------------------------------------------------------------------

# A rate: whole numbers from 100 up, one decimal below.
# The CSRF token of the forms in an HTML page.
sq() { sqlite3 -bail -cmd '.timeout 10000' "$@"; }
# wrk's p50 from --latency, in milliseconds (as wrk_p99_ms).
wrk_p50_ms() {
    awk '$1 == "50%" {
        v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
        if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000;
        printf "%.2f", v }' "$1"
}

SERVER_PID=
SERVER_LOG=
PORT=
BASE=
start_server() {
    local log=$1
    SERVER_LOG=$log
    # Info level only for the line that names the port; the access log stays off. Its working
    # directory is the temporary one (mail without an SMTP server goes to ./var/mail).
    (cd "$TMP" && MINA_LOG_LEVEL=info exec "$MINA" serve) 2>"$log" &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    wait_listening "$log" "$SERVER_PID" 600
    BASE=http://127.0.0.1:$PORT
}
stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SERVER_PID" 2>/dev/null && die "the server did not stop within 10 s"
    wait "$SERVER_PID" 2>/dev/null || true
    cp "$SERVER_LOG" "$RAW/" 2>/dev/null || true
}

# Waits (up to 30 s) until the server has stopped using CPU.
# Logs in (curl cookie jar $2) as $1; chooses $SCHOOL when $3 is "choose".
login() {
    local user=$1 jar=$2 token code
    token=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | head -c 43)
    code=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -H "Cookie: mina_pre=$token" --data-urlencode "csrf=$token" \
        --data-urlencode "username=$user" --data-urlencode "password=$PASSWORD" "$BASE/logga-in")
    [[ $code == 303 ]] || die "login as $user answered $code"
    if [[ ${3:-} == choose ]]; then
        code=$(curl -sS -o "$TMP/page.html" -w '%{http_code}' -b "$jar" -c "$jar" "$BASE/start")
        [[ $code == 200 ]] || die "GET /start as $user answered $code"
        code=$(curl -sS -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" --data-urlencode "csrf=$(csrf_of "$TMP/page.html")" \
            --data-urlencode "skola=$SCHOOL" "$BASE/skola")
        [[ $code == 303 ]] || die "choosing $SCHOOL (POST /skola) as $user answered $code"
    fi
}


# ---- the raw insert program ----------------------------------------------------------------------

REPORTS_RAW=$BUILD/bench/mina_bench_reports_raw
note "building mina_bench_reports_raw"
if ! cmake --build "$BUILD" --target mina_bench_reports_raw -j2 >"$RAW/build.log" 2>&1; then
    # The top-level configure can be broken by unrelated work in progress; the program needs
    # SQLite and libsodium only, so compile it directly rather than give up.
    note "cmake --build failed (see $RAW/build.log); compiling bench/reports_raw.cpp directly"
    REPORTS_RAW=$TMP/mina_bench_reports_raw
    # shellcheck disable=SC2046
    c++ -std=c++20 -O2 "$HERE/reports_raw.cpp" $(pkg-config --cflags --libs sqlite3 libsodium) -o "$REPORTS_RAW" \
        >>"$RAW/build.log" 2>&1 || die "cannot build reports_raw.cpp (see $RAW/build.log)"
fi

# ---- the data: a fresh database, an education with a published period, an API key ----------------

server_env
export MINA_DATABASE_SQLITE_SYNCHRONOUS_FULL=true
export MINA_SERVER_MAX_UPLOAD_BYTES=$(( 64 * 1024 * 1024 ))   # a 100,000-row file and its save form
MINA_SECURITY_IDENTITY_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export MINA_SECURITY_IDENTITY_KEY
DB=$TMP/mina.db
# With BENCH_KEEP=1: `. env.sh && mina serve` in the kept directory starts the server on its data again.
env | grep '^MINA_' | sed "s/^/export /; s/=\(.*\)$/='\1'/" >"$TMP/env.sh"

note "creating the demo data"
"$MINA" admin demo >"$RAW/demo.txt"
mapfile -t USERS < <(awk '/^  [a-z0-9]+ \(/ {print $1}' "$RAW/demo.txt")
[[ ${#USERS[@]} -ge 2 ]] || die "could not read the demo usernames from 'mina admin demo' (see $RAW/demo.txt)"
PELLE=${USERS[0]}   # Pelle Test: studietider at DEMO1 and DEMO2; reports at DEMO1 (granted here)
ANNA=${USERS[1]}    # Anna Admin: school-admin at DEMO1, so she makes the API key
"$MINA" admin grant --username "$PELLE" --role studeranderapportering --school "$SCHOOL" >>"$RAW/demo.txt" 2>&1 ||
    die "could not grant studeranderapportering to $PELLE (see $RAW/demo.txt)"

# The study period: from 120 days ago to 150 days ahead (UTC, as the server's rules take it); every
# study start is on its sixth day, so every later event of the fill below lies before today.
day() { date -u -d "$1 days" +%F; }
FIRST_DAY=$(day -120)
LAST_DAY=$(day 150)
START_DAY=$(day -115)

start_server "$TMP/serve-1.log"
note "server on port $PORT; $PELLE publishes $EDUCATION $PERIOD ($FIRST_DAY - $LAST_DAY) at $SCHOOL (Studietider file)"
JAR_P=$TMP/pelle.jar
login "$PELLE" "$JAR_P" choose
code=$(curl -sS -o "$TMP/page.html" -w '%{http_code}' -b "$JAR_P" -c "$JAR_P" "$BASE$STUDIETIDER")
[[ $code == 200 ]] || die "GET $STUDIETIDER as $PELLE answered $code"
printf '%s\r\n%s\r\n' \
    'Utbildningskod;Utbildningens namn;Nivå;Poängtyp;Omfattning;Distans;Uppdragsutbildning;Studietid;Första dag;Sista dag;Poäng;Studietakt;Lov;Status' \
    "$EDUCATION;Bänkprogrammet;gymnasieniva;ingen;;nej;nej;$PERIOD;$FIRST_DAY;$LAST_DAY;;100;;publicerad" >"$TMP/studietider.csv"
code=$(curl -sS -o "$TMP/st-preview.html" -w '%{http_code}' -b "$JAR_P" -c "$JAR_P" \
    -F "csrf=$(csrf_of "$TMP/page.html")" -F "fil=@$TMP/studietider.csv;type=text/csv;filename=studietider.csv" "$BASE$STUDIETIDER/fil")
[[ $code == 200 ]] || die "the Studietider preview answered $code (see $TMP/st-preview.html)"
form_body "$TMP/st-preview.html" "$TMP/st-save.body" "$STUDIETIDER/fil/spara" || die "no save form in the Studietider preview"
code=$(curl -sS -o "$TMP/st-save.html" -w '%{http_code}' -b "$JAR_P" -c "$JAR_P" \
    -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$TMP/st-save.body" "$BASE$STUDIETIDER/fil/spara")
[[ $code == 303 ]] || die "the Studietider save answered $code (see $TMP/st-save.html)"
[[ $(sq -readonly "$DB" "SELECT count(*) FROM study_periods p JOIN educations e ON e.id = p.education_id
        WHERE e.school_code = '$SCHOOL' AND e.code = '$EDUCATION' AND p.label = '$PERIOD' AND p.published_version > 0") == 1 ]] ||
    die "$EDUCATION $PERIOD is not published at $SCHOOL"

note "$ANNA makes an API key for $SCHOOL"
JAR_A=$TMP/anna.jar
login "$ANNA" "$JAR_A"
code=$(curl -sS -o "$TMP/page.html" -w '%{http_code}' -b "$JAR_A" -c "$JAR_A" "$BASE$BASE_PATH/api-nycklar")
[[ $code == 200 ]] || die "GET $BASE_PATH/api-nycklar as $ANNA answered $code"
code=$(curl -sS -o "$TMP/key.html" -w '%{http_code}' -b "$JAR_A" -c "$JAR_A" -L \
    --data-urlencode "csrf=$(csrf_of "$TMP/page.html")" --data-urlencode "namn=$KEY_NAME" "$BASE$BASE_PATH/api-nycklar")
[[ $code == 200 ]] || die "POST $BASE_PATH/api-nycklar answered $code"
API_KEY=$(grep -o '<code id="new-key">[^<]*</code>' "$TMP/key.html" | sed 's/<[^>]*>//g' || true)
[[ $API_KEY == mina_* ]] || die "no new key on the key page (see $TMP/key.html)"
API_URL=$BASE/api/v1/schools/$SCHOOL/reports

# The rows: student i (0, 1, ...) has the 12-digit number 19YYMMDD NNN C of the birth day
# 1970-01-01 + (i mod 10,000) days and the birth number 100 + i div 10,000 (check digit by Luhn), the
# name "Elev i", and reports a study start (studiemedel) on $START_DAY. The API's students are
# 0..ROWS-1 in batches of BATCH (JSON), the file's ROWS..ROWS+FILE_ROWS-1 (CSV).
note "writing $ROWS API rows in batches of $BATCH and a file of $FILE_ROWS rows"
python3 - "$TMP" "$ROWS" "$BATCH" "$FILE_ROWS" "$EDUCATION" "$PERIOD" "$START_DAY" <<'PY'
import datetime, json, os, sys

tmp, rows, batch, file_rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
education, period, start = sys.argv[5], sys.argv[6], sys.argv[7]
epoch = datetime.date(1970, 1, 1)

def check(nine):
    s = 0
    for i, c in enumerate(nine):
        d = int(c) * (2 if i % 2 == 0 else 1)
        s += d // 10 + d % 10
    return (10 - s % 10) % 10

def number(i):
    d = epoch + datetime.timedelta(days=i % 10000)
    nine = d.strftime('%y%m%d') + '%03d' % (100 + i // 10000)
    return d.strftime('%Y%m%d')[:2] + nine + str(check(nine))

for b, first in enumerate(range(0, rows, batch)):
    reports = [{'personnummer': number(i), 'namn': f'Elev {i}', 'utbildning': education, 'studieperiod': period,
                'stodform': 'studiemedel', 'handelse': 'studiestart', 'datum': start}
               for i in range(first, min(first + batch, rows))]
    with open(os.path.join(tmp, f'batch-{b:04d}.json'), 'w') as f:
        json.dump({'mode': 'all', 'reports': reports}, f, ensure_ascii=False, separators=(',', ':'))
with open(os.path.join(tmp, 'batch-validate.json'), 'w') as f:  # the first batch, validate only
    reports = json.load(open(os.path.join(tmp, 'batch-0000.json')))['reports']
    json.dump({'mode': 'validate', 'reports': reports}, f, ensure_ascii=False, separators=(',', ':'))
if file_rows:
    with open(os.path.join(tmp, 'rapporter.csv'), 'w', newline='') as f:
        f.write('personnummer;namn;utbildning;studieperiod;stodform;handelse;datum\r\n')
        for i in range(rows, rows + file_rows):
            f.write(f'{number(i)};Elev {i};{education};{period};studiemedel;studiestart;{start}\r\n')
PY
mapfile -t BATCHES < <(ls "$TMP"/batch-[0-9]*.json)
API_BYTES=$(cat "${BATCHES[@]}" | wc -c)

# ---- the raw reference: the same rows on copies of the database as it is now ---------------------
#
# Two copies (the server is idle; .backup copies every page of a consistent snapshot): one run just
# before the upload and one right after it, so that a drift of the machine shows and half cancels.

sq "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
sq "$DB" ".backup '$TMP/raw-1.db'"
sq "$DB" ".backup '$TMP/raw-2.db'"
raw_run() {
    local f=$RAW/raw-$1.txt
    run "$REPORTS_RAW" "$TMP/raw-$1.db" "$ROWS" "$SCHOOL" "$EDUCATION" "$PERIOD" "$START_DAY" "api:$KEY_NAME" 0 >"$f" ||
        die "mina_bench_reports_raw failed (see $f)"
}
# Its result: prints "seconds cpu_seconds".
raw_result() {
    awk '/^result / { for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
                      print r["seconds"], r["cpu_seconds"] }' "$RAW/raw-$1.txt"
}
wait_idle "$SERVER_PID"
note "raw: $ROWS rows into a copy of the database, one transaction (1 of 2)"
raw_run 1
read -r RAW1_S RAW1_CPU < <(raw_result 1)
[[ -n ${RAW1_CPU:-} ]] || die "no result from mina_bench_reports_raw (see $RAW/raw-1.txt)"

# ---- the upload through the API ------------------------------------------------------------------

api_post() {  # file, response file: prints "http_code seconds"
    curl -sS -o "$2" -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $API_KEY" \
        -H 'Content-Type: application/json' --data-binary "@$1" "$API_URL"
}

# Validation alone, for information: the first batch judged (its submission recorded), nothing saved.
wait_idle "$SERVER_PID"
note "API: the first batch in mode validate (information)"
read -r code VALIDATE_S < <(api_post "$TMP/batch-validate.json" "$RAW/api-validate.json")
[[ $code == 200 ]] || die "mode validate answered $code (see $RAW/api-validate.json)"
VALIDATE_ROWS=$(grep -o '"accepted":[0-9]*' "$RAW/api-validate.json" | head -n 1 | cut -d: -f2)
[[ $VALIDATE_ROWS == $(( ROWS < BATCH ? ROWS : BATCH )) ]] ||
    die "mode validate accepted ${VALIDATE_ROWS:-?} rows: $(head -c 600 "$RAW/api-validate.json")"

wait_idle "$SERVER_PID"
note "API: $ROWS rows in ${#BATCHES[@]} requests of up to $BATCH (mode all)"
SAVED=0
cpu_a=$(proc_cpu "$SERVER_PID")
t=$(date +%s.%N)
for f in "${BATCHES[@]}"; do
    r=$RAW/api-$(basename "$f")
    read -r code _ < <(api_post "$f" "$r")
    [[ $code == 200 ]] || die "POST $API_URL ($(basename "$f")) answered $code: $(head -c 600 "$r")"
    grep -q '"state":"sparad"' "$r" || die "$(basename "$f") was not saved whole: $(head -c 600 "$r")"
    n=$(grep -o '"saved":[0-9]*' "$r" | head -n 1 | cut -d: -f2)
    SAVED=$(( SAVED + n ))
done
API_S=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
cpu_b=$(proc_cpu "$SERVER_PID")
API_CPU=$(awk -v a="$cpu_a" -v b="$cpu_b" 'BEGIN { print b - a }')
(( SAVED == ROWS )) || die "the API saved $SAVED rows, not $ROWS"
# Keep only the first answer (each is one JSON line per row: large).
for f in "$RAW"/api-batch-*.json; do [[ $f == "$RAW/api-batch-0000.json" ]] || rm -f "$f"; done

wait_idle "$SERVER_PID"
note "raw: $ROWS rows into a copy of the database, one transaction (2 of 2)"
raw_run 2
read -r RAW2_S RAW2_CPU < <(raw_result 2)
[[ -n ${RAW2_CPU:-} ]] || die "no result from mina_bench_reports_raw (see $RAW/raw-2.txt)"

# The server's rows and the raw program's are the same rows (but for the random hashes and seals).
rows_of() {
    sq -readonly -separator ' ' "$1" "
        SELECT 'students', count(*), sum(length(lookup_hash)), sum(length(sealed)), sum(protected_identity)
          FROM students;
        SELECT 'names', count(*), school_code, min(name), max(name) FROM school_students GROUP BY 3;
        SELECT 'enrollments', count(*), school_code, support, first_day, last_day, pace, state, created_by
          FROM enrollments GROUP BY 3, 4, 5, 6, 7, 8, 9;
        SELECT 'events', count(*), school_code, kind, day, coalesce(last_day, '-'), coalesce(pace, '-'), coalesce(credits, '-'),
               hours, coalesce(passed, '-'), coalesce(supersedes, '-'), reason, channel, reported_month, reported_by,
               count(submission_id) FROM report_events GROUP BY 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15"
}
rows_of "$DB" >"$RAW/rows-server.txt"
rows_of "$TMP/raw-1.db" >"$RAW/rows-raw.txt"
cmp -s "$RAW/rows-server.txt" "$RAW/rows-raw.txt" ||
    die "the raw program's rows differ from the server's: $(diff "$RAW/rows-server.txt" "$RAW/rows-raw.txt" | head -n 8)"
rm -f "$TMP/raw-1.db" "$TMP/raw-2.db" "$TMP"/raw-*.db-*

# ---- the same kind of rows as one school file: preview, then save (all or nothing) ----------------

FILE_STATUS=
PREVIEW_S=; SAVE_S=; FILE_BYTES=0
if (( FILE_ROWS > 0 )); then
    FILE_BYTES=$(wc -c <"$TMP/rapporter.csv")
    wait_idle "$SERVER_PID"
    code=$(curl -sS -o "$TMP/page.html" -w '%{http_code}' -b "$JAR_P" -c "$JAR_P" "$BASE$BASE_PATH/fil")
    [[ $code == 200 ]] || die "GET $BASE_PATH/fil as $PELLE answered $code"
    note "file: preview of $FILE_ROWS rows ($FILE_BYTES bytes, POST $BASE_PATH/fil)"
    read -r code PREVIEW_S < <(curl -sS -o "$TMP/preview.html" -w '%{http_code} %{time_total}\n' -b "$JAR_P" -c "$JAR_P" \
        -F "csrf=$(csrf_of "$TMP/page.html")" -F "fil=@$TMP/rapporter.csv;type=text/csv;filename=rapporter.csv" "$BASE$BASE_PATH/fil")
    if [[ $code != 200 ]]; then
        FILE_STATUS="the preview answered HTTP $code"
        head -c 20000 "$TMP/preview.html" >"$RAW/preview-head.html"
    elif ! form_body "$TMP/preview.html" "$TMP/save.body" "$BASE_PATH/fil/spara" satt=alla 2>"$TMP/form.err"; then
        FILE_STATUS="no save form in the preview: $(cat "$TMP/form.err")"
    else
        head -c 20000 "$TMP/preview.html" >"$RAW/preview-head.html"
        note "file: save ($(wc -c <"$TMP/save.body") bytes, POST $BASE_PATH/fil/spara, satt=alla)"
        read -r code SAVE_S < <(curl -sS -o "$TMP/save.html" -w '%{http_code} %{time_total}\n' -b "$JAR_P" -c "$JAR_P" \
            -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$TMP/save.body" "$BASE$BASE_PATH/fil/spara")
        if [[ $code != 303 ]]; then
            FILE_STATUS="the save answered HTTP $code, not 303"
            head -c 20000 "$TMP/save.html" >"$RAW/save-head.html"
        fi
    fi
    if [[ -z $FILE_STATUS ]]; then
        n=$(sq -readonly "$DB" "SELECT count(*) FROM report_events WHERE channel = 'fil'")
        (( n == FILE_ROWS )) || FILE_STATUS="saved, but $n reports came by file, not $FILE_ROWS"
    fi
    [[ -z $FILE_STATUS ]] || note "file: $FILE_STATUS"
fi

# ---- the student page with a million reports ---------------------------------------------------
#
# The server stops; every API student gets more events, straight into the database, until at
# least EVENTS reports are stored: 5 to 15 events per student (spread by the enrollment's id), each
# valid after the study start and before today: studietid to the period's end, lov (3 days),
# andrad-omfattning (75 or 100 %), studieresultat (godkänd, 7,5 hp), one week apart. They are added
# round by round (every student's second event, then every third, ...), as reports come in over
# weeks, so that one student's events lie far apart in the table.

stop_server
read -r N_EVENTS N_API_ENR MAX_API_ENR < <(sq -readonly -separator ' ' "$DB" "
    SELECT (SELECT count(*) FROM report_events),
           (SELECT count(*) FROM report_events WHERE channel = 'api' AND kind = 'studiestart'),
           (SELECT max(enrollment_id) FROM report_events WHERE channel = 'api' AND kind = 'studiestart')")
NEED=$(( EVENTS > N_EVENTS ? EVENTS - N_EVENTS : 0 ))
MEAN_EXTRA=$(( (NEED + N_API_ENR - 1) / N_API_ENR ))
(( MEAN_EXTRA >= 9 )) || MEAN_EXTRA=9          # 4..14 more: 5..15 events a student
LO=$(( MEAN_EXTRA - 5 ))
HI=$(( LO + 10 ))
note "filling: $N_EVENTS reports stored; $LO to $HI more for each of the $N_API_ENR API students (sqlite3, one transaction)"
t=$(date +%s.%N)
sq "$DB" >/dev/null <<SQL
BEGIN;
WITH RECURSIVE k(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM k WHERE k < $HI)
INSERT INTO report_events (enrollment_id, school_code, kind, day, last_day, pace, credits, hours, passed, supersedes,
                           reason, channel, submission_id, reported_at, reported_month, reported_by)
SELECT n.id, n.school_code,
       CASE k.k % 4 WHEN 1 THEN 'studietid' WHEN 2 THEN 'lov' WHEN 3 THEN 'andrad-omfattning' ELSE 'studieresultat' END,
       date(s.day, '+' || ((7 * k.k) % 100) || ' days'),
       CASE k.k % 4 WHEN 1 THEN n.last_day WHEN 2 THEN date(s.day, '+' || ((7 * k.k) % 100 + 2) || ' days') END,
       CASE k.k % 4 WHEN 3 THEN (CASE k.k % 8 WHEN 3 THEN 75 ELSE 100 END) END,
       CASE k.k % 4 WHEN 0 THEN 750 END,
       0,
       CASE k.k % 4 WHEN 0 THEN 1 END,
       NULL, '', 'web', NULL, s.reported_at, s.reported_month, '$PELLE'
  FROM k JOIN report_events s ON s.kind = 'studiestart' AND s.channel = 'api' AND s.enrollment_id <= $MAX_API_ENR
  JOIN enrollments n ON n.id = s.enrollment_id
 WHERE k.k <= $LO + (n.id * 7919) % 11
 ORDER BY k.k, n.id;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
FILL_S=$(elapsed "$t")
read -r N_EVENTS N_STUDENTS MIN_ID MAX_ID EV_MIN EV_MAX < <(sq -readonly -separator ' ' "$DB" "
    SELECT (SELECT count(*) FROM report_events), (SELECT count(*) FROM students),
           min(n.student_id), max(n.student_id), min(c), max(c)
      FROM (SELECT enrollment_id, count(*) AS c FROM report_events GROUP BY enrollment_id) x
      JOIN enrollments n ON n.id = x.enrollment_id WHERE n.id <= $MAX_API_ENR")
(( N_EVENTS >= EVENTS )) || die "the fill left $N_EVENTS reports, fewer than $EVENTS"
DB_MB=$(du -m "$DB" | cut -f1)
note "filled in ${FILL_S}s: $N_EVENTS reports, $N_STUDENTS students, $EV_MIN-$EV_MAX events each for students $MIN_ID-$MAX_ID (database $DB_MB MB)"

start_server "$TMP/serve-2.log"
JAR_P=$TMP/pelle2.jar
login "$PELLE" "$JAR_P" choose
SESSION=$(awk '$6 == "mina_session" {print $7}' "$JAR_P" | tail -n 1)
[[ -n $SESSION ]] || die "no mina_session cookie after the login"
COOKIE="Cookie: mina_session=$SESSION"
# One page by hand: it must be the student's page, with the whole history.
probe=$(( (MIN_ID + MAX_ID) / 2 ))
code=$(curl -sS -o "$RAW/student.html" -w '%{http_code}' -H "$COOKIE" "$BASE$BASE_PATH/student?id=$probe")
[[ $code == 200 ]] || die "GET $BASE_PATH/student?id=$probe answered $code"
PROBE_NAME=$(sq -readonly "$DB" "SELECT name FROM school_students WHERE student_id = $probe AND school_code = '$SCHOOL'")
grep -q "$PROBE_NAME" "$RAW/student.html" || die "the student page of $probe does not name its student (see $RAW/student.html)"
PAGE_BYTES=$(wc -c <"$RAW/student.html")
PAGE_EVENTS=$(sq -readonly "$DB" "SELECT count(*) FROM report_events r JOIN enrollments n ON n.id = r.enrollment_id WHERE n.student_id = $probe")

cat >"$TMP/student.lua" <<'LUA'
-- Rotates over the student pages of many students, in a shuffled order made once (init); counts
-- every answer by its status (each thread its own; done() adds them up).
local threads = {}
function setup(thread)
    table.insert(threads, thread)
end
function init(args)
    local lo, hi = tonumber(os.getenv("BENCH_MIN_ID")), tonumber(os.getenv("BENCH_MAX_ID"))
    local base = os.getenv("BENCH_PATH")
    math.randomseed(6)
    reqs = {}
    for n = 1, 20000 do
        reqs[n] = wrk.format("GET", base .. "?id=" .. math.random(lo, hi))
    end
    i = 0
    ok = 0
    statuses = {}
end
function request()
    i = i % #reqs + 1
    return reqs[i]
end
function response(status, headers, body)
    if status == 200 then ok = ok + 1 end
    local k = tostring(status)
    statuses[k] = (statuses[k] or 0) + 1
end
function done(summary, latency, requests)
    local total, merged, parts = 0, {}, {}
    for _, t in ipairs(threads) do
        total = total + (t:get("ok") or 0)
        for k, v in pairs(t:get("statuses") or {}) do merged[k] = (merged[k] or 0) + v end
    end
    for k, v in pairs(merged) do parts[#parts + 1] = k .. ":" .. v end
    table.sort(parts)
    local e = summary.errors
    io.write(string.format("student_result ok=%d socket_errors=%d statuses=%s\n", total,
                           e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))
end
LUA
wait_idle "$SERVER_PID"
AUDIT_A=$(sq -readonly "$DB" "SELECT count(*) FROM audit_log WHERE kind = 'report.student_read'")
before=$(status_counts)
cpu_a=$(proc_cpu "$SERVER_PID")
note "student pages, $MIN_ID-$MAX_ID in a shuffled rotation (wrk ${WRK_PAGE[*]})"
BENCH_MIN_ID=$MIN_ID BENCH_MAX_ID=$MAX_ID BENCH_PATH=$BASE_PATH/student \
    run wrk "${WRK_PAGE[@]}" --timeout 10s -s "$TMP/student.lua" -H "$COOKIE" "$BASE$BASE_PATH/student" >"$RAW/student-wrk.txt" ||
    die "wrk failed (see $RAW/student-wrk.txt)"
cpu_b=$(proc_cpu "$SERVER_PID")
after=$(status_counts)
# Every answer must be a 200; any other (or a socket error) is reported in the table and fails the run.
page_failures() {  # the wrk output: prints "" when every answer was a 200, else what went wrong
    awk '/^student_result/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
                              s = r["statuses"]; gsub(/200:[0-9]+,?/, "", s); sub(/,$/, "", s)
                              if (s != "" || r["socket_errors"] != 0)
                                  printf "answers other than 200: %s; socket errors: %d", (s == "" ? "none" : s), r["socket_errors"]
                              found = 1 }
         END { if (!found) printf "no student_result line from wrk" }' "$1"
}
PAGE_FAIL=$(page_failures "$RAW/student-wrk.txt")
read -r ok2 ok3 bad < <(status_delta "$before" "$after")
(( ok3 == 0 && bad == 0 )) || PAGE_FAIL="${PAGE_FAIL:+$PAGE_FAIL; }the server counted $ok3 redirects and $bad errors (2xx: $ok2)"
[[ -z $PAGE_FAIL ]] || note "student pages: $PAGE_FAIL (see $RAW/serve-2.log)"
AUDIT_B=$(sq -readonly "$DB" "SELECT count(*) FROM audit_log WHERE kind = 'report.student_read'")
PAGE_RPS=$(wrk_rps "$RAW/student-wrk.txt")
PAGE_P99=$(wrk_p99_ms "$RAW/student-wrk.txt")
PAGE_P50=$(wrk_p50_ms "$RAW/student-wrk.txt")
PAGE_N=$(wrk_requests "$RAW/student-wrk.txt")
PAGE_US=$(awk -v a="$cpu_a" -v b="$cpu_b" -v n="$PAGE_N" 'BEGIN { printf "%.0f", 1e6 * (b - a) / n }')

# For information: the same with one connection (no request waits for another's write lock).
ONE_SECS=$(( SECS / 2 > 2 ? SECS / 2 : 2 ))
wait_idle "$SERVER_PID"
note "student pages with one connection (wrk -t1 -c1 -d${ONE_SECS}s --latency, information)"
BENCH_MIN_ID=$MIN_ID BENCH_MAX_ID=$MAX_ID BENCH_PATH=$BASE_PATH/student \
    run wrk -t1 -c1 -d"${ONE_SECS}s" --latency --timeout 10s -s "$TMP/student.lua" -H "$COOKIE" "$BASE$BASE_PATH/student" \
    >"$RAW/student-wrk-c1.txt" || die "wrk failed (see $RAW/student-wrk-c1.txt)"
ONE_FAIL=$(page_failures "$RAW/student-wrk-c1.txt")
[[ -z $ONE_FAIL ]] || note "student pages, one connection: $ONE_FAIL"
ONE_RPS=$(wrk_rps "$RAW/student-wrk-c1.txt")
ONE_P99=$(wrk_p99_ms "$RAW/student-wrk-c1.txt")
ONE_P50=$(wrk_p50_ms "$RAW/student-wrk-c1.txt")
stop_server

# ---- the table -----------------------------------------------------------------------------------

RAW_S=$(awk -v a="$RAW1_S" -v b="$RAW2_S" 'BEGIN { print (a + b) / 2 }')
RAW_RATE=$(awk -v n="$ROWS" -v s="$RAW_S" 'BEGIN { print n / s }')
API_RATE=$(awk -v n="$ROWS" -v s="$API_S" 'BEGIN { print n / s }')
API_PCT=$(pct "$API_RATE" "$RAW_RATE")
VALIDATE_RATE=$(awk -v n="$VALIDATE_ROWS" -v s="$VALIDATE_S" 'BEGIN { print n / s }')
API_US=$(awk -v c="$API_CPU" -v n="$ROWS" 'BEGIN { printf "%.1f", 1e6 * c / n }')
RAW_US=$(awk -v a="$RAW1_CPU" -v b="$RAW2_CPU" -v n="$ROWS" 'BEGIN { printf "%.1f", 1e6 * (a + b) / 2 / n }')
REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
{
    echo "Mina tjänster: studeranderapportering benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(hostname), $(nproc) cores, mina $REV"
    echo "data: $SCHOOL, $EDUCATION $PERIOD ($FIRST_DAY - $LAST_DAY, published); every row a new student's studiestart (studiemedel);"
    echo "      SQLite in $(dirname "$TMP"), journal_mode WAL, synchronous FULL (durable: every commit on disk), foreign_keys ON, cache_size 32 MiB"
    echo
    printf '%-64s %9s %9s\n' "$ROWS report rows (students + enrollments + events)" "rows/s" "seconds"
    printf '%-64s %9s %9.2f\n' "raw: prepared INSERTs, one transaction (mina_bench_reports_raw)" "$(rate "$RAW_RATE")" "$RAW_S"
    printf '%-64s %9s %9.2f\n' "API: ${#BATCHES[@]} x POST /api/v1/schools/$SCHOOL/reports, mode all" "$(rate "$API_RATE")" "$API_S"
    printf 'API/raw = %s %% (target >= 50 %%)  %s\n' "$API_PCT" "$(verdict ge "$API_PCT" 50)"
    printf '    raw: %.2f s before and %.2f s after the upload, each on a copy of the database as it was before it\n' "$RAW1_S" "$RAW2_S"
    printf '    API: %s bytes of JSON; each request judged, written and committed (one transaction each), answered with every row'"'"'s fate\n' "$API_BYTES"
    printf '    validation alone (mode validate, the first %s rows, one request): %s rows/s (%.2f s)\n' \
        "$VALIDATE_ROWS" "$(rate "$VALIDATE_RATE")" "$VALIDATE_S"
    printf '    CPU time: %s us per row (whole server process, API) vs %s us per row (raw program): raw/API = %s %% by CPU time\n' \
        "$API_US" "$RAW_US" "$(pct "$RAW_US" "$API_US")"
    if awk -v a="$RAW1_S" -v b="$RAW2_S" 'BEGIN { d = a > b ? a / b : b / a; exit !(d > 1.3) }'; then
        printf '    WARNING: the two raw runs differ by more than 30 %%: the machine was busy and the ratio is noisy (read the CPU-time line; run again)\n'
    fi
    if (( FILE_ROWS > 0 )); then
        if [[ -z $FILE_STATUS ]]; then
            FILE_S=$(awk -v a="$PREVIEW_S" -v b="$SAVE_S" 'BEGIN { printf "%.3f", a + b }')
            FILE_RATE=$(awk -v n="$FILE_ROWS" -v s="$FILE_S" 'BEGIN { print n / s }')
            printf 'file (information): %s rows (%s bytes), preview %.2f s + save %.2f s = %.2f s: %s rows/s = %s %% of raw\n' \
                "$FILE_ROWS" "$FILE_BYTES" "$PREVIEW_S" "$SAVE_S" "$FILE_S" "$(rate "$FILE_RATE")" "$(pct "$FILE_RATE" "$RAW_RATE")"
            printf '    each judged twice (preview, then save under the write lock), the save one transaction\n'
        else
            echo "file (information): $FILE_ROWS rows: $FILE_STATUS"
        fi
    fi
    echo
    printf 'student page with %s reports stored (%s students; the page of each of students %s-%s has %s-%s events)\n' \
        "$N_EVENTS" "$N_STUDENTS" "$MIN_ID" "$MAX_ID" "$EV_MIN" "$EV_MAX"
    PAGE_OK=$(verdict lt "$PAGE_P99" 10)
    [[ -z $PAGE_FAIL ]] || PAGE_OK="FAIL (not every answer a 200)"
    printf 'GET %s/student?id=.. p99 %.2f ms (target < 10 ms)  %s\n' "$BASE_PATH" "$PAGE_P99" "$PAGE_OK"
    printf '    wrk %s, random students: %s req/s, p50 %.2f ms, p99 %.2f ms; %s requests, %s\n' \
        "${WRK_PAGE[*]}" "$(rate "$PAGE_RPS")" "$PAGE_P50" "$PAGE_P99" "$PAGE_N" "${PAGE_FAIL:-all 200}"
    printf '    one connection (wrk -t1 -c1 -d%ss, information): %s req/s, p50 %.2f ms, p99 %.2f ms; %s\n' \
        "$ONE_SECS" "$(rate "$ONE_RPS")" "$ONE_P50" "$ONE_P99" "${ONE_FAIL:-all 200}"
    printf '    every read is written to the audit log (report.student_read, durable before the page; simultaneous reads share a commit): %s rows written\n' "$(( AUDIT_B - AUDIT_A ))"
    printf '    CPU time: %s us per page (whole server process); a page of %s events is %s bytes\n' "$PAGE_US" "$PAGE_EVENTS" "$PAGE_BYTES"
    echo
    echo "fill: $N_EVENTS reports after adding events straight into the database in ${FILL_S}s (database $DB_MB MB)"
    echo "load average at the end: $LOAD (anything else running on this machine skews every figure); run time $(elapsed "$T0") s"
    echo "raw output (the raw program, the first API answer, the compared rows, a student page, wrk, the server logs): bench/out/raw-reports/"
} | tee "$OUT/reports.txt"

[[ -z $FILE_STATUS && -z $PAGE_FAIL && -z $ONE_FAIL ]] || exit 1
