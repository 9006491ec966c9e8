/* kernels: a library-style (reactor) module of f32 kernels, each in a scalar and a SIMD
 * (wasm_simd128.h) variant. Built with -mexec-model=reactor -msimd128.
 *
 * Raw kernels take i32 pointers into linear memory:
 *   matmul(a, b, c, n) / matmul_simd(a, b, c, n)   c = a * b, n x n row-major f32
 *   vec_add(a, b, c, n) / vec_add_simd(a, b, c, n) c[i] = a[i] + b[i]
 *   dot(a, b, n) -> f32 / dot_simd(a, b, n) -> f32
 * Buffer helpers: buf_alloc(n_floats) -> ptr (0 when out of room), buf_reset(),
 *   buf_fill(ptr, n, seed), buf_get(ptr, i) -> f32, buf_set(ptr, i, f32), buf_sum(ptr, n) -> f64.
 * Self-contained checks, callable with only scalar arguments (`--invoke NAME --args JSON`):
 *   matmul_checksum(n) / matmul_simd_checksum(n)         -> f64, n in 1..256
 *   vec_add_checksum(n) / vec_add_simd_checksum(n)       -> f64, n in 1..65536
 *   dot_checksum(n) / dot_simd_checksum(n)               -> f32, n in 1..65536
 *   saxpy_checksum(n, alpha f32) / saxpy_simd_checksum   -> f64, n in 1..65536
 *   add_i32(a, b) -> i32, mul_f32(a f32, b f32) -> f32
 * Inputs are small integers (buf_fill yields values in -4..4), so every sum is exact in f32 and
 * the scalar and SIMD variants agree bit for bit whatever the summation order; a bad n returns -1.
 * Reference values (Node.js): matmul_checksum(16) = -3398, matmul_checksum(100) = -48944,
 * vec_add_checksum(1000) = 1023, dot_checksum(1000) = 21, saxpy_checksum(1000, 2.5) = 79.5,
 * add_i32(2, 3) = 5, mul_f32(1.5, 2) = 3, matmul_checksum(999) = -1.
 * No buffer survives a *_checksum call (they reset the arena). */
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* A bump arena in static memory, so the module works without malloc or _initialize. */
#define ARENA_FLOATS (3 * 256 * 256 + 3 * 65536 + 64)
static float arena[ARENA_FLOATS] __attribute__((aligned(16)));
static uint32_t arena_used;

EXPORT("buf_reset") void buf_reset(void) { arena_used = 0; }

EXPORT("buf_alloc") float *buf_alloc(int32_t n) {
  if (n < 0) return 0;
  uint32_t rounded = ((uint32_t)n + 3u) & ~3u; /* keep 16-byte alignment */
  if (rounded > ARENA_FLOATS - arena_used) return 0;
  float *p = arena + arena_used;
  arena_used += rounded;
  return p;
}

EXPORT("buf_fill") void buf_fill(float *p, int32_t n, int32_t seed) {
  uint32_t s = (uint32_t)seed * 2654435761u + 12345u;
  for (int32_t i = 0; i < n; i++) {
    s = s * 1103515245u + 12345u;
    p[i] = (float)((int32_t)((s >> 16) % 9u) - 4);
  }
}

EXPORT("buf_get") float buf_get(const float *p, int32_t i) { return p[i]; }
EXPORT("buf_set") void buf_set(float *p, int32_t i, float v) { p[i] = v; }

EXPORT("buf_sum") double buf_sum(const float *p, int32_t n) {
  double s = 0;
  for (int32_t i = 0; i < n; i++) s += p[i];
  return s;
}

/* ---- scalar kernels ---- */

EXPORT("matmul") void matmul(const float *a, const float *b, float *c, int32_t n) {
  for (int32_t i = 0; i < n; i++) {
    for (int32_t j = 0; j < n; j++) c[i * n + j] = 0.0f;
    for (int32_t k = 0; k < n; k++) {
      float aik = a[i * n + k];
      for (int32_t j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  }
}

EXPORT("vec_add") void vec_add(const float *a, const float *b, float *c, int32_t n) {
  for (int32_t i = 0; i < n; i++) c[i] = a[i] + b[i];
}

EXPORT("dot") float dot(const float *a, const float *b, int32_t n) {
  float s = 0.0f;
  for (int32_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

EXPORT("saxpy") void saxpy(float alpha, const float *x, float *y, int32_t n) {
  for (int32_t i = 0; i < n; i++) y[i] = alpha * x[i] + y[i];
}

/* ---- SIMD kernels (4 x f32 lanes, scalar tails) ---- */

EXPORT("matmul_simd") void matmul_simd(const float *a, const float *b, float *c, int32_t n) {
  for (int32_t i = 0; i < n; i++) {
    float *ci = c + i * n;
    int32_t j = 0;
    for (; j + 4 <= n; j += 4) wasm_v128_store(ci + j, wasm_f32x4_splat(0.0f));
    for (; j < n; j++) ci[j] = 0.0f;
    for (int32_t k = 0; k < n; k++) {
      float aik = a[i * n + k];
      v128_t va = wasm_f32x4_splat(aik);
      const float *bk = b + k * n;
      j = 0;
      for (; j + 4 <= n; j += 4) {
        v128_t acc = wasm_v128_load(ci + j);
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(va, wasm_v128_load(bk + j)));
        wasm_v128_store(ci + j, acc);
      }
      for (; j < n; j++) ci[j] += aik * bk[j];
    }
  }
}

EXPORT("vec_add_simd") void vec_add_simd(const float *a, const float *b, float *c, int32_t n) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4)
    wasm_v128_store(c + i, wasm_f32x4_add(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  for (; i < n; i++) c[i] = a[i] + b[i];
}

EXPORT("dot_simd") float dot_simd(const float *a, const float *b, int32_t n) {
  v128_t acc = wasm_f32x4_splat(0.0f);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4)
    acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  float s = wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) +
            wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3);
  for (; i < n; i++) s += a[i] * b[i];
  return s;
}

