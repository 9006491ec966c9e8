/* gpu_matmul: a tiled f32 matrix multiply on the GPU through wasi:cuda.
 *
 *   gpu_matmul [M N K]      (default 200 150 130: not multiples of the 16x16 tile, to test edges)
 *
 * C[M x N] = A[M x K] * B[K x N], row-major, with the `matmul` kernel (16x16 threads per block,
 * 2-D grid of ceil(N/16) x ceil(M/16) blocks, static shared-memory tiles). Run twice: once with A,
 * B and C as guest-memory regions (synchronous launch, C visible at once) and once with device
 * buffers (asynchronous launch, sync, memcpy_dtoh). Entries are small integers in -2..2, so every
 * product and sum is exact and both results must equal the CPU's bit for bit. Prints
 * "PASS: gpu_matmul ...", "FAIL: ..." or "SKIP: no GPU (...)" as described in wasi_cuda.h. */
#include "kernels_ptx.h"
#include "wasi_cuda.h"

#define MAX_ELEMS (1 << 20)
#define TILE 16
static float A[MAX_ELEMS], B[MAX_ELEMS], C[MAX_ELEMS], ref[MAX_ELEMS];

static int compare(const char *how, int M, int N) {
  int bad = 0;
  for (int i = 0; i < M * N; i++) {
    if (C[i] != ref[i]) {
      if (bad < 5) printf("  %s: mismatch at (%d,%d): got %g want %g\n", how, i / N, i % N, C[i], ref[i]);
      bad++;
    }
  }
  return bad;
}

int main(int argc, char **argv) {
  const char *name = "gpu_matmul";
  int M = 200, N = 150, K = 130;
  if (argc > 3) {
    M = atoi(argv[1]);
    N = atoi(argv[2]);
    K = atoi(argv[3]);
  }
  if (M < 1 || N < 1 || K < 1 || (long long)M * K > MAX_ELEMS || (long long)K * N > MAX_ELEMS ||
      (long long)M * N > MAX_ELEMS) {
    printf("FAIL: %s: each matrix must have 1..%d elements\n", name, MAX_ELEMS);
    return 1;
  }
  tw_cuda_require_device(name);
  int64_t k = tw_cuda_load(name, tw_kernels_ptx, TW_KERNELS_PTX_LEN, "matmul");

  for (int i = 0; i < M * K; i++) A[i] = (float)((i * 3) % 5 - 2);
  for (int i = 0; i < K * N; i++) B[i] = (float)((i * 7) % 5 - 2);
  for (int r = 0; r < M; r++)
    for (int c = 0; c < N; c++) {
      float acc = 0.0f;
      for (int j = 0; j < K; j++) acc += A[r * K + j] * B[j * N + c];
      ref[r * N + c] = acc;
    }

  const uint32_t a_bytes = (uint32_t)(M * K) * sizeof(float);
  const uint32_t b_bytes = (uint32_t)(K * N) * sizeof(float);
  const uint32_t c_bytes = (uint32_t)(M * N) * sizeof(float);
  const int gx = (N + TILE - 1) / TILE, gy = (M + TILE - 1) / TILE;

  /* 1: guest-memory regions, synchronous. */
  for (int i = 0; i < M * N; i++) C[i] = -999.0f;
  tw_cuda_args args;
  tw_args_reset(&args);
  tw_args_region(&args, A, a_bytes);
  tw_args_region(&args, B, b_bytes);
  tw_args_region(&args, C, c_bytes);
  tw_args_i32(&args, M);
  tw_args_i32(&args, N);
  tw_args_i32(&args, K);
  double t0 = tw_now_us();
  tw_cuda_launch(name, k, gx, gy, 1, TILE, TILE, 1, 0, &args);
  double t1 = tw_now_us();
  int bad = compare("regions", M, N);

  /* 2: device buffers, asynchronous + sync. */
  int64_t dA = tw_cuda_check(name, "wasi_cuda_mem_alloc(A)", wasi_cuda_mem_alloc(a_bytes));
  int64_t dB = tw_cuda_check(name, "wasi_cuda_mem_alloc(B)", wasi_cuda_mem_alloc(b_bytes));
  int64_t dC = tw_cuda_check(name, "wasi_cuda_mem_alloc(C)", wasi_cuda_mem_alloc(c_bytes));
  tw_cuda_check(name, "wasi_cuda_memcpy_htod(A)", wasi_cuda_memcpy_htod(dA, 0, A, (int32_t)a_bytes));
  tw_cuda_check(name, "wasi_cuda_memcpy_htod(B)", wasi_cuda_memcpy_htod(dB, 0, B, (int32_t)b_bytes));
  tw_args_reset(&args);
  tw_args_buffer(&args, dA, 0);
  tw_args_buffer(&args, dB, 0);
  tw_args_buffer(&args, dC, 0);
  tw_args_i32(&args, M);
  tw_args_i32(&args, N);
  tw_args_i32(&args, K);
  double t2 = tw_now_us();
  tw_cuda_launch(name, k, gx, gy, 1, TILE, TILE, 1, 0, &args);
  tw_cuda_check(name, "wasi_cuda_sync", wasi_cuda_sync());
  double t3 = tw_now_us();
  for (int i = 0; i < M * N; i++) C[i] = -999.0f;
  tw_cuda_check(name, "wasi_cuda_memcpy_dtoh(C)", wasi_cuda_memcpy_dtoh(C, dC, 0, (int32_t)c_bytes));
  bad += compare("buffers", M, N);
  tw_cuda_check(name, "wasi_cuda_mem_free(A)", wasi_cuda_mem_free(dA));
  tw_cuda_check(name, "wasi_cuda_mem_free(B)", wasi_cuda_mem_free(dB));
  tw_cuda_check(name, "wasi_cuda_mem_free(C)", wasi_cuda_mem_free(dC));

  printf("%s: %dx%dx%d, region launch %.1f us, buffer launch+sync %.1f us\n", name, M, N, K,
         t1 - t0, t3 - t2);
  if (bad) {
    printf("FAIL: %s: %d mismatches%s\n", name, bad, tw_cuda_error_suffix());
    return 1;
  }
  printf("PASS: %s %dx%dx%d (regions and device buffers)\n", name, M, N, K);
  return 0;
}
