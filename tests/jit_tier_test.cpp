// The optimizing tier beyond the spec suite: arithmetic and every trap kind it raises
// itself, calls between generated code and host functions (both directions, with traps
// crossing them), calls across tiers and instances, memory grown by a host function,
// interruption of an infinite loop, deep recursion, and SIMD: every v128 instruction
// against the interpreter on edge-case lanes, v128 values crossing tiers, host calls and
// globals.
#ifdef TW_ENABLE_JIT

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "tensorwasm/binary/opcodes.h"
#include "tensorwasm/jit/jit.h"
#include "test_wat.h"

namespace tw {
namespace {

Engine& jitEngine() {
  static Engine engine(EngineConfig{}, makeJitTier());
  return engine;
}

std::shared_ptr<Instance> instantiateJit(const std::string& wat, const Linker& linker = Linker()) {
  return testing::instantiateOn(jitEngine(), testing::watToWasm(wat), linker);
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
  // Both modules are compiled (the first one uses SIMD).
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
  testing::expectInterruptStops(*inst, "spin");
}

// Wasm wants a quiet NaN from arithmetic on a signaling one, also where LLVM folds the
// operation away because an identity constant reaches it only after optimization.
TEST(JitTier, FoldedArithmeticStillQuietsSignalingNans) {
  const std::string wat = R"((module
    (func $one (result f32) (f32.const 1))
    (func (export "mulLocalOne") (param i32) (result i32) (local $k f32)
      (local.set $k (f32.const 1))
      (i32.reinterpret_f32 (f32.mul (f32.reinterpret_i32 (local.get 0)) (local.get $k))))
    (func (export "mulInlinedOne") (param i32) (result i32)
      (i32.reinterpret_f32 (f32.mul (f32.reinterpret_i32 (local.get 0)) (call $one))))
    (func (export "addLocalMinusZero") (param i64) (result i64) (local $z f64)
      (local.set $z (f64.const -0))
      (i64.reinterpret_f64 (f64.add (f64.reinterpret_i64 (local.get 0)) (local.get $z))))
    (func (export "demotePromote") (param i32) (result i32)
      (i32.reinterpret_f32 (f32.demote_f64 (f64.promote_f32 (f32.reinterpret_i32 (local.get 0))))))
    (func (export "mulTwo") (param i32) (result i32) (local $k f32)
      (local.set $k (f32.const 2))
      (i32.reinterpret_f32 (f32.mul (f32.reinterpret_i32 (local.get 0)) (local.get $k))))))";
  auto jit = instantiateJit(wat);
  auto interp = testing::instantiateWat(wat);
  ASSERT_TRUE(jit && interp);
  const uint32_t signaling32 = 0x7fa00000;
  const uint64_t signaling64 = 0x7ff4000000000000;
  for (const char* name : {"mulLocalOne", "mulInlinedOne", "demotePromote", "mulTwo"}) {
    std::vector<Value> args{Value::i32(signaling32)};
    uint32_t got = jit->call(name, args).value()[0].v.i32;
    EXPECT_EQ(got & 0x7fc00000u, 0x7fc00000u) << name << ": 0x" << std::hex << got;
    EXPECT_EQ(got, interp->call(name, args).value()[0].v.i32) << name;
  }
  std::vector<Value> args{Value::i64(signaling64)};
  uint64_t got = jit->call("addLocalMinusZero", args).value()[0].v.i64;
  EXPECT_EQ(got & 0x7ff8000000000000u, 0x7ff8000000000000u) << std::hex << got;
  EXPECT_EQ(got, interp->call("addLocalMinusZero", args).value()[0].v.i64);
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

// --- SIMD ----------------------------------------------------------------------------------

V128 lanes32(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  V128 v;
  uint32_t x[4] = {a, b, c, d};
  std::memcpy(v.bytes, x, 16);
  return v;
}
V128 lanes64(uint64_t a, uint64_t b) {
  V128 v;
  uint64_t x[2] = {a, b};
  std::memcpy(v.bytes, x, 16);
  return v;
}
V128 lanes16(std::initializer_list<uint16_t> x) {
  V128 v;
  std::memcpy(v.bytes, std::data(x), 16);
  return v;
}
V128 lanes8(std::initializer_list<uint8_t> x) {
  V128 v;
  std::memcpy(v.bytes, std::data(x), 16);
  return v;
}

// Lanes chosen for the edge cases of every shape: lane minima and maxima, NaNs (quiet and
// signaling), signed zeros, infinities, ties for nearest, out-of-range float->int values,
// swizzle indices past 15.
std::vector<V128> edgeVectors() {
  return {
      V128{},
      lanes64(~0ull, ~0ull),
      lanes8({0x00, 0x7F, 0x80, 0xFF, 0x01, 0x10, 0x0F, 0x20, 0x1F, 0x0E, 0x81, 0xFE, 0x05, 0x11, 0x40, 0xC0}),
      lanes16({0x8000, 0x7FFF, 0xFFFF, 0x0001, 0x4000, 0xC000, 0x1234, 0x8001}),
      lanes32(0x80000000u, 0x7FFFFFFFu, 0xFFFFFFFFu, 5),
      lanes32(0x7FC00000u, 0x7FA00000u, 0x80000000u, 0xBFC00000u),  // qNaN, sNaN, -0, -1.5
      lanes32(0x00000000u, 0x501502F9u, 0xC0200000u, 0x7F800000u),  // +0, 1e10, -2.5, inf
      lanes64(0x7FF4000000000000ull, 0xBFE0000000000000ull),         // sNaN, -0.5
      lanes64(0x4012000000000000ull, 0xFFF0000000000000ull),         // 4.5, -inf
      lanes8({15, 14, 16, 13, 31, 12, 255, 11, 128, 10, 9, 8, 7, 6, 5, 0}),
  };
}

std::vector<Value> scalarInputs(char type) {
  switch (type) {
    case 'i': {
      std::vector<Value> v;
      for (uint32_t n : {0u, 1u, 7u, 8u, 15u, 16u, 31u, 33u, 63u, 64u, 0x80u, 0xFFFFFFFFu}) v.push_back(Value::i32(n));
      return v;
    }
    case 'I': return {Value::i64(0), Value::i64(0x8000000000000001ull), Value::i64(~0ull)};
    case 'f': return {Value::f32Bits(0x7FA00000u), Value::f32Bits(0x80000000u), Value::f32(1.5f)};
    case 'F': return {Value::f64Bits(0x7FF4000000000000ull), Value::f64(-0.0), Value::f64(2.5)};
    default: {
      std::vector<Value> v;
      for (const V128& x : edgeVectors()) v.push_back(Value::v128(x));
      return v;
    }
  }
}

const char* watType(char type) {
  switch (type) {
    case 'i': return "i32";
    case 'I': return "i64";
    case 'f': return "f32";
    case 'F': return "f64";
    default: return "v128";
  }
}

// Float arithmetic may give any quiet NaN: such lanes match when both are NaN and the
// jit's is quiet. Everything else, NaN payloads of bit operations included, must be exact.
bool nanTolerant(std::string_view name) {
  if (!name.starts_with("f32x4.") && !name.starts_with("f64x2.")) return false;
  std::string_view op = name.substr(6);
  for (std::string_view a : {"add", "sub", "mul", "div", "min", "max", "sqrt", "ceil", "floor", "trunc",
                             "nearest", "demote_f64x2_zero", "promote_low_f32x4"}) {
    if (op == a) return true;
  }
  return false;
}

bool sameResult(std::string_view name, const Value& interp, const Value& jit) {
  if (interp.type == ValType::I32 || interp.type == ValType::F32) return interp.v.i32 == jit.v.i32;
  if (interp.type != ValType::V128) return interp.v.i64 == jit.v.i64;
  if (interp.v.v128 == jit.v.v128) return true;
  if (!nanTolerant(name)) return false;
  bool wide = name.starts_with("f64x2");
  for (int lane = 0; lane < (wide ? 2 : 4); ++lane) {
    const uint8_t* a = interp.v.v128.bytes + lane * (wide ? 8 : 4);
    const uint8_t* b = jit.v.v128.bytes + lane * (wide ? 8 : 4);
    if (std::memcmp(a, b, wide ? 8 : 4) == 0) continue;
    bool bothNan, quiet;
    if (wide) {
      double x, y;
      uint64_t bits;
      std::memcpy(&x, a, 8), std::memcpy(&y, b, 8), std::memcpy(&bits, b, 8);
      bothNan = std::isnan(x) && std::isnan(y);
      quiet = bits & (1ull << 51);
    } else {
      float x, y;
      uint32_t bits;
      std::memcpy(&x, a, 4), std::memcpy(&y, b, 4), std::memcpy(&bits, b, 4);
      bothNan = std::isnan(x) && std::isnan(y);
      quiet = bits & (1u << 22);
    }
    if (!bothNan || !quiet) return false;
  }
  return true;
}

std::string hex(const Value& v) {
  std::string out;
  char buf[4];
  size_t n = v.type == ValType::V128 ? 16 : (v.type == ValType::I32 || v.type == ValType::F32) ? 4 : 8;
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", reinterpret_cast<const uint8_t*>(&v.v)[i]);
    out += buf;
  }
  return out;
}

