/* gemm: C = alpha * A * B + beta * C on N x N doubles (i-k-j loop order). SIZE = N. */
#define BENCH_NAME "gemm"
#define BENCH_DEFAULT_SIZE 400
#include "bench.h"

static uint32_t kernel_run(int32_t n) {
  double *a = bench_alloc(8u * n * n), *b = bench_alloc(8u * n * n), *c = bench_alloc(8u * n * n);
  for (int32_t i = 0; i < n; i++)
    for (int32_t j = 0; j < n; j++) {
      a[i * n + j] = (double)((i * j + 1) % n) / n;
      b[i * n + j] = (double)((i * (j + 1) + 2) % n) / n;
      c[i * n + j] = (double)((i + j * 3) % n) / n;
    }
  const double alpha = 1.5, beta = 1.2;
  for (int32_t i = 0; i < n; i++) {
    double *ci = c + i * n;
    for (int32_t j = 0; j < n; j++) ci[j] *= beta;
    for (int32_t k = 0; k < n; k++) {
      double aik = alpha * a[i * n + k];
      const double *bk = b + k * n;
      for (int32_t j = 0; j < n; j++) ci[j] += aik * bk[j];
    }
  }
  uint32_t h = BENCH_HASH_INIT;
  for (int32_t i = 0; i < n * n; i += 7) h = bench_mix_f64(h, c[i]);
  return h;
}
