#!/usr/bin/env bash
# Installs what the build and the tests need, from Debian's packages and npm only; quick when all is
# there. Run by `make run`, `make build` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config ccache clang libclang-rt-14-dev clang-format clang-tidy
  libboost1.81-dev libboost-url1.81-dev libboost-json1.81-dev
  libsodium-dev libcjose-dev libjansson-dev libssl-dev libicu-dev libsqlite3-dev libspdlog-dev libcli11-dev libkainjow-mustache-dev libtomlplusplus-dev
  prometheus-cpp-dev libgtest-dev libbenchmark-dev
  chromium fonts-dejavu-core
  libgd-dev espeak-ng libcurl4-openssl-dev libpwquality-dev cracklib-runtime libunistring-dev wswedish
  python3-aiosmtpd libcairo2-dev libpango1.0-dev poppler-utils
  liboath-dev libqrencode-dev oathtool libfido2-dev libcbor-dev
  wrk nginx-light curl sqlite3
  postgresql libpq-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from Debian or be preinstalled with its own npm: only install it when absent.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Browser-test packages, exactly as package-lock.json says.
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
