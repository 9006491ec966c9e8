// GpuRuntime: lazy one-time initialization over a DriverApi (real or fake), device discovery,
// one primary context per device retained once per process, per-(tenant, device) memory pools
// whose maxSize is the tenant's cap, placement of new sessions on the least-loaded device,
// MPS detection, and the device reset that fault isolation relies on.
// Thread-safety: every public method may be called from any thread (see runtime_internal.h
// for the lock order).
#include <sys/stat.h>

#include <cstdlib>
#include <limits>

#include "runtime_internal.h"
#include "tensorwasm/gpu/isolation.h"

namespace tw::gpu {

std::atomic<uint64_t> gContextEpoch{1};

namespace {
struct CurrentContext {
  CUcontext ctx = nullptr;
  uint64_t epoch = 0;
};
thread_local CurrentContext tCurrent;
}  // namespace

Error gpuError(GpuErrc code, std::string message) {
  Error e = makeError(ErrorKind::Gpu, std::move(message));
  e.code = static_cast<int32_t>(code);
  return e;
}

GpuErrc gpuErrc(const Error& error) {
  if (error.kind != ErrorKind::Gpu || error.code < 1 || error.code > 11) return GpuErrc::Internal;
  return static_cast<GpuErrc>(error.code);
}

std::pair<bool, std::string> detectMps() {
  const char* dir = std::getenv("CUDA_MPS_PIPE_DIRECTORY");
  std::string pipe = (dir && *dir) ? std::string(dir) + "/control" : "/tmp/nvidia-mps/control";
  struct stat st{};
  bool active = ::stat(pipe.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
  return {active, pipe};
}

void GpuRuntime::Impl::init() {
  Result<std::shared_ptr<const DriverApi>> loaded = loader();
  if (!loaded.ok()) {
    reason = loaded.error().message;
    return;
  }
  std::shared_ptr<const DriverApi> a = loaded.value();
  if (a->cuDriverGetVersion) a->cuDriverGetVersion(&driverVersion);
  int count = 0;
  if (a->cuDeviceGetCount(&count) != CUDA_SUCCESS || count <= 0) {
    reason = "the NVIDIA driver reports no CUDA device";
    return;
  }
  for (int i = 0; i < count; ++i) {
    auto d = std::make_unique<Device>();
    d->ordinal = i;
    if (CUresult r = a->cuDeviceGet(&d->handle, i); r != CUDA_SUCCESS) {
      reason = "cuDeviceGet(" + std::to_string(i) + ") failed: " + a->describe(r);
      return;
    }
    char name[256] = {};
    a->cuDeviceGetName(name, sizeof name - 1, d->handle);
    DeviceInfo& info = d->info;
    info.ordinal = i;
    info.name = name;
    a->cuDeviceGetAttribute(&info.ccMajor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, d->handle);
    a->cuDeviceGetAttribute(&info.ccMinor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, d->handle);
    a->cuDeviceGetAttribute(&info.smCount, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, d->handle);
    int pools = 0;
    a->cuDeviceGetAttribute(&pools, CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED, d->handle);
    info.memoryPools = pools != 0 && a->cuMemPoolCreate && a->cuMemAllocFromPoolAsync &&
                       a->cuMemFreeAsync && a->cuMemPoolDestroy;
    size_t total = 0;
    a->cuDeviceTotalMem(&total, d->handle);
    info.totalBytes = total;
    devices.push_back(std::move(d));
  }
  api = std::move(a);
}

Result<void> GpuRuntime::Impl::retainContext(Device& d) {
  if (d.ctx) return {};
  CUcontext ctx = nullptr;
  if (CUresult r = api->cuDevicePrimaryCtxRetain(&ctx, d.handle); r != CUDA_SUCCESS) {
    return gpuError(GpuErrc::Internal, "cannot create the context of device " +
                                           std::to_string(d.ordinal) + ": " + api->describe(r));
  }
  d.ctx = ctx;
  gContextEpoch.fetch_add(1);
  return {};
}

void GpuRuntime::Impl::makeCurrent(Device& d) {
  uint64_t epoch = gContextEpoch.load(std::memory_order_acquire);
  if (tCurrent.ctx == d.ctx && tCurrent.epoch == epoch) return;
  api->cuCtxSetCurrent(d.ctx);
  tCurrent.ctx = d.ctx;
  tCurrent.epoch = epoch;
}

std::shared_ptr<TenantPool> GpuRuntime::Impl::tenantPool(Device& d, const std::string& tenant,
                                                         uint64_t cap) {
  std::lock_guard<std::mutex> lock(d.poolMu);
  std::shared_ptr<TenantPool>& t = d.tenants[tenant];
  if (!t) {
    t = std::make_shared<TenantPool>();
    t->tenant = tenant;
    t->cap = cap;
  }
  // A later session may lower or raise the cap; the driver pool keeps its maxSize until the
  // next reset, so the counter (checked first) is what a change affects.
  t->cap = cap;
  return t;
}

CUmemoryPool GpuRuntime::Impl::poolFor(Device& d, TenantPool& t) {
  if (!d.info.memoryPools) return nullptr;
  std::lock_guard<std::mutex> lock(d.poolMu);
  if (t.pool) return t.pool;
  CUmemPoolPropsTw props{};
  props.allocType = CU_MEM_ALLOCATION_TYPE_PINNED;
  props.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  props.location.id = d.ordinal;
  props.maxSize = t.cap;  // the driver-enforced cap
  CUmemoryPool pool = nullptr;
  if (api->cuMemPoolCreate(&pool, &props) != CUDA_SUCCESS) return nullptr;
  if (api->cuMemPoolSetAttribute) {
    // Keep up to 64 MiB of freed memory for fast reuse (alloc 0.7 us instead of 2.3 us).
    uint64_t keep = std::min<uint64_t>(t.cap, 64ull << 20);
    api->cuMemPoolSetAttribute(pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &keep);
  }
  t.pool = pool;
  return pool;
}

bool GpuRuntime::Impl::resetDevice(Device& d, uint64_t observed) {
  std::unique_lock<std::shared_mutex> lock(d.rw);
  if (d.generation.load() != observed) return false;  // someone already rebuilt it
  api->cuDevicePrimaryCtxReset(d.handle);
  // The reset dropped every allocation, module, stream and event of the context. Pools go
  // too (destroying a dead one just fails); counters restart from zero, and the sessions
  // that held memory learn it at their next call (their buffers are "lost", not freed).
  {
    std::lock_guard<std::mutex> pl(d.poolMu);
    for (auto& [name, t] : d.tenants) {
      if (t->pool) api->cuMemPoolDestroy(t->pool);
      t->pool = nullptr;
      t->used.store(0);
    }
  }
  d.used.store(0);
  CUcontext ctx = nullptr;
  // Retain again to bring the context back to life. Measured on the H100 (driver 580): after
  // the reset the old retain no longer holds the context, so this retain must not be balanced
  // by a release (that destroyed the fresh context: CUDA_ERROR_CONTEXT_IS_DESTROYED). If a
  // driver kept the old count, the extra reference only keeps a per-process context alive.
  // Measured on the H100 with driver 580: after an illegal-address fault every new context in
  // the process (retained primary or cuCtxCreate) fails with the same sticky error, so the
  // device is lost to this process. It is then marked poisoned with a plain reason.
  if (CUresult r = api->cuDevicePrimaryCtxRetain(&ctx, d.handle); r == CUDA_SUCCESS) {
    d.ctx = ctx;
  } else if (!d.poisoned.load()) {
    d.poisonReason = "device " + std::to_string(d.ordinal) +
                     " is unusable by this process after a kernel fault: the driver refuses a "
                     "new context (" + api->describe(r) + "); the process must be restarted";
    d.poisoned.store(true);
  }
  d.generation.fetch_add(1);
  gContextEpoch.fetch_add(1);
  return true;
}

GpuRuntime::GpuRuntime() : impl_(std::make_unique<Impl>()) {}

GpuRuntime::~GpuRuntime() {
  if (!impl_->api) return;
  for (auto& d : impl_->devices) {
    std::lock_guard<std::mutex> pl(d->poolMu);
    for (auto& [name, t] : d->tenants) {
      if (t->pool) impl_->api->cuMemPoolDestroy(t->pool);
    }
    if (d->ctx) impl_->api->cuDevicePrimaryCtxRelease(d->handle);
  }
  gContextEpoch.fetch_add(1);
}

std::shared_ptr<GpuRuntime> GpuRuntime::create(Loader loader) {
  std::shared_ptr<GpuRuntime> rt(new GpuRuntime());
  rt->impl_->loader = std::move(loader);
  gContextEpoch.fetch_add(1);
  return rt;
}

std::shared_ptr<GpuRuntime> GpuRuntime::process() {
  // Never destroyed: guests may still hold sessions while static destructors run. The driver
  // runs in worker processes, so a kernel fault costs a worker, never this process's GPU.
  static auto* rt = new std::shared_ptr<GpuRuntime>(create([] { return loadIsolatedDriver(); }));
  return *rt;
}

bool GpuRuntime::available() { return impl_->ready(); }

const std::string& GpuRuntime::unavailableReason() {
  impl_->ready();
  return impl_->reason;
}

int GpuRuntime::deviceCount() {
  return impl_->ready() ? static_cast<int>(impl_->devices.size()) : 0;
}

int GpuRuntime::computeCapability(int device) {
  if (!impl_->ready() || device < 0 || device >= deviceCount()) return 0;
  const DeviceInfo& info = impl_->devices[device]->info;
  return info.ccMajor * 10 + info.ccMinor;
}

uint64_t GpuRuntime::generation(int device) {
  if (!impl_->ready() || device < 0 || device >= deviceCount()) return 0;
  return impl_->devices[device]->generation.load();
}

uint64_t GpuRuntime::tenantUsage(const std::string& tenant, int device) {
  if (!impl_->ready() || device < 0 || device >= deviceCount()) return 0;
  Device& d = *impl_->devices[device];
  std::lock_guard<std::mutex> lock(d.poolMu);
  auto it = d.tenants.find(tenant);
  return it == d.tenants.end() ? 0 : it->second->used.load();
}

GpuInfo GpuRuntime::info() {
  GpuInfo out;
  auto [mps, pipe] = detectMps();
  out.mpsActive = mps;
  out.mpsControl = pipe;
  out.available = impl_->ready();
  out.reason = impl_->reason;
  out.driverVersion = impl_->driverVersion;
  if (!out.available) return out;
  for (auto& d : impl_->devices) {
    DeviceInfo info = d->info;
    {
      std::unique_lock<std::shared_mutex> lock(d->rw);
      if (impl_->retainContext(*d).ok()) {
        impl_->makeCurrent(*d);
        size_t freeB = 0, totalB = 0;
        if (impl_->api->cuMemGetInfo(&freeB, &totalB) == CUDA_SUCCESS) info.freeBytes = freeB;
      }
    }
    info.usedByUs = d->used.load();
    info.generation = d->generation.load();
    if (impl_->api->workerPid) info.workerPid = impl_->api->workerPid(d->handle);
    out.devices.push_back(std::move(info));
  }
  return out;
}

}  // namespace tw::gpu