// Calls `name` on both instances with every combination of the inputs for its signature
// (the letters before ':') and expects the same results; returns the number of calls.
size_t compareTiers(Instance& interp, Instance& jit, const std::string& name, std::string_view params) {
  std::vector<std::vector<Value>> pools;
  for (char c : params) pools.push_back(scalarInputs(c));
  std::vector<size_t> at(pools.size(), 0);
  size_t calls = 0;
  while (true) {
    std::vector<Value> args;
    for (size_t k = 0; k < pools.size(); ++k) args.push_back(pools[k][at[k]]);
    auto expected = interp.call(name, args);
    auto actual = jit.call(name, args);
    EXPECT_EQ(expected.ok(), actual.ok()) << name;
    if (expected.ok() && actual.ok()) {
      for (size_t r = 0; r < expected.value().size(); ++r) {
        EXPECT_TRUE(sameResult(name, expected.value()[r], actual.value()[r]))
            << name << " call " << calls << ": interpreter " << hex(expected.value()[r]) << ", jit "
            << hex(actual.value()[r]);
      }
    }
    ++calls;
    size_t k = 0;
    while (k < at.size() && ++at[k] == pools[k].size()) at[k++] = 0;
    if (k == at.size()) return calls;
  }
}

std::pair<std::shared_ptr<Instance>, std::shared_ptr<Instance>> bothTiers(const std::string& wat) {
  return {testing::instantiateWat(wat), instantiateJit(wat)};
}

