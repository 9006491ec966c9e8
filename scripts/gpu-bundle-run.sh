#!/usr/bin/env bash
# Runs the GPU test bundle on the GPU machine; copied into .bundle/run.sh by `scripts/gpu-test bundle`.
#
#   bash .bundle/run.sh OUT_DIR          (on the device tool: bash .bundle/run.sh "$OUT")
#
# Steps (each bounded by a timeout, all within TW_BUDGET_S seconds, default 540): host and bundle
# facts, nvidia-smi, `tensorwasm gpu info`, every GPU example through `tensorwasm run`, tw_tests with
# --gtest_filter='Gpu*:*Gpu*' (TW_EXPECT_GPU=1 when nvidia-smi sees a GPU, so a skipping GPU test
# fails), the rest of tw_tests (unless TW_FULL_TESTS=0; tests needing the unpacked spec suite are
# left out, see TW_REST_EXCLUDE), and GPU benchmarks shipped in bin/.
# Writes OUT_DIR/gpu-log.txt (everything), OUT_DIR/summary.txt (counts, key timings and a
# docs/gpu-validation-log.md entry ready to paste) and gtest XML. Without a GPU everything skips
# visibly and the script still exits 0. Exit status: 0, or 1 when something failed and TW_STRICT=1.
set -u
out=${1:-${OUT:-}}
[ -n "$out" ] || { echo "usage: run.sh OUT_DIR" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
B=$(cd "$(dirname "$0")" && pwd)
log="$out/gpu-log.txt"
summary="$out/summary.txt"
: > "$log"
budget=${TW_BUDGET_S:-540}
start=$SECONDS

export TENSORWASM="$B/bin/tensorwasm"
export TW_EXAMPLES_DIR="$B/examples"
export PATH="$B/bin:$PATH"  # wat2wasm carried in the bundle
if [ -d "$B/lib" ]; then export LD_LIBRARY_PATH="$B/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
# The CUDA 13 toolkit libraries (NVRTC, cuBLAS) live here on the GPU machine.
if [ -d /usr/local/cuda/lib64 ]; then export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/usr/local/cuda/lib64"; fi

say() { echo "$*" | tee -a "$log"; }
section() { say ""; say "======== $* ($(date -u +%H:%M:%S), ${SECONDS}s)"; }
# Seconds for the next step: at most $1, and never past the budget (keeps 20 s for the summary).
allot() {
  local left=$((budget - (SECONDS - start) - 20))
  [ "$left" -lt "$1" ] && echo $((left > 5 ? left : 5)) || echo "$1"
}
# run_step TIMEOUT CMD...: runs CMD with output appended to the log; sets $rc and $step_out.
run_step() {
  local t; t=$(allot "$1"); shift
  say "\$ $* (timeout ${t}s)"
  step_out=$(mktemp)
  timeout --kill-after=10 "$t" "$@" > "$step_out" 2>&1
  rc=$?
  cat "$step_out" >> "$log"
  [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && say "!! timed out after ${t}s"
  say "(exit $rc)"
}

failures=0
section "host and bundle"
say "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "host: $(uname -n) $(uname -r) $(uname -m); $( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null); $(ldd --version 2>/dev/null | head -n 1)"
[ -f "$B/MANIFEST.txt" ] && cat "$B/MANIFEST.txt" >> "$log"
commit=$(sed -n 's/^commit: //p' "$B/MANIFEST.txt" 2>/dev/null)

section "nvidia-smi"
gpu=0
device="no GPU"
driver="-"
if command -v nvidia-smi > /dev/null 2>&1; then
  run_step 30 nvidia-smi --query-gpu=index,name,driver_version,memory.total,memory.used,compute_cap,compute_mode,mig.mode.current --format=csv
  run_step 30 nvidia-smi
  if nvidia-smi -L 2> /dev/null | grep -q '^GPU '; then
    gpu=1
    device=$(nvidia-smi --query-gpu=name --format=csv,noheader 2> /dev/null | head -n 1)
    driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2> /dev/null | head -n 1)
    count=$(nvidia-smi -L | grep -c '^GPU ')
    [ "$count" -gt 1 ] && device="$count x $device"
  fi
else
  say "nvidia-smi not found: no GPU on this machine"
fi
cuda_version=$(nvidia-smi 2> /dev/null | sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' | head -n 1)
say "GPU present: $gpu ($device, driver $driver, CUDA ${cuda_version:--})"

section "tensorwasm gpu info"
run_step 60 "$TENSORWASM" gpu info
gpu_info_rc=$rc

section "GPU examples (tensorwasm run)"
ex_pass=0 ex_skip=0 ex_fail=0
ex_lines=""
ex_timings=""
shopt -s nullglob
examples=("$TW_EXAMPLES_DIR"/gpu_*.wasm)
[ ${#examples[@]} -gt 0 ] || say "no GPU examples in the bundle"
for wasm in "${examples[@]}"; do
  name=$(basename "$wasm" .wasm)
  flags=()
  [ "$gpu" = 1 ] && flags=(--gpu)
  t0=$SECONDS
  run_step 120 "$TENSORWASM" run "${flags[@]}" "$wasm"
  if [ "$rc" -eq 0 ] && grep -q '^PASS: ' "$step_out"; then
    verdict=PASS; ex_pass=$((ex_pass + 1))
  elif [ "$rc" -eq 0 ] && grep -q '^SKIP: no GPU' "$step_out" && [ "$gpu" = 0 ]; then
    verdict=SKIP; ex_skip=$((ex_skip + 1))
  else
    verdict=FAIL; ex_fail=$((ex_fail + 1))
  fi
  detail=$(grep -E '^(PASS|FAIL|SKIP)|us/launch|launch\+sync' "$step_out" | tr '\n' ' ' | cut -c1-300)
  ex_lines+="  $name: $verdict (exit $rc, $((SECONDS - t0))s) $detail"$'\n'
  timing=$(grep -oE '[0-9.]+ us/launch|sync [0-9.]+ us|launch\+sync [0-9.]+ us|region launch [0-9.]+ us' "$step_out" | paste -sd ',' | sed 's/,/, /g')
  [ -n "$timing" ] && ex_timings+="  - $name: $timing"$'\n'
done

# gtest_counts FILE: "P passed, S skipped, F failed" from gtest's own summary lines.
gtest_counts() {
  local p s f
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -n 1)
  s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$1" | tail -n 1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -n 1)
  echo "${p:-0} passed, ${s:-0} skipped, ${f:-0} failed"
}

section "tw_tests: GPU tests (--gtest_filter='Gpu*:*Gpu*')"
expect=()
[ "$gpu" = 1 ] && expect=(env TW_EXPECT_GPU=1)
# Kernel-fault tests leave the device unusable for the rest of their process (driver 580),
# so they run last, each in a process of its own.
fault_tests='GpuReal.*Isolated*'
run_step 240 "${expect[@]}" "$B/bin/tw_tests" --gtest_filter="Gpu*:*Gpu*:-$fault_tests" --gtest_output="xml:$out/gtest-gpu.xml"
gpu_tests_rc=$rc
gpu_tests=$(gtest_counts "$step_out")
for t in $("$B/bin/tw_tests" --gtest_list_tests --gtest_filter="$fault_tests" | awk '/^[^ ]/ {s=$1} /^  / {print s $1}'); do
  section "tw_tests: $t (own process)"
  run_step 60 "${expect[@]}" "$B/bin/tw_tests" --gtest_filter="$t"
  [ "$rc" = 0 ] || gpu_tests_rc=$rc
  gpu_tests="$gpu_tests; $t: $(gtest_counts "$step_out")"
done
gpu_skipped=$(grep '^\[  SKIPPED \] ' "$step_out" | grep -v ' tests\?, listed below' | grep -v ' ms)$' | sed 's/^\[  SKIPPED \] /    /' | head -n 40)

full_tests="not run"
full_tests_rc=0
if [ "${TW_FULL_TESTS:-1}" != 0 ]; then
  section "tw_tests: everything else"
  # Tests that read the spec suite unpacked in the build tree (not in the bundle) are left out.
  rest_exclude=${TW_REST_EXCLUDE:-BinarySpec.*:CliWast.*:BinaryDecoder.EveryPrefixOfARealModuleFailsCleanly:BinaryDecoder.MutatedModulesNeverMisbehave}
  run_step 240 "$B/bin/tw_tests" --gtest_filter="-Gpu*:*Gpu*:$rest_exclude" --gtest_output="xml:$out/gtest-rest.xml"
  full_tests_rc=$rc
  full_tests=$(gtest_counts "$step_out")
  full_failed=$(grep '^\[  FAILED  \] ' "$step_out" | grep -v ' tests\?, listed below' | grep -v ' ms)$' | sed 's/^\[  FAILED  \] /    /' | head -n 40)
fi

bench_lines=""
for bench in "$B"/bin/gpu_*bench*; do
  [ -x "$bench" ] || continue
  section "benchmark $(basename "$bench")"
  run_step 180 "$bench"
  [ "$rc" -eq 0 ] || failures=$((failures + 1))
  bench_lines+="  $(basename "$bench") (exit $rc):"$'\n'"$(grep -iE 'ratio|p50|p99|us|pass|fail' "$step_out" | tail -n 20 | sed 's/^/    /')"$'\n'
done
[ -n "$bench_lines" ] || bench_lines="  (no GPU benchmark in the bundle)"$'\n'

failures=$((failures + ex_fail))
[ "$gpu_tests_rc" -eq 0 ] || failures=$((failures + 1))
[ "$full_tests_rc" -eq 0 ] || failures=$((failures + 1))
if [ "$failures" -gt 0 ]; then result=FAIL
elif [ "$gpu" = 0 ]; then result="SKIPPED (no GPU)"
else result=PASS; fi

section "summary"
{
  echo "GPU bundle run: $result"
  echo "date: $(date -u +%Y-%m-%d) (UTC), ${SECONDS}s"
  echo "device: $device; driver $driver; CUDA ${cuda_version:--}"
  echo "commit: ${commit:-unknown}"
  echo "tensorwasm gpu info: exit $gpu_info_rc"
  echo "examples: $ex_pass PASS, $ex_skip SKIP, $ex_fail FAIL"
  printf '%s' "$ex_lines"
  echo "tw_tests GPU filter: $gpu_tests (exit $gpu_tests_rc)"
  [ -n "${gpu_skipped:-}" ] && { echo "  skipped:"; echo "$gpu_skipped"; }
  echo "tw_tests rest: $full_tests (exit $full_tests_rc)"
  [ -n "${full_failed:-}" ] && { echo "  failed:"; echo "$full_failed"; }
  echo "benchmarks:"
  printf '%s' "$bench_lines"
  echo
  echo "---- entry for docs/gpu-validation-log.md ----"
  echo "### $(date -u +%Y-%m-%d) · ${device} · ${result}"
  echo "- Commit: ${commit:-unknown}"
  echo "- Device: ${device}; driver ${driver}; CUDA ${cuda_version:--}; host $( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null)"
  echo "- Examples: $ex_pass PASS, $ex_skip SKIP, $ex_fail FAIL"
  echo "- tw_tests GPU filter: $gpu_tests"
  echo "- tw_tests rest: $full_tests"
  echo "- Timings:"
  printf '%s' "${ex_timings:-  - (no example timings)$'\n'}"
  printf '%s' "$bench_lines" | sed 's/^  /  - /'
} > "$summary"
cat "$summary" | tee -a "$log"
say "logs: $log, $summary"
if [ "${TW_STRICT:-0}" = 1 ] && [ "$failures" -gt 0 ]; then exit 1; fi
exit 0
