// Launches, copies and completion for a GpuSession. The asynchronous path (scalars and device
// buffers only) fills pre-sized parameter arrays and calls cuLaunchKernel: no allocation, one
// hash lookup per buffer argument. A launch with host regions stages the host bytes, copies
// them to temporary device memory, runs the kernel, copies back and waits; host memory is
// written only after success, so after a reset caused by someone else the launch is replayed
// from the staged inputs. Completion is detected by polling an event (spin briefly, then sleep
// with the device lock released so a reset can proceed), bounded by the session's timeout.
// Thread-safety: as GpuSession.
#include <chrono>
#include <cstring>
#include <thread>

#include "runtime_internal.h"

namespace tw::gpu {

using Clock = std::chrono::steady_clock;

WaitOutcome GpuSession::Impl::wait(std::shared_lock<std::shared_mutex>& lock, CUresult& fault) {
  uint64_t g = gen;
  CUresult r = api->cuEventRecord(done, stream);
  if (r != CUDA_SUCCESS) {
    fault = r;
    return WaitOutcome::Fault;
  }
  Clock::time_point start = Clock::now();
  Clock::time_point deadline = start + config.kernelTimeout;
  auto sleepFor = std::chrono::microseconds(10);
  for (uint32_t spin = 0;; ++spin) {
    r = api->cuEventQuery(done);
    if (r == CUDA_SUCCESS) {
      pendingAsync = false;
      return WaitOutcome::Done;
    }
    if (r != CUDA_ERROR_NOT_READY) {
      fault = r;
      return WaitOutcome::Fault;
    }
    if ((spin & 63) != 63) continue;
    Clock::time_point now = Clock::now();
    if (now - start < std::chrono::microseconds(200)) continue;  // short kernels: spin
    if (now > deadline) return WaitOutcome::Timeout;
    lock.unlock();  // let a reset (ours or another session's) through while sleeping
    std::this_thread::sleep_for(sleepFor);
    sleepFor = std::min<std::chrono::microseconds>(sleepFor * 2, std::chrono::milliseconds(1));
    lock.lock();
    if (dev->generation.load() != g) return WaitOutcome::Reset;
  }
}

Error GpuSession::Impl::failure(WaitOutcome outcome, CUresult fault, uint64_t observedGen,
                                bool hadPending) {
  switch (outcome) {
    case WaitOutcome::Done:
      return gpuError(GpuErrc::Internal, "no failure");
    case WaitOutcome::Timeout:
      rt->resetDevice(*dev, observedGen);
      return gpuError(GpuErrc::LaunchFailed,
                      "kernel exceeded its deadline of " +
                          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             config.kernelTimeout).count()) +
                          " ms; the device context was rebuilt");
    case WaitOutcome::Reset:
      if (hadPending) lostWork = false;  // reported here, not again at sync
      return gpuError(GpuErrc::InvalidBuffer, "device reset");
    case WaitOutcome::Fault:
      break;
  }
  if (!isStickyFault(fault)) {
    return gpuError(GpuErrc::LaunchFailed, "kernel failed: " + api->describe(fault));
  }
  bool mine = rt->resetDevice(*dev, observedGen);
  if (mine && hadPending) {
    return gpuError(GpuErrc::LaunchFailed, "kernel fault: " + api->describe(fault) +
                                               "; the device context was rebuilt");
  }
  if (hadPending) lostWork = false;
  return gpuError(GpuErrc::InvalidBuffer, "device reset");
}

