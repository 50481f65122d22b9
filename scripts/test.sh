#!/usr/bin/env bash
# `make test`: builds with warnings as errors and runs every test: unit (ctest), integration over
# real HTTP, browser; the style (scripts/format.sh --check, scripts/tidy.sh: one test each); then
# the unit and integration tests once more under AddressSanitizer +
# UndefinedBehaviorSanitizer; then, on a throwaway PostgreSQL (scripts/pg.sh), the PostgreSQL unit
# tests (ctest -R Pg), the whole HTTP suite again on PostgreSQL and tests/pg; then each libFuzzer
# harness of fuzz/ briefly (scripts/fuzz.sh, one test each). Prints what each part cost and one
# closing line with the totals.
#   MINA_SKIP_SANITIZERS=1  skips the sanitizer round; MINA_SKIP_POSTGRES=1 the PostgreSQL round;
#   MINA_SKIP_FUZZ=1 the fuzzing round;
#   MINA_TEST_POSTGRES_URL=postgresql://…  uses that server (an admin URL) instead of scripts/pg.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.ccache}
passed=0
failed=0
status=0
timings=()

step() {  # step NAME COMMAND...: runs, times and records a part of the run
  local name=$1; shift
  local t0=$SECONDS
  echo "=== $name"
  "$@"
  local rc=$?
  timings+=("$(printf '%-28s %4ss  %s' "$name" $((SECONDS - t0)) "$([[ $rc == 0 ]] && echo ok || echo FAILED)")")
  [[ $rc == 0 ]] || status=1
  return $rc
}

configure_and_build() {  # configure_and_build DIR EXTRA_CMAKE_FLAGS...
  local dir=$1; shift
  [[ -f $dir/CMakeCache.txt ]] || cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DMINA_WERROR=ON "$@" >/dev/null || return 1
  # Without pipefail here: with it, a failed build made the pipeline fail, `|| true` ran and
  # PIPESTATUS was true's, so a build that failed was reported as ok.
  local -; set +o pipefail
  cmake --build "$dir" -j "$JOBS" 2>&1 | grep -vE '^\[ *[0-9]+%\]|^-- '
  test "${PIPESTATUS[0]}" -eq 0
}

