#!/usr/bin/env bash
# Long differential batches on a machine with more cores (the device machine), which lacks
# this machine's packages: `tests/differential/device-bundle.sh make [BUILD]` packs tw_tests,
# the code generator library, wasm-opt and every shared library they need into the git-ignored
# .diffbundle/ (carry it); `tests/differential/device-bundle.sh run N BASE OUT` unpacks it there
# and runs tests/differential/long-batch.sh N BASE on all cores, logs under OUT.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
case "${1:-}" in
  make)
    build=${2:-$root/build-jit}
    stage=$(mktemp -d)
    mkdir -p "$stage/bin" "$stage/lib" "$root/.diffbundle"
    objcopy --strip-debug "$build/tests/tw_tests" "$stage/bin/tw_tests"
    objcopy --strip-debug "$build/src/jit/libtensorwasm-codegen.so" "$stage/bin/libtensorwasm-codegen.so"
    cp "$(command -v wasm-opt)" "$stage/bin/"
    (ldd "$stage/bin/tw_tests"; ldd "$stage/bin/libtensorwasm-codegen.so"; ldd "$stage/bin/wasm-opt") |
      awk '$3 ~ /^\// {print $3}' | sort -u | grep -Ev 'lib(c|m|pthread|dl)\.so|ld-linux' |
      while read -r lib; do cp -L "$lib" "$stage/lib/"; done
    tar cf - -C "$stage" bin lib | xz -T0 -4 > "$root/.diffbundle/bundle.tar.xz"
    rm -rf "$stage"
    ls -la "$root/.diffbundle/bundle.tar.xz"
    ;;
  run)
    x=/tmp/diffbundle-x
    rm -rf "$x" && mkdir -p "$x" "$4/logs"
    tar xJf "$root/.diffbundle/bundle.tar.xz" -C "$x"
    export LD_LIBRARY_PATH=$x/lib PATH=$x/bin:$PATH TW_TESTS=$x/bin/tw_tests
    export TW_DIFF_JOBS=${TW_DIFF_JOBS:-$(nproc)} TW_DIFF_LOGS=$4/logs
    cd "$root"
    wasm-opt --version
    bash tests/differential/long-batch.sh "$2" "$3"
    ;;
  *)
    echo "usage: $0 make [BUILD] | run N BASE OUT" >&2
    exit 2
    ;;
esac
