// wasi:tensor/host through real guests (WAT modules calling the imports): chunk order and caps,
// the disabled-streaming code, back-pressure through the 32-chunk queue with a slow consumer,
// disconnects and interrupts waking a blocked guest, input/request reads and set-usage, and the
// Link error for an import the host does not provide.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include "tensorwasm/runtime/memory.h"
#include "tensorwasm/runtime/trap.h"
#include "tensorwasm/wasi/guest_interfaces.h"
#include "test_wat.h"

using namespace tw;
using namespace std::chrono_literals;

namespace {

// Builds a config field by field (designated initializers would have to name every field).
template <typename F>
auto config(F fill) {
  TensorConfig c;
  fill(c);
  return c;
}

const char* kGuest = R"((module
  (import "wasi:tensor/host" "emit-chunk" (func $emit (param i32 i32) (result i32)))
  (import "wasi:tensor/host" "flush" (func $flush (result i32)))
  (import "wasi:tensor/host" "input-len" (func $input_len (result i32)))
  (import "wasi:tensor/host" "read-input" (func $read_input (param i32 i32) (result i32)))
  (import "wasi:tensor/host" "request-len" (func $request_len (result i32)))
  (import "wasi:tensor/host" "read-request" (func $read_request (param i32 i32) (result i32)))
  (import "wasi:tensor/host" "set-usage" (func $set_usage (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "emit") (param i32 i32) (result i32) (call $emit (local.get 0) (local.get 1)))
  (func (export "flush") (result i32) (call $flush))
  (func (export "input_len") (result i32) (call $input_len))
  (func (export "read_input") (param i32 i32) (result i32) (call $read_input (local.get 0) (local.get 1)))
  (func (export "request_len") (result i32) (call $request_len))
  (func (export "read_request") (param i32 i32) (result i32) (call $read_request (local.get 0) (local.get 1)))
  (func (export "set_usage") (param i32 i32) (result i32) (call $set_usage (local.get 0) (local.get 1)))
  ;; Emits n 4-byte chunks holding 0..n-1; returns the first non-zero code, else 0.
  (func (export "emit_seq") (param $n i32) (result i32) (local $i i32) (local $rc i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store (i32.const 0) (local.get $i))
        (local.set $rc (call $emit (i32.const 0) (i32.const 4)))
        (if (local.get $rc) (then (return (local.get $rc))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0)))
)";

// Collects chunks; optionally reports a disconnect after `failAfter` chunks.
class CollectSink final : public TensorSink {
 public:
  bool write(std::string_view chunk) override {
    std::lock_guard<std::mutex> lock(mu);
    if (chunks.size() >= failAfter) return false;
    chunks.emplace_back(chunk);
    bytes += chunk.size();
    return true;
  }
  std::mutex mu;
  std::vector<std::string> chunks;
  uint64_t bytes = 0;
  size_t failAfter = SIZE_MAX;
};

struct Guest {
  std::shared_ptr<TensorStreamContext> ctx;
  std::shared_ptr<Instance> inst;

  explicit Guest(TensorConfig config)
      : ctx(std::make_shared<TensorStreamContext>(std::move(config))) {
    Linker linker;
    linkTensor(linker, ctx);
    inst = tw::testing::instantiateWat(kGuest, linker);
  }
  Result<std::vector<Value>> tryCall(const char* name, std::vector<uint32_t> args = {}) {
    std::vector<Value> vals;
    for (uint32_t a : args) vals.push_back(Value::i32(a));
    return inst->call(name, vals);
  }
  int32_t call(const char* name, std::vector<uint32_t> args = {}) {
    auto r = tryCall(name, std::move(args));
    EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().describe());
    return r.ok() ? static_cast<int32_t>(r.value()[0].v.i32) : INT32_MIN;
  }
  void poke(uint32_t addr, std::string_view bytes) {
    std::memcpy(inst->memory->range(addr, bytes.size()), bytes.data(), bytes.size());
  }
  std::string peek(uint32_t addr, uint32_t len) {
    return std::string(reinterpret_cast<const char*>(inst->memory->range(addr, len)), len);
  }
};

uint32_t seqValue(const std::string& chunk) {
  uint32_t v = 0;
  std::memcpy(&v, chunk.data(), sizeof v);
  return v;
}

}  // namespace

