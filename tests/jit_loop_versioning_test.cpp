// Loops over memory run in a copy with plain accesses and no interrupt polls when a check before
// the loop proves every access in bounds (src/jit/codegen/loop_versioning.h). These tests run
// the same loops on both tiers, in bounds and at every kind of edge, and compare results, trap
// kinds and the whole memory afterwards: stores before an out-of-bounds access must be there,
// and none after it.
#ifdef TW_ENABLE_JIT

#include "tensorwasm/jit/jit.h"
#include "test_wat.h"

namespace tw {
namespace {

using testing::instantiateOn;
using testing::watToWasm;

const char* kLoops = R"((module
  (memory (export "mem") 1)
  ;; for i in [0, n): i32 at start + i*step = i + 1 (step may be negative, the address may wrap)
  (func (export "fill") (param $start i32) (param $n i32) (param $step i32) (local $i i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store offset=8 (i32.add (local.get $start) (i32.mul (local.get $i) (local.get $step)))
                 (i32.add (local.get $i) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
  ;; sum of n f64 at start + 8i, scaled in place by k (a loop the vectorizer likes)
  (func (export "scale") (param $start i32) (param $n i32) (param $k f64) (result f64)
    (local $i i32) (local $p i32) (local $s f64)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $p (i32.add (local.get $start) (i32.shl (local.get $i) (i32.const 3))))
      (f64.store (local.get $p) (f64.mul (f64.load (local.get $p)) (local.get $k)))
      (local.set $s (f64.add (local.get $s) (f64.load (local.get $p))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $s))
  ;; i64 copies from src + 8i to dst + 8i, forwards: overlapping ranges smear
  (func (export "copy") (param $dst i32) (param $src i32) (param $n i32) (local $i i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (i64.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 3)))
                 (i64.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
  ;; the same address n times
  (func $repeat (export "repeat") (param $at i32) (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $s (i32.add (local.get $s) (i32.load (local.get $at))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $s))
  ;; 2^32 - 1 iterations in bounds, a hash no optimizer folds: the copy without polls, for seconds
  (func (export "long") (local $i i32) (local $h i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (i32.const -1)))
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load (i32.const 16))) (i32.const 16777619)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.store (i32.const 0) (local.get $h)))
  ;; an endless loop around a short loop over memory
  (func (export "spin") (loop $forever
      (call $inner)
      (br $forever)))
  (func $inner (local $i i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (i32.const 256)))
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
  (func (export "hash") (result i64) (local $i i32) (local $h i64)
    (local.set $h (i64.const 1469598103934665603))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (i32.const 65536)))
      (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load (local.get $i))) (i64.const 1099511628211)))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br $next)))
    (local.get $h))))";

struct Outcome {
  std::string result;  // the values, or the trap's message
  uint64_t memoryHash = 0;
};

Outcome runOn(Instance& inst, const char* name, const std::vector<Value>& args) {
  Outcome o;
  auto r = inst.call(name, args);
  if (!r.ok()) {
    o.result = "trap: " + r.error().message;
  } else {
    for (const Value& v : r.value()) o.result += std::to_string(v.v.i64) + " ";
  }
  o.memoryHash = inst.call("hash", std::vector<Value>{}).value()[0].v.i64;
  return o;
}

// Runs the calls in order on fresh instances of both tiers; every outcome must match.
void expectSameOnBothTiers(const std::vector<std::pair<const char*, std::vector<Value>>>& calls) {
  static Engine jit(EngineConfig{}, makeJitTier());
  std::vector<uint8_t> wasm = watToWasm(kLoops);
  auto reference = instantiateOn(testing::testEngine(), wasm);
  auto compiled = instantiateOn(jit, wasm);
  ASSERT_TRUE(reference && compiled);
  ASSERT_STREQ(activeTier(*compiled), "jit");
  for (const auto& [name, args] : calls) {
    Outcome want = runOn(*reference, name, args), got = runOn(*compiled, name, args);
    EXPECT_EQ(got.result, want.result) << name;
    EXPECT_EQ(got.memoryHash, want.memoryHash) << name;
  }
}

Value i32(int64_t v) { return Value::i32(static_cast<uint32_t>(v)); }

TEST(JitLoopVersioning, InBoundsLoopsMatchTheInterpreter) {
  expectSameOnBothTiers({{"fill", {i32(0), i32(1000), i32(4)}},
                         {"fill", {i32(4000), i32(777), i32(12)}},
                         {"scale", {i32(0), i32(1000), Value::f64(1.5)}},
                         {"scale", {i32(3), i32(999), Value::f64(-0.25)}},  // unaligned
                         {"copy", {i32(8), i32(0), i32(500)}},              // overlapping, smears
                         {"copy", {i32(0), i32(8), i32(500)}},
                         {"fill", {i32(4000), i32(0), i32(4)}},             // no iterations
                         {"repeat", {i32(100), i32(1000)}}});
}

TEST(JitLoopVersioning, LoopRunningOffTheEndTrapsAfterExactlyTheInBoundsStores) {
  expectSameOnBothTiers({{"fill", {i32(0), i32(100), i32(4)}},
                         {"fill", {i32(65536 - 400 - 8), i32(200), i32(4)}},  // faults at i = 100
                         {"scale", {i32(65536 - 800), i32(101), Value::f64(2.0)}},
                         {"copy", {i32(65536 - 80), i32(0), i32(11)}},
                         {"copy", {i32(0), i32(65536 - 80), i32(11)}}});
}

TEST(JitLoopVersioning, DescendingAndWrappingAddresses) {
  expectSameOnBothTiers({{"fill", {i32(400), i32(101), i32(-4)}},   // 400 down to 0
                         {"fill", {i32(400), i32(102), i32(-4)}},   // then wraps to 0xfffffffc: trap
                         {"fill", {i32(-16), i32(2), i32(4)}},      // wraps at once (offset 8)
                         {"fill", {i32(-8), i32(3), i32(8)}},       // -8 + 8 is in bounds, -8 is not
                         {"copy", {i32(64), i32(-8), i32(2)}}});
}

// The copy without polls stops by signal (guard.h, InterruptWatch); loops around it by poll.
TEST(JitLoopVersioning, DeadlinesStopLoopsWithAndWithoutPolls) {
  expectSameOnBothTiers({{"repeat", {i32(16), i32(3000000)}}});
  static Engine jit(EngineConfig{}, makeJitTier());
  auto inst = instantiateOn(jit, watToWasm(kLoops));
  ASSERT_TRUE(inst);
  testing::expectInterruptStops(*inst, "long");
  testing::expectInterruptStops(*inst, "spin");
  std::vector<Value> args{i32(16), i32(1000)};
  EXPECT_TRUE(inst->call("repeat", args).ok());  // and calls after an interrupt run normally
}

}  // namespace
}  // namespace tw

#endif  // TW_ENABLE_JIT
