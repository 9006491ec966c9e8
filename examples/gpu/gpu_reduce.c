/* gpu_reduce: a two-pass parallel sum on the GPU through wasi:cuda.
 *
 *   gpu_reduce [N]        (default N = 1000003, deliberately not a multiple of the block size)
 *
 * Uploads N floats to a device buffer, launches `reduce_sum` over them with GRID blocks of 256
 * threads and 256*4 bytes of dynamic shared memory (the launch's shared_mem parameter), writing
 * one partial sum per block to a second device buffer, then launches it again with one block over
 * the partials into a third buffer; both launches are asynchronous on the instance's stream, so
 * the second sees the first's results without a sync in between. One wasi_cuda_sync, then the
 * total and the partials are read back. The inputs are small integers whose total stays below 2^24,
 * so the GPU sum must equal the CPU's exactly in any order. The same reduction is then run once
 * more with guest-memory regions (synchronous launches) over the first 4096 elements. Prints
 * "PASS: gpu_reduce ...", "FAIL: ..." or "SKIP: no GPU (...)" as described in wasi_cuda.h. */
#include "kernels_ptx.h"
#include "wasi_cuda.h"

#define MAX_N (1 << 22)
#define BLOCK 256
#define GRID 240 /* blocks in the first pass: <= BLOCK so one block can finish the job */
static float in[MAX_N];
static float partials[GRID];

int main(int argc, char **argv) {
  const char *name = "gpu_reduce";
  int n = argc > 1 ? atoi(argv[1]) : 1000003;
  if (n < 4096 || n > MAX_N) {
    printf("FAIL: %s: N must be in 4096..%d\n", name, MAX_N);
    return 1;
  }
  tw_cuda_require_device(name);
  int64_t k = tw_cuda_load(name, tw_kernels_ptx, TW_KERNELS_PTX_LEN, "reduce_sum");

  double want = 0;
  for (int i = 0; i < n; i++) {
    in[i] = (float)((i * 7) % 13); /* 0..12, mean 6: exact in f32 while the total < 2^24 */
    want += in[i];
  }
  if (want >= 16777216.0) {
    printf("FAIL: %s: N too large for an exact f32 total\n", name);
    return 1;
  }

  const int64_t bytes = (int64_t)n * (int64_t)sizeof(float);
  int64_t d_in = tw_cuda_check(name, "wasi_cuda_mem_alloc(in)", wasi_cuda_mem_alloc(bytes));
  int64_t d_part = tw_cuda_check(name, "wasi_cuda_mem_alloc(partials)",
                                 wasi_cuda_mem_alloc(GRID * sizeof(float)));
  int64_t d_out = tw_cuda_check(name, "wasi_cuda_mem_alloc(out)", wasi_cuda_mem_alloc(sizeof(float)));
  tw_cuda_check(name, "wasi_cuda_memcpy_htod(in)", wasi_cuda_memcpy_htod(d_in, 0, in, (int32_t)bytes));

  tw_cuda_args args;
  tw_args_reset(&args);
  tw_args_buffer(&args, d_in, 0);
  tw_args_buffer(&args, d_part, 0);
  tw_args_i32(&args, n);
  tw_cuda_launch(name, k, GRID, 1, 1, BLOCK, 1, 1, BLOCK * sizeof(float), &args);

  tw_args_reset(&args);
  tw_args_buffer(&args, d_part, 0);
  tw_args_buffer(&args, d_out, 0);
  tw_args_i32(&args, GRID);
  tw_cuda_launch(name, k, 1, 1, 1, BLOCK, 1, 1, BLOCK * sizeof(float), &args);
  tw_cuda_check(name, "wasi_cuda_sync", wasi_cuda_sync());

  float total = -1.0f;
  tw_cuda_check(name, "wasi_cuda_memcpy_dtoh(out)", wasi_cuda_memcpy_dtoh(&total, d_out, 0, sizeof total));
  tw_cuda_check(name, "wasi_cuda_memcpy_dtoh(partials)",
                wasi_cuda_memcpy_dtoh(partials, d_part, 0, sizeof partials));
  double partial_sum = 0;
  for (int b = 0; b < GRID; b++) partial_sum += partials[b];
  tw_cuda_check(name, "wasi_cuda_mem_free(in)", wasi_cuda_mem_free(d_in));
  tw_cuda_check(name, "wasi_cuda_mem_free(partials)", wasi_cuda_mem_free(d_part));
  tw_cuda_check(name, "wasi_cuda_mem_free(out)", wasi_cuda_mem_free(d_out));

  /* Guest-memory regions: 16 blocks over the first 4096 elements, synchronous. */
  enum { RN = 4096, RGRID = 16 };
  static float rpart[RGRID];
  double rwant = 0;
  for (int i = 0; i < RN; i++) rwant += in[i];
  tw_args_reset(&args);
  tw_args_region(&args, in, RN * sizeof(float));
  tw_args_region(&args, rpart, sizeof rpart);
  tw_args_i32(&args, RN);
  tw_cuda_launch(name, k, RGRID, 1, 1, BLOCK, 1, 1, BLOCK * sizeof(float), &args);
  double rgot = 0;
  for (int b = 0; b < RGRID; b++) rgot += rpart[b];

  printf("%s: n=%d sum gpu=%.1f partials=%.1f cpu=%.1f; region n=%d gpu=%.1f cpu=%.1f\n", name,
         n, (double)total, partial_sum, want, RN, rgot, rwant);
  if ((double)total != want || partial_sum != want || rgot != rwant) {
    printf("FAIL: %s: sums differ%s\n", name, tw_cuda_error_suffix());
    return 1;
  }
  printf("PASS: %s n=%d sum=%.0f (two async passes on device buffers, one region pass)\n", name, n,
         want);
  return 0;
}
