#!/usr/bin/env bash
# Installs octet's build dependencies (Debian packages only) and builds it into build/.
# Usage: scripts/setup.sh [extra cmake args...]   Safe to run again; skips what is present.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build pkg-config git
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libarchive-dev libjpeg62-turbo-dev libpng-dev
  flatbuffers-compiler libflatbuffers-dev nlohmann-json3-dev libcli11-dev
  libopenblas-dev libopenblas0-pthread
  python3 python3-venv python3-pip
  chromium librsvg2-bin
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >&2
cmake --build build >&2
echo "setup: built build/octet" >&2
