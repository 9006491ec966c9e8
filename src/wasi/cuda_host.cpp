// The functions of wasi:cuda/host@0.2.0 (guest-abi.md) and their exact Wasm signatures. Each
// call checks availability, then guest pointers (Memory::range), limits, dimensions and
// argument records, and only then calls the GPU layer; a failure becomes the negative code of
// the spec and the instance's last error message. No call traps the guest: every outcome is a
// result code.
// Thread-safety: as CudaGuestContext (one instance, one thread).
#include <cstring>
#include <optional>
#include <string>

#include "cuda_args.h"
#include "tensorwasm/wasi/cuda.h"

namespace tw {
namespace {

using namespace cuda;
using gpu::GpuErrc;

int32_t fail(CudaGuestContext& cx, int32_t code, std::string_view message) {
  cx.setLastError(message);
  return code;
}

int32_t fail(CudaGuestContext& cx, const Error& e) {
  cx.setLastError(e.message);
  return -static_cast<int32_t>(gpu::gpuErrc(e));
}

// The session, or the NotAvailable code (the session opens on first use).
gpu::GpuSession* sessionOr(CudaGuestContext& cx, int32_t& code) {
  Result<gpu::GpuSession*> s = cx.session();
  if (!s.ok()) {
    code = fail(cx, s.error());
    return nullptr;
  }
  return s.value();
}

uint32_t u32(const Value& v) { return v.v.i32; }
int64_t i64(const Value& v) { return static_cast<int64_t>(v.v.i64); }

// The entry name, or a -4 code when it is empty, too long or holds a NUL byte.
std::optional<std::string_view> entryNameOr(CudaGuestContext& cx, std::string_view name, int32_t& code) {
  if (name.empty() || name.size() > CudaLimits::kMaxEntryName) {
    code = fail(cx, kMalformedPtx, "entry name must be 1..256 bytes");
    return std::nullopt;
  }
  if (name.find('\0') != std::string_view::npos) {
    code = fail(cx, kMalformedPtx, "entry name contains a NUL byte");
    return std::nullopt;
  }
  return name;
}

// -6 past the per-load limit, -4 for empty PTX, else kOk.
int32_t checkPtxSize(CudaGuestContext& cx, size_t len) {
  if (len > CudaLimits::kMaxPtxPerLoad) {
    return fail(cx, kQuotaExceeded, "PTX of " + std::to_string(len) + " bytes is over the 8 MiB limit");
  }
  if (len == 0) return fail(cx, kMalformedPtx, "empty PTX");
  return kOk;
}

// Loads `ptx` into the session within the per-instance limits: the kernel id, or a code.
int64_t loadInto(CudaGuestContext& cx, gpu::GpuSession* s, std::string_view ptx, std::string_view entry) {
  if (s->kernelCount() >= CudaLimits::kMaxKernels) {
    return fail(cx, kQuotaExceeded, "this instance already holds 256 kernels");
  }
  if (s->ptxBytes() + ptx.size() > CudaLimits::kMaxPtxPerInstance) {
    return fail(cx, kQuotaExceeded, "this instance's PTX would exceed 64 MiB");
  }
  Result<gpu::KernelId> k = s->loadPtx(ptx, entry);
  if (!k.ok()) return fail(cx, k.error());
  return cx.encodeId(k.value());
}

int64_t loadPtx(CudaGuestContext& cx, HostCall& call, std::span<const Value> a) {
  if (!cx.available()) return fail(cx, kNotAvailable, cx.unavailableReason());
  uint32_t ptxPtr = u32(a[0]), ptxLen = u32(a[1]), entryPtr = u32(a[2]), entryLen = u32(a[3]);
  const uint8_t* ptx = call.memory ? call.memory->range(ptxPtr, ptxLen) : nullptr;
  const uint8_t* entry = call.memory ? call.memory->range(entryPtr, entryLen) : nullptr;
  if (!ptx || !entry) return fail(cx, kInvalidPointer, "PTX or entry name lies outside guest memory");
  if (int32_t c = checkPtxSize(cx, ptxLen); c != kOk) return c;
  int32_t code = 0;
  std::optional<std::string_view> entryName =
      entryNameOr(cx, std::string_view(reinterpret_cast<const char*>(entry), entryLen), code);
  if (!entryName) return code;
  gpu::GpuSession* s = sessionOr(cx, code);
  if (!s) return code;
  return loadInto(cx, s, std::string_view(reinterpret_cast<const char*>(ptx), ptxLen), *entryName);
}

// A guest string at (a[i], a[i + 1]), or nullopt when it lies outside guest memory.
std::optional<std::string_view> guestString(HostCall& call, std::span<const Value> a, int i) {
  const uint8_t* p = call.memory ? call.memory->range(u32(a[i]), u32(a[i + 1])) : nullptr;
  if (!p) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(p), u32(a[i + 1]));
}

int64_t loadRegistered(CudaGuestContext& cx, HostCall& call, std::span<const Value> a) {
  if (!cx.available()) return fail(cx, kNotAvailable, cx.unavailableReason());
  std::optional<std::string_view> name = guestString(call, a, 0), version = guestString(call, a, 2),
                                  entry = guestString(call, a, 4);
  if (!name || !version || !entry) return fail(cx, kInvalidPointer, "a name lies outside guest memory");
  int32_t code = 0;
  std::optional<std::string_view> entryName = entryNameOr(cx, *entry, code);
  if (!entryName) return code;
  const KernelSource* kernels = cx.kernelSource();
  if (!kernels) return fail(cx, kInvalidKernel, "no signed kernel registry is configured on this host");
  gpu::GpuSession* s = sessionOr(cx, code);
  if (!s) return code;
  Result<std::string> ptx = kernels->ptxFor(*name, *version, uint32_t(cx.computeCapability(s->device())));
  if (!ptx.ok()) return fail(cx, kInvalidKernel, ptx.error().message);
  if (int32_t c = checkPtxSize(cx, ptx->size()); c != kOk) return c;
  return loadInto(cx, s, ptx.value(), *entryName);
}

int64_t launch(CudaGuestContext& cx, HostCall& call, std::span<const Value> a) {
  if (!cx.available()) return fail(cx, kNotAvailable, cx.unavailableReason());
  gpu::GpuSession* s = cx.existingSession();
  uint32_t kernel = 0;
  if (!s || !cx.decodeId(i64(a[0]), kernel) || !s->hasKernel(kernel)) {
    return fail(cx, kInvalidKernel, "unknown kernel id (not loaded by this instance)");
  }
  gpu::LaunchDims dims;
  for (int i = 0; i < 3; ++i) {
    dims.grid[i] = u32(a[1 + i]);
    dims.block[i] = u32(a[4 + i]);
  }
  dims.sharedMem = u32(a[7]);
  std::string message;
  if (int32_t c = checkDims(dims.grid, dims.block, dims.sharedMem, message); c != kOk) {
    return fail(cx, c, message);
  }
  std::vector<gpu::KernelArg>& args = cx.argScratch();
  if (int32_t c = parseArgs(call.memory, u32(a[8]), u32(a[9]), cx, s, args, message); c != kOk) {
    return fail(cx, c, message);
  }
  if (cx.nearDeadline()) {
    return fail(cx, kQuotaExceeded, "launch refused: the invocation's deadline is less than 50 ms away");
  }
  Result<void> r = s->launch(kernel, dims, args);
  if (!r.ok()) return fail(cx, r.error());
  return kOk;
}

int64_t sync(CudaGuestContext& cx, HostCall&, std::span<const Value>) {
  if (!cx.available()) return fail(cx, kNotAvailable, cx.unavailableReason());
  gpu::GpuSession* s = cx.existingSession();
  if (!s) return kOk;  // nothing was ever enqueued
  Result<void> r = s->sync();
  if (!r.ok()) return fail(cx, r.error());
  return kOk;
}

int64_t memAlloc(CudaGuestContext& cx, HostCall&, std::span<const Value> a) {
  if (!cx.available()) return fail(cx, kNotAvailable, cx.unavailableReason());
  int64_t size = i64(a[0]);
  if (size < 0) return fail(cx, kInvalidArgs, "negative allocation size");
  int32_t code = 0;
  gpu::GpuSession* s = sessionOr(cx, code);
  if (!s) return code;
  Result<gpu::BufferId> b = s->alloc(static_cast<uint64_t>(size));
  if (!b.ok()) return fail(cx, b.error());
  return cx.encodeId(b.value());
}

// The session and local buffer id for a guest handle, or a -11 code.
gpu::GpuSession* bufferOr(CudaGuestContext& cx, int64_t handle, uint32_t& local, int32_t& code) {
  gpu::GpuSession* s = cx.existingSession();
  if (!s || !cx.decodeBuffer(handle, local)) {
    code = fail(cx, kInvalidBuffer, "unknown buffer handle");
    return nullptr;
  }
  return s;
}

int64_t memFree(CudaGuestContext& cx, HostCall&, std::span<const Value> a) {
  if (!cx.available()) return fail(cx, kNotAvailable, cx.unavailableReason());
  uint32_t local = 0;
  int32_t code = 0;
  gpu::GpuSession* s = bufferOr(cx, i64(a[0]), local, code);
  if (!s) return code;
  Result<void> r = s->free(local);
  if (!r.ok()) return fail(cx, r.error());
  return kOk;
}

int64_t memcpyHtod(CudaGuestContext& cx, HostCall& call, std::span<const Value> a) {
  if (!cx.available()) return fail(cx, kNotAvailable, cx.unavailableReason());
  int64_t offset = i64(a[1]);
  uint32_t src = u32(a[2]), len = u32(a[3]);
  const uint8_t* p = call.memory ? call.memory->range(src, len) : nullptr;
  if (!p) return fail(cx, kInvalidPointer, "source lies outside guest memory");
  uint32_t local = 0;
  int32_t code = 0;
  gpu::GpuSession* s = bufferOr(cx, i64(a[0]), local, code);
  if (!s) return code;
  if (offset < 0) return fail(cx, kInvalidBuffer, "negative buffer offset");
  Result<void> r = s->copyToDevice(local, static_cast<uint64_t>(offset), p, len);
  if (!r.ok()) return fail(cx, r.error());
  return kOk;
}

int64_t memcpyDtoh(CudaGuestContext& cx, HostCall& call, std::span<const Value> a) {
  if (!cx.available()) return fail(cx, kNotAvailable, cx.unavailableReason());
  uint32_t dst = u32(a[0]), len = u32(a[3]);
  int64_t offset = i64(a[2]);
  uint8_t* p = call.memory ? call.memory->range(dst, len) : nullptr;
  if (!p) return fail(cx, kInvalidPointer, "destination lies outside guest memory");
  uint32_t local = 0;
  int32_t code = 0;
  gpu::GpuSession* s = bufferOr(cx, i64(a[1]), local, code);
  if (!s) return code;
  if (offset < 0) return fail(cx, kInvalidBuffer, "negative buffer offset");
  Result<void> r = s->copyToHost(p, local, static_cast<uint64_t>(offset), len);
  if (!r.ok()) return fail(cx, r.error());
  return kOk;
}

int64_t deviceCount(CudaGuestContext& cx, HostCall&, std::span<const Value>) {
  return cx.deviceCount();
}

int64_t lastErrorLen(CudaGuestContext& cx, HostCall&, std::span<const Value>) {
  return static_cast<int64_t>(cx.lastError().size());
}

int64_t lastErrorCopy(CudaGuestContext& cx, HostCall& call, std::span<const Value> a) {
  uint32_t dst = u32(a[0]), len = u32(a[1]);
  uint8_t* p = call.memory ? call.memory->range(dst, len) : nullptr;
  if (!p) return kInvalidPointer;  // the stored message stays as it was
  std::string_view msg = truncateUtf8(cx.lastError(), len);
  std::memcpy(p, msg.data(), msg.size());
  return static_cast<int64_t>(msg.size());
}

using Impl = int64_t (*)(CudaGuestContext&, HostCall&, std::span<const Value>);

struct Def {
  const char* name;
  const char* params;  // 'i' i32, 'I' i64
  char result;         // 'i' or 'I'
  Impl impl;
};

constexpr Def kDefs[] = {
    {"wasi_cuda_load_ptx", "iiii", 'I', loadPtx},
    {"wasi_cuda_load_registered", "iiiiii", 'I', loadRegistered},
    {"wasi_cuda_launch", "Iiiiiiiiii", 'i', launch},
    {"wasi_cuda_sync", "", 'i', sync},
    {"wasi_cuda_mem_alloc", "I", 'I', memAlloc},
    {"wasi_cuda_mem_free", "I", 'i', memFree},
    {"wasi_cuda_memcpy_htod", "IIii", 'i', memcpyHtod},
    {"wasi_cuda_memcpy_dtoh", "iIIi", 'i', memcpyDtoh},
    {"wasi_cuda_device_count", "", 'i', deviceCount},
    {"wasi_cuda_last_error_len", "", 'i', lastErrorLen},
    {"wasi_cuda_last_error_copy", "ii", 'i', lastErrorCopy},
};

}  // namespace

std::vector<WasiFunction> cudaFunctions(std::shared_ptr<CudaGuestContext> context) {
  std::vector<WasiFunction> out;
  for (const Def& d : kDefs) {
    FuncType type;
    for (const char* p = d.params; *p; ++p) type.params.push_back(*p == 'I' ? ValType::I64 : ValType::I32);
    bool wide = d.result == 'I';
    type.results.push_back(wide ? ValType::I64 : ValType::I32);
    Impl impl = d.impl;
    HostFunction fn = [context, impl, wide](HostCall& call, std::span<const Value> args,
                                            std::span<Value> results) -> Result<void> {
      int64_t r = impl(*context, call, args);
      results[0] = wide ? Value::i64(static_cast<uint64_t>(r))
                        : Value::i32(static_cast<uint32_t>(static_cast<int32_t>(r)));
      return {};
    };
    out.push_back({d.name, std::move(type), std::move(fn)});
  }
  return out;
}

void linkCuda(Linker& linker, std::shared_ptr<CudaGuestContext> context) {
  defineFunctions(linker, kCudaModule, cudaFunctions(std::move(context)));
}

}  // namespace tw
