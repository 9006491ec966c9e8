// Pooled instances and their copy-on-write reset: whatever an invocation writes (memory, a
// grown memory, globals, table entries, dropped segments) is gone for the next user, which
// sees exactly the state right after instantiation; host state resets through the hook.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
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
    (i32.store8 (i32.const 200000) (i32.const 0x55))
    (global.set $counter (i32.const 99))
    (table.init $e8 (i32.const 0) (i32.const 0) (i32.const 1))
    (elem.drop $e8)
    (data.drop $late))
  (func (export "grown_byte") (result i32)
    (drop (memory.grow (i32.const 3)))
    (i32.load8_u (i32.const 200000)))
  (func (export "init_e8") (table.init $e8 (i32.const 1) (i32.const 0) (i32.const 1)))
  (func (export "init_late") (memory.init $late (i32.const 100) (i32.const 0) (i32.const 4)))
  (func (export "init_hello") (memory.init 0 (i32.const 200) (i32.const 0) (i32.const 1)))
  (func (export "init_e0") (table.init 0 (i32.const 1) (i32.const 0) (i32.const 1)))
  (func (export "slot1") (result i32) i32.const 1 call_indirect (type $ret))))";

// One compiled module for every instance, as the pool's users have.
std::shared_ptr<CompiledModule> compileWat(const char* wat) {
  auto compiled = tw::testing::testEngine().compile(tw::testing::watToWasm(wat));
  EXPECT_TRUE(compiled.ok()) << (compiled.ok() ? "" : compiled.error().describe());
  return compiled.ok() ? compiled.value() : nullptr;
}

// The pool's factory: a full instantiation for the first instance, from the image after.
Result<std::shared_ptr<Instance>> make(const std::shared_ptr<CompiledModule>& compiled, const InstanceImage* image,
                                       const Linker& linker = Linker()) {
  if (image) return linker.instantiateFromImage(tw::testing::testEngine(), compiled, *image);
  return linker.instantiate(tw::testing::testEngine(), compiled);
}

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
  auto null = inst.call("slot1", {});
  ASSERT_FALSE(null.ok());
  EXPECT_TRUE(isTrap(null.error(), TrapKind::UninitializedElement));
  auto active = inst.call("init_hello", {});  // active segments are dropped once applied
  ASSERT_FALSE(active.ok());
  EXPECT_TRUE(isTrap(active.error(), TrapKind::OutOfBoundsMemory));
  auto activeElem = inst.call("init_e0", {});
  ASSERT_FALSE(activeElem.ok());
  EXPECT_TRUE(isTrap(activeElem.error(), TrapKind::OutOfBoundsTable));
  EXPECT_TRUE(inst.call("init_late", {}).ok()) << "the passive data segment is usable";
  EXPECT_EQ(call(inst, "byte", {Value::i32(103)}), 'e');
  EXPECT_TRUE(inst.call("init_e8", {}).ok()) << "the passive element segment is usable";
  EXPECT_EQ(call(inst, "slot1"), 8);
}

// Counts the resets of the host state linked to pooled instances.
struct CountingHost : InstanceHost {
  explicit CountingHost(std::atomic<int>& resets) : resets(resets) {}
  Result<void> reset() override {
    ++resets;
    return {};
  }
  std::atomic<int>& resets;
};

// Every round writes each kind of state (memory, grown memory, globals, table entries,
// segment flags, host state) and the next user must see none of it.
void expectResetsUndoEverything(InstancePool::Config config) {
  std::atomic<int> hostResets{0};
  auto compiled = compileWat(kStatefulWat);
  auto pool = InstancePool::create(
      [&](const InstanceImage* image) -> Result<FreshInstance> {
        TW_ASSIGN(auto inst, make(compiled, image));
        return FreshInstance{std::move(inst), std::make_shared<CountingHost>(hostResets)};
      },
      config);
  ASSERT_TRUE(pool.ok()) << pool.error().describe();
  EXPECT_EQ(pool.value()->idle(), 2u);
  for (int round = 0; round < 6; ++round) {
    auto a = pool.value()->acquire();
    ASSERT_TRUE(a.ok());
    expectFresh(*a.value());
    EXPECT_EQ(call(*a.value(), "grown_byte"), 0) << "a byte written in grown memory";
    call(*a.value(), "dirty");
    EXPECT_EQ(call(*a.value(), "counter"), 99);
    EXPECT_EQ(call(*a.value(), "size"), 8);
    EXPECT_EQ(call(*a.value(), "slot0"), 8);
  }
  pool.value()->flushResets();
  EXPECT_EQ(hostResets, 6);
  // Every instance, including ones that never served the first round, comes back fresh.
  auto x = pool.value()->acquire();
  auto y = pool.value()->acquire();
  auto z = pool.value()->acquire();  // a miss: made by the factory
  expectFresh(*x.value());
  expectFresh(*y.value());
  expectFresh(*z.value());
  EXPECT_GE(pool.value()->stats().misses, 1u);
}

