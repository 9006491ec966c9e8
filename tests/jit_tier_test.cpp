// The optimizing tier beyond the spec suite: arithmetic and every trap kind it raises
// itself, calls between generated code and host functions (both directions, with traps
// crossing them), calls across tiers (a SIMD module stays on the interpreter), memory grown
// by a host function, interruption of an infinite loop, and deep recursion.
#ifdef TW_ENABLE_JIT

#include <atomic>
#include <cmath>
#include <thread>

#include "tensorwasm/jit/jit.h"
#include "test_wat.h"

namespace tw {
namespace {

Engine& jitEngine() {
  static Engine engine(EngineConfig{}, makeJitTier());
  return engine;
}

std::shared_ptr<Instance> instantiateJit(const std::string& wat, const Linker& linker = Linker()) {
  auto compiled = jitEngine().compile(testing::watToWasm(wat));
  EXPECT_TRUE(compiled.ok()) << (compiled.ok() ? "" : compiled.error().describe());
  if (!compiled.ok()) return nullptr;
  auto inst = linker.instantiate(jitEngine(), compiled.value());
  EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().describe());
  return inst.ok() ? inst.value() : nullptr;
}

Value callOne(Instance& inst, const char* name, std::vector<Value> args) {
  auto r = inst.call(name, args);
  EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().describe());
  return r.ok() && !r.value().empty() ? r.value()[0] : Value();
}

void expectTrap(Instance& inst, const char* name, std::vector<Value> args, TrapKind kind) {
  auto r = inst.call(name, args);
  ASSERT_FALSE(r.ok()) << name;
  EXPECT_TRUE(isTrap(r.error(), kind)) << name << ": " << r.error().describe();
}

