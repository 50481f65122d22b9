#!/usr/bin/env bash
# clang-tidy (.clang-tidy's checks) over every src/**/*.cpp, with the flags of the build's
# compile_commands.json, JOBS (default 2) files at a time. Headers are checked when they are under
# src/. Prints each finding once (a header's is seen from several files) and fails if there is one.
#   scripts/tidy.sh [FILE...]   only those files (paths under src/)
#   BUILD=build-x               the build whose compile_commands.json is read (default: build)
#   CLANG_TIDY=clang-tidy-14    the binary (default: clang-tidy)
# The build must have been configured (cmake -S . -B build; CMakeLists.txt exports the database) and
# its generated files made (a full build has made them).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
BUILD=${BUILD:-build}
JOBS=${JOBS:-2}
CLANG_TIDY=${CLANG_TIDY:-clang-tidy}

command -v "$CLANG_TIDY" >/dev/null || { echo "tidy: $CLANG_TIDY not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
db=$BUILD/compile_commands.json
[[ -f $db ]] || { echo "tidy: no $db: configure the build first (cmake -S . -B $BUILD)" >&2; exit 1; }

if (($#)); then files=("$@"); else mapfile -t files < <(find src -name '*.cpp' | LC_ALL=C sort); fi
# Every file must be in the database: a file clang-tidy guessed flags for would not be checked as built.
# A lookup, not a pipe into `grep -q`: under pipefail that failed when grep had its match and left
# before printf had written the rest (SIGPIPE), and a file that was there was named missing.
declare -A known=()
while IFS= read -r f; do known[$f]=1; done < <(python3 -c 'import json,sys; print("\n".join(sorted({e["file"] for e in json.load(open(sys.argv[1]))})))' "$db")
missing=()
for f in "${files[@]}"; do
  [[ -n ${known[$root/$f]:-} ]] || missing+=("$f")
done
if ((${#missing[@]})); then
  printf 'tidy: %s is not in %s (not built by any target?)\n' "${missing[@]}" "$db" >&2
  exit 1
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The database holds g++ 12's command lines; clang reads them with g++ 12's own headers. Only the
# warning flags need care: -Werror would make clang's own warnings (not the build's: that is g++)
# errors, and a g++-only -W flag would be an error of its own.
t0=$SECONDS
printf '%s\0' "${files[@]}" | xargs -0 -P "$JOBS" -I{} sh -c '
  f=$1; log=$2/$(echo "$f" | tr / _).log
  "$3" -p "$4" --quiet --header-filter="^$5/src/" \
    --extra-arg=-Wno-unknown-warning-option --extra-arg=-Wno-error "$f" >"$log" 2>&1
  echo $? >"$log.rc"' _ {} "$out" "$CLANG_TIDY" "$BUILD" "$root"
seconds=$((SECONDS - t0))

# A finding: "FILE:LINE:COL: warning: TEXT [check]"; errors (a file that did not compile) count too.
findings=$(cat "$out"/*.log | grep -E '^/.*:[0-9]+:[0-9]+: (warning|error): ' | sed "s|^$root/||" | LC_ALL=C sort -u || true)
broken=0
for rc in "$out"/*.rc; do [[ $(cat "$rc") == 0 ]] || grep -qE ': (warning|error): ' "${rc%.rc}" || broken=$((broken + 1)); done
n=0
[[ -z $findings ]] || { n=$(echo "$findings" | wc -l); echo "$findings"; }
if [[ $n != 0 ]]; then
  echo
  echo "tidy: findings per check:"
  echo "$findings" | grep -oE '\[[a-z0-9.,-]+\]$' | sort | uniq -c | sort -rn
fi
echo "tidy: ${#files[@]} files, $n findings, ${seconds}s (JOBS=$JOBS, $($CLANG_TIDY --version | grep -oE 'version [0-9.]+'))"
if ((broken)); then echo "tidy: clang-tidy failed on $broken file(s) without a finding; its output:"; cat "$out"/*.log; fi
[[ $n == 0 && $broken == 0 ]]
