// Loading the CUDA driver at run time. The binary never links libcuda: it opens
// "libcuda.so.1" with dlopen, resolves each entry point by its versioned symbol name (the _v2
// names the driver's own header maps the API names to), and turns every way of "no GPU" into
// one plain reason: the library is missing, it is the toolkit's stub (CUDA_ERROR_STUB_LIBRARY),
// a symbol is missing (driver too old), cuInit fails, or there are no devices.
// Thread-safety: loadCudaDriver may be called from any thread; the process runtime calls it once.
#include <dlfcn.h>

#include <cstdio>

#include "tensorwasm/gpu/driver_api.h"
#include "tensorwasm/gpu/gpu.h"

namespace tw::gpu {
namespace {

template <typename Fn>
bool resolve(void* lib, Fn& slot, const char* symbol, std::string& missing) {
  void* p = dlsym(lib, symbol);
  if (!p) {
    if (missing.empty()) missing = symbol;
    return false;
  }
  slot = reinterpret_cast<Fn>(p);
  return true;
}

}  // namespace

std::string DriverApi::describe(CUresult r) const {
  const char* name = nullptr;
  const char* text = nullptr;
  if (cuGetErrorName) cuGetErrorName(r, &name);
  if (cuGetErrorString) cuGetErrorString(r, &text);
  std::string out = name ? name : "CUDA error " + std::to_string(r);
  if (text) out += std::string(" (") + text + ")";
  return out;
}

Result<void> initDriver(const DriverApi& api) {
  CUresult r = api.cuInit(0);
  if (r == CUDA_ERROR_STUB_LIBRARY) {
    return gpuError(GpuErrc::NotAvailable, "the CUDA library found is the toolkit's stub (CUDA_ERROR_STUB_LIBRARY): no "
                 "NVIDIA driver is installed");
  }
  if (r == CUDA_ERROR_NO_DEVICE) return gpuError(GpuErrc::NotAvailable, "the NVIDIA driver reports no CUDA device");
  if (r != CUDA_SUCCESS) return gpuError(GpuErrc::NotAvailable, "cuInit failed: " + api.describe(r));
  int count = 0;
  r = api.cuDeviceGetCount(&count);
  if (r != CUDA_SUCCESS) return gpuError(GpuErrc::NotAvailable, "cuDeviceGetCount failed: " + api.describe(r));
  if (count <= 0) return gpuError(GpuErrc::NotAvailable, "the NVIDIA driver reports no CUDA device");
  return {};
}

Result<std::shared_ptr<const DriverApi>> loadCudaDriver(const char* path) {
  void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* why = dlerror();
    return gpuError(GpuErrc::NotAvailable, std::string("no NVIDIA driver: cannot load ") + path + " (" +
                 (why ? why : "not found") + ")");
  }
  auto api = std::make_shared<DriverApi>();
  api->libraryHandle = lib;
  std::string missing;
  bool ok = true;
  ok &= resolve(lib, api->cuInit, "cuInit", missing);
  ok &= resolve(lib, api->cuDriverGetVersion, "cuDriverGetVersion", missing);
  ok &= resolve(lib, api->cuGetErrorName, "cuGetErrorName", missing);
  ok &= resolve(lib, api->cuGetErrorString, "cuGetErrorString", missing);
  ok &= resolve(lib, api->cuDeviceGetCount, "cuDeviceGetCount", missing);
  ok &= resolve(lib, api->cuDeviceGet, "cuDeviceGet", missing);
  ok &= resolve(lib, api->cuDeviceGetName, "cuDeviceGetName", missing);
  ok &= resolve(lib, api->cuDeviceGetAttribute, "cuDeviceGetAttribute", missing);
  ok &= resolve(lib, api->cuDeviceTotalMem, "cuDeviceTotalMem_v2", missing);
  ok &= resolve(lib, api->cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", missing);
  ok &= resolve(lib, api->cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", missing);
  ok &= resolve(lib, api->cuDevicePrimaryCtxReset, "cuDevicePrimaryCtxReset_v2", missing);
  ok &= resolve(lib, api->cuCtxSetCurrent, "cuCtxSetCurrent", missing);
  ok &= resolve(lib, api->cuMemGetInfo, "cuMemGetInfo_v2", missing);
  ok &= resolve(lib, api->cuStreamCreate, "cuStreamCreate", missing);
  ok &= resolve(lib, api->cuStreamDestroy, "cuStreamDestroy_v2", missing);
  ok &= resolve(lib, api->cuStreamSynchronize, "cuStreamSynchronize", missing);
  ok &= resolve(lib, api->cuEventCreate, "cuEventCreate", missing);
  ok &= resolve(lib, api->cuEventRecord, "cuEventRecord", missing);
  ok &= resolve(lib, api->cuEventQuery, "cuEventQuery", missing);
  ok &= resolve(lib, api->cuEventDestroy, "cuEventDestroy_v2", missing);
  ok &= resolve(lib, api->cuModuleLoadDataEx, "cuModuleLoadDataEx", missing);
  ok &= resolve(lib, api->cuModuleUnload, "cuModuleUnload", missing);
  ok &= resolve(lib, api->cuModuleGetFunction, "cuModuleGetFunction", missing);
  ok &= resolve(lib, api->cuLaunchKernel, "cuLaunchKernel", missing);
  ok &= resolve(lib, api->cuMemAlloc, "cuMemAlloc_v2", missing);
  ok &= resolve(lib, api->cuMemAllocManaged, "cuMemAllocManaged", missing);
  ok &= resolve(lib, api->cuMemFree, "cuMemFree_v2", missing);
  ok &= resolve(lib, api->cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2", missing);
  ok &= resolve(lib, api->cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2", missing);
  if (!ok) {
    // Keep the library: unloading a half-initialized driver is not worth the risk.
    return gpuError(GpuErrc::NotAvailable, "the NVIDIA driver is too old: missing entry point " + missing);
  }
  // Memory pools (CUDA 11.2+) are optional: without them allocations use cuMemAlloc and the
  // in-process counter alone enforces the cap.
  std::string ignored;
  resolve(lib, api->cuMemPoolCreate, "cuMemPoolCreate", ignored);
  resolve(lib, api->cuMemPoolDestroy, "cuMemPoolDestroy", ignored);
  resolve(lib, api->cuMemPoolSetAttribute, "cuMemPoolSetAttribute", ignored);
  resolve(lib, api->cuMemAllocFromPoolAsync, "cuMemAllocFromPoolAsync", ignored);
  resolve(lib, api->cuMemFreeAsync, "cuMemFreeAsync", ignored);
  resolve(lib, api->cuFuncGetParamInfo, "cuFuncGetParamInfo", ignored);
  TW_TRY(initDriver(*api));
  return std::shared_ptr<const DriverApi>(std::move(api));
}

}  // namespace tw::gpu