TEST(JitTierSimd, EveryPlainInstructionMatchesTheInterpreter) {
  // Each SIMD instruction without immediates becomes an export named after it.
  std::string wat = "(module\n";
  std::vector<std::pair<std::string, std::string>> ops;  // name, param letters
  for (size_t i = 0; i < static_cast<size_t>(Opcode::Count); ++i) {
    const OpcodeInfo& info = opcodeInfo(static_cast<Opcode>(i));
    if (info.prefix != 0xFD || info.imm != ImmKind::None) continue;
    std::string_view sig = info.sig;
    std::string params(sig.substr(0, sig.find(':'))), results(sig.substr(sig.find(':') + 1));
    wat += "(func (export \"" + std::string(info.name) + "\")";
    for (char c : params) wat += std::string(" (param ") + watType(c) + ")";
    for (char c : results) wat += std::string(" (result ") + watType(c) + ")";
    for (size_t k = 0; k < params.size(); ++k) wat += " local.get " + std::to_string(k);
    wat += " " + std::string(info.name) + ")\n";
    ops.emplace_back(info.name, params);
  }
  auto [interp, jit] = bothTiers(wat + ")");
  ASSERT_TRUE(interp && jit);
  EXPECT_GE(ops.size(), 198u);  // all of Wasm 2.0 but memory, const, shuffle and lane ops
  size_t calls = 0;
  for (const auto& [name, params] : ops) calls += compareTiers(*interp, *jit, name, params);
  EXPECT_GT(calls, 10000u);
}

