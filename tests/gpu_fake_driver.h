// Test helper: an in-process fake of the CUDA driver API behind a gpu::DriverApi table, so the
// GPU layer and wasi:cuda run on a machine without a GPU. It simulates devices (name, memory
// size, memory-pool support), primary contexts that a reset rebuilds (old handles die), device
// memory as host byte arrays at fake addresses, pools with a driver-enforced maxSize, streams,
// events, PTX modules (entries found by ".entry NAME"; "syntax error" in the text is refused),
// and a few kernels executed on the host at launch: vadd, scale_f32, fill_u32, empty, fault
// (sticky CUDA_ERROR_ILLEGAL_ADDRESS, like a real illegal access) and hang (never completes
// until a reset). Out-of-range device accesses by a kernel also fault. `calls` counts driver
// calls so tests can prove that checks happen before any. One global instance (tests run
// sequentially); FakeCuda::setUp resets it.
#pragma once

#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "tensorwasm/gpu/driver_api.h"
#include "tensorwasm/gpu/gpu.h"

namespace tw::testing {

using namespace tw::gpu;

struct FakeCuda {
  struct Device {
    std::string name;
    uint64_t total = 0, used = 0;
    bool pools = true;
    CUresult sticky = CUDA_SUCCESS;
    int gen = 1;
    int resets = 0;
  };
  struct Alloc { int dev; int gen; std::vector<uint8_t> bytes; void* pool; };
  struct Pool { int dev; uint64_t maxSize, used = 0; };
  struct Ctx { int dev; };
  struct Stream { int dev; int gen; bool hung = false; };
  struct Event { int dev; int gen; bool pending = false; };
  struct Func;
  // As in the driver, a module owns its function handles: they go when it is unloaded.
  struct Module {
    int dev; int gen; std::set<std::string> entries; std::vector<std::unique_ptr<Func>> funcs;
    std::map<std::string, std::vector<size_t>> params;  // entries that declare .param sizes
  };
  struct Func { Module* mod; std::string name; };

  std::recursive_mutex mu;
  CUresult initResult = CUDA_SUCCESS;
  bool retainFailsAfterReset = false;  // the H100's behaviour after an illegal address
  std::vector<Device> devices;
  std::vector<std::unique_ptr<Ctx>> ctxs;
  std::map<uint64_t, Alloc> allocs;
  std::set<void*> live;  // live handles of every kind
  // Owns every handle object until the next setUp (the real driver frees them on destroy
  // or context reset; here they only leave `live`, so stale handles stay detectable).
  std::vector<std::shared_ptr<void>> arena;
  template <typename T>
  T* make(T value) {
    auto p = std::make_shared<T>(std::move(value));
    arena.push_back(p);
    return p.get();
  }
  uint64_t nextAddr = 0x10000;
  uint64_t calls = 0, launches = 0, moduleLoads = 0;

  static FakeCuda& get() { static FakeCuda f; return f; }
  static thread_local int current;  // device of the current context, -1 none

  // Fresh state: `n` devices of `bytes` each.
  static void setUp(int n, uint64_t bytes = 1ull << 30, bool pools = true) {
    FakeCuda& f = get();
    std::lock_guard<std::recursive_mutex> l(f.mu);
    f.initResult = CUDA_SUCCESS;
    f.retainFailsAfterReset = false;
    f.devices.assign(n, Device{});
    for (int i = 0; i < n; ++i) {
      f.devices[i].name = "Fake GPU " + std::to_string(i);
      f.devices[i].total = bytes;
      f.devices[i].pools = pools;
    }
    f.allocs.clear();
    f.live.clear();
    f.arena.clear();
    f.calls = f.launches = f.moduleLoads = 0;
    if (f.ctxs.size() < 16) {
      for (int i = static_cast<int>(f.ctxs.size()); i < 16; ++i) f.ctxs.push_back(std::make_unique<Ctx>(Ctx{i}));
    }
  }

