/* Shared scaffolding for the benchmark kernels. A kernel defines
 *   #define BENCH_NAME "name"
 *   #define BENCH_DEFAULT_SIZE N
 *   static uint32_t kernel_run(int32_t size);
 * and includes this header last. Builds:
 *   native / wasm32-wasi command:  prog [SIZE]  prints "NAME size=SIZE checksum=XXXXXXXX"
 *   -DBENCH_NOWASI (wasm, no imports, for engines without WASI such as wabt's wasm-interp):
 *     exports bench() -> i32 checksum, size fixed at build time by -DBENCH_SIZE=N but read
 *     through a volatile so the compiler cannot specialise the kernel on it.
 * Memory comes from bench_alloc (zeroed): calloc natively, memory.grow on wasm, so the hot code
 * is the same in both wasm builds. */
#include <stdint.h>

#if defined(__wasm__)
__attribute__((unused)) static void *bench_alloc(uint32_t bytes) {
  uint32_t pages = (bytes + 65535u) >> 16;
  int32_t old = __builtin_wasm_memory_grow(0, pages);
  if (old < 0) __builtin_trap();
  return (void *)((uintptr_t)old << 16);
}
#else
#include <stdlib.h>
__attribute__((unused)) static void *bench_alloc(uint32_t bytes) {
  void *p = calloc(1, bytes);
  if (!p) abort();
  return p;
}
#endif

/* Deterministic PRNG (xorshift32), state passed explicitly. */
static inline uint32_t bench_rand(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *s = x;
}

/* Mix 32-bit values into a checksum (FNV-1a over the four bytes). */
static inline uint32_t bench_mix(uint32_t h, uint32_t v) {
  for (int i = 0; i < 4; i++) {
    h ^= (v >> (8 * i)) & 0xffu;
    h *= 16777619u;
  }
  return h;
}
static inline uint32_t bench_mix_f64(uint32_t h, double d) {
  union { double d; uint64_t u; } c = {d};
  return bench_mix(bench_mix(h, (uint32_t)c.u), (uint32_t)(c.u >> 32));
}
#define BENCH_HASH_INIT 2166136261u

static uint32_t kernel_run(int32_t size);

#ifdef BENCH_NOWASI
static volatile int32_t bench_size = BENCH_SIZE;
__attribute__((export_name("bench"))) uint32_t bench(void) { return kernel_run(bench_size); }
#else
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  int32_t size = argc > 1 ? (int32_t)strtol(argv[1], NULL, 10) : BENCH_DEFAULT_SIZE;
  if (size <= 0) {
    fprintf(stderr, "%s: bad size\n", BENCH_NAME);
    return 2;
  }
  uint32_t c = kernel_run(size);
  printf("%s size=%d checksum=%08x\n", BENCH_NAME, (int)size, (unsigned)c);
  return 0;
}
#endif
