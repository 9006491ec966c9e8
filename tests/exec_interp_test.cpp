// Interpreter and runtime behaviour beyond the spec suite: bounded recursion with a named
// backtrace, interruption of a running guest, in-place memory growth and its limits, host
// calls (results, traps, exit, re-entry into wasm) and calls across instances, and the
// register-allocation rewrites the compiler performs on local.get/local.set.
#include <atomic>
#include <thread>

#include "test_wat.h"

namespace tw {
namespace {

using testing::instantiateWat;

TEST(Interp, DeepRecursionTrapsWithNamedBacktrace) {
  auto inst = instantiateWat(R"((module
    (func $recurse (export "recurse") (param i32) (result i32)
      (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))))");
  ASSERT_TRUE(inst);
  auto r = inst->call("recurse", std::vector<Value>{Value::i32(0)});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(isTrap(r.error(), TrapKind::CallStackExhausted)) << r.error().describe();
  // The recursion collapses into one line naming the function and the depth reached.
  ASSERT_EQ(r.error().backtrace.size(), 1u);
  EXPECT_EQ(r.error().backtrace.front(), "recurse (repeated 20000 times)");
  // The thread's stacks are reusable after the trap.
  auto again = inst->call("recurse", std::vector<Value>{Value::i32(0)});
  EXPECT_TRUE(isTrap(again.error(), TrapKind::CallStackExhausted));
}

TEST(Interp, InterruptStopsAnInfiniteLoop) {
  auto inst = instantiateWat(R"((module (func (export "spin") (loop (br 0)))))");
  ASSERT_TRUE(inst);
  testing::expectInterruptStops(*inst, "spin");
}

TEST(Interp, MemoryGrowsInPlaceUpToTheLimit) {
  EngineConfig config;
  config.maxMemoryBytes = 4 * kWasmPageSize;
  Engine engine(config, makeInterpreterTier());
  auto compiled = engine.compile(testing::watToWasm(R"((module (memory (export "m") 1)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "poke") (param i32) (i32.store8 (local.get 0) (i32.const 7)))))"));
  ASSERT_TRUE(compiled.ok());
  auto inst = Linker().instantiate(engine, compiled.value());
  ASSERT_TRUE(inst.ok());
  uint8_t* base = inst.value()->memory->base();
  auto grow = [&](uint32_t n) {
    return inst.value()->call("grow", std::vector<Value>{Value::i32(n)}).value()[0].v.i32;
  };
  EXPECT_EQ(grow(2), 1u);
  EXPECT_EQ(inst.value()->memory->base(), base);
  EXPECT_EQ(grow(2), 0xFFFFFFFFu);  // 5 pages would pass the 4-page limit
  EXPECT_EQ(grow(1), 3u);
  EXPECT_TRUE(inst.value()->call("poke", std::vector<Value>{Value::i32(4 * 65536 - 1)}).ok());
  auto oob = inst.value()->call("poke", std::vector<Value>{Value::i32(4 * 65536)});
  EXPECT_TRUE(isTrap(oob.error(), TrapKind::OutOfBoundsMemory));
}

TEST(Interp, HostFunctionsResultsTrapsExitAndReentry) {
  Linker linker;
  std::shared_ptr<Instance> self;
  linker.defineFunction("env", "twice", FuncType{{ValType::I64}, {ValType::I64}},
                        [](HostCall&, std::span<const Value> a, std::span<Value> r) {
                          r[0] = Value::i64(a[0].v.i64 * 2);
                          return Result<void>();
                        });
  linker.defineFunction("env", "fail", FuncType{{}, {}},
                        [](HostCall&, std::span<const Value>, std::span<Value>) -> Result<void> {
                          return makeTrap(TrapKind::HostError);
                        });
  linker.defineFunction("env", "leave", FuncType{{ValType::I32}, {}},
                        [](HostCall&, std::span<const Value> a, std::span<Value>) -> Result<void> {
                          return makeExit(static_cast<int32_t>(a[0].v.i32));
                        });
  linker.defineFunction("env", "reenter", FuncType{{ValType::I32}, {ValType::I32}},
                        [&](HostCall& call, std::span<const Value> a, std::span<Value> r) -> Result<void> {
                          TW_ASSIGN(auto out, call.caller.call("square", a));
                          r[0] = out[0];
                          return {};
                        });
  self = instantiateWat(R"((module
    (import "env" "twice" (func $twice (param i64) (result i64)))
    (import "env" "fail" (func $fail))
    (import "env" "leave" (func $leave (param i32)))
    (import "env" "reenter" (func $reenter (param i32) (result i32)))
    (func (export "square") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
    (func (export "t") (result i64) (call $twice (i64.const 21)))
    (func (export "f") (call $fail))
    (func (export "x") (call $leave (i32.const 3)) (unreachable))
    (func (export "r") (param i32) (result i32)
      (i32.add (call $reenter (local.get 0)) (i32.const 1)))))", linker);
  ASSERT_TRUE(self);
  EXPECT_EQ(self->call("t", {}).value()[0].v.i64, 42u);
  EXPECT_TRUE(isTrap(self->call("f", {}).error(), TrapKind::HostError));
  auto x = self->call("x", {});
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.error().kind, ErrorKind::Exit);
  EXPECT_EQ(x.error().code, 3);
  EXPECT_EQ(self->call("r", std::vector<Value>{Value::i32(9)}).value()[0].v.i32, 82u);
}