TEST(JitTierSimd, LaneAndMemoryInstructionsMatchTheInterpreter) {
  auto [interp, jit] = bothTiers(R"((module
    (memory 1)
    (data (i32.const 0) "\00\01\02\03\80\81\82\83\fe\ff\7f\7e\10\20\30\40\f0\e0\d0\c0")
    (func (export "shuffle") (param v128 v128) (result v128)
      (i8x16.shuffle 0 17 2 19 31 30 5 5 16 0 15 14 13 12 8 24 (local.get 0) (local.get 1)))
    (func (export "extract_i8_s") (param v128) (result i32) (i8x16.extract_lane_s 2 (local.get 0)))
    (func (export "extract_i8_u") (param v128) (result i32) (i8x16.extract_lane_u 2 (local.get 0)))
    (func (export "extract_i16_s") (param v128) (result i32) (i16x8.extract_lane_s 7 (local.get 0)))
    (func (export "extract_i16_u") (param v128) (result i32) (i16x8.extract_lane_u 7 (local.get 0)))
    (func (export "extract_i32") (param v128) (result i32) (i32x4.extract_lane 1 (local.get 0)))
    (func (export "extract_i64") (param v128) (result i64) (i64x2.extract_lane 1 (local.get 0)))
    (func (export "extract_f32") (param v128) (result i32)
      (i32.reinterpret_f32 (f32x4.extract_lane 1 (local.get 0))))
    (func (export "extract_f64") (param v128) (result i64)
      (i64.reinterpret_f64 (f64x2.extract_lane 0 (local.get 0))))
    (func (export "replace_i8") (param v128 i32) (result v128) (i8x16.replace_lane 15 (local.get 0) (local.get 1)))
    (func (export "replace_i16") (param v128 i32) (result v128) (i16x8.replace_lane 3 (local.get 0) (local.get 1)))
    (func (export "replace_i32") (param v128 i32) (result v128) (i32x4.replace_lane 2 (local.get 0) (local.get 1)))
    (func (export "replace_i64") (param v128 i64) (result v128) (i64x2.replace_lane 1 (local.get 0) (local.get 1)))
    (func (export "replace_f32") (param v128 f32) (result v128) (f32x4.replace_lane 3 (local.get 0) (local.get 1)))
    (func (export "replace_f64") (param v128 f64) (result v128) (f64x2.replace_lane 0 (local.get 0) (local.get 1)))
    (func (export "load") (param i32) (result v128) (v128.load offset=1 (local.get 0)))
    (func (export "load8x8_s") (param i32) (result v128) (v128.load8x8_s (local.get 0)))
    (func (export "load8x8_u") (param i32) (result v128) (v128.load8x8_u (local.get 0)))
    (func (export "load16x4_s") (param i32) (result v128) (v128.load16x4_s (local.get 0)))
    (func (export "load16x4_u") (param i32) (result v128) (v128.load16x4_u (local.get 0)))
    (func (export "load32x2_s") (param i32) (result v128) (v128.load32x2_s (local.get 0)))
    (func (export "load32x2_u") (param i32) (result v128) (v128.load32x2_u (local.get 0)))
    (func (export "load8_splat") (param i32) (result v128) (v128.load8_splat (local.get 0)))
    (func (export "load16_splat") (param i32) (result v128) (v128.load16_splat (local.get 0)))
    (func (export "load32_splat") (param i32) (result v128) (v128.load32_splat (local.get 0)))
    (func (export "load64_splat") (param i32) (result v128) (v128.load64_splat (local.get 0)))
    (func (export "load32_zero") (param i32) (result v128) (v128.load32_zero (local.get 0)))
    (func (export "load64_zero") (param i32) (result v128) (v128.load64_zero (local.get 0)))
    (func (export "load8_lane") (param i32 v128) (result v128) (v128.load8_lane 5 (local.get 0) (local.get 1)))
    (func (export "load16_lane") (param i32 v128) (result v128) (v128.load16_lane 6 (local.get 0) (local.get 1)))
    (func (export "load32_lane") (param i32 v128) (result v128) (v128.load32_lane 3 (local.get 0) (local.get 1)))
    (func (export "load64_lane") (param i32 v128) (result v128) (v128.load64_lane 1 (local.get 0) (local.get 1)))
    (func (export "store") (param i32 v128) (result v128)
      (v128.store offset=3 (local.get 0) (local.get 1)) (v128.load offset=3 (local.get 0)))
    (func (export "store8_lane") (param i32 v128) (result v128)
      (v128.store8_lane 9 (local.get 0) (local.get 1)) (v128.load (local.get 0)))
    (func (export "store16_lane") (param i32 v128) (result v128)
      (v128.store16_lane 1 (local.get 0) (local.get 1)) (v128.load (local.get 0)))
    (func (export "store32_lane") (param i32 v128) (result v128)
      (v128.store32_lane 2 (local.get 0) (local.get 1)) (v128.load (local.get 0)))
    (func (export "store64_lane") (param i32 v128) (result v128)
      (v128.store64_lane 1 (local.get 0) (local.get 1)) (v128.load (local.get 0)))))");
  ASSERT_TRUE(interp && jit);
  const std::pair<const char*, const char*> fns[] = {
      {"shuffle", "vv"}, {"extract_i8_s", "v"}, {"extract_i8_u", "v"}, {"extract_i16_s", "v"},
      {"extract_i16_u", "v"}, {"extract_i32", "v"}, {"extract_i64", "v"}, {"extract_f32", "v"},
      {"extract_f64", "v"}, {"replace_i8", "vi"}, {"replace_i16", "vi"}, {"replace_i32", "vi"},
      {"replace_i64", "vI"}, {"replace_f32", "vf"}, {"replace_f64", "vF"}};
  for (auto [name, params] : fns) compareTiers(*interp, *jit, name, params);
  // Addresses inside the data, at the last fitting byte and past it (traps on both tiers).
  for (const char* name : {"load", "load8x8_s", "load8x8_u", "load16x4_s", "load16x4_u", "load32x2_s",
                           "load32x2_u", "load8_splat", "load16_splat", "load32_splat", "load64_splat",
                           "load32_zero", "load64_zero", "load8_lane", "load16_lane", "load32_lane",
                           "load64_lane", "store", "store8_lane", "store16_lane", "store32_lane",
                           "store64_lane"}) {
    std::string_view n(name);
    bool withVector = n.find("lane") != std::string_view::npos || n == "store";
    for (uint32_t addr : {0u, 3u, 65536u - 16u, 65536u - 8u, 65536u - 4u, 65536u - 1u, 65536u}) {
      std::vector<Value> args = {Value::i32(addr)};
      if (withVector) args.push_back(Value::v128(edgeVectors()[2]));
      auto expected = interp->call(name, args);
      auto actual = jit->call(name, args);
      ASSERT_EQ(expected.ok(), actual.ok()) << name << " at " << addr;
      if (!expected.ok()) {
        EXPECT_TRUE(isTrap(actual.error(), TrapKind::OutOfBoundsMemory)) << name << ": " << actual.error().describe();
        continue;
      }
      EXPECT_EQ(hex(expected.value()[0]), hex(actual.value()[0])) << name << " at " << addr;
    }
  }
}

