/* sieve: sieve of Eratosthenes over a byte array up to N, repeated 10 times, counting primes
 * and summing them each pass. SIZE = N. */
#define BENCH_NAME "sieve"
#define BENCH_DEFAULT_SIZE 20000000
#include "bench.h"

static uint32_t kernel_run(int32_t n) {
  uint8_t *composite = bench_alloc((uint32_t)n + 1);
  uint32_t h = BENCH_HASH_INIT;
  for (int rep = 0; rep < 10; rep++) {
    for (int32_t i = 0; i <= n; i++) composite[i] = 0;
    uint32_t count = 0, sum = 0;
    for (int32_t i = 2; i <= n; i++) {
      if (composite[i]) continue;
      count++;
      sum += (uint32_t)i;
      if ((int64_t)i * i <= n)
        for (int32_t j = i * i; j <= n; j += i) composite[j] = 1;
    }
    h = bench_mix(bench_mix(h, count), sum + (uint32_t)rep);
  }
  return h;
}
