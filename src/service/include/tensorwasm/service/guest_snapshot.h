// Snapshots of a guest together with its device buffers: the snapshot layer records GPU
// buffers as plain bytes and knows nothing of wasi:cuda; this is where the two meet, for the
// CLI's `run --save-snapshot/--restore` and the server's kept instances alike. Capturing waits
// for the guest's GPU work and copies every live buffer out under the handle the guest knows;
// restoring recreates them (counted against the guest's GPU cap) so those handles keep working.
#pragma once

#include <vector>

#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/snapshot/snapshot.h"
#include "tensorwasm/wasi/cuda.h"

namespace tw::service {

// `options.gpuBuffers` is filled from `cuda`. A GPU layer error when a buffer cannot be read.
Result<std::vector<uint8_t>> captureGuest(const Instance& instance, CudaGuestContext& cuda,
                                          snapshot::CaptureOptions options);

// Restores `snap` into `fresh` (a new, never-called instance of its module) and its buffers
// into `cuda`; GpuStateUnavailable when the snapshot holds buffers and no GPU is usable.
Result<void> restoreGuest(const snapshot::Snapshot& snap, Instance& fresh, CudaGuestContext& cuda);

}  // namespace tw::service
