// pool_bench: the instance pool's costs, measured with a module holding a 1 MiB data segment
// in a 2 MiB memory (built here, byte by byte, so the benchmark needs no tools or files):
//   acquire only           the pop itself
//   acquire+release clean  taking a warm instance and giving it back untouched (reset included)
//   reset after dirtying   giving back an instance whose invocation wrote 1 MiB, reset inline:
//                          written pages copied back and kept (the default) or dropped
//   next 1 MiB write       the invocation after each kind of reset (dropped pages fault again)
//   background reset       the same give-back with resets on the pool's thread: the caller's
//                          part, and the thread's CPU time per reset
//   instantiate from image a pool miss: an instance mapping the image, no initializers run,
//                          with a reused and with a new memory reservation
//   full instantiation     for comparison
// Each as p50 over many rounds. Run: build/bench/pool_bench
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
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
constexpr int kRounds = 2000;

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
  return v.empty() ? 0 : v[v.size() / 2];
}

double ns(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::nano>(b - a).count();
}

double timed(const std::function<void()>& f) {
  auto t0 = Clock::now();
  f();
  return ns(t0, Clock::now());
}

struct Bench {
  Engine engine{EngineConfig{}, makeInterpreterTier()};
  std::shared_ptr<CompiledModule> compiled;
  Linker linker;

  Result<FreshInstance> make(const InstanceImage* image) {
    std::shared_ptr<Instance> inst;
    if (image) {
      TW_ASSIGN(inst, linker.instantiateFromImage(engine, compiled, *image));
    } else {
      TW_ASSIGN(inst, linker.instantiate(engine, compiled));
    }
    return FreshInstance{std::move(inst), nullptr};
  }
  std::shared_ptr<InstancePool> pool(InstancePool::Config config) {
    return InstancePool::create([this](const InstanceImage* image) { return make(image); }, config).value();
  }
};

void dirty(Instance& inst) {
  if (auto r = inst.call("dirty", {}); !r.ok()) {
    std::fprintf(stderr, "pool_bench: %s\n", r.error().describe().c_str());
    std::exit(1);
  }
}

void print(const char* what, double value, const char* note = "") {
  std::printf("%-44s p50 %9.0f ns %s\n", what, value, note);
}

// Acquire, clean cycles, and inline resets after a 1 MiB write with `keepResident`; also
// how long the next 1 MiB write takes after such a reset.
void inlineResets(Bench& b, uint64_t keepResident, bool report) {
  auto pool = b.pool({4, 8, keepResident, false});
  std::vector<double> cycle, acquire, reset, nextWrite;
  for (int i = 0; i < kRounds; ++i) {
    cycle.push_back(timed([&] { auto a = pool->acquire(); }));
    PooledInstance inst;
    acquire.push_back(timed([&] { inst = std::move(pool->acquire().value()); }));
    nextWrite.push_back(timed([&] { dirty(*inst); }));
    reset.push_back(timed([&] { inst = PooledInstance(); }));
  }
  if (report) {
    print("pool acquire only", p50(acquire), "(target < 1000 ns)");
    print("pool acquire+release clean", p50(cycle));
    print("reset after dirtying 1 MiB, kept resident", p50(reset), "(target < 20000 ns)");
    print("  the next invocation writing 1 MiB", p50(nextWrite));
  } else {
    print("reset after dirtying 1 MiB, pages dropped", p50(reset), "(keepResidentBytes 0)");
    print("  the next invocation writing 1 MiB", p50(nextWrite), "(page faults)");
  }
}

void backgroundResets(Bench& b) {
  auto pool = b.pool({4, 8, 2ull << 20, true});
  std::vector<double> release;
  for (int i = 0; i < kRounds; ++i) {
    PooledInstance inst = std::move(pool->acquire().value());
    dirty(*inst);
    release.push_back(timed([&] { inst = PooledInstance(); }));
    pool->flushResets();  // the next round starts with the thread idle
  }
  InstancePool::Stats stats = pool->stats();
  print("release after dirtying 1 MiB, reset in bg", p50(release), "(target < 20000 ns; caller's part)");
  std::printf("%-44s avg %9.0f ns (CPU on the pool's thread; %llu misses)\n", "  background reset per instance",
              static_cast<double>(stats.backgroundResetCpuNs) / static_cast<double>(stats.resets),
              static_cast<unsigned long long>(stats.misses));
}

void instantiation(Bench& b) {
  std::vector<double> reused, fresh, full;
  auto image = InstanceImage::capture(*b.make(nullptr).value().instance).value();
  for (int i = 0; i < kRounds; ++i) {
    std::optional<Result<FreshInstance>> inst;
    reused.push_back(timed([&] { inst.emplace(b.make(image.get())); }));  // destroyed untimed
  }
  // With every instance kept, the free list of reservations runs dry: new ones are reserved.
  for (int round = 0; round < 5; ++round) {
    std::vector<Result<FreshInstance>> kept;
    for (int i = 0; i < 100; ++i) {
      double t = timed([&] { kept.push_back(b.make(image.get())); });
      if (i >= 20) fresh.push_back(t);
    }
  }
  for (int i = 0; i < 200; ++i) {
    std::optional<Result<FreshInstance>> inst;
    full.push_back(timed([&] { inst.emplace(b.make(nullptr)); }));
  }
  print("instantiate from image, reservation reused", p50(reused), "(target < 5000 ns)");
  print("instantiate from image, new reservation", p50(fresh), "(target < 5000 ns)");
  print("full instantiation", p50(full), "(for comparison)");
}

}  // namespace

int main() {
  Bench b;
  auto compiled = b.engine.compile(module());
  if (!compiled.ok()) {
    std::fprintf(stderr, "pool_bench: %s\n", compiled.error().describe().c_str());
    return 1;
  }
  b.compiled = compiled.value();
  std::printf("module: 1 MiB data segment, 2 MiB memory; interpreter tier\n");
  inlineResets(b, 2ull << 20, true);
  inlineResets(b, 0, false);
  backgroundResets(b);
  instantiation(b);
  return 0;
}