TEST(Interp, CallsAcrossInstancesDirectAndThroughTables) {
  auto a = instantiateWat(R"((module (memory 1) (data (i32.const 0) "\2a")
    (func (export "load0") (result i32) (i32.load8_u (i32.const 0)))
    (table (export "tab") 2 funcref) (elem (i32.const 0) func 0)))");
  ASSERT_TRUE(a);
  Linker linker;
  linker.defineInstance("a", a);
  auto b = instantiateWat(R"((module
    (import "a" "load0" (func $load0 (result i32)))
    (import "a" "tab" (table 2 funcref))
    (memory 1)
    (type $t (func (result i32)))
    (func (export "direct") (result i32) (i32.store8 (i32.const 0) (i32.const 1)) (call $load0))
    (func (export "indirect") (result i32) (call_indirect (type $t) (i32.const 0)))))", linker);
  ASSERT_TRUE(b);
  // Each callee sees its own instance's memory.
  EXPECT_EQ(b->call("direct", {}).value()[0].v.i32, 42u);
  EXPECT_EQ(b->call("indirect", {}).value()[0].v.i32, 42u);
}

TEST(Interp, LocalRewritesKeepWasmSemantics) {
  auto inst = instantiateWat(R"((module
    (func (export "swap") (param i32 i32) (result i32 i32)
      (local.get 1) (local.get 0) (local.set 1) (local.set 0) (local.get 0) (local.get 1))
    (func (export "stale") (param i32) (result i32)
      (local.get 0) (local.set 0 (i32.const 5)) (local.get 0) (i32.sub))
    (func (export "tee") (param i32) (result i32)
      (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (local.get 0) (i32.mul))
    (func (export "blockval") (param i32) (result i32)
      (local.get 0)
      (block (param i32) (result i32) (local.set 0 (i32.const 100)) (local.get 0) (i32.add))
    )
    (func (export "loopsum") (param i32) (result i32) (local i32)
      (block $done (loop $l
        (br_if $done (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $l)))
      (local.get 1))))");
  ASSERT_TRUE(inst);
  auto swap = inst->call("swap", std::vector<Value>{Value::i32(1), Value::i32(2)}).value();
  EXPECT_EQ(swap[0].v.i32, 2u);
  EXPECT_EQ(swap[1].v.i32, 1u);
  EXPECT_EQ(inst->call("stale", std::vector<Value>{Value::i32(9)}).value()[0].v.i32, 4u);
  EXPECT_EQ(inst->call("tee", std::vector<Value>{Value::i32(3)}).value()[0].v.i32, 16u);
  EXPECT_EQ(inst->call("blockval", std::vector<Value>{Value::i32(7)}).value()[0].v.i32, 107u);
  EXPECT_EQ(inst->call("loopsum", std::vector<Value>{Value::i32(100)}).value()[0].v.i32, 5050u);
}

TEST(Interp, ArgumentTypesAreChecked) {
  auto inst = instantiateWat(R"((module (func (export "f") (param i32))))");
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->call("f", std::vector<Value>{Value::i64(1)}).error().kind, ErrorKind::Usage);
  EXPECT_EQ(inst->call("f", {}).error().kind, ErrorKind::Usage);
  EXPECT_EQ(inst->call("nope", {}).error().kind, ErrorKind::Usage);
}

}  // namespace
}  // namespace tw

namespace tw {
namespace {

// One compiled module, many threads: each instantiates and runs its own instance while the
// others run, and each gets its own results (compiled code and module are shared, immutable).
TEST(Interp, CompiledModuleIsSharedAcrossThreads) {
  auto compiled = testing::testEngine().compile(testing::watToWasm(R"((module (memory 1)
    (func (export "fill_sum") (param i32 i32) (result i32) (local i32)
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get 2) (local.get 1)))
        (i32.store (i32.shl (local.get 2) (i32.const 2)) (i32.add (local.get 0) (local.get 2)))
        (local.set 2 (i32.add (local.get 2) (i32.const 1)))
        (br $l)))
      (local.set 2 (i32.const 0))
      (local.set 0 (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get 2) (local.get 1)))
        (local.set 0 (i32.add (local.get 0) (i32.load (i32.shl (local.get 2) (i32.const 2)))))
        (local.set 2 (i32.add (local.get 2) (i32.const 1)))
        (br $l2)))
      (local.get 0))))"));
  ASSERT_TRUE(compiled.ok());
  std::vector<uint32_t> sums(8);
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < sums.size(); ++t) {
    threads.emplace_back([&, t] {
      auto inst = Linker().instantiate(testing::testEngine(), compiled.value());
      if (!inst.ok()) return;
      for (int rep = 0; rep < 50; ++rep) {
        auto r = inst.value()->call("fill_sum", std::vector<Value>{Value::i32(t * 1000), Value::i32(1000)});
        if (r.ok()) sums[t] = r.value()[0].v.i32;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (uint32_t t = 0; t < sums.size(); ++t) {
    EXPECT_EQ(sums[t], t * 1000u * 1000u + 999u * 1000u / 2u) << t;
  }
}

}  // namespace
}  // namespace tw
