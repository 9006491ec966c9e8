// Checks for wasi_cuda_launch that need no driver: launch dimensions and the packed argument
// records (guest-abi.md), turned into gpu::KernelArg values that point into guest memory.
// Internal to the wasi layer. Thread-safety: pure functions over the caller's objects.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tensorwasm/gpu/gpu.h"
#include "tensorwasm/runtime/memory.h"
#include "tensorwasm/wasi/cuda.h"

namespace tw::cuda {

// Guest-visible result codes.
enum Code : int32_t {
  kOk = 0,
  kNotAvailable = -1,
  kInvalidPointer = -2,
  kInvalidKernel = -3,
  kMalformedPtx = -4,
  kLaunchFailed = -5,
  kQuotaExceeded = -6,
  kInternal = -7,
  kInvalidDimensions = -8,
  kInvalidArgs = -9,
  kArgsUnsupported = -10,
  kInvalidBuffer = -11,
};

// 0, or kInvalidDimensions with `message` set. Values are the guest's i32s read as u32.
int32_t checkDims(const uint32_t grid[3], const uint32_t block[3], uint32_t sharedMem,
                  std::string& message);

// Parses `len` bytes of records at `ptr`. Fills `out` (cleared first; its capacity is reused).
// Returns 0, kInvalidPointer (records or a region outside memory), kInvalidArgs (unknown tag,
// truncated value, too many records or bytes) or kInvalidBuffer (unknown handle, offset past
// the end, lost to a reset), with `message` set. `session` may be null (no buffers yet).
int32_t parseArgs(const Memory* memory, uint32_t ptr, uint32_t len, const CudaGuestContext& cx,
                  const gpu::GpuSession* session, std::vector<gpu::KernelArg>& out,
                  std::string& message);

}  // namespace tw::cuda
