// GpuSession: one guest instance's view of a device: its stream and completion event, the
// kernels it loaded (PTX kept for reloads), its device buffers (counted against the tenant's
// cap), and the recovery rules after a device reset (see gpu.h). Launches, copies and
// waits live in launch.cpp; this file opens sessions, allocates and frees, and recovers.
// Thread-safety: one thread per session; each call holds its device's lock shared.
#include <algorithm>

#include "runtime_internal.h"

namespace tw::gpu {

Result<std::unique_ptr<GpuSession>> GpuRuntime::openSession(const SessionConfig& config) {
  if (!impl_->ready()) return gpuError(GpuErrc::NotAvailable, "no GPU: " + impl_->reason);
  int n = static_cast<int>(impl_->devices.size());
  int chosen = config.device;
  if (chosen >= n) {
    return gpuError(GpuErrc::NotAvailable, "no CUDA device " + std::to_string(chosen));
  }
  if (chosen < 0) {
    // Placement: least memory in use by this process, then fewest sessions, then ordinal.
    chosen = -1;
    for (int i = 0; i < n; ++i) {
      Device& a = *impl_->devices[i];
      if (a.poisoned.load()) continue;
      if (chosen < 0) {
        chosen = i;
        continue;
      }
      Device& b = *impl_->devices[chosen];
      uint64_t ua = a.used.load(), ub = b.used.load();
      if (ua < ub || (ua == ub && a.sessions.load() < b.sessions.load())) chosen = i;
    }
  }
  if (chosen < 0) return gpuError(GpuErrc::NotAvailable, impl_->devices[0]->poisonReason);
  Device& d = *impl_->devices[chosen];
  if (d.poisoned.load()) return gpuError(GpuErrc::NotAvailable, d.poisonReason);
  {
    std::unique_lock<std::shared_mutex> lock(d.rw);
    TW_TRY(impl_->retainContext(d));
  }
  auto s = std::make_unique<GpuSession::Impl>();
  s->runtime = shared_from_this();
  s->rt = impl_.get();
  s->dev = &d;
  s->api = impl_->api.get();
  s->config = config;
  s->tenant = impl_->tenantPool(d, config.tenant, config.memoryCap);
  s->params.resize(257);  // up to 256 arguments and the terminating null
  s->scratch.resize(256);
  s->regionPtrs.resize(256);
  s->kernels.reserve(16);
  {
    std::shared_lock<std::shared_mutex> lock(d.rw);
    s->gen = d.generation.load();
    TW_TRY(s->openStream());
  }
  d.sessions.fetch_add(1);
  return std::unique_ptr<GpuSession>(new GpuSession(std::move(s)));
}

GpuSession::GpuSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GpuSession::~GpuSession() {
  releaseAll();
  Impl& s = *impl_;
  {
    std::shared_lock<std::shared_mutex> lock(s.dev->rw);
    if (s.gen == s.dev->generation.load()) {
      s.rt->makeCurrent(*s.dev);
      if (s.done) s.api->cuEventDestroy(s.done);
      if (s.stream) s.api->cuStreamDestroy(s.stream);
    }
  }
  s.dev->sessions.fetch_sub(1);
}

int GpuSession::device() const { return impl_->dev->ordinal; }
const std::string& GpuSession::tenant() const { return impl_->config.tenant; }
size_t GpuSession::kernelCount() const { return impl_->liveKernels; }
size_t GpuSession::bufferCount() const { return impl_->buffers.size(); }

std::vector<BufferId> GpuSession::bufferIds() const {
  std::vector<BufferId> ids;
  ids.reserve(impl_->buffers.size());
  for (const auto& [id, slot] : impl_->buffers) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}
uint64_t GpuSession::ptxBytes() const { return impl_->ptxBytes; }
const SessionStats& GpuSession::stats() const { return impl_->stats; }

bool GpuSession::hasKernel(KernelId id) const {
  return id < impl_->kernels.size() && impl_->kernels[id].live;
}

Error GpuSession::Impl::driverError(const char* what, CUresult r) {
  return gpuError(GpuErrc::Internal, std::string(what) + " failed: " + api->describe(r));
}

Result<void> GpuSession::Impl::openStream() {
  rt->makeCurrent(*dev);
  stream = nullptr;
  done = nullptr;
  if (CUresult r = api->cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING); r != CUDA_SUCCESS) {
    return driverError("cuStreamCreate", r);
  }
  if (CUresult r = api->cuEventCreate(&done, CU_EVENT_DISABLE_TIMING); r != CUDA_SUCCESS) {
    return driverError("cuEventCreate", r);
  }
  return {};
}

