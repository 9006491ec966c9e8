/* mandelbrot: escape-time iteration counts (max 500) over an N x N grid of the region
 * [-2, 0.75] x [-1.375, 1.375]. SIZE = N. */
#define BENCH_NAME "mandelbrot"
#define BENCH_DEFAULT_SIZE 700
#define MAX_ITER 500
#include "bench.h"

static uint32_t kernel_run(int32_t n) {
  uint32_t h = BENCH_HASH_INIT, total = 0;
  for (int32_t y = 0; y < n; y++) {
    double ci = -1.375 + 2.75 * (double)y / n;
    uint32_t row = 0;
    for (int32_t x = 0; x < n; x++) {
      double cr = -2.0 + 2.75 * (double)x / n;
      double zr = 0.0, zi = 0.0, zr2 = 0.0, zi2 = 0.0;
      int32_t it = 0;
      while (it < MAX_ITER && zr2 + zi2 <= 4.0) {
        zi = 2.0 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        zr2 = zr * zr;
        zi2 = zi * zi;
        it++;
      }
      row = row * 31u + (uint32_t)it;
      total += (uint32_t)it;
    }
    h = bench_mix(h, row);
  }
  return bench_mix(h, total);
}