  // Device bytes at [ptr, ptr+len) if live, else null.
  uint8_t* resolve(uint64_t ptr, uint64_t len) {
    auto it = allocs.upper_bound(ptr);
    if (it == allocs.begin()) return nullptr;
    --it;
    Alloc& a = it->second;
    if (a.gen != devices[a.dev].gen) return nullptr;
    uint64_t off = ptr - it->first;
    if (off > a.bytes.size() || len > a.bytes.size() - off) return nullptr;
    return a.bytes.data() + off;
  }
  uint64_t newAlloc(int dev, uint64_t size, void* pool) {
    uint64_t addr = nextAddr;
    nextAddr += (size + 0xFFF) / 0x1000 * 0x1000 + 0x1000;
    allocs[addr] = Alloc{dev, devices[dev].gen, std::vector<uint8_t>(size), pool};
    devices[dev].used += size;
    return addr;
  }
  CUresult guard() {  // every context-bound call: count it, fail with a sticky fault
    ++calls;
    if (current < 0) return CUDA_ERROR_INVALID_CONTEXT;
    return devices[current].sticky;
  }
  void runKernel(Func* fn, Stream* s, unsigned total, void** p) {
    Device& d = devices[s->dev];
    auto ptr = [&](int i) { uint64_t v; std::memcpy(&v, p[i], 8); return v; };
    auto i32 = [&](int i) { int32_t v; std::memcpy(&v, p[i], 4); return v; };
    const std::string& n = fn->name;
    if (n == "fault") { d.sticky = CUDA_ERROR_ILLEGAL_ADDRESS; return; }
    if (n == "hang") { s->hung = true; return; }
    if (n == "vadd") {
      int32_t count = i32(3);
      auto* a = reinterpret_cast<float*>(resolve(ptr(0), 4ull * count));
      auto* b = reinterpret_cast<float*>(resolve(ptr(1), 4ull * count));
      auto* c = reinterpret_cast<float*>(resolve(ptr(2), 4ull * count));
      if (!a || !b || !c) { d.sticky = CUDA_ERROR_ILLEGAL_ADDRESS; return; }
      for (int32_t i = 0; i < count && i < static_cast<int32_t>(total); ++i) c[i] = a[i] + b[i];
    } else if (n == "scale_f32") {
      float s2; std::memcpy(&s2, p[1], 4);
      int32_t count = i32(2);
      auto* a = reinterpret_cast<float*>(resolve(ptr(0), 4ull * count));
      if (!a) { d.sticky = CUDA_ERROR_ILLEGAL_ADDRESS; return; }
      for (int32_t i = 0; i < count; ++i) a[i] *= s2;
    } else if (n == "fill_u32") {
      uint32_t v; std::memcpy(&v, p[1], 4);
      int32_t count = i32(2);
      auto* a = reinterpret_cast<uint32_t*>(resolve(ptr(0), 4ull * count));
      if (!a) { d.sticky = CUDA_ERROR_ILLEGAL_ADDRESS; return; }
      for (int32_t i = 0; i < count; ++i) a[i] = v;
    }
  }