TEST(JitTier, ArithmeticAndTrapKinds) {
  auto inst = instantiateJit(R"((module
    (memory 1)
    (table 2 funcref)
    (elem (i32.const 0) $id)
    (type $v_i (func (result i32)))
    (func $id (param i32) (result i32) (local.get 0))
    (func $fac (export "fac") (param i64) (result i64)
      (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))
        (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
    (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
    (func (export "rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
    (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
    (func (export "trunc_sat") (param f64) (result i32) (i32.trunc_sat_f64_u (local.get 0)))
    (func (export "min") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))
    (func (export "shl") (param i32 i32) (result i32) (i32.shl (local.get 0) (local.get 1)))
    (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
    (func (export "store_load") (param i32 i64) (result i64)
      (i64.store offset=8 (local.get 0) (local.get 1)) (i64.load offset=8 (local.get 0)))
    (func (export "unreachable") (unreachable))
    (func (export "call_id") (param i32 i32) (result i32)
      (call_indirect (param i32) (result i32) (local.get 1) (local.get 0)))
    (func (export "call_wrong_type") (result i32) (call_indirect (type $v_i) (i32.const 0)))
    (func $multi (export "multi") (param i32) (result i32 i32 i32)
      (local.get 0) (i32.add (local.get 0) (i32.const 1)) (i32.add (local.get 0) (i32.const 2)))
    (func (export "sum_multi") (param i32) (result i32)
      (call $multi (local.get 0)) (i32.add) (i32.add))
    (func (export "switch") (param i32) (result i32)
      (block (block (block (br_table 0 1 2 (local.get 0))) (return (i32.const 10)))
        (return (i32.const 11)))
      (i32.const 12))))");
  ASSERT_TRUE(inst);
  EXPECT_EQ(callOne(*inst, "fac", {Value::i64(20)}).v.i64, 2432902008176640000ull);
  EXPECT_EQ(callOne(*inst, "div_s", {Value::i32(-7), Value::i32(2)}).v.i32, static_cast<uint32_t>(-3));
  EXPECT_EQ(callOne(*inst, "rem_s", {Value::i32(0x80000000u), Value::i32(-1)}).v.i32, 0u);
  EXPECT_EQ(callOne(*inst, "trunc_sat", {Value::f64(-5.0)}).v.i32, 0u);
  EXPECT_EQ(callOne(*inst, "trunc_sat", {Value::f64(1e20)}).v.i32, 0xFFFFFFFFu);
  EXPECT_EQ(callOne(*inst, "min", {Value::f32(0.0f), Value::f32(-0.0f)}).v.i32, 0x80000000u);
  EXPECT_EQ(callOne(*inst, "shl", {Value::i32(1), Value::i32(33)}).v.i32, 2u);
  EXPECT_EQ(callOne(*inst, "store_load", {Value::i32(100), Value::i64(0x123456789ull)}).v.i64, 0x123456789ull);
  EXPECT_EQ(callOne(*inst, "load", {Value::i32(65532)}).v.i32, 0u);
  EXPECT_EQ(callOne(*inst, "call_id", {Value::i32(0), Value::i32(42)}).v.i32, 42u);
  EXPECT_EQ(callOne(*inst, "sum_multi", {Value::i32(10)}).v.i32, 33u);
  EXPECT_EQ(callOne(*inst, "switch", {Value::i32(0)}).v.i32, 10u);
  EXPECT_EQ(callOne(*inst, "switch", {Value::i32(1)}).v.i32, 11u);
  EXPECT_EQ(callOne(*inst, "switch", {Value::i32(7)}).v.i32, 12u);
  expectTrap(*inst, "div_s", {Value::i32(1), Value::i32(0)}, TrapKind::IntegerDivideByZero);
  expectTrap(*inst, "div_s", {Value::i32(0x80000000u), Value::i32(-1)}, TrapKind::IntegerOverflow);
  expectTrap(*inst, "trunc", {Value::f64(std::nan(""))}, TrapKind::InvalidConversion);
  expectTrap(*inst, "trunc", {Value::f64(3e9)}, TrapKind::IntegerOverflow);
  expectTrap(*inst, "load", {Value::i32(65533)}, TrapKind::OutOfBoundsMemory);
  expectTrap(*inst, "store_load", {Value::i32(0xFFFFFFF8u), Value::i64(1)}, TrapKind::OutOfBoundsMemory);
  expectTrap(*inst, "unreachable", {}, TrapKind::Unreachable);
  expectTrap(*inst, "call_id", {Value::i32(1), Value::i32(0)}, TrapKind::UninitializedElement);
  expectTrap(*inst, "call_id", {Value::i32(2), Value::i32(0)}, TrapKind::UndefinedElement);
  expectTrap(*inst, "call_wrong_type", {}, TrapKind::IndirectCallTypeMismatch);
}

TEST(JitTier, HostCallsInBothDirections) {
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
  // Re-enters wasm: calls the guest's "inc" export from inside a host call.
  linker.defineFunction("env", "reenter", FuncType{{ValType::I32}, {ValType::I32}},
                        [&self](HostCall& call, std::span<const Value> a, std::span<Value> r) -> Result<void> {
                          EXPECT_EQ(&call.caller, self.get());
                          TW_ASSIGN(auto out, self->call("inc", a));
                          r[0] = out[0];
                          return {};
                        });
  // Grows the caller's memory behind the guest's back.
  linker.defineFunction("env", "grow", FuncType{{}, {}},
                        [](HostCall& call, std::span<const Value>, std::span<Value>) {
                          call.memory->grow(1);
                          return Result<void>();
                        });
  self = instantiateJit(R"((module
    (import "env" "twice" (func $twice (param i64) (result i64)))
    (import "env" "fail" (func $fail))
    (import "env" "reenter" (func $reenter (param i32) (result i32)))
    (import "env" "grow" (func $grow))
    (memory 1)
    (func (export "quad") (param i64) (result i64) (call $twice (call $twice (local.get 0))))
    (func (export "fail_inside") (result i32) (call $fail) (i32.const 1))
    (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (func (export "via_host") (param i32) (result i32) (call $reenter (local.get 0)))
    (func (export "div_via_host") (param i32) (result i32) (call $reenter (i32.div_u (i32.const 1) (local.get 0))))
    (func (export "grow_then_store") (result i32)
      (call $grow) (i32.store (i32.const 70000) (i32.const 5)) (i32.load (i32.const 70000)))))",
                        linker);
  ASSERT_TRUE(self);
  EXPECT_EQ(callOne(*self, "quad", {Value::i64(5)}).v.i64, 20u);
  expectTrap(*self, "fail_inside", {}, TrapKind::HostError);
  EXPECT_EQ(callOne(*self, "via_host", {Value::i32(41)}).v.i32, 42u);
  expectTrap(*self, "div_via_host", {Value::i32(0)}, TrapKind::IntegerDivideByZero);
  EXPECT_EQ(callOne(*self, "grow_then_store", {}).v.i32, 5u);
  EXPECT_EQ(callOne(*self, "quad", {Value::i64(1)}).v.i64, 4u);  // usable after the traps
}

TEST(JitTier, CallsAcrossTiersAndInstances) {
  // The SIMD module stays on the interpreter; the other one is compiled.
  auto simd = instantiateJit(R"((module
    (func (export "lane_sum") (param i32) (result i32)
      (i32x4.extract_lane 3 (i32x4.add (i32x4.splat (local.get 0)) (v128.const i32x4 1 2 3 4))))))");
  ASSERT_TRUE(simd);
  Linker linker;
  linker.defineInstance("simd", simd);
  auto user = instantiateJit(R"((module
    (import "simd" "lane_sum" (func $lane_sum (param i32) (result i32)))
    (table funcref (elem $lane_sum))
    (func (export "direct") (param i32) (result i32) (call $lane_sum (local.get 0)))
    (func (export "indirect") (param i32) (result i32)
      (call_indirect (param i32) (result i32) (local.get 0) (i32.const 0)))))",
                             linker);
  ASSERT_TRUE(user);
  EXPECT_EQ(callOne(*user, "direct", {Value::i32(10)}).v.i32, 14u);
  EXPECT_EQ(callOne(*user, "indirect", {Value::i32(20)}).v.i32, 24u);
}

TEST(JitTier, InterruptStopsAnInfiniteLoop) {
  auto inst = instantiateJit(R"((module (func (export "spin") (loop (br 0)))))");
  ASSERT_TRUE(inst);
  std::atomic<bool> flag{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    flag.store(true);
  });
  CallOptions options;
  options.interrupt = &flag;
  auto r = inst->call("spin", {}, options);
  stopper.join();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(isTrap(r.error(), TrapKind::Interrupted));
}

TEST(JitTier, DeepRecursionExhaustsTheStack) {
  auto inst = instantiateJit(R"((module
    (func $recurse (export "recurse") (param i32) (result i32)
      (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
    (func $runaway (export "runaway") (call $runaway))
    (func $even (export "even") (param i64) (result i32)
      (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 1))
        (else (call $odd (i64.sub (local.get 0) (i64.const 1))))))
    (func $odd (param i64) (result i32)
      (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 0))
        (else (call $even (i64.sub (local.get 0) (i64.const 1))))))))");
  ASSERT_TRUE(inst);
  expectTrap(*inst, "recurse", {Value::i32(0)}, TrapKind::CallStackExhausted);
  expectTrap(*inst, "runaway", {}, TrapKind::CallStackExhausted);
  EXPECT_EQ(callOne(*inst, "even", {Value::i64(10000)}).v.i32, 1u);
  expectTrap(*inst, "recurse", {Value::i32(0)}, TrapKind::CallStackExhausted);  // reusable
}

}  // namespace
}  // namespace tw

#endif  // TW_ENABLE_JIT