TEST(ServicePool, ResetUndoesEverythingAnInvocationWrote) {
  expectResetsUndoEverything({2, 4});  // written pages kept resident
}

TEST(ServicePool, ResetUndoesEverythingWithPagesDropped) {
  expectResetsUndoEverything({2, 4, 0});
}

TEST(ServicePool, ResetUndoesEverythingInTheBackground) {
  expectResetsUndoEverything({2, 4, 2ull << 20, true});
}

// With resets in the background, an instance given back is handed out again only once reset,
// however soon it is asked for; the pool's thread does the work and can be waited for.
TEST(ServicePool, BackgroundResetsNeverHandOutADirtyInstance) {
  auto compiled = compileWat(kStatefulWat);
  auto pool = InstancePool::create(
      [&](const InstanceImage* image) -> Result<FreshInstance> {
        TW_ASSIGN(auto inst, make(compiled, image));
        return FreshInstance{std::move(inst), nullptr};
      },
      {1, 2, 2ull << 20, true});
  ASSERT_TRUE(pool.ok()) << pool.error().describe();
  for (int round = 0; round < 50; ++round) {
    auto a = pool.value()->acquire();
    EXPECT_EQ(call(*a.value(), "counter"), 7) << round;
    EXPECT_EQ(call(*a.value(), "byte", {Value::i32(0)}), 0) << round;
    call(*a.value(), "dirty");
  }
  pool.value()->flushResets();
  InstancePool::Stats stats = pool.value()->stats();
  EXPECT_EQ(stats.resets, 50u);
  EXPECT_GT(stats.backgroundResetCpuNs, 0u);
  EXPECT_EQ(pool.value()->idle(), 2u);
  // A pool destroyed with resets still pending drops those instances.
  { auto last = pool.value()->acquire(); call(*last.value(), "dirty"); }
  pool = Error{};
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

// Function references compared by index, since each instance has its own functions.
std::vector<int64_t> tableByIndex(const Instance& inst, size_t table) {
  std::vector<int64_t> out;
  for (void* e : inst.tables[table]->elems) {
    auto it = std::find(inst.funcs.begin(), inst.funcs.end(), static_cast<Function*>(e));
    out.push_back(e == nullptr ? -1 : it == inst.funcs.end() ? -2 : it - inst.funcs.begin());
  }
  return out;
}

TEST(InstanceFromImage, HoldsExactlyWhatAFullInstantiationHolds) {
  auto compiled = compileWat(kStatefulWat);
  auto full = make(compiled, nullptr).value();
  auto image = InstanceImage::capture(*full).value();
  auto copy = make(compiled, image.get());
  ASSERT_TRUE(copy.ok()) << copy.error().describe();
  Instance& c = *copy.value();
  ASSERT_EQ(c.memory->sizeBytes(), full->memory->sizeBytes());
  EXPECT_EQ(std::memcmp(c.memory->base(), full->memory->base(), full->memory->sizeBytes()), 0);
  EXPECT_EQ(c.memory->mappedImage.get(), image->memory()) << "mapped, not copied";
  ASSERT_EQ(c.globals.size(), full->globals.size());
  for (size_t i = 0; i < c.globals.size(); ++i) EXPECT_EQ(c.globals[i]->value.i64, full->globals[i]->value.i64);
  EXPECT_EQ(tableByIndex(c, 0), tableByIndex(*full, 0));
  EXPECT_EQ(c.droppedElems, full->droppedElems);
  EXPECT_EQ(c.droppedDatas, full->droppedDatas);
  expectFresh(c);
  expectFresh(*full);
}

TEST(InstanceFromImage, KeepsTheStartFunctionsEffectsWithoutRunningItAgain) {
  const char* wat = R"((module
    (import "env" "tag" (func $tag (result i32)))
    (memory 1)
    (global $g (mut i32) (i32.const 0))
    (func $start (global.set $g (call $tag)) (i32.store (i32.const 8) (i32.const 0x1234)))
    (start $start)
    (func (export "g") (result i32) global.get $g)
    (func (export "word") (result i32) (i32.load (i32.const 8)))
    (func (export "tag") (result i32) call $tag)))";
  auto compiled = compileWat(wat);
  int calls1 = 0, calls2 = 0;
  auto linkerReturning = [](int32_t value, int* calls) {
    Linker linker;
    linker.defineFunction("env", "tag", FuncType{{}, {ValType::I32}},
                          [=](HostCall&, std::span<const Value>, std::span<Value> r) -> Result<void> {
                            ++*calls;
                            r[0] = Value::i32(value);
                            return {};
                          });
    return linker;
  };
  auto full = make(compiled, nullptr, linkerReturning(5, &calls1)).value();
  ASSERT_EQ(calls1, 1);
  auto image = InstanceImage::capture(*full).value();
  auto copy = make(compiled, image.get(), linkerReturning(6, &calls2));
  ASSERT_TRUE(copy.ok()) << copy.error().describe();
  EXPECT_EQ(calls2, 0) << "the start function ran again";
  EXPECT_EQ(call(*copy.value(), "g"), 5) << "the start function's global";
  EXPECT_EQ(call(*copy.value(), "word"), 0x1234) << "the start function's store";
  EXPECT_EQ(call(*copy.value(), "tag"), 6) << "imports come from the caller's linker";
  EXPECT_EQ(calls1, 1);
}