  static std::shared_ptr<const DriverApi> api();
  // A loader for GpuRuntime::create over the fake.
  static Result<std::shared_ptr<const DriverApi>> load() {
    auto a = api();
    TW_TRY(initDriver(*a));
    return a;
  }
};

inline thread_local int FakeCuda::current = -1;

#define TW_FAKE_LOCK FakeCuda& f = FakeCuda::get(); std::lock_guard<std::recursive_mutex> lk(f.mu)

inline std::shared_ptr<const DriverApi> FakeCuda::api() {
  auto a = std::make_shared<DriverApi>();
  a->cuInit = [](unsigned) -> CUresult { TW_FAKE_LOCK; return f.initResult; };
  a->cuDriverGetVersion = [](int* v) -> CUresult { *v = 13000; return CUDA_SUCCESS; };
  a->cuGetErrorName = [](CUresult r, const char** s) -> CUresult {
    *s = r == CUDA_ERROR_ILLEGAL_ADDRESS ? "CUDA_ERROR_ILLEGAL_ADDRESS"
         : r == CUDA_ERROR_OUT_OF_MEMORY ? "CUDA_ERROR_OUT_OF_MEMORY" : "CUDA_ERROR_FAKE";
    return CUDA_SUCCESS;
  };
  a->cuGetErrorString = [](CUresult, const char** s) -> CUresult { *s = "fake driver error"; return CUDA_SUCCESS; };
  a->cuDeviceGetCount = [](int* n) -> CUresult { TW_FAKE_LOCK; *n = static_cast<int>(f.devices.size()); return CUDA_SUCCESS; };
  a->cuDeviceGet = [](CUdevice* d, int i) -> CUresult { *d = i; return CUDA_SUCCESS; };
  a->cuDeviceGetName = [](char* name, int len, CUdevice d) -> CUresult {
    TW_FAKE_LOCK; std::snprintf(name, len, "%s", f.devices[d].name.c_str()); return CUDA_SUCCESS;
  };
  a->cuDeviceGetAttribute = [](int* v, int attr, CUdevice d) -> CUresult {
    TW_FAKE_LOCK;
    *v = attr == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR ? 9
         : attr == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR ? 0
         : attr == CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT ? 132
         : attr == CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED ? f.devices[d].pools : 0;
    return CUDA_SUCCESS;
  };
  a->cuDeviceTotalMem = [](size_t* b, CUdevice d) -> CUresult { TW_FAKE_LOCK; *b = f.devices[d].total; return CUDA_SUCCESS; };
  a->cuDevicePrimaryCtxRetain = [](CUcontext* c, CUdevice d) -> CUresult {
    TW_FAKE_LOCK; ++f.calls;
    if (f.retainFailsAfterReset && f.devices[d].resets > 0) return CUDA_ERROR_ILLEGAL_ADDRESS;
    *c = reinterpret_cast<CUcontext>(f.ctxs[d].get()); return CUDA_SUCCESS;
  };
  a->cuDevicePrimaryCtxRelease = [](CUdevice) -> CUresult { return CUDA_SUCCESS; };
  a->cuDevicePrimaryCtxReset = [](CUdevice d) -> CUresult {
    TW_FAKE_LOCK; ++f.calls;
    FakeCuda::Device& dev = f.devices[d];
    dev.sticky = CUDA_SUCCESS;
    dev.gen++;
    dev.resets++;
    dev.used = 0;
    for (auto it = f.allocs.begin(); it != f.allocs.end();) {
      it = it->second.dev == d ? f.allocs.erase(it) : std::next(it);
    }
    return CUDA_SUCCESS;
  };
  a->cuCtxSetCurrent = [](CUcontext c) -> CUresult {
    TW_FAKE_LOCK; ++f.calls; current = c ? reinterpret_cast<Ctx*>(c)->dev : -1; return CUDA_SUCCESS;
  };
  a->cuMemGetInfo = [](size_t* fr, size_t* t) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    *t = f.devices[current].total; *fr = *t - f.devices[current].used; return CUDA_SUCCESS;
  };
  a->cuStreamCreate = [](CUstream* s, unsigned) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    auto* st = f.make(Stream{current, f.devices[current].gen});
    f.live.insert(st); *s = reinterpret_cast<CUstream>(st); return CUDA_SUCCESS;
  };
  a->cuStreamDestroy = [](CUstream s) -> CUresult {
    TW_FAKE_LOCK; ++f.calls; if (!f.live.erase(s)) return CUDA_ERROR_INVALID_HANDLE;
    return CUDA_SUCCESS;
  };
  a->cuStreamSynchronize = [](CUstream) -> CUresult { TW_FAKE_LOCK; return f.guard(); };
  a->cuEventCreate = [](CUevent* e, unsigned) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    auto* ev = f.make(Event{current, f.devices[current].gen});
    f.live.insert(ev); *e = reinterpret_cast<CUevent>(ev); return CUDA_SUCCESS;
  };
  a->cuEventRecord = [](CUevent e, CUstream s) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    auto* ev = reinterpret_cast<Event*>(e); auto* st = reinterpret_cast<Stream*>(s);
    if (!f.live.count(e) || !f.live.count(s) || st->gen != f.devices[st->dev].gen) return CUDA_ERROR_INVALID_HANDLE;
    ev->pending = st->hung; return CUDA_SUCCESS;
  };
  a->cuEventQuery = [](CUevent e) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    auto* ev = reinterpret_cast<Event*>(e);
    if (!f.live.count(e) || ev->gen != f.devices[ev->dev].gen) return CUDA_ERROR_INVALID_HANDLE;
    return ev->pending ? CUDA_ERROR_NOT_READY : CUDA_SUCCESS;
  };
  a->cuEventDestroy = [](CUevent e) -> CUresult {
    TW_FAKE_LOCK; ++f.calls; if (!f.live.erase(e)) return CUDA_ERROR_INVALID_HANDLE;
    return CUDA_SUCCESS;
  };
  a->cuModuleLoadDataEx = [](CUmodule* m, const void* image, unsigned, int*, void**) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    f.moduleLoads++;
    std::string text(static_cast<const char*>(image));
    if (text.find("syntax error") != std::string::npos || text.find(".entry") == std::string::npos) {
      return CUDA_ERROR_INVALID_PTX;
    }
    auto* mod = f.make(Module{current, f.devices[current].gen, {}, {}, {}});
    for (size_t pos = 0; (pos = text.find(".entry", pos)) != std::string::npos;) {
      pos += 6;
      while (pos < text.size() && text[pos] == ' ') ++pos;
      size_t end = text.find_first_of(" (\n", pos);
      std::string name = text.substr(pos, end - pos);
      mod->entries.insert(name);
      // Parameter sizes from ".param .u64 x, .param .u32 y" (parameter info is reported only
      // for entries that declare some, so the older parameterless test kernels skip checks).
      size_t close = text.find(')', end);
      std::string decl = text.substr(end, close == std::string::npos ? 0 : close - end);
      for (size_t q = 0; (q = decl.find(".param", q)) != std::string::npos; q += 6) {
        size_t type = decl.find('.', q + 6);
        bool wide = type != std::string::npos && decl.compare(type + 2, 2, "64") == 0;
        mod->params[name].push_back(wide ? 8 : 4);
      }
    }
    f.live.insert(mod); *m = reinterpret_cast<CUmodule>(mod); return CUDA_SUCCESS;
  };
  a->cuModuleUnload = [](CUmodule m) -> CUresult {
    TW_FAKE_LOCK; ++f.calls; if (!f.live.erase(m)) return CUDA_ERROR_INVALID_HANDLE;
    auto* mod = reinterpret_cast<Module*>(m);
    for (auto& fu : mod->funcs) f.live.erase(fu.get());
    return CUDA_SUCCESS;
  };
  a->cuModuleGetFunction = [](CUfunction* fn, CUmodule m, const char* name) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    auto* mod = reinterpret_cast<Module*>(m);
    if (!mod->entries.count(name)) return CUDA_ERROR_NOT_FOUND;
    mod->funcs.push_back(std::make_unique<Func>(Func{mod, name}));
    Func* fu = mod->funcs.back().get();
    f.live.insert(fu); *fn = reinterpret_cast<CUfunction>(fu); return CUDA_SUCCESS;
  };
  a->cuFuncGetParamInfo = [](CUfunction fn, size_t i, size_t* offset, size_t* size) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    auto* fu = reinterpret_cast<Func*>(fn);
    auto it = fu->mod->params.find(fu->name);
    if (it == fu->mod->params.end()) return CUDA_ERROR_NOT_SUPPORTED;
    if (i >= it->second.size()) return CUDA_ERROR_INVALID_VALUE;
    *size = it->second[i];
    *offset = 0;
    for (size_t k = 0; k < i; ++k) *offset += it->second[k];
    return CUDA_SUCCESS;
  };
  a->cuLaunchKernel = [](CUfunction fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                         unsigned bz, unsigned, CUstream s, void** params, void**) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    auto* fu = reinterpret_cast<Func*>(fn); auto* st = reinterpret_cast<Stream*>(s);
    if (!f.live.count(fn) || !f.live.count(fu->mod) || fu->mod->gen != f.devices[fu->mod->dev].gen ||
        !f.live.count(s) || st->gen != f.devices[st->dev].gen) {
      return CUDA_ERROR_INVALID_HANDLE;
    }
    f.launches++;
    f.runKernel(fu, st, gx * gy * gz * bx * by * bz, params);
    return CUDA_SUCCESS;
  };
  a->cuMemAlloc = [](CUdeviceptr* p, size_t n) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    if (f.devices[current].used + n > f.devices[current].total) return CUDA_ERROR_OUT_OF_MEMORY;
    *p = f.newAlloc(current, n, nullptr); return CUDA_SUCCESS;
  };
  a->cuMemAllocManaged = [](CUdeviceptr* p, size_t n, unsigned) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    *p = f.newAlloc(current, n, nullptr); return CUDA_SUCCESS;
  };
  a->cuMemFree = [](CUdeviceptr p) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    auto it = f.allocs.find(p);
    if (it == f.allocs.end()) return CUDA_ERROR_INVALID_VALUE;
    f.devices[it->second.dev].used -= it->second.bytes.size();
    f.allocs.erase(it); return CUDA_SUCCESS;
  };
  a->cuMemcpyHtoDAsync = [](CUdeviceptr d, const void* s, size_t n, CUstream) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    uint8_t* p = f.resolve(d, n); if (!p) return CUDA_ERROR_INVALID_VALUE;
    std::memcpy(p, s, n); return CUDA_SUCCESS;
  };
  a->cuMemcpyDtoHAsync = [](void* d, CUdeviceptr s, size_t n, CUstream) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    uint8_t* p = f.resolve(s, n); if (!p) return CUDA_ERROR_INVALID_VALUE;
    std::memcpy(d, p, n); return CUDA_SUCCESS;
  };
  a->cuMemPoolCreate = [](CUmemoryPool* pool, const CUmemPoolPropsTw* props) -> CUresult {
    TW_FAKE_LOCK; ++f.calls;
    auto* p = f.make(Pool{props->location.id, props->maxSize ? props->maxSize : f.devices[props->location.id].total});
    f.live.insert(p); *pool = reinterpret_cast<CUmemoryPool>(p); return CUDA_SUCCESS;
  };
  a->cuMemPoolDestroy = [](CUmemoryPool pool) -> CUresult {
    TW_FAKE_LOCK; ++f.calls; if (!f.live.erase(pool)) return CUDA_ERROR_INVALID_HANDLE;
    return CUDA_SUCCESS;
  };
  a->cuMemPoolSetAttribute = [](CUmemoryPool, int, void*) -> CUresult { return CUDA_SUCCESS; };
  a->cuMemAllocFromPoolAsync = [](CUdeviceptr* p, size_t n, CUmemoryPool pool, CUstream) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    auto* pl = reinterpret_cast<Pool*>(pool);
    if (!f.live.count(pool)) return CUDA_ERROR_INVALID_HANDLE;
    if (pl->used + n > pl->maxSize || f.devices[pl->dev].used + n > f.devices[pl->dev].total) {
      return CUDA_ERROR_OUT_OF_MEMORY;
    }
    pl->used += n;
    *p = f.newAlloc(pl->dev, n, pl); return CUDA_SUCCESS;
  };
  a->cuMemFreeAsync = [](CUdeviceptr p, CUstream) -> CUresult {
    TW_FAKE_LOCK; if (CUresult r = f.guard()) return r;
    auto it = f.allocs.find(p);
    if (it == f.allocs.end()) return CUDA_ERROR_INVALID_VALUE;
    if (it->second.pool && f.live.count(it->second.pool)) {
      reinterpret_cast<Pool*>(it->second.pool)->used -= it->second.bytes.size();
    }
    f.devices[it->second.dev].used -= it->second.bytes.size();
    f.allocs.erase(it); return CUDA_SUCCESS;
  };
  return a;
}

#undef TW_FAKE_LOCK

}  // namespace tw::testing
