// wasi:scheduler/host@0.1.0 through real guests (WAT modules calling the imports): yield's
// verdicts against a hand-moved clock and against short real deadlines, deadline-remaining-ms
// clamping and its no-deadline value, the interrupt flag, and a guest loop winding down.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tensorwasm/wasi/guest_interfaces.h"
#include "test_wat.h"

using namespace tw;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Builds a config field by field (designated initializers would have to name every field).
template <typename F>
auto config(F fill) {
  SchedulerConfig c;
  fill(c);
  return c;
}

const char* kGuest = R"((module
  (import "wasi:scheduler/host@0.1.0" "yield" (func $yield (result i32)))
  (import "wasi:scheduler/host@0.1.0" "deadline-remaining-ms" (func $remaining (result i32)))
  (func (export "yield") (result i32) (call $yield))
  (func (export "remaining") (result i32) (call $remaining))
  ;; Calls yield until it says wind down; returns the verdict * 1000000 + iterations (capped).
  (func (export "spin") (result i32) (local $n i32) (local $v i32)
    (loop $again
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $v (call $yield))
      (br_if $again (i32.eqz (local.get $v))))
    (i32.add (i32.mul (local.get $v) (i32.const 1000000))
             (select (local.get $n) (i32.const 999999) (i32.lt_u (local.get $n) (i32.const 999999))))))
)";

struct Guest {
  std::shared_ptr<Instance> inst;
  explicit Guest(SchedulerConfig config) {
    Linker linker;
    linkScheduler(linker, std::make_shared<SchedulerContext>(std::move(config)));
    // wat2wasm runs once: the real-deadline tests must not spend their time budget on it.
    static const std::vector<uint8_t> wasm = tw::testing::watToWasm(kGuest);
    auto compiled = tw::testing::testEngine().compile(wasm);
    EXPECT_TRUE(compiled.ok());
    auto created = linker.instantiate(tw::testing::testEngine(), compiled.value());
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().describe());
    if (created.ok()) inst = created.value();
  }
  uint32_t call(const char* name) {
    auto r = inst->call(name, {});
    EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().describe());
    return r.ok() ? r.value()[0].v.i32 : 0xDEADBEEF;
  }
};

// A clock the test moves by hand.
struct FakeClock {
  std::shared_ptr<Clock::time_point> now = std::make_shared<Clock::time_point>(Clock::now());
  std::function<Clock::time_point()> fn() const {
    return [now = now] { return *now; };
  }
};

}  // namespace

TEST(WasiScheduler, NoDeadline) {
  Guest g(SchedulerConfig{});
  ASSERT_TRUE(g.inst);
  EXPECT_EQ(g.call("yield"), 0u);
  EXPECT_EQ(g.call("remaining"), 0xFFFFFFFFu);  // -1 as i32
  EXPECT_EQ(static_cast<int32_t>(g.call("remaining")), -1);
}

TEST(WasiScheduler, VerdictsFollowTheClock) {
  FakeClock clock;
  Clock::time_point start = *clock.now;
  Guest g(config([&](SchedulerConfig& c) {
    c.deadline = start + 10s;
    c.clock = clock.fn();
  }));
  ASSERT_TRUE(g.inst);
  EXPECT_EQ(g.call("yield"), 0u);
  EXPECT_EQ(g.call("remaining"), 10000u);

  *clock.now = start + 10s - 51ms;
  EXPECT_EQ(g.call("yield"), 0u);
  EXPECT_EQ(g.call("remaining"), 51u);
  *clock.now = start + 10s - 50ms;  // exactly 50 ms left: near
  EXPECT_EQ(g.call("yield"), 1u);
  EXPECT_EQ(g.call("remaining"), 50u);
  *clock.now = start + 10s - 1ms;
  EXPECT_EQ(g.call("yield"), 1u);
  *clock.now = start + 10s - 500us;  // under a millisecond left rounds down to 0
  EXPECT_EQ(g.call("yield"), 1u);
  EXPECT_EQ(g.call("remaining"), 0u);
  *clock.now = start + 10s;  // reached: stop
  EXPECT_EQ(g.call("yield"), 2u);
  EXPECT_EQ(g.call("remaining"), 0u);
  *clock.now = start + 1h;
  EXPECT_EQ(g.call("yield"), 2u);
  EXPECT_EQ(g.call("remaining"), 0u);
}

