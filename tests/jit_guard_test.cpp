// Out-of-bounds memory accesses of the optimizing tier, which has no explicit bounds checks:
// the fault handler must turn them into the interpreter's trap (boundary, offsets near 4 GiB,
// after memory.grow, in a loop, after an image reset shrank the memory, on many threads at
// once, and in the inner of nested jit -> host -> jit entries), while any other fault,
// including one at a guarded address outside generated code, still kills the process.
#ifdef TW_ENABLE_JIT

#include <signal.h>
#include <sys/wait.h>

#include <thread>

#include "tensorwasm/jit/jit.h"
#include "tensorwasm/runtime/image.h"
#include "test_wat.h"

namespace tw {
namespace {

Engine& guardEngine() {
  static Engine engine(EngineConfig{}, makeJitTier());
  return engine;
}

std::shared_ptr<Instance> instantiateOn(Engine& engine, const std::string& wat, const Linker& linker = Linker()) {
  return testing::instantiateOn(engine, testing::watToWasm(wat), linker);
}

// Loads and stores of every width, with the offsets the cases below need.
const char* const kAccessors = R"((module
  (memory (export "mem") 1 4)
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "loadf64") (param i32) (result f64) (f64.load (local.get 0)))
  (func (export "load_dropped") (param i32) (drop (i32.load16_s (local.get 0))))
  (func (export "load_far") (param i32) (result i64) (i64.load offset=4294967295 (local.get 0)))
  (func (export "load_near_4g") (param i32) (result i32) (i32.load offset=4294967292 (local.get 0)))
  (func (export "store32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "store64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "store_far") (param i32) (i64.store offset=4294967295 (local.get 0) (i64.const -1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  ;; Stores i at 4*i for i = 0, 1, ... until a store traps.
  (func (export "fill_until_trap") (local $i i32)
    (loop $l
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))))";

Result<std::vector<Value>> invoke(Instance& inst, const char* name, std::vector<Value> args) {
  return inst.call(name, args);
}

struct Call {
  const char* name;
  std::vector<Value> args;
};

// The same calls on the interpreter and on the jit: equal results, equal errors.
void expectSameAsInterpreter(const std::vector<Call>& calls) {
  auto interp = instantiateOn(testing::testEngine(), kAccessors);
  auto jit = instantiateOn(guardEngine(), kAccessors);
  ASSERT_TRUE(interp && jit);
  for (const Call& c : calls) {
    auto expected = interp->call(c.name, c.args);
    auto actual = jit->call(c.name, c.args);
    ASSERT_EQ(expected.ok(), actual.ok()) << c.name;
    if (!expected.ok()) {
      EXPECT_EQ(expected.error().kind, actual.error().kind) << c.name;
      EXPECT_EQ(expected.error().code, actual.error().code) << c.name;
      EXPECT_EQ(expected.error().describe(), actual.error().describe()) << c.name;
      continue;
    }
    ASSERT_EQ(expected.value().size(), actual.value().size());
    for (size_t i = 0; i < expected.value().size(); ++i) {
      const Value& e = expected.value()[i];
      const Value& a = actual.value()[i];
      ASSERT_EQ(e.type, a.type) << c.name;
      bool narrow = e.type == ValType::I32 || e.type == ValType::F32;  // the upper half is unused
      EXPECT_EQ(narrow ? e.v.i32 : e.v.i64, narrow ? a.v.i32 : a.v.i64) << c.name;
    }
  }
}

void expectOutOfBounds(Instance& inst, const char* name, std::vector<Value> args) {
  auto r = invoke(inst, name, std::move(args));
  ASSERT_FALSE(r.ok()) << name;
  EXPECT_TRUE(isTrap(r.error(), TrapKind::OutOfBoundsMemory)) << name << ": " << r.error().describe();
  EXPECT_EQ(r.error().message, "out of bounds memory access");
}

TEST(JitGuard, BoundaryMatchesTheInterpreter) {
  expectSameAsInterpreter({
      {"load32", {Value::i32(65532)}},  {"load32", {Value::i32(65533)}},
      {"load32", {Value::i32(65536)}},  {"load8", {Value::i32(65535)}},
      {"load8", {Value::i32(65536)}},   {"load64", {Value::i32(65528)}},
      {"load64", {Value::i32(65529)}},  {"loadf64", {Value::i32(65535)}},
      {"load_dropped", {Value::i32(65535)}}, {"load_dropped", {Value::i32(65534)}},
      {"store32", {Value::i32(65533), Value::i32(7)}},
      {"load8", {Value::i32(65533)}},  // the refused store wrote nothing
      {"store64", {Value::i32(65528), Value::i64(9)}}, {"load64", {Value::i32(65528)}},
      {"load32", {Value::i32(-1)}},    {"store32", {Value::i32(-4), Value::i32(1)}},
  });
}

TEST(JitGuard, OffsetsNearFourGiB) {
  expectSameAsInterpreter({
      {"load_far", {Value::i32(0)}},  {"load_far", {Value::i32(-1)}},
      {"load_near_4g", {Value::i32(0)}}, {"load_near_4g", {Value::i32(-1)}},
      {"store_far", {Value::i32(-1)}}, {"store_far", {Value::i32(1)}},
  });
}

TEST(JitGuard, AfterMemoryGrow) {
  expectSameAsInterpreter({
      {"load32", {Value::i32(65536)}},  {"grow", {Value::i32(1)}},
      {"size", {}},                     {"store32", {Value::i32(131068), Value::i32(3)}},
      {"load32", {Value::i32(131068)}}, {"load32", {Value::i32(131069)}},
      {"load32", {Value::i32(131072)}}, {"grow", {Value::i32(2)}},
      {"load64", {Value::i32(262136)}}, {"load64", {Value::i32(262137)}},
      {"grow", {Value::i32(1)}},  // past the maximum of 4 pages: -1
      {"load32", {Value::i32(262144)}},
  });
}

TEST(JitGuard, TrapInALoopKeepsEarlierStores) {
  auto inst = instantiateOn(guardEngine(), kAccessors);
  ASSERT_TRUE(inst);
  expectOutOfBounds(*inst, "fill_until_trap", {});
  auto last = invoke(*inst, "load32", {Value::i32(65532)});
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last.value()[0].v.i32, 16383u);  // every in-bounds store happened
  expectOutOfBounds(*inst, "fill_until_trap", {});  // and the instance stays usable
}