TEST(InstanceFromImage, RefusesTheImageOfAnotherModule) {
  auto stateful = make(compileWat(kStatefulWat), nullptr).value();
  auto image = InstanceImage::capture(*stateful).value();
  auto noMemory = compileWat("(module (func (export \"f\")))");
  auto r = make(noMemory, image.get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Instantiate);
  auto otherGlobals = compileWat("(module (memory 2) (global (mut i32) (i32.const 1)) (global (mut i32) (i32.const 2)))");
  auto r2 = make(otherGlobals, image.get());
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().kind, ErrorKind::Instantiate);
}

TEST(ServicePool, MakesEveryInstanceButTheFirstFromItsImage) {
  auto compiled = compileWat(kStatefulWat);
  int full = 0, fromImage = 0;
  auto pool = InstancePool::create(
      [&](const InstanceImage* image) -> Result<FreshInstance> {
        ++(image ? fromImage : full);
        TW_ASSIGN(auto inst, make(compiled, image));
        return FreshInstance{std::move(inst), nullptr};
      },
      {2, 4});
  ASSERT_TRUE(pool.ok()) << pool.error().describe();
  EXPECT_EQ(full, 1);
  EXPECT_EQ(fromImage, 1);
  std::vector<PooledInstance> out;
  for (int i = 0; i < 3; ++i) out.push_back(std::move(pool.value()->acquire().value()));
  EXPECT_EQ(full, 1);
  EXPECT_EQ(fromImage, 2) << "the miss";
  for (PooledInstance& p : out) expectFresh(*p);
}

// Reservations are reused (memory.cpp): one a dirtied memory held must come back empty, both
// to a memory of the same image (written and grown pages gone) and to any other memory.
TEST(InstanceFromImage, AReusedReservationHoldsNothingOfItsLastMemory) {
  auto compiled = compileWat(kStatefulWat);
  auto image = InstanceImage::capture(*make(compiled, nullptr).value()).value();
  for (int i = 0; i < 20; ++i) {  // more than the free list holds
    auto dirty = make(compiled, image.get()).value();
    call(*dirty, "dirty");
    std::memset(dirty->memory->base() + 3 * kWasmPageSize, 0xEE, kWasmPageSize);  // a grown page
  }
  for (int i = 0; i < 20; ++i) {
    auto again = make(compiled, image.get()).value();
    expectFresh(*again);
    ASSERT_EQ(again->memory->grow(3), 2);
    EXPECT_EQ(call(*again, "byte", {Value::i32(3 * 65536 + 5)}), 0) << "grown pages are zero";
    call(*again, "dirty");
  }
  auto other = tw::testing::instantiateWat("(module (memory 1 8) (func (export \"byte\") (param i32) (result i32) local.get 0 i32.load8_u))");
  EXPECT_EQ(call(*other, "byte", {Value::i32(16)}), 0) << "another image's bytes";
  EXPECT_EQ(call(*other, "byte", {Value::i32(1000)}), 0) << "another memory's writes";
  EXPECT_EQ(other->memory->sizeBytes(), kWasmPageSize);
  ASSERT_EQ(other->memory->grow(4), 1);
  EXPECT_EQ(call(*other, "byte", {Value::i32(3 * 65536 + 5)}), 0);
}

}  // namespace