TEST(WasiTensor, EmitChunkDeliversInOrderToSink) {
  auto sink = std::make_shared<CollectSink>();
  Guest g(config([&](TensorConfig& c) { c.sink = sink; }));
  ASSERT_TRUE(g.inst);
  g.poke(100, "hello, world");
  EXPECT_EQ(g.call("emit", {100, 5}), 0);
  EXPECT_EQ(g.call("emit", {105, 7}), 0);
  EXPECT_EQ(g.call("emit", {0, 0}), 0);  // empty: accepted, nothing delivered
  EXPECT_EQ(g.call("flush"), 0);
  EXPECT_EQ(g.call("emit_seq", {50}), 0);
  ASSERT_EQ(sink->chunks.size(), 52u);
  EXPECT_EQ(sink->chunks[0], "hello");
  EXPECT_EQ(sink->chunks[1], ", world");
  for (uint32_t i = 0; i < 50; ++i) EXPECT_EQ(seqValue(sink->chunks[2 + i]), i);
  EXPECT_EQ(g.ctx->emittedBytes(), 12u + 200u);
}

TEST(WasiTensor, ChunkAndPointerCaps) {
  auto sink = std::make_shared<CollectSink>();
  Guest g(config([&](TensorConfig& c) { c.sink = sink; }));
  ASSERT_TRUE(g.inst);
  const uint32_t memSize = 2 * 65536;
  EXPECT_EQ(g.call("emit", {0, 65536}), 0);            // exactly 64 KiB
  EXPECT_EQ(g.call("emit", {0, 65537}), -2);           // 64 KiB + 1
  EXPECT_EQ(g.call("emit", {memSize - 2, 4}), -2);     // runs off the end of memory
  EXPECT_EQ(g.call("emit", {memSize, 1}), -2);
  EXPECT_EQ(g.call("emit", {0xFFFFFFFFu, 2}), -2);     // ptr + len wraps
  EXPECT_EQ(g.call("emit", {0, 0xFFFFFFFFu}), -2);     // negative length as i32
  EXPECT_EQ(g.call("emit", {memSize - 4, 4}), 0);      // the last bytes are fine
  EXPECT_EQ(sink->chunks.size(), 2u);
}

TEST(WasiTensor, InvocationCapIs64MiB) {
  struct CountSink final : TensorSink {
    uint64_t bytes = 0;
    bool write(std::string_view c) override { bytes += c.size(); return true; }
  };
  auto counter = std::make_shared<CountSink>();
  Guest g(config([&](TensorConfig& c) { c.sink = counter; }));
  ASSERT_TRUE(g.inst);
  for (int i = 0; i < 1023; ++i) ASSERT_EQ(g.call("emit", {0, 65536}), 0) << i;
  EXPECT_EQ(g.call("emit", {0, 65535}), 0);
  EXPECT_EQ(g.call("emit", {0, 2}), -2);  // one byte over 64 MiB
  EXPECT_EQ(g.call("emit", {0, 1}), 0);   // exactly 64 MiB
  EXPECT_EQ(g.call("emit", {0, 1}), -2);
  EXPECT_EQ(counter->bytes, uint64_t{64} << 20);
}

TEST(WasiTensor, StreamingDisabledReturnsMinusOne) {
  Guest g(config([&](TensorConfig& c) { c.input = "abc"; }));
  ASSERT_TRUE(g.inst);
  EXPECT_EQ(g.call("emit", {0, 4}), -1);
  EXPECT_EQ(g.call("emit", {0xFFFFFFF0u, 100}), -1);
  EXPECT_EQ(g.call("flush"), -1);
  EXPECT_EQ(g.call("input_len"), 3);  // the rest of the interface still works
}

