#!/usr/bin/env bash
# The C++ of src/, tests/, fuzz/ and bench/ in the house format (.clang-format).
#   scripts/format.sh           reformats every file in place
#   scripts/format.sh --check   changes nothing; names each file that is not formatted and how many of
#                               its lines would change, and fails if there is one (run by `make test`)
# CLANG_FORMAT picks the binary (default clang-format). Other major versions than Debian 12's (14)
# format some constructs differently, so the check says which version it ran.
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}

check=0
case ${1:-} in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: scripts/format.sh [--check]" >&2; exit 2 ;;
esac

command -v "$CLANG_FORMAT" >/dev/null || { echo "format: $CLANG_FORMAT not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
mapfile -t files < <(find src tests fuzz bench -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) \
                       -not -path '*/node_modules/*' | LC_ALL=C sort)

if [[ $check == 0 ]]; then
  # Twice: for a few constructs (a macro continued on the next lines, a call whose arguments hold a
  # lambda) clang-format 14's first pass is not its own fixed point; the second is.
  for _ in 1 2; do printf '%s\0' "${files[@]}" | xargs -0 -n 16 -P 2 "$CLANG_FORMAT" -i; done
  echo "format: ${#files[@]} files formatted"
  exit 0
fi

# Prints "LINES FILE" for each file whose formatted text differs (LINES: the lines diff shows).
differs() {
  local f n
  for f in "$@"; do
    n=$("$CLANG_FORMAT" "$f" | diff "$f" - | grep -c '^[<>]') || true
    [[ $n == 0 ]] || echo "$n $f"
  done
}
export -f differs
export CLANG_FORMAT
mapfile -t bad < <(printf '%s\0' "${files[@]}" | xargs -0 -n 16 -P 2 bash -c 'differs "$@"' _ | sort -k2)
version=$("$CLANG_FORMAT" --version | grep -oE '[0-9]+\.[0-9.]+' | head -1)
if ((${#bad[@]})); then
  for b in "${bad[@]}"; do echo "format: ${b#* } is not formatted (${b%% *} lines differ)"; done
  echo "format: ${#bad[@]} of ${#files[@]} files are not formatted (clang-format $version); scripts/format.sh fixes them"
  exit 1
fi
echo "format: ${#files[@]} files formatted (clang-format $version)"
