/* wasi_cuda.h: guest-side declarations of the `wasi:cuda/host@0.2.0` imports (see
 * shared/spec/guest-abi.md) plus small helpers shared by the GPU examples: packing kernel argument
 * records, fetching the host's last-error text, and the common SKIP / FAIL / PASS reporting.
 *
 * Reporting convention of every GPU example (tests/gpu_examples_test.cpp relies on it):
 *   "PASS: <name> ..."                       exit 0  results matched the CPU reference
 *   "FAIL: <name> ..." (+ last error text)   exit 1  wrong results or an unexpected error code
 *   "SKIP: no GPU (<last error text>)"       exit 0  wasi_cuda_device_count() == 0 or a call
 *                                                    returned -1 (NotAvailable)
 */
#ifndef TW_WASI_CUDA_H
#define TW_WASI_CUDA_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TW_CUDA_IMPORT(name) \
  __attribute__((import_module("wasi:cuda/host@0.2.0"), import_name(#name)))

/* Error codes (stable, guest-abi.md). */
enum {
  WASI_CUDA_NOT_AVAILABLE = -1,
  WASI_CUDA_INVALID_POINTER = -2,
  WASI_CUDA_INVALID_KERNEL = -3,
  WASI_CUDA_MALFORMED_PTX = -4,
  WASI_CUDA_LAUNCH_FAILED = -5,
  WASI_CUDA_QUOTA_EXCEEDED = -6,
  WASI_CUDA_INTERNAL = -7,
  WASI_CUDA_INVALID_DIMENSIONS = -8,
  WASI_CUDA_INVALID_ARGS = -9,
  WASI_CUDA_KERNEL_ARGS_UNSUPPORTED = -10,
  WASI_CUDA_INVALID_BUFFER = -11,
};

/* Argument record tags. */
enum {
  WASI_CUDA_ARG_I32 = 0x01,
  WASI_CUDA_ARG_I64 = 0x02,
  WASI_CUDA_ARG_F32 = 0x03,
  WASI_CUDA_ARG_F64 = 0x04,
  WASI_CUDA_ARG_U32 = 0x05,
  WASI_CUDA_ARG_U64 = 0x06,
  WASI_CUDA_ARG_REGION = 0x07, /* guest memory: u32 offset, u32 length; launch is synchronous */
  WASI_CUDA_ARG_BUFFER = 0x08, /* device buffer: u64 handle, u64 byte offset; launch is async */
};

TW_CUDA_IMPORT(wasi_cuda_load_ptx)
int64_t wasi_cuda_load_ptx(const void *ptx, int32_t ptx_len, const char *entry, int32_t entry_len);
TW_CUDA_IMPORT(wasi_cuda_load_registered)
int64_t wasi_cuda_load_registered(const char *name, int32_t name_len, const char *version,
                                  int32_t version_len, const char *entry, int32_t entry_len);
TW_CUDA_IMPORT(wasi_cuda_launch)
int32_t wasi_cuda_launch(int64_t kernel, int32_t grid_x, int32_t grid_y, int32_t grid_z,
                         int32_t block_x, int32_t block_y, int32_t block_z, int32_t shared_mem,
                         const void *args, int32_t args_len);
TW_CUDA_IMPORT(wasi_cuda_sync)
int32_t wasi_cuda_sync(void);
TW_CUDA_IMPORT(wasi_cuda_mem_alloc)
int64_t wasi_cuda_mem_alloc(int64_t size);
TW_CUDA_IMPORT(wasi_cuda_mem_free)
int32_t wasi_cuda_mem_free(int64_t handle);
TW_CUDA_IMPORT(wasi_cuda_memcpy_htod)
int32_t wasi_cuda_memcpy_htod(int64_t handle, int64_t dst_offset, const void *src, int32_t len);
TW_CUDA_IMPORT(wasi_cuda_memcpy_dtoh)
int32_t wasi_cuda_memcpy_dtoh(void *dst, int64_t handle, int64_t src_offset, int32_t len);
TW_CUDA_IMPORT(wasi_cuda_device_count)
int32_t wasi_cuda_device_count(void);
TW_CUDA_IMPORT(wasi_cuda_last_error_len)
int32_t wasi_cuda_last_error_len(void);
TW_CUDA_IMPORT(wasi_cuda_last_error_copy)
int32_t wasi_cuda_last_error_copy(void *dst, int32_t dst_len);

/* ---- argument records ------------------------------------------------------------------- */

/* A packed argument list; the spec allows at most 128 records and 4 KiB. */
typedef struct {
  uint8_t bytes[4096];
  int32_t len;
  int overflow; /* set when a push did not fit; the launch helper then reports FAIL */
} tw_cuda_args;

static inline void tw_args_reset(tw_cuda_args *a) {
  a->len = 0;
  a->overflow = 0;
}

static inline void tw_args_push(tw_cuda_args *a, uint8_t tag, const void *value, int32_t n) {
  if (a->len + 1 + n > (int32_t)sizeof(a->bytes)) {
    a->overflow = 1;
    return;
  }
  a->bytes[a->len++] = tag;
  memcpy(a->bytes + a->len, value, (size_t)n); /* wasm32 is little-endian, as the records are */
  a->len += n;
}

static inline void tw_args_i32(tw_cuda_args *a, int32_t v) { tw_args_push(a, WASI_CUDA_ARG_I32, &v, 4); }
static inline void tw_args_i64(tw_cuda_args *a, int64_t v) { tw_args_push(a, WASI_CUDA_ARG_I64, &v, 8); }
static inline void tw_args_f32(tw_cuda_args *a, float v) { tw_args_push(a, WASI_CUDA_ARG_F32, &v, 4); }
static inline void tw_args_f64(tw_cuda_args *a, double v) { tw_args_push(a, WASI_CUDA_ARG_F64, &v, 8); }
static inline void tw_args_u32(tw_cuda_args *a, uint32_t v) { tw_args_push(a, WASI_CUDA_ARG_U32, &v, 4); }
static inline void tw_args_u64(tw_cuda_args *a, uint64_t v) { tw_args_push(a, WASI_CUDA_ARG_U64, &v, 8); }

/* A guest-memory region [ptr, ptr+len): the kernel receives a device pointer to a copy that is
 * written back to guest memory before wasi_cuda_launch returns. */
static inline void tw_args_region(tw_cuda_args *a, const void *ptr, uint32_t len) {
  uint32_t v[2] = {(uint32_t)(uintptr_t)ptr, len};
  tw_args_push(a, WASI_CUDA_ARG_REGION, v, 8);
}

/* A device buffer from wasi_cuda_mem_alloc, starting at byte `offset`. */
static inline void tw_args_buffer(tw_cuda_args *a, int64_t handle, uint64_t offset) {
  uint64_t v[2] = {(uint64_t)handle, offset};
  tw_args_push(a, WASI_CUDA_ARG_BUFFER, v, 16);
}

/* ---- errors and reporting --------------------------------------------------------------- */

/* The host's last error message, NUL-terminated, in a static buffer ("" when none). */
static inline const char *tw_cuda_last_error(void) {
  static char text[513];
  int32_t n = wasi_cuda_last_error_copy(text, (int32_t)(sizeof(text) - 1));
  if (n < 0) n = 0;
  if (n > (int32_t)(sizeof(text) - 1)) n = (int32_t)(sizeof(text) - 1);
  text[n] = '\0';
  return text;
}

/* " (last error: TEXT)" when the host has an error message, else "". */
static inline const char *tw_cuda_error_suffix(void) {
  static char text[540];
  const char *e = tw_cuda_last_error();
  if (!*e) return "";
  snprintf(text, sizeof text, " (last error: %s)", e);
  return text;
}

static inline const char *tw_cuda_error_name(int64_t rc) {
  switch (rc) {
    case WASI_CUDA_NOT_AVAILABLE: return "NotAvailable";
    case WASI_CUDA_INVALID_POINTER: return "InvalidPointer";
    case WASI_CUDA_INVALID_KERNEL: return "InvalidKernel";
    case WASI_CUDA_MALFORMED_PTX: return "MalformedPtx";
    case WASI_CUDA_LAUNCH_FAILED: return "LaunchFailed";
    case WASI_CUDA_QUOTA_EXCEEDED: return "QuotaExceeded";
    case WASI_CUDA_INTERNAL: return "Internal";
    case WASI_CUDA_INVALID_DIMENSIONS: return "InvalidDimensions";
    case WASI_CUDA_INVALID_ARGS: return "InvalidArgs";
    case WASI_CUDA_KERNEL_ARGS_UNSUPPORTED: return "KernelArgsUnsupported";
    case WASI_CUDA_INVALID_BUFFER: return "InvalidBuffer";
    default: return "unknown";
  }
}

/* Prints the SKIP line and exits 0. */
static inline void tw_cuda_skip(void) {
  const char *why = tw_cuda_last_error();
  if (!*why) {
    /* device_count() sets no error text; any other call on a GPU-less host returns -1 with the
     * reason (no driver, GPU disabled for this tenant...), so ask once for it. */
    if (wasi_cuda_sync() == WASI_CUDA_NOT_AVAILABLE) why = tw_cuda_last_error();
    if (!*why) why = "wasi_cuda_device_count() = 0";
  }
  printf("SKIP: no GPU (%s)\n", why);
  fflush(stdout);
  exit(0);
}

/* Checks a wasi:cuda result: returns it when >= 0; -1 means no GPU (SKIP, exit 0); any other
 * negative value prints FAIL with the operation, the code and the host's error text, exit 1. */
static inline int64_t tw_cuda_check(const char *example, const char *what, int64_t rc) {
  if (rc >= 0) return rc;
  if (rc == WASI_CUDA_NOT_AVAILABLE) tw_cuda_skip();
  printf("FAIL: %s: %s returned %lld (%s): %s\n", example, what, (long long)rc,
         tw_cuda_error_name(rc), tw_cuda_last_error());
  fflush(stdout);
  exit(1);
}

/* Skips unless at least one device is visible; prints the device count. */
static inline void tw_cuda_require_device(const char *example) {
  int32_t n = wasi_cuda_device_count();
  if (n <= 0) tw_cuda_skip();
  printf("%s: %d CUDA device(s)\n", example, n);
}

/* Loads entry `entry` from PTX text of `len` bytes (FAIL/SKIP on error). */
static inline int64_t tw_cuda_load(const char *example, const void *ptx, uint32_t len,
                                   const char *entry) {
  return tw_cuda_check(example, "wasi_cuda_load_ptx",
                       wasi_cuda_load_ptx(ptx, (int32_t)len, entry, (int32_t)strlen(entry)));
}

/* Launches with packed records (FAIL/SKIP on error). */
static inline void tw_cuda_launch(const char *example, int64_t kernel, int32_t gx, int32_t gy,
                                  int32_t gz, int32_t bx, int32_t by, int32_t bz, int32_t shared,
                                  const tw_cuda_args *a) {
  if (a->overflow) {
    printf("FAIL: %s: argument records exceed 4 KiB\n", example);
    exit(1);
  }
  tw_cuda_check(example, "wasi_cuda_launch",
                wasi_cuda_launch(kernel, gx, gy, gz, bx, by, bz, shared, a->bytes, a->len));
}

/* Monotonic time in microseconds (WASI clock_time_get). */
static inline double tw_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

#endif /* TW_WASI_CUDA_H */