TEST(JitTierSimd, CompiledByTheJitNotTheInterpreter) {
  ::setenv("TW_JIT_DUMP_IR", "1", 1);
  ::testing::internal::CaptureStderr();
  auto inst = instantiateJit(R"((module
    (func (export "f") (param v128) (result v128) (i32x4.add (local.get 0) (local.get 0)))))");
  std::string ir = ::testing::internal::GetCapturedStderr();
  ::unsetenv("TW_JIT_DUMP_IR");
  ASSERT_TRUE(inst);
  EXPECT_NE(ir.find("add <4 x i32>"), std::string::npos) << ir;
  auto r = callOne(*inst, "f", {Value::v128(lanes32(1, 2, 3, 0xFFFFFFFFu))});
  EXPECT_EQ(r.v.v128, lanes32(2, 4, 6, 0xFFFFFFFEu));
}

// v128 arguments and results between the jit, the interpreter and host functions, in
// both directions, directly, through call_indirect and with several results.
TEST(JitTierSimd, V128CrossesTiersAndHostCalls) {
  auto interp = testing::instantiateWat(R"((module
    (func (export "swap") (param v128 i32 v128) (result v128 i32 v128)
      (local.get 2) (i32.add (local.get 1) (i32.const 1)) (local.get 0))))");
  ASSERT_TRUE(interp);
  Linker linker;
  linker.defineInstance("interp", interp);
  linker.defineFunction("env", "neg", FuncType{{ValType::V128}, {ValType::V128}},
                        [](HostCall&, std::span<const Value> a, std::span<Value> r) {
                          V128 v = a[0].v.v128;
                          for (uint8_t& b : v.bytes) b = static_cast<uint8_t>(-b);
                          r[0] = Value::v128(v);
                          return Result<void>();
                        });
  auto jit = instantiateJit(R"((module
    (import "interp" "swap" (func $swap (param v128 i32 v128) (result v128 i32 v128)))
    (import "env" "neg" (func $neg (param v128) (result v128)))
    (type $t (func (param v128 i32 v128) (result v128 i32 v128)))
    (table funcref (elem $swap $own))
    (func $own (param v128 i32 v128) (result v128 i32 v128)
      (local.get 2) (i32.sub (local.get 1) (i32.const 1)) (local.get 0))
    (func (export "direct") (param v128 v128) (result v128 i32 v128)
      (call $swap (local.get 0) (i32.const 41) (local.get 1)))
    (func (export "indirect") (param v128 v128 i32) (result v128 i32 v128)
      (call_indirect (type $t) (local.get 0) (i32.const 41) (local.get 1) (local.get 2)))
    (func (export "host") (param v128) (result v128) (call $neg (local.get 0)))
    (func (export "sum") (param v128 v128) (result v128) (i8x16.add (local.get 0) (local.get 1)))))",
                            linker);
  ASSERT_TRUE(jit);
  V128 a = lanes32(1, 2, 3, 4), b = lanes64(0x1122334455667788ull, 0x99AABBCCDDEEFF00ull);
  for (const char* name : {"direct", "indirect"}) {
    std::vector<Value> args = {Value::v128(a), Value::v128(b)};
    if (name == std::string_view("indirect")) args.push_back(Value::i32(0));  // the interpreter's
    auto r = jit->call(name, args);
    ASSERT_TRUE(r.ok()) << name << ": " << r.error().describe();
    EXPECT_EQ(r.value()[0].v.v128, b) << name;
    EXPECT_EQ(r.value()[1].v.i32, 42u) << name;
    EXPECT_EQ(r.value()[2].v.v128, a) << name;
  }
  auto own = jit->call("indirect", std::vector<Value>{Value::v128(a), Value::v128(b), Value::i32(1)});
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own.value()[0].v.v128, b);
  EXPECT_EQ(own.value()[1].v.i32, 40u);
  EXPECT_EQ(own.value()[2].v.v128, a);
  EXPECT_EQ(callOne(*jit, "host", {Value::v128(lanes8({1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF}))}).v.v128,
            lanes8({0xFF, 0xFE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));

  // The interpreter calling the jit.
  Linker back;
  back.defineInstance("jit", jit);
  auto caller = testing::instantiateWat(R"((module
    (import "jit" "sum" (func $sum (param v128 v128) (result v128)))
    (func (export "twice") (param v128) (result v128) (call $sum (local.get 0) (local.get 0)))))",
                                        back);
  ASSERT_TRUE(caller);
  V128 in = lanes8({1, 0x80, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9});
  EXPECT_EQ(callOne(*caller, "twice", {Value::v128(in)}).v.v128,
            lanes8({2, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 18}));
}

