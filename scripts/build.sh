#!/usr/bin/env bash
# Configures and builds TensorWasm into build/ (Ninja, clang-19, ccache).
# Usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build}"
shift || true
mkdir -p "$dir"
cmake -G Ninja -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" > "$dir/configure.log" 2>&1 \
  || { cat "$dir/configure.log"; exit 1; }
ninja -C "$dir" -j"$(nproc)"
