#!/usr/bin/env bash
# On-demand long differential batch: tests/differential/long-batch.sh N [BASE]
# Compares N generated modules (seeds BASE.., default 1) between binaryen, our interpreter and
# our optimizing tier (and V8 with TW_DIFF_V8=1), in chunks of TW_DIFF_CHUNK seeds (default
# 20) run by TW_DIFF_JOBS parallel tw_tests processes (default: nproc). A chunk process that
# crashes or hangs (TW_DIFF_SEED_TIMEOUT seconds a seed, default 120) counts as a divergence
# of the seed it was running; the other seeds of the chunk are run again around it. Ends with the line
#   "N modules compared, M skipped, D divergences"
# and exits 1 when D > 0. Chunk logs stay in TW_DIFF_LOGS (default: a new $TMPDIR directory).
# TW_TESTS names the tw_tests binary (default: build-jit/, then build/ in the checkout).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
count="${1:?usage: long-batch.sh N [BASE]}"
base="${2:-1}"
bin="${TW_TESTS:-}"
for b in "$root/build-jit/tests/tw_tests" "$root/build/tests/tw_tests"; do
  [ -n "$bin" ] || { [ -x "$b" ] && bin="$b"; } || true
done
[ -x "$bin" ] || { echo "long-batch.sh: no tw_tests binary (set TW_TESTS)" >&2; exit 2; }
jobs="${TW_DIFF_JOBS:-$(nproc)}"
chunk="${TW_DIFF_CHUNK:-20}"
logs="${TW_DIFF_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/tw-long-batch.XXXXXX")}"
mkdir -p "$logs"
export bin logs
export TW_DIFF_V8="${TW_DIFF_V8:-0}" TW_DIFF_SEED_TIMEOUT="${TW_DIFF_SEED_TIMEOUT:-120}"

# run_range FIRST END: seeds FIRST..END-1 in one process. When it crashes or hangs, the seeds
# before the one it was running are run again (they had no totals line) and the rest after it.
run_range() {
  local first="$1" end="$2" log="$logs/range-$1-$2.log" last
  [ "$first" -lt "$end" ] || return 0
  TW_DIFF_SEEDS=$((end - first)) TW_DIFF_SEED_BASE=$first TW_DIFF_PROGRESS=1 \
    timeout -k 10 $(((end - first) * TW_DIFF_SEED_TIMEOUT)) \
    "$bin" --gtest_filter='DiffBinaryen.GeneratedModules*' > "$log" 2>&1 || true
  grep -q '^\[ DiffBinaryen \] totals ' "$log" && return 0
  last=$(grep -E '^\[ DiffBinaryen \] seed [0-9]+$' "$log" | tail -n 1 | awk '{print $NF}')
  last="${last:-$first}"
  mv "$log" "$log.failed"
  echo "seed $last: tw_tests crashed or hung (log $log.failed)" > "$logs/seed-$last.crash"
  run_range "$first" "$last"
  run_range $((last + 1)) "$end"
}
run_chunk() { run_range "$1" $(($1 + $2)); }
export -f run_range run_chunk

start=$(date +%s)
for ((first = base; first < base + count; first += chunk)); do
  echo "$first $((first + chunk <= base + count ? chunk : base + count - first))"
done | xargs -P "$jobs" -n 2 bash -c 'run_chunk "$@"' _
elapsed=$(( $(date +%s) - start ))

cat "$logs"/*.log | awk '
  /^\[ DiffBinaryen \] totals / {
    for (i = 4; i <= NF; ++i) { split($i, kv, "="); t[kv[1]] += kv[2] }
  }
  END { printf "%d %d %d %d\n", t["seeds"], t["compared"], t["skipped"], t["divergences"] }' \
  > "$logs/sums"
read -r seeds compared skipped divergences < "$logs/sums"
crashes=$(find "$logs" -name '*.crash' | wc -l)
divergences=$((divergences + crashes))
find "$logs" -name '*.log' -o -name '*.crash' | xargs grep -h -E '^seed [0-9]+: ' | sort -t' ' -k2,2n \
  | sed 's/^/  /' || true
echo "seeds $base..$((base + count - 1)) in ${elapsed}s on $jobs jobs (logs: $logs)"
echo "$compared modules compared, $((skipped)) skipped, $divergences divergences"
[ "$((seeds + crashes))" -eq "$count" ] || echo "warning: $((seeds + crashes)) of $count seeds accounted for"
[ "$divergences" -eq 0 ]