Result<void> GpuSession::Impl::launchAsync(KernelSlot& k, const LaunchDims& dims,
                                           std::span<const KernelArg> args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const KernelArg& a = args[i];
    switch (a.kind) {
      case KernelArg::Kind::Buffer: {
        auto it = buffers.find(a.buffer);
        if (it == buffers.end()) return gpuError(GpuErrc::InvalidBuffer, "unknown buffer handle");
        if (it->second.lost) return gpuError(GpuErrc::InvalidBuffer, "device reset");
        if (a.bits > it->second.size) {
          return gpuError(GpuErrc::InvalidBuffer, "buffer offset past the end of the buffer");
        }
        scratch[i] = it->second.ptr + a.bits;
        params[i] = &scratch[i];
        break;
      }
      case KernelArg::Kind::HostRegion:
        params[i] = &scratch[i];  // filled by launchWithRegions
        break;
      default:
        params[i] = const_cast<uint64_t*>(&a.bits);  // little-endian: low bytes first
        break;
    }
  }
  params[args.size()] = nullptr;  // the isolated driver counts parameters up to it
  CUresult r = api->cuLaunchKernel(k.fn, dims.grid[0], dims.grid[1], dims.grid[2], dims.block[0],
                                   dims.block[1], dims.block[2], dims.sharedMem, stream,
                                   params.data(), nullptr);
  if (r != CUDA_SUCCESS) {
    if (isStickyFault(r)) lastFault = r;
    return gpuError(GpuErrc::LaunchFailed, "cuLaunchKernel failed: " + api->describe(r));
  }
  pendingAsync = true;
  stats.launches++;
  return {};
}

namespace {

uint32_t argBytes(KernelArg::Kind kind) {
  using K = KernelArg::Kind;
  return kind == K::I32 || kind == K::U32 || kind == K::F32 ? 4 : 8;
}

// The driver reads as many parameters, of the sizes the kernel declares, as the kernel has:
// arguments that do not match would make it read past them.
Result<void> checkSignature(const KernelSlot& k, std::span<const KernelArg> args) {
  if (!k.paramsKnown) return {};
  if (args.size() != k.paramSizes.size()) {
    return gpuError(GpuErrc::ArgsUnsupported,
                    "kernel '" + k.entry + "' takes " + std::to_string(k.paramSizes.size()) +
                        " parameters, got " + std::to_string(args.size()) + " arguments");
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (argBytes(args[i].kind) != k.paramSizes[i]) {
      return gpuError(GpuErrc::ArgsUnsupported,
                      "argument " + std::to_string(i) + " of kernel '" + k.entry + "' is " +
                          std::to_string(argBytes(args[i].kind)) + " bytes; the parameter is " +
                          std::to_string(k.paramSizes[i]));
    }
  }
  return {};
}

}  // namespace

Result<void> GpuSession::launch(KernelId id, const LaunchDims& dims,
                                std::span<const KernelArg> args) {
  Impl& s = *impl_;
  if (id >= s.kernels.size() || !s.kernels[id].live) {
    return gpuError(GpuErrc::InvalidKernel, "unknown kernel id");
  }
  if (args.size() >= s.params.size()) return gpuError(GpuErrc::InvalidArgs, "too many arguments");
  TW_TRY(checkSignature(s.kernels[id], args));
  for (const KernelArg& a : args) {
    if (a.kind == KernelArg::Kind::HostRegion) return s.launchWithRegions(id, dims, args);
  }
  std::shared_lock<std::shared_mutex> lock(s.dev->rw);
  TW_TRY(s.ensureFresh());
  KernelSlot& k = s.kernels[id];
  if (!k.fn) {
    TW_TRY(s.reload(k));
    s.stats.reloads++;
  }
  s.lastFault = CUDA_SUCCESS;
  Result<void> r = s.launchAsync(k, dims, args);
  if (r.ok() || s.lastFault == CUDA_SUCCESS) return r;
  uint64_t g = s.gen;
  lock.unlock();
  return s.failure(WaitOutcome::Fault, s.lastFault, g, true);
}