Result<void> GpuSession::Impl::ensureFresh() {
  uint64_t now = dev->generation.load(std::memory_order_acquire);
  if (dev->poisoned.load(std::memory_order_acquire)) {
    return gpuError(GpuErrc::Internal, dev->poisonReason);
  }
  if (now == gen) {
    rt->makeCurrent(*dev);
    return {};
  }
  // The context was rebuilt under us: everything it held is gone.
  gen = now;
  for (KernelSlot& k : kernels) {
    k.module = nullptr;
    k.fn = nullptr;
  }
  for (auto& [id, b] : buffers) b.lost = true;
  if (pendingAsync) lostWork = true;
  pendingAsync = false;
  return openStream();
}

Result<void> GpuSession::Impl::reload(KernelSlot& k) {
  CUmodule module = nullptr;
  char log[4096] = {};
  int options[2] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void* values[2] = {log, reinterpret_cast<void*>(uintptr_t{sizeof log - 1})};
  CUresult r = api->cuModuleLoadDataEx(&module, k.image.c_str(), 2, options, values);
  if (r != CUDA_SUCCESS) {
    if (isStickyFault(r)) lastFault = r;
    std::string msg = "PTX rejected by the driver: " + api->describe(r);
    if (log[0]) msg += ": " + std::string(log);
    bool internal = r == CUDA_ERROR_OUT_OF_MEMORY || r == CUDA_ERROR_INVALID_CONTEXT ||
                    r == CUDA_ERROR_CONTEXT_IS_DESTROYED || isStickyFault(r);
    return gpuError(internal ? GpuErrc::Internal : GpuErrc::MalformedPtx, msg);
  }
  CUfunction fn = nullptr;
  r = api->cuModuleGetFunction(&fn, module, k.entry.c_str());
  if (r != CUDA_SUCCESS) {
    api->cuModuleUnload(module);
    return gpuError(GpuErrc::MalformedPtx, "no kernel entry '" + k.entry + "' in the PTX (" +
                                               api->describe(r) + ")");
  }
  k.module = module;
  k.fn = fn;
  readParamSizes(k);
  return {};
}

void GpuSession::Impl::readParamSizes(KernelSlot& k) {
  k.paramSizes.clear();
  k.paramsKnown = false;
  if (!api->cuFuncGetParamInfo) return;
  for (size_t i = 0; i <= params.size(); ++i) {
    size_t offset = 0, size = 0;
    CUresult r = api->cuFuncGetParamInfo(k.fn, i, &offset, &size);
    if (r == CUDA_ERROR_INVALID_VALUE) break;  // past the last parameter
    if (r != CUDA_SUCCESS || size == 0 || size > 255) return;  // cannot tell: no check
    k.paramSizes.push_back(static_cast<uint8_t>(size));
  }
  k.paramsKnown = true;
}

// Runs `op` under the device lock; if it met a sticky fault (someone's kernel broke the
// context), rebuilds the context and runs it once more on the fresh one.
template <typename Op>
auto withRecovery(GpuSession::Impl& s, Op op) -> decltype(op()) {
  for (int attempt = 0;; ++attempt) {
    std::shared_lock<std::shared_mutex> lock(s.dev->rw);
    TW_TRY(s.ensureFresh());
    s.lastFault = CUDA_SUCCESS;
    auto r = op();
    if (r.ok() || s.lastFault == CUDA_SUCCESS || attempt == 1) return r;
    uint64_t g = s.gen;
    lock.unlock();
    s.rt->resetDevice(*s.dev, g);
  }
}

Result<KernelId> GpuSession::loadPtx(std::string_view ptx, std::string_view entry) {
  Impl& s = *impl_;
  KernelSlot k;
  k.image.assign(ptx);
  k.entry.assign(entry);
  TW_TRY(withRecovery(s, [&] { return s.reload(k); }));
  k.live = true;
  s.ptxBytes += k.image.size();
  s.liveKernels++;
  s.kernels.push_back(std::move(k));
  return static_cast<KernelId>(s.kernels.size() - 1);
}