TEST(JitGuard, ImageResetKeepsTheTailInaccessible) {
  auto inst = instantiateOn(guardEngine(), kAccessors);
  ASSERT_TRUE(inst);
  auto image = InstanceImage::capture(*inst);
  ASSERT_TRUE(image.ok());
  ASSERT_TRUE(invoke(*inst, "grow", {Value::i32(2)}).ok());
  ASSERT_TRUE(invoke(*inst, "store32", {Value::i32(70000), Value::i32(1)}).ok());
  for (int round = 0; round < 2; ++round) {  // a fresh mapping, then a reset of it
    ASSERT_TRUE(image.value()->restore(*inst).ok());
    EXPECT_EQ(inst->memory->sizeBytes(), kWasmPageSize);
    expectOutOfBounds(*inst, "load32", {Value::i32(70000)});
    expectOutOfBounds(*inst, "store32", {Value::i32(65536), Value::i32(1)});
    ASSERT_TRUE(invoke(*inst, "grow", {Value::i32(1)}).ok());
    EXPECT_TRUE(invoke(*inst, "load32", {Value::i32(70000)}).ok());
  }
}

TEST(JitGuard, ManyThreadsTrapAtOnce) {
  constexpr int kThreads = 8;
  std::vector<std::shared_ptr<Instance>> instances;
  for (int t = 0; t < kThreads; ++t) instances.push_back(instantiateOn(guardEngine(), kAccessors));
  std::atomic<int> traps{0}, loads{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Instance& inst = *instances[t];
      for (int i = 0; i < 200; ++i) {
        auto bad = invoke(inst, "load32", {Value::i32(65536 + i)});
        if (!bad.ok() && isTrap(bad.error(), TrapKind::OutOfBoundsMemory)) ++traps;
        if (invoke(inst, "load32", {Value::i32(4 * i)}).ok()) ++loads;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(traps.load(), kThreads * 200);
  EXPECT_EQ(loads.load(), kThreads * 200);
}

TEST(JitGuard, NestedEntriesTrapInTheInnerOne) {
  Linker linker;
  std::shared_ptr<Instance> self;
  std::string innerError;
  // Calls the guest's "peek" and reports how it ended: 1 for a trap (swallowed here).
  linker.defineFunction("env", "try_peek", FuncType{{ValType::I32}, {ValType::I32}},
                        [&](HostCall&, std::span<const Value> a, std::span<Value> r) -> Result<void> {
                          auto inner = self->call("peek", a);
                          if (!inner.ok()) innerError = inner.error().describe();
                          r[0] = Value::i32(inner.ok() ? 0 : 1);
                          return {};
                        });
  linker.defineFunction("env", "peek_or_fail", FuncType{{ValType::I32}, {ValType::I32}},
                        [&](HostCall&, std::span<const Value> a, std::span<Value> r) -> Result<void> {
                          TW_ASSIGN(auto out, self->call("peek", a));
                          r[0] = out[0];
                          return {};
                        });
  self = instantiateOn(guardEngine(), R"((module
    (import "env" "try_peek" (func $try_peek (param i32) (result i32)))
    (import "env" "peek_or_fail" (func $peek_or_fail (param i32) (result i32)))
    (memory 1)
    (func (export "peek") (param i32) (result i32) (i32.load (local.get 0)))
    (func (export "outer_survives") (param i32) (result i32)
      (i32.store (i32.const 0) (i32.const 40))
      (i32.add (call $try_peek (local.get 0)) (i32.load (i32.const 0))))
    (func (export "outer_traps") (param i32) (result i32)
      (call $peek_or_fail (local.get 0)))))",
                       linker);
  ASSERT_TRUE(self);
  auto survived = invoke(*self, "outer_survives", {Value::i32(1 << 20)});
  ASSERT_TRUE(survived.ok()) << survived.error().describe();
  EXPECT_EQ(survived.value()[0].v.i32, 41u);
  EXPECT_EQ(innerError, "out of bounds memory access");
  expectOutOfBounds(*self, "outer_traps", {Value::i32(-8)});
  EXPECT_EQ(invoke(*self, "outer_survives", {Value::i32(4)}).value()[0].v.i32, 40u);
}

