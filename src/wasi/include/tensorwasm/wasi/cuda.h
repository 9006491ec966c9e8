// `wasi:cuda/host@0.2.0`: explicit GPU access for guests (../shared/spec/guest-abi.md). An
// embedder creates one CudaGuestContext per instance (over the process GpuRuntime, or none
// when the GPU is disabled) and links it with linkCuda; every function of the interface is then
// defined with its exact Wasm signature. Without a GPU (no driver, stub library, zero devices,
// or disabled for the tenant) every call returns -1 NotAvailable and device_count returns 0, so
// a guest importing the interface always instantiates.
//
// Every guest pointer, dimension, limit and argument record is checked before any driver call.
// Kernel ids and buffer handles carry the context's serial, so an id from another instance (or
// from before endInvocation) is refused (-3 / -11) instead of reaching someone else's kernel.
//
// Thread-safety: a CudaGuestContext belongs to one instance, used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <string>
#include <string_view>
#include <vector>

#include "tensorwasm/binary/types.h"
#include "tensorwasm/gpu/gpu.h"
#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/runtime/objects.h"
#include "tensorwasm/wasi/wasi.h"

namespace tw {

inline constexpr const char* kCudaModule = "wasi:cuda/host@0.2.0";

// Limits of the interface (guest-abi.md).
struct CudaLimits {
  static constexpr uint32_t kMaxPtxPerLoad = 8u << 20;
  static constexpr uint32_t kMaxKernels = 256;
  static constexpr uint64_t kMaxPtxPerInstance = 64ull << 20;
  static constexpr uint32_t kMaxEntryName = 256;
  static constexpr uint32_t kMaxBlockDim = 1024;
  static constexpr uint32_t kMaxBlockThreads = 1024;
  static constexpr uint32_t kMaxGridDim = 0x7FFFFFFF;
  static constexpr uint32_t kMaxSharedMem = 227u << 10;  // per block, sm_90
  static constexpr uint32_t kMaxArgRecords = 128;
  static constexpr uint32_t kMaxArgBytes = 4096;
  static constexpr size_t kMaxErrorMessage = 512;
  // A launch with this little time left before the invocation's deadline is refused (-6).
  static constexpr std::chrono::milliseconds kAdmissionMargin{50};
};

// One device buffer as a snapshot records it: the handle the guest knows and its contents.
struct CudaBufferState {
  int64_t handle = 0;
  std::vector<uint8_t> contents;
};

// Where wasi_cuda_load_registered finds kernels: the host's signed kernel registry, adapted
// by the service layer (service/registry_kernels.h), so this layer does not depend on storage.
// Thread-safety: called from the threads of many instances at once.
class KernelSource {
 public:
  virtual ~KernelSource() = default;
  // The PTX text of kernel `name`@`version` for a device of compute capability `deviceSm`
  // (e.g. 90), its signature verified by this call. An error's message reaches the guest as
  // its last error, with -3 InvalidKernel.
  virtual Result<std::string> ptxFor(std::string_view name, std::string_view version,
                                     uint32_t deviceSm) const = 0;
};

struct CudaGuestConfig {
  bool enabled = true;                  // false: -1 NotAvailable for every call
  std::string tenant = "local";
  uint64_t memoryCap = 4ull << 30;      // the tenant's GPU memory cap, per device
  int device = -1;                      // -1: placement
  bool managedMemory = false;           // opt-in unified memory
  std::chrono::nanoseconds kernelTimeout{std::chrono::seconds(30)};
  std::shared_ptr<const KernelSource> kernels;  // null: load_registered answers -3
};

class CudaGuestContext {
 public:
  // `runtime` may be null (no GPU layer wanted): the interface is then NotAvailable.
  static std::shared_ptr<CudaGuestContext> create(std::shared_ptr<gpu::GpuRuntime> runtime,
                                                  CudaGuestConfig config);
  ~CudaGuestContext();

  // True when a GPU is usable by this instance (initializes the runtime on first call).
  bool available();
  std::string unavailableReason();
  int deviceCount();
  // The kernel registry wasi_cuda_load_registered reads (null when none is configured).
  const KernelSource* kernelSource() const { return config_.kernels.get(); }
  // Compute capability of a device as an sm number (e.g. 90); 0 without a GPU.
  int computeCapability(int device) { return runtime_ ? runtime_->computeCapability(device) : 0; }
  // The instance's session, opened on first use (NotAvailable without a GPU).
  Result<gpu::GpuSession*> session();
  gpu::GpuSession* existingSession() { return session_.get(); }

  // The running invocation's deadline (none: unbounded). Launches are admitted only while
  // more than CudaLimits::kAdmissionMargin is left, so work that cannot finish in time is not
  // queued on a GPU shared with other tenants.
  void setDeadline(std::optional<std::chrono::steady_clock::time_point> deadline) {
    deadline_ = deadline;
  }
  // True when a launch now would start within the admission margin of the deadline.
  bool nearDeadline() const {
    return deadline_ &&
           std::chrono::steady_clock::now() + CudaLimits::kAdmissionMargin >= *deadline_;
  }

  // End of an invocation: syncs the stream; unless `keep`, frees every buffer and kernel and
  // closes the session, and old ids stop working.
  void endInvocation(bool keep);

  // Every live device buffer with its contents (after the stream's work completed), for a
  // snapshot. Kernels are not included: a restored guest loads them again.
  Result<std::vector<CudaBufferState>> saveBuffers();
  // Recreates `buffers` (from saveBuffers, possibly in another process) so the guest's old
  // handles reach them. Invalid when a handle repeats; the GPU layer's errors otherwise (cap,
  // no GPU). Call on a context whose guest has not allocated yet.
  Result<void> restoreBuffers(std::span<const CudaBufferState> buffers);

  // The local buffer id behind a guest handle: one this context issued, or one restored.
  bool decodeBuffer(int64_t handle, uint32_t& local) const;

  // Last error message (at most 512 bytes, cut on a UTF-8 boundary).
  void setLastError(std::string_view message);
  const std::string& lastError() const { return lastError_; }

  // Guest-visible ids: (serial << 32) | local index.
  int64_t encodeId(uint32_t local) const { return (int64_t{serial_} << 32) | local; }
  bool decodeId(int64_t id, uint32_t& local) const {
    if (id < 0 || static_cast<uint64_t>(id) >> 32 != serial_) return false;
    local = static_cast<uint32_t>(id);
    return true;
  }

  // Pre-sized launch argument scratch (no allocation per launch).
  std::vector<gpu::KernelArg>& argScratch() { return args_; }

 private:
  CudaGuestContext() = default;
  std::shared_ptr<gpu::GpuRuntime> runtime_;
  CudaGuestConfig config_;
  std::unique_ptr<gpu::GpuSession> session_;
  std::string lastError_;
  uint32_t serial_ = 0;
  std::vector<gpu::KernelArg> args_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  // Handles of restored buffers (issued by another context) and their local ids.
  std::unordered_map<int64_t, uint32_t> restored_;
};

// The longest prefix of `text` of at most `max` bytes that ends on a UTF-8 boundary.
std::string_view truncateUtf8(std::string_view text, size_t max);

// Every function of wasi:cuda/host@0.2.0 bound to `context`. linkCuda defines these.
std::vector<WasiFunction> cudaFunctions(std::shared_ptr<CudaGuestContext> context);

// Defines every function under module "wasi:cuda/host@0.2.0".
void linkCuda(Linker& linker, std::shared_ptr<CudaGuestContext> context);

}  // namespace tw
