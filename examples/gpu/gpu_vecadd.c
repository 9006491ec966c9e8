/* gpu_vecadd: vector add on the GPU through wasi:cuda with guest-memory regions (tag 0x07).
 *
 *   gpu_vecadd [N]        (default N = 1048576)
 *
 * Loads the embedded PTX entry `vec_add`, launches it once with a, b and c passed as guest-memory
 * regions plus n as an i32. Such a launch is synchronous: the host copies the regions to the device,
 * runs the kernel and copies them back before wasi_cuda_launch returns, so c is checked right away,
 * with no wasi_cuda_sync call. A second launch with the roles swapped (b = c + a) checks that the
 * updated region is uploaded again. Prints "PASS: gpu_vecadd ..." (exit 0), "FAIL: ..." (exit 1) or
 * "SKIP: no GPU (...)" (exit 0) as described in wasi_cuda.h. */
#include "kernels_ptx.h"
#include "wasi_cuda.h"

#define MAX_N (1 << 22)
static float a[MAX_N], b[MAX_N], c[MAX_N];

static int check(const char *pass, int n) {
  int bad = 0;
  for (int i = 0; i < n; i++) {
    float want = a[i] + b[i];
    if (pass[0] == '2') want = (a[i] + (float)(i % 97)) + a[i];
    const float got = pass[0] == '2' ? b[i] : c[i];
    if (got != want) {
      if (bad < 5) printf("  pass %s: mismatch at %d: got %g want %g\n", pass, i, got, want);
      bad++;
    }
  }
  return bad;
}

int main(int argc, char **argv) {
  const char *name = "gpu_vecadd";
  int n = argc > 1 ? atoi(argv[1]) : (1 << 20);
  if (n < 1 || n > MAX_N) {
    printf("FAIL: %s: N must be in 1..%d\n", name, MAX_N);
    return 1;
  }
  tw_cuda_require_device(name);
  int64_t k = tw_cuda_load(name, tw_kernels_ptx, TW_KERNELS_PTX_LEN, "vec_add");
  printf("%s: loaded vec_add (kernel %lld, PTX from %s, %u bytes)\n", name, (long long)k,
         TW_KERNELS_PTX_COMPILER, TW_KERNELS_PTX_LEN);

  for (int i = 0; i < n; i++) {
    a[i] = (float)(i % 1000) * 0.5f;
    b[i] = (float)(i % 97);
    c[i] = -1.0f;
  }
  const uint32_t bytes = (uint32_t)n * sizeof(float);
  const int block = 256, grid = (n + block - 1) / block;

  tw_cuda_args args;
  tw_args_reset(&args);
  tw_args_region(&args, a, bytes);
  tw_args_region(&args, b, bytes);
  tw_args_region(&args, c, bytes);
  tw_args_i32(&args, n);
  tw_cuda_launch(name, k, grid, 1, 1, block, 1, 1, 0, &args);
  int bad = check("1", n); /* no sync: region launches are synchronous */

  /* b = c + a, reading the c the first launch wrote back. */
  tw_args_reset(&args);
  tw_args_region(&args, c, bytes);
  tw_args_region(&args, a, bytes);
  tw_args_region(&args, b, bytes);
  tw_args_i32(&args, n);
  tw_cuda_launch(name, k, grid, 1, 1, block, 1, 1, 0, &args);
  bad += check("2", n);

  if (bad) {
    printf("FAIL: %s: %d mismatches (n=%d)%s\n", name, bad, n, tw_cuda_error_suffix());
    return 1;
  }
  printf("PASS: %s n=%d (2 synchronous launches with guest-memory regions)\n", name, n);
  return 0;
}