Result<CUdeviceptr> GpuSession::Impl::allocRaw(uint64_t bytes, bool& managed) {
  managed = config.managedMemory;
  // The in-process counter first: a request past the cap never reaches the driver.
  TenantPool& t = *tenant;
  uint64_t cur = t.used.load();
  do {
    if (bytes > t.cap || cur > t.cap - bytes) {
      return gpuError(GpuErrc::QuotaExceeded,
                      "GPU memory cap exceeded: tenant '" + t.tenant + "' holds " +
                          std::to_string(cur) + " of " + std::to_string(t.cap) +
                          " bytes on device " + std::to_string(dev->ordinal) + ", asked for " +
                          std::to_string(bytes));
    }
  } while (!t.used.compare_exchange_weak(cur, cur + bytes));
  if (bytes == 0) return CUdeviceptr{0};
  CUdeviceptr ptr = 0;
  CUresult r;
  if (managed) {
    r = api->cuMemAllocManaged(&ptr, bytes, CU_MEM_ATTACH_GLOBAL);
  } else if (CUmemoryPool pool = rt->poolFor(*dev, t)) {
    r = api->cuMemAllocFromPoolAsync(&ptr, bytes, pool, stream);
    if (r == CUDA_ERROR_OUT_OF_MEMORY) {
      // Frees are stream-ordered: let pending ones land, then ask once more.
      api->cuStreamSynchronize(stream);
      r = api->cuMemAllocFromPoolAsync(&ptr, bytes, pool, stream);
    }
  } else {
    r = api->cuMemAlloc(&ptr, bytes);
  }
  if (r != CUDA_SUCCESS) {
    t.used.fetch_sub(bytes);
    if (isStickyFault(r)) lastFault = r;
    if (r == CUDA_ERROR_OUT_OF_MEMORY) {
      return gpuError(GpuErrc::QuotaExceeded, "GPU memory cap exceeded: the device or the "
                                              "tenant's pool refused " + std::to_string(bytes) +
                                              " bytes");
    }
    return driverError("device allocation", r);
  }
  dev->used.fetch_add(bytes);
  return ptr;
}

void GpuSession::Impl::freeRaw(CUdeviceptr ptr, uint64_t bytes, bool managed) {
  if (bytes == 0) return;
  if (managed || !dev->info.memoryPools) {
    api->cuMemFree(ptr);
  } else {
    api->cuMemFreeAsync(ptr, stream);
  }
  tenant->used.fetch_sub(bytes);
  dev->used.fetch_sub(bytes);
}

Result<BufferId> GpuSession::alloc(uint64_t bytes) {
  Impl& s = *impl_;
  bool managed = false;
  TW_ASSIGN(CUdeviceptr ptr, withRecovery(s, [&] { return s.allocRaw(bytes, managed); }));
  BufferId id = s.nextBuffer++;
  s.buffers.emplace(id, BufferSlot{ptr, bytes, false, managed});
  return id;
}

Result<uint64_t> GpuSession::bufferSize(BufferId id) const {
  const Impl& s = *impl_;
  auto it = s.buffers.find(id);
  if (it == s.buffers.end()) return gpuError(GpuErrc::InvalidBuffer, "unknown buffer handle");
  bool lost = it->second.lost || s.gen != s.dev->generation.load();
  if (lost) return gpuError(GpuErrc::InvalidBuffer, "device reset");
  return it->second.size;
}

Result<void> GpuSession::free(BufferId id) {
  Impl& s = *impl_;
  std::shared_lock<std::shared_mutex> lock(s.dev->rw);
  TW_TRY(s.ensureFresh());
  auto it = s.buffers.find(id);
  if (it == s.buffers.end()) return gpuError(GpuErrc::InvalidBuffer, "unknown buffer handle");
  BufferSlot b = it->second;
  s.buffers.erase(it);
  if (b.lost) return gpuError(GpuErrc::InvalidBuffer, "device reset");
  s.freeRaw(b.ptr, b.size, b.managed);
  return {};
}

void GpuSession::releaseAll() {
  Impl& s = *impl_;
  if (s.pendingAsync) (void)sync();
  std::shared_lock<std::shared_mutex> lock(s.dev->rw);
  bool fresh = s.gen == s.dev->generation.load();
  if (fresh) s.rt->makeCurrent(*s.dev);
  for (auto& [id, b] : s.buffers) {
    if (fresh && !b.lost) s.freeRaw(b.ptr, b.size, b.managed);
  }
  s.buffers.clear();
  for (KernelSlot& k : s.kernels) {
    if (fresh && k.module) s.api->cuModuleUnload(k.module);
  }
  s.kernels.clear();
  s.liveKernels = 0;
  s.ptxBytes = 0;
  s.lostWork = false;
  if (fresh && s.stream) s.api->cuStreamSynchronize(s.stream);  // let async frees land
}

}  // namespace tw::gpu
