// Guest snapshots with device buffers (see guest_snapshot.h).
#include "tensorwasm/service/guest_snapshot.h"

#include "tensorwasm/snapshot/errors.h"

namespace tw::service {

Result<std::vector<uint8_t>> captureGuest(const Instance& instance, CudaGuestContext& cuda,
                                          snapshot::CaptureOptions options) {
  TW_ASSIGN(std::vector<CudaBufferState> buffers, cuda.saveBuffers());
  std::vector<snapshot::GpuBuffer> records;
  records.reserve(buffers.size());
  for (const CudaBufferState& b : buffers) {
    records.push_back({static_cast<uint64_t>(b.handle), b.contents});
  }
  options.gpuBuffers = records;
  return snapshot::captureSnapshot(instance, options);
}

Result<void> restoreGuest(const snapshot::Snapshot& snap, Instance& fresh, CudaGuestContext& cuda) {
  if (!snap.gpuBuffers().empty() && !cuda.available()) {
    return snapshot::snapshotError(snapshot::SnapshotErrc::GpuStateUnavailable,
                                   "the snapshot holds " + std::to_string(snap.gpuBuffers().size()) +
                                       " GPU buffers and no GPU is available here (" +
                                       cuda.unavailableReason() + ")");
  }
  TW_TRY(snapshot::restoreSnapshot(snap, fresh));
  std::vector<CudaBufferState> buffers;
  buffers.reserve(snap.gpuBuffers().size());
  for (const snapshot::GpuBuffer& b : snap.gpuBuffers()) {
    buffers.push_back({static_cast<int64_t>(b.handle), {b.contents.begin(), b.contents.end()}});
  }
  return cuda.restoreBuffers(buffers);
}

}  // namespace tw::service
