#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ (clang, ASan + UBSan, in build-fuzz) and runs them
# (docs/FUZZING.md).
#   scripts/fuzz.sh                       each target briefly (MINA_FUZZ_SECONDS, default 10 s): `make test`
#   scripts/fuzz.sh --long [SECONDS]      each target at length (default 600 s): `make fuzz`
#   scripts/fuzz.sh [--long [SECONDS]] TARGET...   only these (csv, personnummer, form, multipart,
#                                         studietider_file, reports_plan, api_body, config, jose_verify,
#                                         webauthn)
# Seeds are read from fuzz/corpus/<target>/ (never written); what a run learns is kept in
# build-fuzz/corpus/<target>/ for the next. A crash, a sanitizer report or a broken invariant is
# saved under build-fuzz/crashes/ and named in a line "fuzz: TARGET FAILED: FILE"; each target ends
# with one line "fuzz: TARGET ok" or that; the exit status is non-zero when any failed.
# Reproduce a crash: build-fuzz/fuzz/fuzz_TARGET FILE
set -uo pipefail
cd "$(dirname "$0")/.."
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.ccache}
JOBS=${JOBS:-2}
BUILD=${MINA_FUZZ_BUILD:-build-fuzz}
seconds=${MINA_FUZZ_SECONDS:-10}
seed=(-seed=1)  # the brief round of `make test` explores the same way each time; --long at random
all=(csv personnummer form multipart studietider_file reports_plan api_body config jose_verify webauthn)

if [[ ${1:-} == --long ]]; then
  shift
  seconds=600
  seed=()
  if [[ ${1:-} =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
fi
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz: no target $t (one of: ${all[*]})" >&2; exit 2; }
done

# The build: clang, only the core and the parsers the harnesses call.
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  CXX=clang++ cmake -S . -B "$BUILD" -DMINA_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null || { echo "fuzz: build FAILED (cmake)"; exit 1; }
fi
if ! nice cmake --build "$BUILD" -j "$JOBS" >"$BUILD/build.log" 2>&1; then
  grep -E 'error|Error' "$BUILD/build.log" | head -n 20
  echo "fuzz: build FAILED (see $BUILD/build.log)"
  exit 1
fi

crashes=$BUILD/crashes
mkdir -p "$crashes"
# A sanitizer report ends the run with an error; leaks are findings too.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in "${targets[@]}"; do
  work=$BUILD/corpus/$t
  mkdir -p "$work"
  dict=()
  [[ -f fuzz/dict/$t.dict ]] && dict=(-dict="fuzz/dict/$t.dict")
  log=$BUILD/fuzz_$t.log
  before=$(ls "$crashes" | grep -c "^$t-" || true)
  nice "$BUILD/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$crashes/$t-" "${seed[@]}" "${dict[@]}" "$work" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  after=$(ls "$crashes" | grep -c "^$t-" || true)
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -1)
  if [[ $rc == 0 && $after == "$before" ]]; then
    echo "fuzz: $t ok (${runs:-?} runs in ${seconds}s)"
  else
    status=1
    file=$(ls -t "$crashes"/"$t"-* 2>/dev/null | head -1)
    grep -m1 -E 'ERROR: |runtime error|deadly signal|Assertion' "$log" | sed 's/^/  /' || tail -n 3 "$log" | sed 's/^/  /'
    echo "fuzz: $t FAILED: ${file:-no crash file (see $log)}"
  fi
done
exit $status
