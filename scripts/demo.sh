#!/usr/bin/env bash
# The main demo: install dependencies, build, then run real guests on our engine:
# a WASI C program (args, env, a preopened directory), SIMD numeric kernels called as typed
# exports, the same kernel on the interpreter and as cached native code, a deep recursion
# that traps cleanly, the HTTP server (deploy, invoke, stream, a restart after SIGKILL), and
# the official spec suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build
tw=build/src/cli/tensorwasm
ex=build/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'TensorWasm reads this file\nthrough a preopened directory\n' > "$work/in.txt"

echo "== WASI program: args, env and files under a preopened directory"
set +e
"$tw" run "$ex/hello.wasm" --dir "$work::/data" --env GREETING=hello-from-host -- \
  --read /data/in.txt --write /data/out.txt
echo "(exit code $?)"
set -e
echo "-- /data/out.txt as the guest wrote it:"
cat "$work/out.txt"

echo "== Numeric kernels as typed exports (scalar and SIMD variants agree)"
for f in matmul_checksum matmul_simd_checksum dot_checksum dot_simd_checksum; do
  printf '%-22s ' "$f:"
  "$tw" run "$ex/kernels.wasm" --invoke "$f" --args '[64]'
done

echo "== Optimizing tier: compiled ahead of time into the code cache, then run as native code"
"$tw" compile "$ex/kernels.wasm"
for tier in interp jit; do
  printf '%-7s matmul_simd_checksum(256): ' "$tier"
  start=$(date +%s%N)
  "$tw" run --tier "$tier" "$ex/kernels.wasm" --invoke matmul_simd_checksum --args '[256]' | tr '\n' ' '
  echo "in $(( ($(date +%s%N) - start) / 1000000 )) ms"
done

echo "== Deep recursion traps instead of crashing"
set +e
"$tw" run "$ex/recursion.wasm" -- 100000000
echo "(exit code $? = trap)"
set -e

echo "== The server: deploy over HTTP, invoke, stream, restart keeps the function"
data="$work/serve-data"
"$tw" serve --addr 127.0.0.1:0 --data-dir "$data" > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/serve.out")
echo "server at $url"
id=$(curl -s -X POST "$url/functions?name=kernels" -H 'Content-Type: application/wasm' \
  --data-binary @"$ex/kernels.wasm" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
echo "deployed kernels.wasm as $id"
curl -s -X POST "$url/functions/$id/invoke" -d '{"export":"dot_checksum","args":[64]}'; echo
stream=$(curl -s -X POST "$url/functions?name=stream" -H 'Content-Type: application/wasm' \
  --data-binary @"$ex/stream.wasm" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
curl -s -X POST "$url/functions/$stream/invoke-stream" -H 'Accept: text/event-stream' -d '{"input":"a b c"}' | head -n 8
kill -KILL "$server"; wait "$server" 2>/dev/null || true
"$tw" serve --addr 127.0.0.1:0 --data-dir "$data" > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/serve.out")
echo "after SIGKILL and a restart, the same id answers:"
curl -s -X POST "$url/functions/$id/invoke" -d '{"export":"dot_checksum","args":[64]}'; echo
kill -TERM "$server"; wait "$server" 2>/dev/null || true

echo "== Official WebAssembly 2.0 spec suite"
"$tw" wast build/wasm-2.0/json/*.json build/wasm-2.0/json/simd/*.json | tail -n 1
