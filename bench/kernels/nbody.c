/* nbody: direct O(N^2) gravitational simulation of 40 bodies with symplectic Euler steps,
 * followed by an energy computation. SIZE = number of steps. */
#define BENCH_NAME "nbody"
#define BENCH_DEFAULT_SIZE 20000
#define NB 40
#include "bench.h"

typedef struct { double x, y, z, vx, vy, vz, m; } body;

static double energy(const body *b) {
  double e = 0.0;
  for (int i = 0; i < NB; i++) {
    e += 0.5 * b[i].m * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
    for (int j = i + 1; j < NB; j++) {
      double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
      e -= b[i].m * b[j].m / __builtin_sqrt(dx * dx + dy * dy + dz * dz + 0.01);
    }
  }
  return e;
}

static uint32_t kernel_run(int32_t steps) {
  body *b = bench_alloc(sizeof(body) * NB);
  uint32_t s = 12345;
  for (int i = 0; i < NB; i++) {
    b[i].x = (double)(bench_rand(&s) % 2000) / 100.0 - 10.0;
    b[i].y = (double)(bench_rand(&s) % 2000) / 100.0 - 10.0;
    b[i].z = (double)(bench_rand(&s) % 2000) / 100.0 - 10.0;
    b[i].vx = (double)(bench_rand(&s) % 200) / 1000.0 - 0.1;
    b[i].vy = (double)(bench_rand(&s) % 200) / 1000.0 - 0.1;
    b[i].vz = (double)(bench_rand(&s) % 200) / 1000.0 - 0.1;
    b[i].m = 0.5 + (double)(bench_rand(&s) % 100) / 100.0;
  }
  double e0 = energy(b);
  const double dt = 0.001;
  for (int32_t t = 0; t < steps; t++) {
    for (int i = 0; i < NB; i++) {
      double ax = 0.0, ay = 0.0, az = 0.0;
      for (int j = 0; j < NB; j++) {
        if (j == i) continue;
        double dx = b[j].x - b[i].x, dy = b[j].y - b[i].y, dz = b[j].z - b[i].z;
        double d2 = dx * dx + dy * dy + dz * dz + 0.01;
        double inv = b[j].m / (d2 * __builtin_sqrt(d2));
        ax += dx * inv;
        ay += dy * inv;
        az += dz * inv;
      }
      b[i].vx += dt * ax;
      b[i].vy += dt * ay;
      b[i].vz += dt * az;
    }
    for (int i = 0; i < NB; i++) {
      b[i].x += dt * b[i].vx;
      b[i].y += dt * b[i].vy;
      b[i].z += dt * b[i].vz;
    }
  }
  uint32_t h = bench_mix_f64(bench_mix_f64(BENCH_HASH_INIT, e0), energy(b));
  for (int i = 0; i < NB; i++) h = bench_mix_f64(h, b[i].x + b[i].y + b[i].z);
  return h;
}
