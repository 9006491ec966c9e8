/* 2mm: two chained products, T = alpha * A * B, then D = T * C + beta * D, on N x N doubles
 * (i-j-k dot-product order for the first, i-k-j for the second). SIZE = N. */
#define BENCH_NAME "2mm"
#define BENCH_DEFAULT_SIZE 300
#include "bench.h"

static uint32_t kernel_run(int32_t n) {
  uint32_t bytes = 8u * n * n;
  double *a = bench_alloc(bytes), *b = bench_alloc(bytes), *c = bench_alloc(bytes);
  double *d = bench_alloc(bytes), *t = bench_alloc(bytes);
  for (int32_t i = 0; i < n; i++)
    for (int32_t j = 0; j < n; j++) {
      a[i * n + j] = (double)((i * j + 3) % n) / n;
      b[i * n + j] = (double)((i * (j + 2)) % n) / n;
      c[i * n + j] = (double)((i * (j + 5) + 1) % n) / n;
      d[i * n + j] = (double)((i * (j + 1) + 7) % n) / n;
    }
  const double alpha = 0.75, beta = 1.25;
  for (int32_t i = 0; i < n; i++)
    for (int32_t j = 0; j < n; j++) {
      double s = 0.0;
      for (int32_t k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
      t[i * n + j] = alpha * s;
    }
  for (int32_t i = 0; i < n; i++) {
    double *di = d + i * n;
    for (int32_t j = 0; j < n; j++) di[j] *= beta;
    for (int32_t k = 0; k < n; k++) {
      double tik = t[i * n + k];
      const double *ck = c + k * n;
      for (int32_t j = 0; j < n; j++) di[j] += tik * ck[j];
    }
  }
  uint32_t h = BENCH_HASH_INIT;
  for (int32_t i = 0; i < n * n; i += 5) h = bench_mix_f64(h, d[i]);
  return h;
}