TEST(WasiTensor, InputAndRequestReadsAdvance) {
  Guest g(config([&](TensorConfig& c) {
    c.input = "hello world";
    c.request = R"({"model":"m"})";
  }));
  ASSERT_TRUE(g.inst);
  EXPECT_EQ(g.call("input_len"), 11);
  EXPECT_EQ(g.call("read_input", {0xFFFFFFF0u, 100}), -2);  // bad pointer: no advance
  EXPECT_EQ(g.call("read_input", {2 * 65536 - 1, 2}), -2);
  EXPECT_EQ(g.call("read_input", {10, 4}), 4);
  EXPECT_EQ(g.peek(10, 4), "hell");
  EXPECT_EQ(g.call("read_input", {20, 0}), 0);
  EXPECT_EQ(g.call("read_input", {20, 100}), 7);
  EXPECT_EQ(g.peek(20, 7), "o world");
  EXPECT_EQ(g.call("read_input", {20, 100}), 0);  // at the end
  EXPECT_EQ(g.call("input_len"), 11);             // the total, not what is left

  EXPECT_EQ(g.call("request_len"), 13);
  EXPECT_EQ(g.call("read_request", {200, 9}), 9);
  EXPECT_EQ(g.call("read_request", {209, 9}), 4);
  EXPECT_EQ(g.peek(200, 13), R"({"model":"m"})");
  EXPECT_EQ(g.call("read_request", {0, 9}), 0);
  EXPECT_EQ(g.call("read_request", {0xFFFFFFFFu, 1}), -2);

  Guest empty(TensorConfig{});
  ASSERT_TRUE(empty.inst);
  EXPECT_EQ(empty.call("input_len"), 0);
  EXPECT_EQ(empty.call("request_len"), 0);
  EXPECT_EQ(empty.call("read_input", {0, 10}), 0);
}

TEST(WasiTensor, SetUsageIsRecorded) {
  Guest g(TensorConfig{});
  ASSERT_TRUE(g.inst);
  EXPECT_FALSE(g.ctx->usage().has_value());
  EXPECT_EQ(g.call("set_usage", {12, 34}), 0);
  ASSERT_TRUE(g.ctx->usage().has_value());
  EXPECT_EQ(g.ctx->usage()->promptTokens, 12u);
  EXPECT_EQ(g.ctx->usage()->completionTokens, 34u);
}

// A slow consumer: the guest blocks once 32 chunks are queued, and everything arrives in
// order exactly once when the consumer catches up.
TEST(WasiTensor, BackPressureBlocksGuestUntilConsumerReads) {
  auto queue = std::make_shared<ChunkQueue>();
  Guest g(config([&](TensorConfig& c) { c.queue = queue; }));
  ASSERT_TRUE(g.inst);
  constexpr uint32_t kCount = 200;
  std::atomic<bool> guestDone{false};
  int32_t rc = INT32_MIN;
  std::thread guest([&] {
    rc = g.call("emit_seq", {kCount});
    guestDone = true;
  });
  // Nobody consumes yet: the guest fills the queue and waits.
  auto until = std::chrono::steady_clock::now() + 5s;
  while (queue->size() < tensor::kQueueChunks && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(1ms);
  }
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(queue->size(), tensor::kQueueChunks);
  EXPECT_FALSE(guestDone.load());

  std::vector<uint32_t> got;
  std::thread consumer([&] {
    while (auto chunk = queue->pop()) {
      EXPECT_LE(queue->size(), tensor::kQueueChunks);
      got.push_back(seqValue(*chunk));
      std::this_thread::sleep_for(200us);
    }
  });
  guest.join();
  queue->close();
  consumer.join();
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(got.size(), kCount);
  for (uint32_t i = 0; i < kCount; ++i) EXPECT_EQ(got[i], i);
}

// A ChunkPump feeding a slow sink: the same guarantees through the push-style delivery path.
TEST(WasiTensor, PumpDeliversEveryChunkOnceToSlowSink) {
  struct SlowSink final : TensorSink {
    std::vector<uint32_t> got;
    bool write(std::string_view c) override {
      std::this_thread::sleep_for(100us);
      got.push_back(seqValue(std::string(c)));
      return true;
    }
  };
  auto queue = std::make_shared<ChunkQueue>();
  auto sink = std::make_shared<SlowSink>();
  Guest g(config([&](TensorConfig& c) { c.queue = queue; }));
  ASSERT_TRUE(g.inst);
  {
    ChunkPump pump(queue, sink);
    EXPECT_EQ(g.call("emit_seq", {300}), 0);
    pump.finish();
  }
  ASSERT_EQ(sink->got.size(), 300u);
  for (uint32_t i = 0; i < 300; ++i) EXPECT_EQ(sink->got[i], i);
}