TEST(WasiScheduler, RemainingClampsBelowNoDeadline) {
  FakeClock clock;
  Clock::time_point start = *clock.now;
  Guest far(config([&](SchedulerConfig& c) {
    c.deadline = start + std::chrono::milliseconds(int64_t{1} << 33);
    c.clock = clock.fn();
  }));
  ASSERT_TRUE(far.inst);
  EXPECT_EQ(far.call("remaining"), 0xFFFFFFFEu);
  EXPECT_EQ(far.call("yield"), 0u);

  Guest edge(config([&](SchedulerConfig& c) {
    c.deadline = start + std::chrono::milliseconds(0xFFFFFFFEu);
    c.clock = clock.fn();
  }));
  EXPECT_EQ(edge.call("remaining"), 0xFFFFFFFEu);
  Guest below(config([&](SchedulerConfig& c) {
    c.deadline = start + std::chrono::milliseconds(0xFFFFFFFDu);
    c.clock = clock.fn();
  }));
  EXPECT_EQ(below.call("remaining"), 0xFFFFFFFDu);
}

TEST(WasiScheduler, InterruptFlagMeansStop) {
  std::atomic<bool> interrupt{false};
  Guest g(config([&](SchedulerConfig& c) { c.interrupt = &interrupt; }));
  ASSERT_TRUE(g.inst);
  EXPECT_EQ(g.call("yield"), 0u);
  interrupt = true;
  EXPECT_EQ(g.call("yield"), 2u);
  EXPECT_EQ(g.call("remaining"), 0xFFFFFFFFu);  // still no deadline to report
}

TEST(WasiScheduler, ShortRealDeadlines) {
  Guest warm(SchedulerConfig{});  // compiles the guest outside the 30 ms window
  Guest near(config([&](SchedulerConfig& c) { c.deadline = Clock::now() + 30ms; }));
  ASSERT_TRUE(near.inst);
  EXPECT_EQ(near.call("yield"), 1u);
  EXPECT_LE(near.call("remaining"), 30u);
  std::this_thread::sleep_for(40ms);
  EXPECT_EQ(near.call("yield"), 2u);
  EXPECT_EQ(near.call("remaining"), 0u);
}

// A guest spinning on yield stops by itself, first on "near", before the deadline passes.
TEST(WasiScheduler, GuestLoopWindsDownBeforeDeadline) {
  auto start = Clock::now();
  Guest g(config([&](SchedulerConfig& c) { c.deadline = start + 200ms; }));
  ASSERT_TRUE(g.inst);
  uint32_t r = g.call("spin");
  auto elapsed = Clock::now() - start;
  EXPECT_EQ(r / 1000000, 1u) << r;       // the verdict that ended the loop: near
  EXPECT_GT(r % 1000000, 1u);            // after yielding more than once
  EXPECT_GE(elapsed, 150ms);
  EXPECT_LT(elapsed, 1s);
}

TEST(WasiScheduler, EveryGuestGetsBothInterfaces) {
  Linker linker;
  linkGuestInterfaces(linker, {});
  auto inst = tw::testing::instantiateWat(R"((module
    (import "wasi:scheduler/host@0.1.0" "yield" (func (result i32)))
    (import "wasi:scheduler/host@0.1.0" "deadline-remaining-ms" (func (result i32)))
    (import "wasi:tensor/host" "emit-chunk" (func (param i32 i32) (result i32)))
    (import "wasi:tensor/host" "flush" (func (result i32)))
    (import "wasi:tensor/host" "input-len" (func (result i32)))
    (import "wasi:tensor/host" "read-input" (func (param i32 i32) (result i32)))
    (import "wasi:tensor/host" "request-len" (func (result i32)))
    (import "wasi:tensor/host" "read-request" (func (param i32 i32) (result i32)))
    (import "wasi:tensor/host" "set-usage" (func (param i32 i32) (result i32)))))",
                                      linker);
  EXPECT_TRUE(inst);

  auto compiled = tw::testing::testEngine().compile(tw::testing::watToWasm(R"((module
    (import "wasi:scheduler/host@0.1.0" "sleep" (func (result i32)))))"));
  ASSERT_TRUE(compiled.ok());
  auto missing = linker.instantiate(tw::testing::testEngine(), compiled.value());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("wasi:scheduler/host@0.1.0.sleep"), std::string::npos)
      << missing.error().message;
}
