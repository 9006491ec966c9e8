// The GPU layer's public surface: a process-wide GpuRuntime (one primary context per device,
// created once; per-(tenant, device) memory pools capped by the driver and by an in-process
// counter; device placement; fault recovery) and GpuSession, one per guest instance (its own
// stream, kernels, device buffers and launches). It knows nothing of WebAssembly: callers hand
// it host pointers and lengths they already checked.
//
// Errors are tw::Error of kind Gpu with a GpuErrc in `code` (gpuErrc() reads it back).
//
// Fault isolation: a sticky kernel fault (illegal address, trap) or a kernel past its
// deadline resets the device's context at once and bumps the device's generation (with the
// process runtime, the reset replaces the device's GPU worker process, see isolation.h). Every
// session notices the new generation at its next call: kernels reload from the PTX it kept,
// a launch that used only host regions is replayed, and device buffers report InvalidBuffer
// "device reset".
//
// Thread-safety: GpuRuntime is thread-safe. A GpuSession is used by one thread at a time;
// different sessions may be used from different threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tensorwasm/gpu/driver_api.h"
#include "tensorwasm/support/result.h"

namespace tw::gpu {

// Stable failure codes; the wasi:cuda binding returns their negation to guests.
enum class GpuErrc : int32_t {
  NotAvailable = 1,
  InvalidPointer = 2,
  InvalidKernel = 3,
  MalformedPtx = 4,
  LaunchFailed = 5,
  QuotaExceeded = 6,
  Internal = 7,
  InvalidDimensions = 8,
  InvalidArgs = 9,
  ArgsUnsupported = 10,
  InvalidBuffer = 11,
};

Error gpuError(GpuErrc code, std::string message);
// The GpuErrc of an Error from this layer (Internal for errors of other kinds).
GpuErrc gpuErrc(const Error& error);

struct DeviceInfo {
  int ordinal = 0;
  std::string name;
  int ccMajor = 0, ccMinor = 0;
  int smCount = 0;
  uint64_t totalBytes = 0;
  uint64_t freeBytes = 0;    // as the driver reports it (all processes)
  uint64_t usedByUs = 0;     // bytes this process's tenants hold
  bool memoryPools = false;  // driver-enforced caps available
  uint64_t generation = 0;   // context resets so far
  int workerPid = 0;         // the GPU worker process holding its context (0: this process)
};

struct GpuInfo {
  bool available = false;
  std::string reason;          // why not, when !available
  int driverVersion = 0;       // e.g. 13000
  bool mpsActive = false;
  std::string mpsControl;      // the control pipe checked
  std::vector<DeviceInfo> devices;
};

// Where $CUDA_MPS_PIPE_DIRECTORY/control (else /tmp/nvidia-mps/control) points, and whether a
// control daemon is there.
std::pair<bool, std::string> detectMps();

struct SessionConfig {
  std::string tenant = "local";
  uint64_t memoryCap = 4ull << 30;  // bytes per device for this tenant
  int device = -1;                  // -1: placement picks the least-loaded device
  bool managedMemory = false;       // opt-in: allocations come from cuMemAllocManaged
  std::chrono::nanoseconds kernelTimeout{std::chrono::seconds(30)};  // per sync
};

class GpuSession;

class GpuRuntime : public std::enable_shared_from_this<GpuRuntime> {
 public:
  using Loader = std::function<Result<std::shared_ptr<const DriverApi>>()>;
  // A runtime over whatever `loader` provides; the loader runs once, on first use.
  static std::shared_ptr<GpuRuntime> create(Loader loader);
  // The process's runtime over the installed driver (loaded lazily, once).
  static std::shared_ptr<GpuRuntime> process();
  ~GpuRuntime();

  // Initializes on first call (thread-safe). False with a reason when there is no GPU.
  bool available();
  const std::string& unavailableReason();
  int deviceCount();
  // Refreshes free memory (retains each device's context to ask).
  GpuInfo info();
  // The device's compute capability as an sm number (90 for 9.0), read once at startup;
  // 0 for an unknown device or without a GPU.
  int computeCapability(int device);
  uint64_t generation(int device);
  // Bytes tenant `tenant` holds on `device` (the in-process counter).
  uint64_t tenantUsage(const std::string& tenant, int device);

  // A session on a device (config.device, or placement). NotAvailable without a GPU.
  Result<std::unique_ptr<GpuSession>> openSession(const SessionConfig& config);

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  GpuRuntime();
  std::unique_ptr<Impl> impl_;
};

// Guest-independent handles: indices into the session's tables.
using KernelId = uint32_t;
using BufferId = uint32_t;

struct LaunchDims {
  uint32_t grid[3] = {1, 1, 1};
  uint32_t block[3] = {1, 1, 1};
  uint32_t sharedMem = 0;
};

struct KernelArg {
  enum class Kind : uint8_t { I32, I64, F32, F64, U32, U64, HostRegion, Buffer };
  Kind kind = Kind::I32;
  uint64_t bits = 0;        // scalars: the little-endian value; Buffer: byte offset
  uint8_t* host = nullptr;  // HostRegion: the bytes, copied in before and back after
  uint64_t len = 0;         // HostRegion length
  BufferId buffer = 0;      // Buffer
};

struct SessionStats {
  uint64_t launches = 0;
  uint64_t replays = 0;   // host-region launches re-run after someone else's fault
  uint64_t reloads = 0;   // kernels reloaded after a reset
};

class GpuSession {
 public:
  ~GpuSession();  // syncs (bounded by the timeout) and frees everything
  GpuSession(const GpuSession&) = delete;
  GpuSession& operator=(const GpuSession&) = delete;

  int device() const;
  const std::string& tenant() const;

  // JIT-loads `ptx` (NUL not required) and finds `entry`. MalformedPtx on a driver refusal
  // (message carries the JIT log) or an unknown entry. The PTX is kept for reloads.
  Result<KernelId> loadPtx(std::string_view ptx, std::string_view entry);
  size_t kernelCount() const;
  uint64_t ptxBytes() const;
  bool hasKernel(KernelId id) const;

  // Device memory counted against the tenant's cap; QuotaExceeded past it.
  Result<BufferId> alloc(uint64_t bytes);
  Result<void> free(BufferId id);
  // Buffers allocated and not freed (those a reset lost included).
  size_t bufferCount() const;
  // Their ids, ascending.
  std::vector<BufferId> bufferIds() const;
  // The size of a live buffer; InvalidBuffer (message "device reset" after a reset).
  Result<uint64_t> bufferSize(BufferId id) const;
  // Synchronous copies (they wait for the session's earlier work).
  Result<void> copyToDevice(BufferId id, uint64_t offset, const void* src, uint64_t len);
  Result<void> copyToHost(void* dst, BufferId id, uint64_t offset, uint64_t len);

  // Launches a kernel. With only scalars and buffers it is enqueued and returns; with a host
  // region it runs to completion (copies in, kernel, copies back) before returning. Dims and
  // arguments are assumed checked by the caller; buffers are checked here.
  Result<void> launch(KernelId kernel, const LaunchDims& dims, std::span<const KernelArg> args);
  // Waits for the stream (event polling, bounded by the timeout) and reports kernel faults.
  Result<void> sync();
  // Syncs and frees every buffer and kernel; the session stays usable.
  void releaseAll();

  const SessionStats& stats() const;

  struct Impl;

 private:
  friend class GpuRuntime;
  explicit GpuSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tw::gpu
