#!/usr/bin/env bash
# Installs the Debian 12 packages TensorWasm needs to build, test and build guests.
# Idempotent and non-interactive: does nothing when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache git python3 xz-utils pkg-config
  clang-19 lld-19 libclang-rt-19-dev
  llvm-22-dev
  wasi-libc libclang-rt-19-dev-wasm32
  wabt binaryen nodejs
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev
  libssl-dev libzstd-dev
  libboost1.81-dev libsqlite3-dev curl
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
