// gpu_launch_bench: the host cost of a kernel launch, three ways, on one real GPU in one run:
//   raw    cuLaunchKernel of an empty kernel (float*, int arguments) on a stream,
//   session GpuSession::launch with a device buffer and a scalar (asynchronous path),
//   guest  a Wasm guest calling wasi_cuda_launch with device-buffer records (asynchronous),
// each timed as batches of 256 back-to-back launches (the queue drained, untimed, between
// batches; the three paths interleaved round by round; for the session and the guest the time includes the GPU worker process handing
// every launch to the driver, see isolation.h), reporting the p50 per-launch cost and the ratio to raw; then launch+sync p50 for
// each. Prints "SKIPPED: no CUDA device (...)" and exits 0 without a GPU.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

#include "gpu_test_ptx.h"
#include "launch_guest_wasm.h"
#include "tensorwasm/exec/interpreter.h"
#include "tensorwasm/gpu/gpu.h"
#include "tensorwasm/gpu/isolation.h"
#include "tensorwasm/wasi/cuda.h"

using namespace tw;
using namespace tw::gpu;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kBatch = 256;
constexpr int kBatches = 200;

double p50(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Path {
  const char* name;
  std::function<void(int)> launch;  // issues n launches
  std::function<void()> drain;      // waits for them (untimed in the batch measure)
  std::vector<double> perLaunch, launchSync;
};

// Interleaved, so drift of the machine or the driver over the run hits every path alike:
// each round times one batch of every path, then ten launch+syncs of every path. The raw
// loop's context lives in this process and the others' in the GPU worker, and the GPU takes
// about 140 us to switch between processes' contexts, so each path first runs one untimed
// launch+sync to have its context on the GPU before it is timed.
void measure(std::vector<Path*> paths) {
  auto settle = [](Path* p) {
    p->launch(1);
    p->drain();
  };
  for (Path* p : paths) {  // warm-up
    p->launch(kBatch);
    p->drain();
  }
  for (int round = 0; round < kBatches; ++round) {
    for (Path* p : paths) {
      settle(p);
      auto t0 = Clock::now();
      p->launch(kBatch);
      auto t1 = Clock::now();
      p->drain();
      p->perLaunch.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / kBatch);
    }
    for (Path* p : paths) {
      settle(p);
      for (int i = 0; i < 10; ++i) {
        auto t0 = Clock::now();
        p->launch(1);
        p->drain();
        p->launchSync.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count());
      }
    }
  }
}