Result<void> GpuSession::Impl::regionAttempt(KernelId id, const LaunchDims& dims,
                                             std::span<const KernelArg> args,
                                             WaitOutcome& outcome, CUresult& fault,
                                             uint64_t& observedGen) {
  std::shared_lock<std::shared_mutex> lock(dev->rw);
  TW_TRY(ensureFresh());
  observedGen = gen;
  outcome = WaitOutcome::Done;
  if (pendingAsync) {
    // Earlier launches first, within the deadline; their failure is this call's to report.
    CUresult earlier = CUDA_SUCCESS;
    WaitOutcome drained = wait(lock, earlier);
    if (drained != WaitOutcome::Done) {
      uint64_t g = gen;
      lock.unlock();
      return failure(drained, earlier, g, true);
    }
  }
  KernelSlot& k = kernels[id];
  lastFault = CUDA_SUCCESS;
  auto sticky = [&](Error e) -> Result<void> {
    if (lastFault != CUDA_SUCCESS) {
      outcome = WaitOutcome::Fault;
      fault = lastFault;
    }
    return e;
  };
  if (!k.fn) {
    if (Result<void> r = reload(k); !r.ok()) return sticky(r.takeError());
    stats.reloads++;
  }
  // Temporary device memory for each region, counted against the tenant's cap.
  size_t n = args.size();
  auto freeTemps = [&](size_t upto) {
    for (size_t i = 0; i < upto; ++i) {
      if (args[i].kind == KernelArg::Kind::HostRegion) freeRaw(scratch[i], args[i].len, regionPtrs[i] != 0);
    }
  };
  uint64_t off = 0;
  for (size_t i = 0; i < n; ++i) {
    if (args[i].kind != KernelArg::Kind::HostRegion) continue;
    bool managed = false;
    Result<CUdeviceptr> p = allocRaw(args[i].len, managed);
    if (!p.ok()) {
      if (lastFault != CUDA_SUCCESS) return sticky(p.takeError());  // counters die with the reset
      freeTemps(i);
      return p.takeError();
    }
    scratch[i] = p.value();
    regionPtrs[i] = managed ? 1 : 0;
    CUresult r = args[i].len ? api->cuMemcpyHtoDAsync(scratch[i], staging.data() + off,
                                                     args[i].len, stream)
                             : CUDA_SUCCESS;
    off += args[i].len;
    if (r != CUDA_SUCCESS) {
      if (isStickyFault(r)) {
        outcome = WaitOutcome::Fault;
        fault = r;
        return gpuError(GpuErrc::LaunchFailed, "copy to device failed");
      }
      freeTemps(i + 1);
      return driverError("copy to device", r);
    }
  }
  lastFault = CUDA_SUCCESS;
  if (Result<void> r = launchAsync(k, dims, args); !r.ok()) {
    if (lastFault != CUDA_SUCCESS) {
      outcome = WaitOutcome::Fault;
      fault = lastFault;
      return r;
    }
    freeTemps(n);
    return r;
  }
  // Wait for the kernel (bounded by the deadline) before copying back: a copy to pageable
  // memory blocks its caller until the stream reaches it, with no deadline of its own.
  outcome = wait(lock, fault);
  if (outcome != WaitOutcome::Done) return gpuError(GpuErrc::LaunchFailed, "not completed");
  off = 0;
  for (size_t i = 0; i < n; ++i) {
    if (args[i].kind != KernelArg::Kind::HostRegion) continue;
    if (args[i].len) {
      CUresult r = api->cuMemcpyDtoHAsync(staging.data() + off, scratch[i], args[i].len, stream);
      if (r != CUDA_SUCCESS) {
        if (!isStickyFault(r)) freeTemps(n);  // after a sticky fault the reset drops them
        outcome = WaitOutcome::Fault;
        fault = r;
        return gpuError(GpuErrc::LaunchFailed, "copy from device failed");
      }
    }
    off += args[i].len;
  }
  freeTemps(n);  // stream-ordered: after the copies back
  outcome = wait(lock, fault);
  if (outcome != WaitOutcome::Done) return gpuError(GpuErrc::LaunchFailed, "not completed");
  return {};
}

