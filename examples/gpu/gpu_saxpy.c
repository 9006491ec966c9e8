/* gpu_saxpy: SAXPY with device buffers (tag 0x08) and many asynchronous launches.
 *
 *   gpu_saxpy [N] [LAUNCHES]     (defaults N = 1048576, LAUNCHES = 1000; at most 8000)
 *
 * Allocates x and y on the device (wasi_cuda_mem_alloc), uploads them (memcpy_htod), enqueues
 * LAUNCHES launches of `saxpy` (y = alpha*x + y) whose arguments are scalars and device buffers
 * only, so each launch returns at once; then one wasi_cuda_sync and one memcpy_dtoh. The data are
 * small integers and alpha = 2, so every intermediate is exact in f32 and the result must equal the
 * CPU's y0 + LAUNCHES*alpha*x bit for bit. It also launches on a sub-range through a buffer byte
 * offset (the second half of y only, once) to check offsets. Prints the guest-side cost per
 * asynchronous launch and of the sync, then "PASS: gpu_saxpy ...", "FAIL: ..." or "SKIP: ...". */
#include "kernels_ptx.h"
#include "wasi_cuda.h"

#define MAX_N (1 << 22)
static float x[MAX_N], y[MAX_N], y0[MAX_N];

int main(int argc, char **argv) {
  const char *name = "gpu_saxpy";
  int n = argc > 1 ? atoi(argv[1]) : (1 << 20);
  int launches = argc > 2 ? atoi(argv[2]) : 1000;
  if (n < 2 || n > MAX_N || launches < 1 || launches > 8000) {
    printf("FAIL: %s: N must be in 2..%d and LAUNCHES in 1..8000 (keeps every value exact in f32)\n", name, MAX_N);
    return 1;
  }
  tw_cuda_require_device(name);
  int64_t k = tw_cuda_load(name, tw_kernels_ptx, TW_KERNELS_PTX_LEN, "saxpy");

  for (int i = 0; i < n; i++) {
    x[i] = (float)(i % 1000);
    y0[i] = (float)(i % 7);
  }
  const int64_t bytes = (int64_t)n * (int64_t)sizeof(float);
  int64_t dx = tw_cuda_check(name, "wasi_cuda_mem_alloc(x)", wasi_cuda_mem_alloc(bytes));
  int64_t dy = tw_cuda_check(name, "wasi_cuda_mem_alloc(y)", wasi_cuda_mem_alloc(bytes));
  tw_cuda_check(name, "wasi_cuda_memcpy_htod(x)", wasi_cuda_memcpy_htod(dx, 0, x, (int32_t)bytes));
  tw_cuda_check(name, "wasi_cuda_memcpy_htod(y)", wasi_cuda_memcpy_htod(dy, 0, y0, (int32_t)bytes));

  const float alpha = 2.0f;
  const int block = 256, grid = (n + block - 1) / block;
  tw_cuda_args args;
  tw_args_reset(&args);
  tw_args_i32(&args, n);
  tw_args_f32(&args, alpha);
  tw_args_buffer(&args, dx, 0);
  tw_args_buffer(&args, dy, 0);

  double t0 = tw_now_us();
  for (int l = 0; l < launches; l++) tw_cuda_launch(name, k, grid, 1, 1, block, 1, 1, 0, &args);
  double t1 = tw_now_us();
  tw_cuda_check(name, "wasi_cuda_sync", wasi_cuda_sync());
  double t2 = tw_now_us();

  /* One more launch over the second half only: x and y both offset by half the elements. */
  const int half = n / 2, rest = n - half;
  tw_args_reset(&args);
  tw_args_i32(&args, rest);
  tw_args_f32(&args, alpha);
  tw_args_buffer(&args, dx, (uint64_t)half * sizeof(float));
  tw_args_buffer(&args, dy, (uint64_t)half * sizeof(float));
  tw_cuda_launch(name, k, (rest + block - 1) / block, 1, 1, block, 1, 1, 0, &args);
  tw_cuda_check(name, "wasi_cuda_sync", wasi_cuda_sync());

  memset(y, 0, (size_t)bytes);
  tw_cuda_check(name, "wasi_cuda_memcpy_dtoh(y)", wasi_cuda_memcpy_dtoh(y, dy, 0, (int32_t)bytes));
  tw_cuda_check(name, "wasi_cuda_mem_free(x)", wasi_cuda_mem_free(dx));
  tw_cuda_check(name, "wasi_cuda_mem_free(y)", wasi_cuda_mem_free(dy));

  int bad = 0;
  for (int i = 0; i < n; i++) {
    /* Every step adds alpha*x exactly (all values are integers below 2^24), so the repeated
     * update equals the closed form, which keeps the CPU check fast under an interpreter. */
    const int times = launches + (i >= half ? 1 : 0);
    const float want = y0[i] + (float)times * alpha * x[i];
    if (y[i] != want) {
      if (bad < 5) printf("  mismatch at %d: got %g want %g\n", i, y[i], want);
      bad++;
    }
  }
  printf("%s: %d async launches enqueued in %.1f us (%.2f us/launch), sync %.1f us\n", name,
         launches, t1 - t0, (t1 - t0) / launches, t2 - t1);
  if (bad) {
    printf("FAIL: %s: %d mismatches (n=%d, launches=%d)%s\n", name, bad, n, launches,
           tw_cuda_error_suffix());
    return 1;
  }
  printf("PASS: %s n=%d launches=%d (device buffers, asynchronous, one sync)\n", name, n, launches);
  return 0;
}
