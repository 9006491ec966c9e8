// Pooled instances and their copy-on-write reset: whatever an invocation writes (memory, a
// grown memory, globals, table entries, dropped segments) is gone for the next user, which
// sees exactly the state right after instantiation; host state resets through the hook.
#include <gtest/gtest.h>

#include <cstring>

#include "tensorwasm/runtime/image.h"
#include "tensorwasm/service/pool.h"
#include "test_wat.h"

namespace {

using namespace tw;
using namespace tw::service;

const char* kStatefulWat = R"((module
  (type $ret (func (result i32)))
  (memory (export "memory") 2 10)
  (data (i32.const 16) "hello")
  (data $late "late")
  (global $counter (mut i32) (i32.const 7))
  (table 2 funcref)
  (elem (i32.const 0) $seven)
  (elem $e8 func $eight)
  (func $seven (result i32) i32.const 7)
  (func $eight (result i32) i32.const 8)
  (func (export "counter") (result i32) global.get $counter)
  (func (export "byte") (param i32) (result i32) local.get 0 i32.load8_u)
  (func (export "size") (result i32) memory.size)
  (func (export "slot0") (result i32) i32.const 0 call_indirect (type $ret))
  (func (export "dirty")
    (memory.fill (i32.const 0) (i32.const 0xAB) (i32.const 131072))
    (drop (memory.grow (i32.const 3)))
    (global.set $counter (i32.const 99))
    (table.init $e8 (i32.const 0) (i32.const 0) (i32.const 1))
    (elem.drop $e8)
    (data.drop $late))
  (func (export "init_e8") (table.init $e8 (i32.const 1) (i32.const 0) (i32.const 1)))
  (func (export "init_late") (memory.init $late (i32.const 100) (i32.const 0) (i32.const 4)))))";

int32_t call(Instance& inst, const char* name, std::vector<Value> args = {}) {
  auto r = inst.call(name, args);
  EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().describe());
  return r.ok() && !r.value().empty() ? static_cast<int32_t>(r.value()[0].v.i32) : -1;
}

void expectFresh(Instance& inst) {
  EXPECT_EQ(call(inst, "counter"), 7);
  EXPECT_EQ(call(inst, "byte", {Value::i32(16)}), 'h');
  EXPECT_EQ(call(inst, "byte", {Value::i32(0)}), 0);
  EXPECT_EQ(call(inst, "byte", {Value::i32(131071)}), 0);
  EXPECT_EQ(call(inst, "size"), 2);
  EXPECT_EQ(call(inst, "slot0"), 7);
  EXPECT_TRUE(inst.call("init_late", {}).ok()) << "the data segment is back";
}

// Counts the resets of the host state linked to pooled instances.
struct CountingHost : InstanceHost {
  explicit CountingHost(int& resets) : resets(resets) {}
  Result<void> reset() override {
    ++resets;
    return {};
  }
  int& resets;
};

TEST(ServicePool, ResetUndoesEverythingAnInvocationWrote) {
  int hostResets = 0;
  auto pool = InstancePool::create(
      [&]() -> Result<FreshInstance> {
        return FreshInstance{tw::testing::instantiateWat(kStatefulWat),
                             std::make_shared<CountingHost>(hostResets)};
      },
      {2, 4});
  ASSERT_TRUE(pool.ok()) << pool.error().describe();
  EXPECT_EQ(pool.value()->idle(), 2u);
  for (int round = 0; round < 3; ++round) {
    auto a = pool.value()->acquire();
    ASSERT_TRUE(a.ok());
    expectFresh(*a.value());
    call(*a.value(), "dirty");
    EXPECT_EQ(call(*a.value(), "counter"), 99);
    EXPECT_EQ(call(*a.value(), "size"), 5);
    EXPECT_EQ(call(*a.value(), "slot0"), 8);
  }
  EXPECT_EQ(hostResets, 3);
  // Every instance, including ones that never served the first round, comes back fresh.
  auto x = pool.value()->acquire();
  auto y = pool.value()->acquire();
  auto z = pool.value()->acquire();  // a miss: made by the factory
  expectFresh(*x.value());
  expectFresh(*y.value());
  expectFresh(*z.value());
  EXPECT_GE(pool.value()->stats().misses, 1u);
}

TEST(ServicePool, GrownMemoryIsInaccessibleAfterReset) {
  auto inst = tw::testing::instantiateWat(kStatefulWat);
  auto image = InstanceImage::capture(*inst);
  ASSERT_TRUE(image.ok());
  call(*inst, "dirty");
  ASSERT_EQ(inst->memory->sizeBytes(), 5 * kWasmPageSize);
  ASSERT_TRUE(image.value()->restore(*inst).ok());
  EXPECT_EQ(inst->memory->sizeBytes(), 2 * kWasmPageSize);
  std::vector<Value> past = {Value::i32(2 * 65536)};
  auto oob = inst->call("byte", past);
  ASSERT_FALSE(oob.ok());
  EXPECT_TRUE(isTrap(oob.error(), TrapKind::OutOfBoundsMemory));
  EXPECT_EQ(inst->memory->grow(1), 2) << "the memory grows again from the image's size";
  EXPECT_EQ(call(*inst, "byte", {Value::i32(2 * 65536 + 5)}), 0) << "grown pages are zero again";
}

}  // namespace