Result<void> GpuSession::Impl::launchWithRegions(KernelId id, const LaunchDims& dims,
                                                 std::span<const KernelArg> args) {
  // Stage the inputs once: host memory is untouched until the launch succeeded, and a replay
  // starts from the same bytes.
  uint64_t total = 0;
  for (const KernelArg& a : args) {
    if (a.kind == KernelArg::Kind::HostRegion) total += a.len;
  }
  staging.resize(total);
  uint64_t off = 0;
  for (const KernelArg& a : args) {
    if (a.kind != KernelArg::Kind::HostRegion) continue;
    if (a.len) std::memcpy(staging.data() + off, a.host, a.len);
    off += a.len;
  }
  for (int attempt = 0;; ++attempt) {
    WaitOutcome outcome = WaitOutcome::Done;
    CUresult fault = CUDA_SUCCESS;
    uint64_t g = 0;
    Result<void> r = regionAttempt(id, dims, args, outcome, fault, g);
    if (r.ok()) {
      off = 0;
      for (const KernelArg& a : args) {
        if (a.kind != KernelArg::Kind::HostRegion) continue;
        if (a.len) std::memcpy(a.host, staging.data() + off, a.len);
        off += a.len;
      }
      return {};
    }
    if (outcome == WaitOutcome::Done) return r;  // refused before the kernel ran
    if (outcome == WaitOutcome::Timeout) return failure(outcome, fault, g, true);
    if (outcome == WaitOutcome::Fault && !isStickyFault(fault)) {
      return failure(outcome, fault, g, true);
    }
    // A sticky fault or someone else's reset: rebuild if nobody has, then replay once. A kernel
    // that faults again on a fresh context is the faulting one.
    rt->resetDevice(*dev, g);
    if (attempt == 0) {
      stats.replays++;
      continue;
    }
    return gpuError(GpuErrc::LaunchFailed, "kernel fault: " + api->describe(fault) +
                                               "; the device context was rebuilt");
  }
}

Result<void> GpuSession::sync() {
  Impl& s = *impl_;
  std::shared_lock<std::shared_mutex> lock(s.dev->rw);
  TW_TRY(s.ensureFresh());
  if (s.lostWork) {
    s.lostWork = false;
    return gpuError(GpuErrc::InvalidBuffer, "device reset: launches pending on this instance were lost");
  }
  if (!s.pendingAsync) return {};
  CUresult fault = CUDA_SUCCESS;
  WaitOutcome out = s.wait(lock, fault);
  if (out == WaitOutcome::Done) return {};
  uint64_t g = s.gen;
  lock.unlock();
  s.pendingAsync = false;
  return s.failure(out, fault, g, true);
}

namespace {

// Checks [offset, offset+len) against buffer `id`, enqueues the copy with
// enqueue(device address) on the session stream, and waits for it.
template <typename Enqueue>
Result<void> copyChecked(GpuSession::Impl& s, BufferId id, uint64_t offset, uint64_t len,
                         Enqueue enqueue) {
  std::shared_lock<std::shared_mutex> lock(s.dev->rw);
  TW_TRY(s.ensureFresh());
  auto it = s.buffers.find(id);
  if (it == s.buffers.end()) return gpuError(GpuErrc::InvalidBuffer, "unknown buffer handle");
  const BufferSlot& b = it->second;
  if (b.lost) return gpuError(GpuErrc::InvalidBuffer, "device reset");
  if (offset > b.size || len > b.size - offset) {
    return gpuError(GpuErrc::InvalidBuffer, "copy range past the end of the buffer");
  }
  if (len == 0) return {};
  bool hadPending = s.pendingAsync;
  CUresult fault = CUDA_SUCCESS;
  // Earlier launches finish first, within the deadline: the copy itself would wait for them
  // without one.
  WaitOutcome out = hadPending ? s.wait(lock, fault) : WaitOutcome::Done;
  if (out == WaitOutcome::Done) {
    fault = enqueue(b.ptr + offset);
    out = fault == CUDA_SUCCESS ? s.wait(lock, fault) : WaitOutcome::Fault;
  }
  if (out == WaitOutcome::Done) return {};
  uint64_t g = s.gen;
  lock.unlock();
  return s.failure(out, fault, g, hadPending);
}

}  // namespace

Result<void> GpuSession::copyToDevice(BufferId id, uint64_t offset, const void* src,
                                      uint64_t len) {
  Impl& s = *impl_;
  return copyChecked(s, id, offset, len, [&](CUdeviceptr dst) {
    return s.api->cuMemcpyHtoDAsync(dst, src, len, s.stream);
  });
}

Result<void> GpuSession::copyToHost(void* dst, BufferId id, uint64_t offset, uint64_t len) {
  Impl& s = *impl_;
  return copyChecked(s, id, offset, len, [&](CUdeviceptr src) {
    return s.api->cuMemcpyDtoHAsync(dst, src, len, s.stream);
  });
}

}  // namespace tw::gpu
