/* jacobi-2d: 5-point stencil on an N x N grid of doubles, ping-ponging two arrays for
 * 100 time steps. SIZE = N. */
#define BENCH_NAME "jacobi-2d"
#define BENCH_DEFAULT_SIZE 600
#define STEPS 100
#include "bench.h"

static void sweep(const double *src, double *dst, int32_t n) {
  for (int32_t i = 1; i < n - 1; i++)
    for (int32_t j = 1; j < n - 1; j++)
      dst[i * n + j] = 0.2 * (src[i * n + j] + src[i * n + j - 1] + src[i * n + j + 1] +
                              src[(i - 1) * n + j] + src[(i + 1) * n + j]);
}

static uint32_t kernel_run(int32_t n) {
  double *a = bench_alloc(8u * n * n), *b = bench_alloc(8u * n * n);
  for (int32_t i = 0; i < n; i++)
    for (int32_t j = 0; j < n; j++) {
      a[i * n + j] = ((double)i * (j + 2) + 2) / n;
      b[i * n + j] = ((double)i * (j + 3) + 3) / n;
    }
  for (int32_t t = 0; t < STEPS; t++) {
    sweep(a, b, n);
    sweep(b, a, n);
  }
  uint32_t h = BENCH_HASH_INIT;
  for (int32_t i = 0; i < n * n; i += 3) h = bench_mix_f64(h, a[i]);
  return h;
}