EXPORT("saxpy_simd") void saxpy_simd(float alpha, const float *x, float *y, int32_t n) {
  v128_t va = wasm_f32x4_splat(alpha);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4)
    wasm_v128_store(y + i, wasm_f32x4_add(wasm_f32x4_mul(va, wasm_v128_load(x + i)),
                                          wasm_v128_load(y + i)));
  for (; i < n; i++) y[i] = alpha * x[i] + y[i];
}

/* ---- self-contained checks ---- */

static double matmul_check(int32_t n, int simd) {
  if (n < 1 || n > 256) return -1;
  buf_reset();
  float *a = buf_alloc(n * n), *b = buf_alloc(n * n), *c = buf_alloc(n * n);
  buf_fill(a, n * n, 1);
  buf_fill(b, n * n, 2);
  if (simd) matmul_simd(a, b, c, n);
  else matmul(a, b, c, n);
  /* weight by position so a transposed or shifted result does not pass */
  double s = 0;
  for (int32_t i = 0; i < n * n; i++) s += (double)c[i] * (double)(i % 7 + 1);
  buf_reset();
  return s;
}
EXPORT("matmul_checksum") double matmul_checksum(int32_t n) { return matmul_check(n, 0); }
EXPORT("matmul_simd_checksum") double matmul_simd_checksum(int32_t n) { return matmul_check(n, 1); }

static double vec_add_check(int32_t n, int simd) {
  if (n < 1 || n > 65536) return -1;
  buf_reset();
  float *a = buf_alloc(n), *b = buf_alloc(n), *c = buf_alloc(n);
  buf_fill(a, n, 3);
  buf_fill(b, n, 4);
  if (simd) vec_add_simd(a, b, c, n);
  else vec_add(a, b, c, n);
  double s = 0;
  for (int32_t i = 0; i < n; i++) s += (double)c[i] * (double)(i % 5 + 1);
  buf_reset();
  return s;
}
EXPORT("vec_add_checksum") double vec_add_checksum(int32_t n) { return vec_add_check(n, 0); }
EXPORT("vec_add_simd_checksum") double vec_add_simd_checksum(int32_t n) { return vec_add_check(n, 1); }

static float dot_check(int32_t n, int simd) {
  if (n < 1 || n > 65536) return -1;
  buf_reset();
  float *a = buf_alloc(n), *b = buf_alloc(n);
  buf_fill(a, n, 5);
  buf_fill(b, n, 6);
  float r = simd ? dot_simd(a, b, n) : dot(a, b, n);
  buf_reset();
  return r;
}
EXPORT("dot_checksum") float dot_checksum(int32_t n) { return dot_check(n, 0); }
EXPORT("dot_simd_checksum") float dot_simd_checksum(int32_t n) { return dot_check(n, 1); }

static double saxpy_check(int32_t n, float alpha, int simd) {
  if (n < 1 || n > 65536) return -1;
  buf_reset();
  float *x = buf_alloc(n), *y = buf_alloc(n);
  buf_fill(x, n, 7);
  buf_fill(y, n, 8);
  if (simd) saxpy_simd(alpha, x, y, n);
  else saxpy(alpha, x, y, n);
  double s = buf_sum(y, n);
  buf_reset();
  return s;
}
EXPORT("saxpy_checksum") double saxpy_checksum(int32_t n, float alpha) { return saxpy_check(n, alpha, 0); }
EXPORT("saxpy_simd_checksum") double saxpy_simd_checksum(int32_t n, float alpha) {
  return saxpy_check(n, alpha, 1);
}

EXPORT("add_i32") int32_t add_i32(int32_t a, int32_t b) { return a + b; }
EXPORT("mul_f32") float mul_f32(float a, float b) { return a * b; }
