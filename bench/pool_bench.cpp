// pool_bench: the instance pool's costs, measured with a module holding a 1 MiB data segment
// (built here, byte by byte, so the benchmark needs no tools or files):
//   acquire+release   taking a warm instance and giving it back untouched (reset included)
//   acquire only      the pop itself
//   dirty 1 MiB reset giving back an instance whose invocation wrote 1 MiB (the reset alone)
//   instantiate       a full instantiation of the module, for comparison
// Each as p50 over many rounds. Run: build/bench/pool_bench
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "tensorwasm/exec/interpreter.h"
#include "tensorwasm/runtime/image.h"
#include "tensorwasm/service/pool.h"
#include "wasm_bytes.h"

using namespace tw;
using namespace tw::service;
using namespace tw::bench;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint32_t kSegment = 1u << 20;

// (memory 32) (data (i32.const 65536) <1 MiB>) (func (export "dirty") memory.fill 0 0xCD 1MiB)
std::vector<uint8_t> module() {
  std::vector<uint8_t> m = {0, 'a', 's', 'm', 1, 0, 0, 0};
  section(m, 1, {1, 0x60, 0, 0});
  section(m, 3, {1, 0});
  section(m, 5, {1, 0, 32});
  section(m, 7, {1, 5, 'd', 'i', 'r', 't', 'y', 0, 0});
  std::vector<uint8_t> body = {0, 0x41, 0, 0x41, 0xCD, 0x01, 0x41};
  sleb(body, kSegment);
  body.insert(body.end(), {0xFC, 0x0B, 0x00, 0x0B});
  std::vector<uint8_t> code = {1};
  leb(code, static_cast<uint32_t>(body.size()));
  code.insert(code.end(), body.begin(), body.end());
  section(m, 10, code);
  std::vector<uint8_t> data = {1, 0, 0x41};
  sleb(data, 65536);
  data.push_back(0x0B);
  leb(data, kSegment);
  for (uint32_t i = 0; i < kSegment; ++i) data.push_back(static_cast<uint8_t>(i * 31 + 7));
  section(m, 11, data);
  return m;
}

double p50(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double ns(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::nano>(b - a).count();
}

}  // namespace

int main() {
  Engine engine(EngineConfig{}, makeInterpreterTier());
  auto compiled = engine.compile(module());
  if (!compiled.ok()) {
    std::fprintf(stderr, "pool_bench: %s\n", compiled.error().describe().c_str());
    return 1;
  }
  Linker linker;
  auto factory = [&](const InstanceImage* image) -> Result<FreshInstance> {
    std::shared_ptr<Instance> inst;
    if (image) {
      TW_ASSIGN(inst, linker.instantiateFromImage(engine, compiled.value(), *image));
    } else {
      TW_ASSIGN(inst, linker.instantiate(engine, compiled.value()));
    }
    return FreshInstance{std::move(inst), nullptr};
  };
  auto pool = InstancePool::create(factory, {4, 8}).value();
  std::vector<double> cycle, acquire, reset, instantiate, fromImage, fromImageNew;
  std::vector<Value> none;
  for (int i = 0; i < 2000; ++i) {
    auto t0 = Clock::now();
    { auto a = pool->acquire(); }
    auto t1 = Clock::now();
    auto b = pool->acquire();
    auto t2 = Clock::now();
    cycle.push_back(ns(t0, t1));
    acquire.push_back(ns(t1, t2));
    if (auto r = b.value()->call("dirty", none); !r.ok()) {
      std::fprintf(stderr, "pool_bench: %s\n", r.error().describe().c_str());
      return 1;
    }
    auto t3 = Clock::now();
    b = PooledInstance();  // gives the dirty one back: the reset
    reset.push_back(ns(t3, Clock::now()));
  }
  for (int i = 0; i < 200; ++i) {
    auto t0 = Clock::now();
    auto inst = factory(nullptr);
    instantiate.push_back(ns(t0, Clock::now()));
  }
  auto image = InstanceImage::capture(*factory(nullptr).value().instance).value();
  for (int i = 0; i < 2000; ++i) {
    auto t0 = Clock::now();
    auto inst = factory(image.get());
    fromImage.push_back(ns(t0, Clock::now()));
  }
  // With every instance kept, the free list of reservations runs dry: new ones are reserved.
  for (int round = 0; round < 5; ++round) {
    std::vector<Result<FreshInstance>> kept;
    for (int i = 0; i < 100; ++i) {
      auto t0 = Clock::now();
      kept.push_back(factory(image.get()));
      if (i >= 20) fromImageNew.push_back(ns(t0, Clock::now()));
    }
  }
  std::printf("module: 1 MiB data segment, 2 MiB memory\n");
  std::printf("pool acquire only          p50 %9.0f ns   (target < 1000 ns)\n", p50(acquire));
  std::printf("pool acquire+release clean p50 %9.0f ns\n", p50(cycle));
  std::printf("reset after dirtying 1 MiB p50 %9.0f ns   (target < 20000 ns)\n", p50(reset));
  std::printf("instantiate from image     p50 %9.0f ns   (target < 5000 ns; reservation reused)\n", p50(fromImage));
  std::printf("  ... with a new reservation p50 %9.0f ns   (target < 5000 ns)\n", p50(fromImageNew));
  std::printf("full instantiation         p50 %9.0f ns   (for comparison)\n", p50(instantiate));
  return 0;
}