int fail(const char* what, const std::string& why) {
  std::fprintf(stderr, "gpu_launch_bench: %s: %s\n", what, why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (auto worker = runGpuWorkerIfRequested(argc, argv)) return *worker;
  auto rt = GpuRuntime::process();
  if (!rt->available()) {
    std::printf("SKIPPED: no CUDA device (%s)\n", rt->unavailableReason().c_str());
    return 0;
  }
  // Raw driver loop on the same primary context.
  auto api = loadCudaDriver();
  if (!api.ok()) return fail("driver", api.error().message);
  const DriverApi& d = *api.value();
  CUdevice dev = 0;
  CUcontext ctx = nullptr;
  d.cuDeviceGet(&dev, 0);
  d.cuDevicePrimaryCtxRetain(&ctx, dev);
  d.cuCtxSetCurrent(ctx);
  CUstream stream = nullptr;
  d.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING);
  CUmodule mod = nullptr;
  if (CUresult r = d.cuModuleLoadDataEx(&mod, tw::testing::kRealPtx, 0, nullptr, nullptr)) {
    return fail("module", d.describe(r));
  }
  CUfunction fn = nullptr;
  d.cuModuleGetFunction(&fn, mod, "empty_args");
  CUdeviceptr dbuf = 0;
  d.cuMemAlloc(&dbuf, 4096);
  int n = 1024;
  void* params[] = {&dbuf, &n};
  auto rawLaunch = [&](int count) {
    for (int i = 0; i < count; ++i) d.cuLaunchKernel(fn, 1, 1, 1, 1, 1, 1, 0, stream, params, nullptr);
  };
  auto rawDrain = [&] { d.cuStreamSynchronize(stream); };
  Path raw{"raw cuLaunchKernel", rawLaunch, rawDrain, {}, {}};

  // Through GpuSession.
  auto s = rt->openSession(SessionConfig{"bench", 1ull << 30, 0});
  if (!s.ok()) return fail("session", s.error().message);
  GpuSession& session = *s.value();
  auto k = session.loadPtx(tw::testing::kRealPtx, "empty_args");
  if (!k.ok()) return fail("load", k.error().message);
  BufferId b = session.alloc(4096).value();
  KernelArg args[2];
  args[0].kind = KernelArg::Kind::Buffer;
  args[0].buffer = b;
  args[1].kind = KernelArg::Kind::I32;
  args[1].bits = 1024;
  auto sessLaunch = [&](int count) {
    for (int i = 0; i < count; ++i) (void)session.launch(k.value(), LaunchDims{}, args);
    flushGpuWorkers();  // counted: the launches are done once the worker handed them over
  };
  auto sessDrain = [&] { (void)session.sync(); };
  Path sess{"GpuSession::launch", sessLaunch, sessDrain, {}, {}};

  std::printf("device: %s\n", rt->info().devices[0].name.c_str());
  auto report = [&](Path& p, bool ratio) {
    std::printf("%-23s p50 %8.0f ns/launch   launch+sync p50 %8.0f ns", p.name, p50(p.perLaunch),
                p50(p.launchSync));
    if (ratio) std::printf("   ratio %.2fx", p50(p.perLaunch) / p50(raw.perLaunch));
    std::printf("\n");
  };
  if (!kHaveLaunchGuest) {
    measure({&raw, &sess});
    report(raw, false);
    report(sess, true);
    std::printf("guest: not built (wat2wasm missing at build time)\n");
    return 0;
  }
  Engine engine(EngineConfig{}, makeInterpreterTier());
  auto compiled = engine.compile(std::span<const uint8_t>(kLaunchGuest, sizeof kLaunchGuest));
  if (!compiled.ok()) return fail("guest", compiled.error().describe());
  CudaGuestConfig cc;
  cc.device = 0;
  auto cx = CudaGuestContext::create(rt, cc);
  Linker linker;
  linkCuda(linker, cx);
  auto inst = linker.instantiate(engine, compiled.value());
  if (!inst.ok()) return fail("guest", inst.error().describe());
  Instance& g = *inst.value();
  uint8_t* mem = g.memory->base();
  size_t ptxLen = std::strlen(tw::testing::kRealPtx);
  std::memcpy(mem + 0, tw::testing::kRealPtx, ptxLen);
  std::memcpy(mem + 60000, "empty_args", 10);
  auto kid = g.call("load", std::vector<Value>{Value::i32(0), Value::i32(uint32_t(ptxLen)), Value::i32(60000), Value::i32(10)});
  auto bid = g.call("alloc", std::vector<Value>{Value::i64(4096)});
  if (!kid.ok() || !bid.ok() || int64_t(kid.value()[0].v.i64) < 0 || int64_t(bid.value()[0].v.i64) < 0) {
    return fail("guest setup", cx->lastError());
  }
  // Records: 0x08 buffer handle + offset 0, 0x01 i32 1024.
  uint8_t rec[22];
  rec[0] = 8;
  uint64_t h = bid.value()[0].v.i64, off = 0;
  std::memcpy(rec + 1, &h, 8);
  std::memcpy(rec + 9, &off, 8);
  rec[17] = 1;
  int32_t nn = 1024;
  std::memcpy(rec + 18, &nn, 4);
  std::memcpy(mem + 61000, rec, sizeof rec);
  std::vector<Value> largs{kid.value()[0], Value::i32(61000), Value::i32(sizeof rec), Value::i32(0)};
  std::vector<Value> none;
  auto guestLaunch = [&](int count) {
    largs[3] = Value::i32(uint32_t(count));
    auto r = g.call("launch_n", largs);
    if (!r.ok() || r.value()[0].v.i32 != 0) std::fprintf(stderr, "guest launch failed: %s\n", cx->lastError().c_str());
    flushGpuWorkers();
  };
  auto guestDrain = [&] { (void)g.call("sync", none); };
  Path guest{"guest wasi_cuda_launch", guestLaunch, guestDrain, {}, {}};
  measure({&raw, &sess, &guest});
  report(raw, false);
  report(sess, true);
  report(guest, true);
  std::printf("acceptance: guest/raw %.2fx (target <= 1.2x), guest launch+sync %.1f us (target <= 15 us)\n",
              p50(guest.perLaunch) / p50(raw.perLaunch), p50(guest.launchSync) / 1000.0);
  return 0;
}
