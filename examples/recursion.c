/* recursion: unbounded-depth recursion, for call-stack-exhaustion tests.
 *
 *   recursion [DEPTH]       (default DEPTH = 1000000000)
 *
 * Recurses DEPTH levels through a function pointer (so the compiler cannot turn it into a loop
 * or inline it) and prints "depth DEPTH: result R". The base case is only reachable for small
 * depths: `recursion 1000` prints "depth 1000: result 500500" and exits 0, while the default
 * depth exhausts any engine's call stack — TensorWasm traps with "call stack exhausted" (exit
 * code 4 from the CLI), Node.js throws RangeError ("Maximum call stack size exceeded").
 * The frames hold only wasm locals (nothing on the C shadow stack), so it is the engine's call
 * stack that runs out, never linear memory.
 * Also exports recurse(depth) -> i32 for `--invoke recurse --args [N]`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int32_t step(int32_t n);
static int32_t (*volatile next)(int32_t) = step;

__attribute__((noinline)) static int32_t step(int32_t n) {
  if (n <= 0) return 0;
  int32_t r = next(n - 1); /* not a tail call: the result is used below */
  return r + n;
}

__attribute__((export_name("recurse"))) int32_t recurse(int32_t depth) { return next(depth); }

int main(int argc, char **argv) {
  int32_t depth = argc > 1 ? (int32_t)strtol(argv[1], NULL, 10) : 1000000000;
  int32_t r = recurse(depth);
  printf("depth %d: result %d\n", depth, r);
  return 0;
}
