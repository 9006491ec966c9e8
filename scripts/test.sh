#!/usr/bin/env bash
# Every test: install dependencies, build, run the official spec suite, the unit and
# differential tests, a 60-second fuzz run (and 20 s each on the artifact envelope reader and
# the snapshot readers, 10 s on the kernel manifest reader), and the unit tests again under
# ASan+UBSan.
# Environment: FUZZ_SECONDS (default 60), FUZZ_ARTIFACT_SECONDS and FUZZ_SNAPSHOT_SECONDS (20),
# FUZZ_KERNEL_SECONDS (10).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
logs=build-logs
mkdir -p "$logs"

echo "== build (RelWithDebInfo)"
bash scripts/build.sh build

echo "== official spec suite (json/ and json/simd/, interpreter tier)"
build/src/cli/tensorwasm wast build/wasm-2.0/json/*.json build/wasm-2.0/json/simd/*.json \
  > "$logs/spec.txt" 2>&1 || { grep -v " 0 failed" "$logs/spec.txt"; exit 1; }
tail -n 1 "$logs/spec.txt"

echo "== official spec suite (json/ and json/simd/, optimizing tier): same totals as the interpreter"
build/src/cli/tensorwasm wast --tier jit build/wasm-2.0/json/*.json build/wasm-2.0/json/simd/*.json \
  > "$logs/spec-jit.txt" 2>&1 || { grep -v " 0 failed" "$logs/spec-jit.txt"; exit 1; }
tail -n 1 "$logs/spec-jit.txt"
[ "$(tail -n 1 "$logs/spec-jit.txt")" = "$(tail -n 1 "$logs/spec.txt")" ] \
  || { echo "jit totals differ from the interpreter's"; exit 1; }

echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer (+ libFuzzer coverage)"
bash scripts/build.sh build-asan -DTW_SANITIZE=ON -DTW_FUZZ=ON

echo "== fuzz: decode + validate + compile + instantiate for ${FUZZ_SECONDS:-60}s"
corpus=build-asan/fuzz-corpus
mkdir -p "$corpus"
find build/wasm-2.0/json -name '*.wasm' -size -64k | head -n 2000 | xargs -I{} cp {} "$corpus/" 2>/dev/null || true
build-asan/fuzz/fuzz_module -max_total_time="${FUZZ_SECONDS:-60}" -max_len=65536 -timeout=10 \
  -rss_limit_mb=4096 -print_final_stats=1 "$corpus" > "$logs/fuzz.txt" 2>&1 \
  || { tail -n 60 "$logs/fuzz.txt"; exit 1; }
grep -E "^stat::number_of_executed_units|^Done" "$logs/fuzz.txt" || tail -n 3 "$logs/fuzz.txt"

echo "== fuzz: artifact envelope reader for ${FUZZ_ARTIFACT_SECONDS:-20}s"
mkdir -p build-asan/fuzz-corpus-artifact
# One seed that reaches decompression: mode byte 1, a zero digest, a real zstd frame.
command -v zstd > /dev/null && { printf '\001'; head -c 32 /dev/zero; printf 'tensorwasm' | zstd -q -c; } \
  > build-asan/fuzz-corpus-artifact/seed-frame
build-asan/fuzz/fuzz_artifact -max_total_time="${FUZZ_ARTIFACT_SECONDS:-20}" -max_len=65536 -timeout=10 \
  -rss_limit_mb=4096 -print_final_stats=1 build-asan/fuzz-corpus-artifact > "$logs/fuzz-artifact.txt" 2>&1 \
  || { tail -n 60 "$logs/fuzz-artifact.txt"; exit 1; }
grep -E "^stat::number_of_executed_units|^Done" "$logs/fuzz-artifact.txt" || tail -n 3 "$logs/fuzz-artifact.txt"

echo "== fuzz: kernel manifest reader for ${FUZZ_KERNEL_SECONDS:-10}s"
corpus=build-asan/fuzz-corpus-kernel
mkdir -p "$corpus"
# Seeds: a manifest in the hex form and one in the legacy array form (signatures need not verify).
zeros=$(printf '%064d' 0)
printf '{"name":"matmul.f32","version":"1.2.0-rc.1+b5","sm_version":90,"digest":"sha256:%s","signature":"%s","published_unix_ms":1700000000000,"publisher":"alice"}' \
  "$zeros" "$zeros" > "$corpus/seed-hex"
printf '{"name":"k","version":"0.1.0","sm_version":80,"digest":[%s],"signature":[%s],"published_unix_ms":0,"publisher":""}' \
  "$(seq -s, 0 31)" "$(seq -s, 100 131)" > "$corpus/seed-arrays"
build-asan/fuzz/fuzz_kernel_manifest -max_total_time="${FUZZ_KERNEL_SECONDS:-10}" -max_len=4096 -timeout=10 \
  -rss_limit_mb=4096 -print_final_stats=1 "$corpus" > "$logs/fuzz-kernel.txt" 2>&1 \
  || { tail -n 60 "$logs/fuzz-kernel.txt"; exit 1; }
grep -E "^stat::number_of_executed_units|^Done" "$logs/fuzz-kernel.txt" || tail -n 3 "$logs/fuzz-kernel.txt"

echo "== fuzz: snapshot payload and legacy record readers for ${FUZZ_SNAPSHOT_SECONDS:-20}s"
corpus=build-asan/fuzz-corpus-snapshot
mkdir -p "$corpus"
# Seeds from the golden files: our payload (mode byte 0; the envelope's zstd frame between its
# 52-byte header and 32-byte MAC) and a legacy record (mode byte 1; decompressed) and file.
golden=tests/data/snapshots
{ printf '\000'; head -c -32 "$golden/counter-v1.twsnap" | tail -c +53 | zstd -q -d -c; } > "$corpus/seed-payload"
{ printf '\001'; zstd -q -d -c < "$golden/legacy-v2.snap"; } > "$corpus/seed-legacy-record"
{ printf '\001'; cat "$golden/legacy-v3.snap"; } > "$corpus/seed-legacy-file"
build-asan/fuzz/fuzz_snapshot -max_total_time="${FUZZ_SNAPSHOT_SECONDS:-20}" -max_len=65536 -timeout=10 \
  -rss_limit_mb=4096 -print_final_stats=1 "$corpus" > "$logs/fuzz-snapshot.txt" 2>&1 \
  || { tail -n 60 "$logs/fuzz-snapshot.txt"; exit 1; }
grep -E "^stat::number_of_executed_units|^Done" "$logs/fuzz-snapshot.txt" || tail -n 3 "$logs/fuzz-snapshot.txt"

echo "== the official openai npm client for the gateway tests (tests/openai, pinned in package-lock.json)"
(cd tests/openai && npm ci --no-audit --no-fund --loglevel=error) \
  || echo "warning: npm could not install the openai client; HttpServe.OpenAiOfficialClient will skip"

echo "== unit tests under ASan+UBSan"
(cd build-asan && ctest --output-on-failure -j2 --timeout 600)

echo "== unit, integration and differential tests"
(cd build && ctest --output-on-failure -j2 --timeout 600)