count_ctest() {  # reads ctest output on stdin; adds its counts
  local out; out=$(cat); echo "$out" | tail -n 25
  local line; line=$(echo "$out" | grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' | tail -1)
  if [[ -n $line ]]; then
    local f t; f=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/'); t=$(echo "$line" | sed -E 's/.* out of ([0-9]+).*/\1/')
    passed=$((passed + t - f)); failed=$((failed + f))
  else
    failed=$((failed + 1))
  fi
}

count_node() {  # reads node --test output on stdin; adds its counts
  local out; out=$(cat)
  echo "$out" | grep -E '^not ok|^# (tests|pass|fail|cancelled|skipped|duration)' || true
  echo "$out" | grep -B2 -A40 '^not ok' | head -n 200 || true
  local p f c; p=$(echo "$out" | sed -nE 's/^# pass ([0-9]+)/\1/p' | tail -1); f=$(echo "$out" | sed -nE 's/^# fail ([0-9]+)/\1/p' | tail -1)
  c=$(echo "$out" | sed -nE 's/^# cancelled ([0-9]+)/\1/p' | tail -1)
  if [[ -z $p ]]; then failed=$((failed + 1)); return; fi
  passed=$((passed + p)); failed=$((failed + ${f:-0} + ${c:-0}))
}

# Process substitution, not a pipe: the counters must be updated in this shell. Each returns
# non-zero when its tests failed.
run_unit() {
  local f0=$failed
  count_ctest < <(cd "$1" && ctest -LE postgres -j "$JOBS" --output-on-failure --timeout 300 2>&1)
  [[ $failed == "$f0" ]]
}
run_node() {
  local bin=$1; shift
  local f0=$failed
  count_node < <(MINA_BIN=$bin node --test --test-concurrency="$JOBS" --test-timeout=240000 "$@" 2>&1)
  [[ $failed == "$f0" ]]
}

# PostgreSQL: a throwaway cluster (build/pg; port 55432, or a free port when that one is taken: its
# URL is what scripts/pg.sh start prints), stopped and removed on exit unless it was already running
# before this script.
unset MINA_TEST_BACKEND  # the first rounds run on SQLite
given_pg_url=${MINA_TEST_POSTGRES_URL:-}
unset MINA_TEST_POSTGRES_URL
pg_started=0
start_pg() {
  if [[ -n $given_pg_url ]]; then
    export MINA_TEST_POSTGRES_URL=$given_pg_url
    psql -X -q -v ON_ERROR_STOP=1 -d "$MINA_TEST_POSTGRES_URL" -c 'SELECT 1' >/dev/null || return 1
    echo "PostgreSQL given by MINA_TEST_POSTGRES_URL"
    return
  fi
  if scripts/pg.sh status >/dev/null 2>&1; then echo "PostgreSQL was already running: left running"; else pg_started=1; fi
  MINA_TEST_POSTGRES_URL=$(scripts/pg.sh start | tail -n 1) || return 1
  export MINA_TEST_POSTGRES_URL
  echo "$MINA_TEST_POSTGRES_URL"
}
stop_pg() {
  if [[ $pg_started == 1 ]]; then scripts/pg.sh stop >/dev/null 2>&1 || true; fi
  pg_started=0
}
trap stop_pg EXIT
trap 'exit 130' INT TERM
run_unit_pg() {  # the store's tests on PostgreSQL (gtest suites Pg*); none found is a failure
  local f0=$failed
  count_ctest < <(cd "$1" && ctest -R Pg --no-tests=error -j "$JOBS" --output-on-failure --timeout 300 2>&1)
  [[ $failed == "$f0" ]]
}
run_node_pg() { local -x MINA_TEST_BACKEND=postgres; run_node "$@"; }

# scripts/fuzz.sh prints "fuzz: TARGET ok" or "fuzz: TARGET FAILED: FILE" per target: each is one test;
# a build that fails is one failed test.
count_fuzz() {
  local out; out=$(cat); echo "$out" | grep -vE '^fuzz: [a-z_]+ ok' || true
  local ok bad; ok=$(echo "$out" | grep -cE '^fuzz: [a-z_]+ ok') ; bad=$(echo "$out" | grep -cE '^fuzz: .*FAILED')
  if ((ok + bad == 0)); then failed=$((failed + 1)); return; fi
  echo "fuzz: $ok of $((ok + bad)) targets ok"
  passed=$((passed + ok)); failed=$((failed + bad))
}
run_fuzz() {
  local f0=$failed
  count_fuzz < <(MINA_FUZZ_SECONDS=${MINA_FUZZ_SECONDS:-10} scripts/fuzz.sh 2>&1)
  [[ $failed == "$f0" ]]
}

# The style: the house format (.clang-format) and clang-tidy (.clang-tidy) over src/, each one test.
run_style() {
  local f0=$failed
  if scripts/format.sh --check; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  if JOBS=$JOBS BUILD=build scripts/tidy.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  [[ $failed == "$f0" ]]
}

built=0
# A build that fails counts as one failed test in the totals, as well as failing the run.
step "build (-Werror)" configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo && built=1
[[ $built == 1 ]] || failed=$((failed + 1))
if [[ $built == 1 ]]; then
  step "unit tests" run_unit build
  step "integration tests (HTTP)" run_node "$PWD/build/mina" tests/http/
  step "browser tests" run_node "$PWD/build/mina" tests/browser/
  step "style (clang-format, clang-tidy)" run_style
fi
if [[ ${MINA_SKIP_SANITIZERS:-} != 1 ]]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  if step "build (ASan+UBSan)" configure_and_build build-asan -DCMAKE_BUILD_TYPE=Debug -DMINA_SANITIZE=ON \
      -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g"; then
    step "unit tests (ASan+UBSan)" run_unit build-asan
    step "integration (ASan+UBSan)" run_node "$PWD/build-asan/mina" tests/http/
  else
    failed=$((failed + 1))
  fi
fi

if [[ ${MINA_SKIP_POSTGRES:-} != 1 && $built == 1 ]]; then
  if step "PostgreSQL (start)" start_pg; then
    step "unit tests (PostgreSQL)" run_unit_pg build
    step "integration (PostgreSQL)" run_node_pg "$PWD/build/mina" tests/http/
    if compgen -G 'tests/pg/*.test.js' >/dev/null; then
      step "PostgreSQL tests (tests/pg)" run_node "$PWD/build/mina" tests/pg/
    fi
  fi
fi

if [[ ${MINA_SKIP_FUZZ:-} != 1 ]]; then
  step "fuzzing (libFuzzer)" run_fuzz
fi

echo
echo "=== what each part cost"
printf '%s\n' "${timings[@]}"
[[ $failed == 0 && $status == 0 ]] || status=1
echo
echo "total: $passed passed, $failed failed"
exit $status