TEST(JitTierSimd, V128Globals) {
  auto owner = testing::instantiateWat(R"((module
    (global (export "shared") (mut v128) (v128.const i64x2 7 8))))");
  ASSERT_TRUE(owner);
  Linker linker;
  linker.defineInstance("owner", owner);
  auto jit = instantiateJit(R"((module
    (import "owner" "shared" (global $shared (mut v128)))
    (global $own (export "own") (mut v128) (v128.const i32x4 1 2 3 4))
    (func (export "get_own") (result v128) (global.get $own))
    (func (export "bump") (param v128)
      (global.set $own (i32x4.add (global.get $own) (local.get 0)))
      (global.set $shared (i64x2.mul (global.get $shared) (global.get $shared))))))",
                            linker);
  ASSERT_TRUE(jit);
  EXPECT_EQ(callOne(*jit, "get_own", {}).v.v128, lanes32(1, 2, 3, 4));
  ASSERT_TRUE(jit->call("bump", std::vector<Value>{Value::v128(lanes32(10, 20, 30, 0xFFFFFFFFu))}).ok());
  EXPECT_EQ(callOne(*jit, "get_own", {}).v.v128, lanes32(11, 22, 33, 3));
  EXPECT_EQ(jit->getExport("own")->global->value.v128, lanes32(11, 22, 33, 3));
  EXPECT_EQ(owner->getExport("shared")->global->value.v128, lanes64(49, 64));
}

}  // namespace
}  // namespace tw

#endif  // TW_ENABLE_JIT
