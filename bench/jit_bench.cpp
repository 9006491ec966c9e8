// jit_bench: the optimizing tier's own costs, each printed with what it is compared against:
//   compile   a generated module of about 1 MB of Wasm code (loops, memory, calls across
//             the module): cold compilation on all cores, in s per MB
//   load      the same module's code from a code cache into a new engine (decode and
//             validate reported apart), against the 5 ms target
//   host call a guest loop calling an empty host function, ns per call, jit vs interpreter
//   deadline  a guest in an infinite loop under the executor's 100 ms deadline: when it
//             stops (target 101-110 ms), over several runs
// Modules are built here byte by byte, so the benchmark needs no tools or files.
// Run: build/bench/jit_bench [--quick]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tensorwasm/binary/decoder.h"
#include "tensorwasm/exec/interpreter.h"
#include "tensorwasm/jit/jit.h"
#include "tensorwasm/runtime/typed_host.h"
#include "tensorwasm/service/executor.h"
#include "memory_code_cache.h"
#include "wasm_bytes.h"

using namespace tw;
using namespace tw::bench;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// One body of the big module: a counted loop of `blocks` memory/arithmetic steps, then a
// call to a function eight further on, through the table (a chain of direct calls would
// let the inliner fold the whole module into one function). (param i32) (result i32).
std::vector<uint8_t> bigBody(uint32_t index, uint32_t count, int blocks) {
  std::vector<uint8_t> b = {1, 1, 0x7F};  // one i32 local
  b.insert(b.end(), {0x02, 0x40, 0x03, 0x40});  // block loop
  b.insert(b.end(), {0x20, 0, 0x45, 0x0D, 1});  // br_if 1 (x == 0)
  for (int k = 0; k < blocks; ++k) {
    b.insert(b.end(), {0x20, 1, 0x20, 0, 0x41});  // acc, x, i32.const
    sleb(b, static_cast<int32_t>(index * 31 + k * 7 + 1));
    b.insert(b.end(), {0x6C, 0x6A});  // mul, add
    b.insert(b.end(), {0x20, 0, 0x41});  // x & 1023
    sleb(b, 1023);
    b.insert(b.end(), {0x71, 0x28, 2});  // and, i32.load align=4
    leb(b, static_cast<uint32_t>(k * 4));  // offset
    b.insert(b.end(), {0x73, 0x21, 1});  // xor, local.set acc
  }
  b.insert(b.end(), {0x20, 0, 0x41, 1, 0x6B, 0x21, 0, 0x0C, 0, 0x0B, 0x0B});  // x -= 1; br 0; end end
  b.insert(b.end(), {0x20, 1});
  if (index + 8 < count) {  // acc + table[i+8](acc & 1)
    b.insert(b.end(), {0x20, 1, 0x41, 1, 0x71, 0x41});
    sleb(b, index + 8);
    b.insert(b.end(), {0x11, 0, 0, 0x6A});
  }
  b.push_back(0x0B);
  std::vector<uint8_t> sized;
  leb(sized, b.size());
  sized.insert(sized.end(), b.begin(), b.end());
  return sized;
}

// About `bytes` of code in functions of ~350 bytes each, all in a table; exports "f0";
// one memory page.
std::vector<uint8_t> bigModule(size_t bytes) {
  const int blocks = 16;  // ~20 bytes per block: functions of ~350 bytes
  uint32_t count = static_cast<uint32_t>(std::max<size_t>(1, bytes / (blocks * 20)));
  std::vector<uint8_t> m = {0, 'a', 's', 'm', 1, 0, 0, 0};
  section(m, 1, {1, 0x60, 1, 0x7F, 1, 0x7F});
  std::vector<uint8_t> funcs;
  leb(funcs, count);
  for (uint32_t i = 0; i < count; ++i) funcs.push_back(0);
  section(m, 3, funcs);
  std::vector<uint8_t> table = {1, 0x70, 0};
  leb(table, count);
  section(m, 4, table);
  section(m, 5, {1, 0, 1});
  std::vector<uint8_t> exports = {1};
  name(exports, "f0");
  exports.insert(exports.end(), {0, 0});
  section(m, 7, exports);
  std::vector<uint8_t> elems = {1, 0, 0x41, 0, 0x0B};
  leb(elems, count);
  for (uint32_t i = 0; i < count; ++i) leb(elems, i);
  section(m, 9, elems);
  std::vector<uint8_t> code;
  leb(code, count);
  for (uint32_t i = 0; i < count; ++i) {
    std::vector<uint8_t> body = bigBody(i, count, blocks);
    code.insert(code.end(), body.begin(), body.end());
  }
  section(m, 10, code);
  return m;
}

// (import "env" "nop" (func)) (func (export "loop") (param i32): calls nop that many times)
// and (func (export "spin") (loop (br 0))).
std::vector<uint8_t> hostLoopModule() {
  std::vector<uint8_t> m = {0, 'a', 's', 'm', 1, 0, 0, 0};
  section(m, 1, {2, 0x60, 0, 0, 0x60, 1, 0x7F, 0});
  std::vector<uint8_t> imports = {1};
  name(imports, "env");
  name(imports, "nop");
  imports.insert(imports.end(), {0, 0});
  section(m, 2, imports);
  section(m, 3, {2, 1, 0});
  std::vector<uint8_t> exports = {2};
  name(exports, "loop");
  exports.insert(exports.end(), {0, 1});
  name(exports, "spin");
  exports.insert(exports.end(), {0, 2});
  section(m, 7, exports);
  std::vector<uint8_t> loop = {0, 0x02, 0x40, 0x03, 0x40, 0x20, 0, 0x45, 0x0D, 1, 0x10, 0,
                               0x20, 0, 0x41, 1, 0x6B, 0x21, 0, 0x0C, 0, 0x0B, 0x0B, 0x0B};
  std::vector<uint8_t> spin = {0, 0x03, 0x40, 0x0C, 0, 0x0B, 0x0B};
  std::vector<uint8_t> code = {2};
  leb(code, loop.size());
  code.insert(code.end(), loop.begin(), loop.end());
  leb(code, spin.size());
  code.insert(code.end(), spin.begin(), spin.end());
  section(m, 10, code);
  return m;
}