TEST(JitGuard, ManyMemoriesAndModulesComeAndGo) {
  // More live memories than one registry chunk holds, and code ranges of dropped modules.
  auto compiled = guardEngine().compile(testing::watToWasm(kAccessors));
  ASSERT_TRUE(compiled.ok());
  std::vector<std::shared_ptr<Instance>> live;
  for (int i = 0; i < 150; ++i) {
    auto inst = Linker().instantiate(guardEngine(), compiled.value());
    ASSERT_TRUE(inst.ok());
    live.push_back(inst.value());
  }
  for (int round = 0; round < 3; ++round) {
    auto transient = instantiateOn(guardEngine(), R"((module (memory 1)
      (func (export "f") (param i32) (result i32) (i32.load (local.get 0)))))");
    ASSERT_TRUE(transient);
    expectOutOfBounds(*transient, "f", {Value::i32(65536)});
  }
  for (auto& inst : live) expectOutOfBounds(*inst, "load8", {Value::i32(65536)});
  live.resize(10);
  expectOutOfBounds(*live.back(), "store32", {Value::i32(-1), Value::i32(0)});
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TW_TEST_ASAN 1
#endif
#endif

// A fault that is not ours ends the process: by SIGSEGV, or through ASan's report.
bool crashedOnSegv(int status) {
#ifdef TW_TEST_ASAN
  return WIFEXITED(status) && WEXITSTATUS(status) != 0;
#else
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
#endif
}
#ifdef TW_TEST_ASAN
constexpr const char* kCrashText = "AddressSanitizer: SEGV";
#else
constexpr const char* kCrashText = "";
#endif

// Death tests fork; "threadsafe" re-runs the test binary, so the handler is installed anew.
class JitGuardDeathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    inst_ = instantiateOn(guardEngine(), kAccessors);
    ASSERT_TRUE(inst_);
    expectOutOfBounds(*inst_, "load32", {Value::i32(65536)});  // the handler is active
  }
  std::shared_ptr<Instance> inst_;
};

TEST_F(JitGuardDeathTest, NullWriteInCppStillCrashes) {
  volatile int* null = nullptr;
  EXPECT_EXIT(*null = 1, crashedOnSegv, kCrashText);
}

TEST_F(JitGuardDeathTest, GuardedAddressOutsideGeneratedCodeStillCrashes) {
  volatile uint8_t* tail = inst_->memory->base() + inst_->memory->sizeBytes() + 64;
  EXPECT_EXIT(*tail = 1, crashedOnSegv, kCrashText);
}

TEST_F(JitGuardDeathTest, HostFaultDuringAGuestCallStillCrashes) {
  Linker linker;
  linker.defineFunction("env", "poke", FuncType{{}, {}},
                        [](HostCall& call, std::span<const Value>, std::span<Value>) -> Result<void> {
                          volatile uint8_t* tail = call.memory->base() + call.memory->sizeBytes();
                          *tail = 1;  // a guarded address, but not from generated code
                          return {};
                        });
  auto inst = instantiateOn(guardEngine(), R"((module
    (import "env" "poke" (func $poke)) (memory 1) (func (export "run") (call $poke))))",
                            linker);
  ASSERT_TRUE(inst);
  EXPECT_EXIT((void)invoke(*inst, "run", {}), crashedOnSegv, kCrashText);
}

}  // namespace
}  // namespace tw

#endif  // TW_ENABLE_JIT