TEST(WasiTensor, DisconnectWakesBlockedGuestWithMinusThree) {
  auto queue = std::make_shared<ChunkQueue>();
  Guest g(config([&](TensorConfig& c) { c.queue = queue; }));
  ASSERT_TRUE(g.inst);
  int32_t rc = INT32_MIN;
  std::thread guest([&] { rc = g.call("emit_seq", {1000}); });
  while (queue->size() < tensor::kQueueChunks) std::this_thread::sleep_for(1ms);
  queue->disconnect();
  guest.join();
  EXPECT_EQ(rc, -3);
  EXPECT_EQ(g.call("emit", {0, 4}), -3);  // and stays disconnected
  EXPECT_EQ(g.ctx->emittedBytes(), 4u * tensor::kQueueChunks);
}

TEST(WasiTensor, SinkFailureIsADisconnect) {
  auto sink = std::make_shared<CollectSink>();
  sink->failAfter = 5;
  Guest g(config([&](TensorConfig& c) { c.sink = sink; }));
  ASSERT_TRUE(g.inst);
  EXPECT_EQ(g.call("emit_seq", {10}), -3);
  EXPECT_EQ(sink->chunks.size(), 5u);

  // Through a pump: the pump's failed write disconnects the queue, so the guest sees -3.
  auto queue = std::make_shared<ChunkQueue>();
  auto pumped = std::make_shared<CollectSink>();
  pumped->failAfter = 5;
  Guest q(config([&](TensorConfig& c) { c.queue = queue; }));
  ASSERT_TRUE(q.inst);
  ChunkPump pump(queue, pumped);
  EXPECT_EQ(q.call("emit_seq", {1000}), -3);
  pump.finish();
  EXPECT_EQ(pumped->chunks.size(), 5u);
}

TEST(WasiTensor, InterruptOrDeadlineEndsBlockedEmitWithTrap) {
  std::atomic<bool> interrupt{false};
  auto queue = std::make_shared<ChunkQueue>();
  Guest g(config([&](TensorConfig& c) { c.queue = queue; c.interrupt = &interrupt; }));
  ASSERT_TRUE(g.inst);
  Result<std::vector<Value>> r = makeTrap(TrapKind::HostError);
  std::thread guest([&] { r = g.tryCall("emit_seq", {1000}); });
  while (queue->size() < tensor::kQueueChunks) std::this_thread::sleep_for(1ms);
  interrupt = true;
  guest.join();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(isTrap(r.error(), TrapKind::Interrupted)) << r.error().describe();

  auto start = std::chrono::steady_clock::now();
  Guest d(config([&](TensorConfig& c) {
    c.queue = std::make_shared<ChunkQueue>();
    c.deadline = start + 100ms;
  }));
  ASSERT_TRUE(d.inst);
  auto rd = d.tryCall("emit_seq", {1000});
  ASSERT_FALSE(rd.ok());
  EXPECT_TRUE(isTrap(rd.error(), TrapKind::Interrupted)) << rd.error().describe();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
}

TEST(WasiTensor, MissingImportNamesIt) {
  Linker linker;
  linkGuestInterfaces(linker, {});
  auto compiled = tw::testing::testEngine().compile(tw::testing::watToWasm(R"((module
    (import "wasi:tensor/host" "emit-chunk" (func (param i32 i32) (result i32)))
    (import "wasi:tensor/host" "emit-tensor" (func (param i32 i32) (result i32)))))"));
  ASSERT_TRUE(compiled.ok());
  auto inst = linker.instantiate(tw::testing::testEngine(), compiled.value());
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.error().kind, ErrorKind::Link);
  EXPECT_NE(inst.error().message.find("wasi:tensor/host.emit-tensor"), std::string::npos)
      << inst.error().message;

  // A wrong signature is refused too, naming the import.
  auto typed = tw::testing::testEngine().compile(tw::testing::watToWasm(R"((module
    (import "wasi:tensor/host" "flush" (func (param i32) (result i32)))))"));
  ASSERT_TRUE(typed.ok());
  auto bad = linker.instantiate(tw::testing::testEngine(), typed.value());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("wasi:tensor/host.flush"), std::string::npos);
}