using testing::MemoryCodeCache;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void compileAndLoad(bool quick) {
  std::vector<uint8_t> wasm = bigModule(quick ? (256u << 10) : (1u << 20));
  double mb = static_cast<double>(wasm.size()) / 1e6;
  auto t0 = Clock::now();
  auto module = loadModule(wasm);
  double decodeMs = msSince(t0);
  if (!module.ok()) {
    FILE* f = std::fopen("/tmp/jit_bench_big.wasm", "wb");
    if (f) std::fwrite(wasm.data(), 1, wasm.size(), f), std::fclose(f);
    std::printf("big module invalid (written to /tmp/jit_bench_big.wasm): %s\n", module.error().describe().c_str());
    return;
  }
  auto cache = std::make_shared<MemoryCodeCache>();
  // LLVM and the JIT start up outside the timings.
  if (auto warmUp = makeJitTier({})->compile(module.value()); !warmUp.ok()) {
    std::printf("compile failed: %s\n", warmUp.error().describe().c_str());
    return;
  }
  t0 = Clock::now();
  auto cold = makeJitTier({cache})->compile(module.value());
  double compileMs = msSince(t0);
  std::vector<double> loads;
  for (int i = 0; i < 9 && cold.ok(); ++i) {
    auto tier = makeJitTier({cache});
    t0 = Clock::now();
    auto warm = tier->compile(module.value());
    loads.push_back(msSince(t0));
  }
  if (!cold.ok()) {
    std::printf("compile failed: %s\n", cold.error().describe().c_str());
    return;
  }
  std::printf("compile   %.2f MB of wasm (%zu functions): %.0f ms cold on all cores = %.2f s per MB\n", mb,
              module.value().bodies.size(), compileMs, compileMs / 1e3 / mb);
  size_t codeBytes = cache->entries.empty() ? 0 : cache->entries.begin()->second.size();
  std::printf("load      cached code of that module (%.2f MB of objects): median %.2f ms (target < 5 ms); "
              "decode+validate %.2f ms\n",
              static_cast<double>(codeBytes) / 1e6, median(loads), decodeMs);
}

// `typed`: the host function is defined with its C++ signature (typed_host.h), which
// generated code calls without boxing; otherwise as a boxed HostFunction.
Result<std::shared_ptr<Instance>> hostLoopInstance(const Engine& engine, bool typed) {
  Linker linker;
  if (typed) {
    defineTypedFunction(linker, "env", "nop", [](HostCall&) {});
  } else {
    linker.defineFunction("env", "nop", FuncType{}, [](HostCall&, std::span<const Value>, std::span<Value>) {
      return Result<void>();
    });
  }
  TW_ASSIGN(auto compiled, engine.compile(hostLoopModule()));
  return linker.instantiate(engine, compiled);
}

double nsPerHostCall(std::unique_ptr<ExecutionTier> tier, bool typed, uint32_t calls) {
  Engine engine(EngineConfig{}, std::move(tier));
  auto inst = hostLoopInstance(engine, typed);
  if (!inst.ok()) return -1;
  std::vector<double> runs;
  for (int r = 0; r < 5; ++r) {
    auto t0 = Clock::now();
    if (!inst.value()->call("loop", std::vector<Value>{Value::i32(calls)}).ok()) return -1;
    runs.push_back(msSince(t0) * 1e6 / calls);
  }
  return median(runs);
}

void hostCalls(bool quick) {
  uint32_t calls = quick ? 1'000'000 : 20'000'000;
  double typed = nsPerHostCall(makeJitTier(), true, calls);
  double boxed = nsPerHostCall(makeJitTier(), false, calls);
  double interp = nsPerHostCall(makeInterpreterTier(), false, calls / 4);
  std::printf("host call empty host function from a guest loop, per call (loop included): jit typed %.1f ns "
              "(target < 20), jit boxed %.1f ns, interpreter %.1f ns\n", typed, boxed, interp);
}

void deadlines(bool quick) {
  Engine engine(EngineConfig{}, makeJitTier());
  auto inst = hostLoopInstance(engine, true);
  auto quotas = service::TenantQuotas::create(service::TenantTable());
  service::Executor executor(service::ExecutorConfig{}, quotas);
  std::vector<double> stops;
  for (int r = 0; r < (quick ? 3 : 15) && inst.ok(); ++r) {
    auto t0 = Clock::now();
    auto outcome = executor.invoke(0, std::chrono::milliseconds(100), [&](const service::RunContext& run) {
      auto called = inst.value()->call("spin", {}, run.callOptions());
      if (!called.ok()) return Result<nlohmann::json>(called.takeError());
      return Result<nlohmann::json>(nlohmann::json());
    });
    stops.push_back(msSince(t0));
    if (outcome.ok()) std::printf("deadline: the endless loop returned?\n");
  }
  if (stops.empty()) return;
  std::printf("deadline  100 ms on an endless jit loop: stopped after median %.2f ms, max %.2f ms over %zu runs "
              "(target 101-110)\n", median(stops), *std::max_element(stops.begin(), stops.end()), stops.size());
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  compileAndLoad(quick);
  hostCalls(quick);
  deadlines(quick);
  return 0;
}
