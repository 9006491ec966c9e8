// The CUDA driver API as the GPU layer uses it: the handful of types, enum values and entry
// point signatures, declared here so the build never depends on a CUDA toolkit, and a
// DriverApi table of function pointers. The real table comes from dlopen("libcuda.so.1")
// (loadCudaDriver); tests fill the same table with an in-process fake that simulates devices,
// memory pools, launches and faults. Nothing above this header calls the driver any other way.
// Thread-safety: a DriverApi is immutable once built and shared by every thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "tensorwasm/support/result.h"

namespace tw::gpu {

// Opaque driver handles. The struct tags match the driver's so values can be passed through.
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = uint64_t;
using CUcontext = struct CUctx_st*;
using CUmodule = struct CUmod_st*;
using CUfunction = struct CUfunc_st*;
using CUstream = struct CUstream_st*;
using CUevent = struct CUevent_st*;
using CUmemoryPool = struct CUmemPoolHandle_st*;

// Result codes the layer distinguishes (values from the driver API, stable across versions).
enum : CUresult {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_NOT_INITIALIZED = 3,
  CUDA_ERROR_DEINITIALIZED = 4,
  CUDA_ERROR_STUB_LIBRARY = 34,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_DEVICE = 101,
  CUDA_ERROR_INVALID_IMAGE = 200,
  CUDA_ERROR_INVALID_CONTEXT = 201,
  CUDA_ERROR_NO_BINARY_FOR_GPU = 209,
  CUDA_ERROR_INVALID_PTX = 218,
  CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222,
  CUDA_ERROR_INVALID_SOURCE = 300,
  CUDA_ERROR_INVALID_HANDLE = 400,
  CUDA_ERROR_NOT_FOUND = 500,
  CUDA_ERROR_NOT_READY = 600,
  CUDA_ERROR_ILLEGAL_ADDRESS = 700,
  CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
  CUDA_ERROR_LAUNCH_TIMEOUT = 702,
  CUDA_ERROR_CONTEXT_IS_DESTROYED = 709,
  CUDA_ERROR_ASSERT = 710,
  CUDA_ERROR_HARDWARE_STACK_ERROR = 714,
  CUDA_ERROR_ILLEGAL_INSTRUCTION = 715,
  CUDA_ERROR_MISALIGNED_ADDRESS = 716,
  CUDA_ERROR_INVALID_ADDRESS_SPACE = 717,
  CUDA_ERROR_INVALID_PC = 718,
  CUDA_ERROR_LAUNCH_FAILED = 719,
  CUDA_ERROR_NOT_SUPPORTED = 801,
};

// Errors after which the context is unusable until it is reset ("sticky" kernel faults).
inline bool isStickyFault(CUresult r) {
  switch (r) {
    case CUDA_ERROR_ILLEGAL_ADDRESS: case CUDA_ERROR_LAUNCH_TIMEOUT: case CUDA_ERROR_ASSERT:
    case CUDA_ERROR_HARDWARE_STACK_ERROR: case CUDA_ERROR_ILLEGAL_INSTRUCTION:
    case CUDA_ERROR_MISALIGNED_ADDRESS: case CUDA_ERROR_INVALID_ADDRESS_SPACE:
    case CUDA_ERROR_INVALID_PC: case CUDA_ERROR_LAUNCH_FAILED:
      return true;
    default:
      return false;
  }
}

enum : int {
  CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
  CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED = 115,
  CU_JIT_ERROR_LOG_BUFFER = 5,
  CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6,
  CU_MEMPOOL_ATTR_RELEASE_THRESHOLD = 4,
  CU_STREAM_NON_BLOCKING = 1,
  CU_EVENT_DISABLE_TIMING = 2,
  CU_MEM_ATTACH_GLOBAL = 1,
  CU_MEM_ALLOCATION_TYPE_PINNED = 1,
  CU_MEM_LOCATION_TYPE_DEVICE = 1,
};

// Layout of the driver's CUmemPoolProps (CUDA 11.2+; `usage` since 12.x, inside the old
// reserved bytes, so the size is unchanged).
struct CUmemPoolPropsTw {
  int allocType;
  int handleTypes;
  struct {
    int type;
    int id;
  } location;
  void* win32SecurityAttributes;
  size_t maxSize;
  unsigned short usage;
  unsigned char reserved[54];
};
static_assert(sizeof(CUmemPoolPropsTw) == 88);

// Every driver entry point the layer calls. Names are the API names; the loader resolves the
// versioned symbols (_v2) where the driver has them.
struct DriverApi {
  CUresult (*cuInit)(unsigned flags) = nullptr;
  CUresult (*cuDriverGetVersion)(int* version) = nullptr;
  CUresult (*cuGetErrorName)(CUresult r, const char** name) = nullptr;
  CUresult (*cuGetErrorString)(CUresult r, const char** text) = nullptr;
  CUresult (*cuDeviceGetCount)(int* count) = nullptr;
  CUresult (*cuDeviceGet)(CUdevice* dev, int ordinal) = nullptr;
  CUresult (*cuDeviceGetName)(char* name, int len, CUdevice dev) = nullptr;
  CUresult (*cuDeviceGetAttribute)(int* value, int attribute, CUdevice dev) = nullptr;
  CUresult (*cuDeviceTotalMem)(size_t* bytes, CUdevice dev) = nullptr;
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext* ctx, CUdevice dev) = nullptr;
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice dev) = nullptr;
  CUresult (*cuDevicePrimaryCtxReset)(CUdevice dev) = nullptr;
  CUresult (*cuCtxSetCurrent)(CUcontext ctx) = nullptr;
  CUresult (*cuMemGetInfo)(size_t* free, size_t* total) = nullptr;
  CUresult (*cuStreamCreate)(CUstream* stream, unsigned flags) = nullptr;
  CUresult (*cuStreamDestroy)(CUstream stream) = nullptr;
  CUresult (*cuStreamSynchronize)(CUstream stream) = nullptr;
  CUresult (*cuEventCreate)(CUevent* event, unsigned flags) = nullptr;
  CUresult (*cuEventRecord)(CUevent event, CUstream stream) = nullptr;
  CUresult (*cuEventQuery)(CUevent event) = nullptr;
  CUresult (*cuEventDestroy)(CUevent event) = nullptr;
  CUresult (*cuModuleLoadDataEx)(CUmodule* module, const void* image, unsigned numOptions,
                                 int* options, void** optionValues) = nullptr;
  CUresult (*cuModuleUnload)(CUmodule module) = nullptr;
  CUresult (*cuModuleGetFunction)(CUfunction* fn, CUmodule module, const char* name) = nullptr;
  CUresult (*cuLaunchKernel)(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                             unsigned by, unsigned bz, unsigned sharedMem, CUstream stream,
                             void** params, void** extra) = nullptr;
  CUresult (*cuMemAlloc)(CUdeviceptr* ptr, size_t bytes) = nullptr;
  CUresult (*cuMemAllocManaged)(CUdeviceptr* ptr, size_t bytes, unsigned flags) = nullptr;
  CUresult (*cuMemFree)(CUdeviceptr ptr) = nullptr;
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr dst, const void* src, size_t bytes,
                                CUstream stream) = nullptr;
  CUresult (*cuMemcpyDtoHAsync)(void* dst, CUdeviceptr src, size_t bytes,
                                CUstream stream) = nullptr;
  CUresult (*cuMemPoolCreate)(CUmemoryPool* pool, const CUmemPoolPropsTw* props) = nullptr;
  CUresult (*cuMemPoolDestroy)(CUmemoryPool pool) = nullptr;
  CUresult (*cuMemPoolSetAttribute)(CUmemoryPool pool, int attr, void* value) = nullptr;
  CUresult (*cuMemAllocFromPoolAsync)(CUdeviceptr* ptr, size_t bytes, CUmemoryPool pool,
                                      CUstream stream) = nullptr;
  CUresult (*cuMemFreeAsync)(CUdeviceptr ptr, CUstream stream) = nullptr;
  // CUDA 12.4+ (optional): a kernel's parameter layout, so launches can be checked against it.
  CUresult (*cuFuncGetParamInfo)(CUfunction fn, size_t index, size_t* offset,
                                 size_t* size) = nullptr;

  // Set by loadIsolatedDriver: the process id of the worker serving a device (0: none yet).
  int (*workerPid)(CUdevice dev) = nullptr;

  // Set by the loader; kept so the library stays loaded as long as the table lives.
  void* libraryHandle = nullptr;

  // "CUDA_ERROR_X (text)" for a result code.
  std::string describe(CUresult r) const;
};

// Loads the installed driver: dlopen("libcuda.so.1"), resolves every entry point, calls
// cuInit(0) and checks there is at least one device. On any failure returns an Error (kind
// Gpu) whose message is the plain reason there is no GPU: library missing, the toolkit's stub
// library, a symbol missing, cuInit failing, zero devices. `path` overrides the library name.
Result<std::shared_ptr<const DriverApi>> loadCudaDriver(const char* path = "libcuda.so.1");

// Checks an already filled table (fake or real): cuInit(0) then a device count above zero.
Result<void> initDriver(const DriverApi& api);

}  // namespace tw::gpu
