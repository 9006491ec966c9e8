// Host functions defined with C++ signatures (typed_host.h): the Wasm type follows from the
// signature, arguments and results convert per type, a Result error traps the guest, and
// every tier calls them the same way (the optimizing tier through the unboxed entry).
#include <gtest/gtest.h>

#include "tensorwasm/runtime/trap.h"
#include "tensorwasm/runtime/typed_host.h"
#ifdef TW_ENABLE_JIT
#include "tensorwasm/jit/jit.h"
#endif
#include "test_wat.h"

namespace tw {
namespace {

std::vector<std::unique_ptr<ExecutionTier>> tiers() {
  std::vector<std::unique_ptr<ExecutionTier>> out;
  out.push_back(makeInterpreterTier());
#ifdef TW_ENABLE_JIT
  out.push_back(makeJitTier());
#endif
  return out;
}

TEST(TypedHost, SignatureGivesTheWasmType) {
  Linker linker;
  defineTypedFunction(linker, "env", "mix", [](HostCall&, int32_t, uint64_t, float, double) -> double { return 0; });
  defineTypedFunction(linker, "env", "none", [](HostCall&) {});
  // An import with the derived type links; one with another type is refused by name.
  auto good = testing::testEngine().compile(testing::watToWasm(R"((module
    (import "env" "mix" (func (param i32 i64 f32 f64) (result f64)))
    (import "env" "none" (func))))"));
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(linker.instantiate(testing::testEngine(), good.value()).ok());
  auto bad = testing::testEngine().compile(testing::watToWasm(R"((module (import "env" "mix" (func (param i32)))))"));
  ASSERT_TRUE(bad.ok());
  auto refused = linker.instantiate(testing::testEngine(), bad.value());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("mix"), std::string::npos) << refused.error().describe();
}

TEST(TypedHost, EveryTierPassesValuesAndTraps) {
  int sideEffects = 0;
  Linker linker;
  defineTypedFunction(linker, "env", "mix", [](HostCall&, int32_t a, uint64_t b, float c, double d) -> double {
    return a + static_cast<double>(b) + c * d;
  });
  defineTypedFunction(linker, "env", "neg64", [](HostCall&, int64_t x) { return -x; });
  defineTypedFunction(linker, "env", "touch", [&sideEffects](HostCall& call) {
    ++sideEffects;
    EXPECT_NE(call.memory, nullptr);
  });
  defineTypedFunction(linker, "env", "checked", [](HostCall&, uint32_t x) -> Result<uint32_t> {
    if (x == 0) return makeTrap(TrapKind::IntegerDivideByZero);
    return 100u / x;
  });
  std::vector<uint8_t> wasm = testing::watToWasm(R"((module
    (import "env" "mix" (func $mix (param i32 i64 f32 f64) (result f64)))
    (import "env" "neg64" (func $neg64 (param i64) (result i64)))
    (import "env" "touch" (func $touch))
    (import "env" "checked" (func $checked (param i32) (result i32)))
    (memory 1)
    (func (export "mix") (result f64)
      (call $mix (i32.const -2) (i64.const 40) (f32.const 1.5) (f64.const 4)))
    (func (export "neg") (param i64) (result i64) (call $neg64 (local.get 0)))
    (func (export "touch3") (call $touch) (call $touch) (call $touch))
    (func (export "checked") (param i32) (result i32) (call $checked (local.get 0)))))");
  for (auto& tier : tiers()) {
    SCOPED_TRACE(tier->name());
    Engine engine(EngineConfig{}, std::move(tier));
    auto compiled = engine.compile(wasm);
    ASSERT_TRUE(compiled.ok()) << compiled.error().describe();
    auto inst = linker.instantiate(engine, compiled.value());
    ASSERT_TRUE(inst.ok()) << inst.error().describe();
    Instance& i = *inst.value();
    auto mix = i.call("mix", {});
    ASSERT_TRUE(mix.ok());
    EXPECT_EQ(mix.value()[0].v.f64, 44.0);
    auto neg = i.call("neg", std::vector<Value>{Value::i64(5)});
    ASSERT_TRUE(neg.ok());
    EXPECT_EQ(static_cast<int64_t>(neg.value()[0].v.i64), -5);
    sideEffects = 0;
    ASSERT_TRUE(i.call("touch3", {}).ok());
    EXPECT_EQ(sideEffects, 3);
    auto ok = i.call("checked", std::vector<Value>{Value::i32(7)});
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok.value()[0].v.i32, 14u);
    auto trapped = i.call("checked", std::vector<Value>{Value::i32(0)});
    ASSERT_FALSE(trapped.ok());
    EXPECT_TRUE(isTrap(trapped.error(), TrapKind::IntegerDivideByZero)) << trapped.error().describe();
    EXPECT_TRUE(i.call("checked", std::vector<Value>{Value::i32(50)}).ok()) << "usable after the trap";
  }
}

}  // namespace
}  // namespace tw
