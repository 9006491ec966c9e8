// Internal state shared by runtime.cpp and session.cpp: the per-device record (primary
// context, generation, reader/writer lock that lets a reset exclude every other driver call on
// the device), per-(tenant, device) pools with their counters, and the session's tables.
// Lock order: Device::rw (shared for ordinary calls, exclusive for context creation and reset)
// before Device::poolMu. A session's own tables need no lock (one thread per session).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "tensorwasm/gpu/gpu.h"

namespace tw::gpu {

struct TenantPool {
  std::string tenant;
  uint64_t cap = 0;
  std::atomic<uint64_t> used{0};  // the in-process counter, checked before every allocation
  CUmemoryPool pool = nullptr;    // created lazily; dropped by a reset (under Device::poolMu)
};

struct Device {
  int ordinal = 0;
  CUdevice handle = 0;
  DeviceInfo info;  // static fields filled at init
  std::shared_mutex rw;
  std::mutex poolMu;
  CUcontext ctx = nullptr;
  std::atomic<uint64_t> generation{0};
  std::atomic<uint64_t> used{0};
  std::atomic<int> sessions{0};
  // Set when a reset could not bring the context back (the driver keeps refusing with the
  // sticky error); every later call on the device fails with `poisonReason`.
  std::atomic<bool> poisoned{false};
  std::string poisonReason;  // written once, before `poisoned` is set
  std::map<std::string, std::shared_ptr<TenantPool>> tenants;  // under poolMu
};

struct GpuRuntime::Impl {
  Loader loader;
  std::once_flag once;
  std::shared_ptr<const DriverApi> api;
  std::string reason;
  int driverVersion = 0;
  std::vector<std::unique_ptr<Device>> devices;

  void init();
  bool ready() {
    std::call_once(once, [this] { init(); });
    return api != nullptr;
  }
  // Retains the primary context once (caller holds rw exclusively or during init).
  Result<void> retainContext(Device& d);
  // Makes d's context current on this thread (cached per thread; cheap when already current).
  void makeCurrent(Device& d);
  std::shared_ptr<TenantPool> tenantPool(Device& d, const std::string& tenant, uint64_t cap);
  // The driver pool for (tenant, d), created on first use; null when pools are unsupported.
  CUmemoryPool poolFor(Device& d, TenantPool& t);
  // Rebuilds d's context if its generation is still `observed`; true if this call did it.
  bool resetDevice(Device& d, uint64_t observed);
};

// Bumped by every reset and runtime creation: invalidates the per-thread current-context cache.
extern std::atomic<uint64_t> gContextEpoch;

struct KernelSlot {
  std::string image;  // PTX (NUL-terminated by std::string) or cubin, kept for reloads
  std::string entry;
  CUmodule module = nullptr;
  CUfunction fn = nullptr;
  bool live = false;
  // Each parameter's size in bytes, from the driver; unknown (no check) when it cannot say.
  std::vector<uint8_t> paramSizes;
  bool paramsKnown = false;
};

struct BufferSlot {
  CUdeviceptr ptr = 0;
  uint64_t size = 0;
  bool lost = false;  // the device was reset since it was allocated
  bool managed = false;
};

enum class WaitOutcome : uint8_t { Done, Fault, Reset, Timeout };

struct GpuSession::Impl {
  std::shared_ptr<GpuRuntime> runtime;
  GpuRuntime::Impl* rt = nullptr;
  Device* dev = nullptr;
  const DriverApi* api = nullptr;
  SessionConfig config;
  std::shared_ptr<TenantPool> tenant;
  uint64_t gen = 0;
  CUstream stream = nullptr;
  CUevent done = nullptr;
  std::vector<KernelSlot> kernels;
  size_t liveKernels = 0;
  uint64_t ptxBytes = 0;
  std::unordered_map<BufferId, BufferSlot> buffers;
  BufferId nextBuffer = 0;
  bool pendingAsync = false;  // launches enqueued since the last completed wait
  bool lostWork = false;      // pending launches were lost to a reset
  SessionStats stats;
  // Pre-sized launch scratch: no allocation on the launch path.
  std::vector<void*> params;
  std::vector<uint64_t> scratch;
  std::vector<CUdeviceptr> regionPtrs;
  std::string staging;
  CUresult lastFault = CUDA_SUCCESS;

  Result<void> openStream();
  // Notices a reset: new stream, kernels marked for reload, buffers marked lost.
  Result<void> ensureFresh();
  Result<void> reload(KernelSlot& k);
  void readParamSizes(KernelSlot& k);
  Result<CUdeviceptr> allocRaw(uint64_t bytes, bool& managed);
  void freeRaw(CUdeviceptr ptr, uint64_t bytes, bool managed);
  WaitOutcome wait(std::shared_lock<std::shared_mutex>& lock, CUresult& fault);
  // Turns a sticky fault / timeout / foreign reset into this session's error.
  Error failure(WaitOutcome outcome, CUresult fault, uint64_t observedGen, bool hadPending);
  Error driverError(const char* what, CUresult r);
  Result<void> launchAsync(KernelSlot& k, const LaunchDims& dims, std::span<const KernelArg> args);
  Result<void> launchWithRegions(KernelId id, const LaunchDims& dims,
                                 std::span<const KernelArg> args);
  // One attempt of a host-region launch; `outcome`/`fault` say why it did not finish.
  Result<void> regionAttempt(KernelId id, const LaunchDims& dims, std::span<const KernelArg> args,
                             WaitOutcome& outcome, CUresult& fault, uint64_t& observedGen);
};

}  // namespace tw::gpu
