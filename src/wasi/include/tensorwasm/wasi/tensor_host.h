// `wasi:tensor/host`: the streaming-output and request-input interface (guest-abi.md). A guest
// reads the invocation's input (`run --input`, an invoke body) and request document (an OpenAI
// route's JSON body) and emits its output as a stream of chunks, each delivered to the client in
// order, exactly once.
//
// Delivery is pluggable. A TensorStreamContext sends chunks either straight to a TensorSink from
// the guest's thread (`tensorwasm run`: stdout, whose own blocking is the back-pressure), or into
// a bounded ChunkQueue of 32 chunks that a consumer drains (the server: an SSE writer pulling with
// pop(), or a ChunkPump feeding a TensorSink on its own thread). A full queue blocks the guest;
// the wait ends when the consumer takes a chunk, the client disconnects (the guest sees -3), or
// the invocation's interrupt flag or deadline fires (the guest traps with "interrupted").
//
// Thread-safety: a TensorStreamContext is driven by the one thread running its guest; usage() and
// emittedBytes() may be read once the invocation has returned. ChunkQueue is safe for one
// producer and one consumer thread (disconnect() may come from any thread).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/support/result.h"
#include "tensorwasm/wasi/wasi.h"

namespace tw {

inline constexpr const char* kTensorModule = "wasi:tensor/host";

// The guest-visible result codes and limits of guest-abi.md.
namespace tensor {
inline constexpr int32_t kOk = 0;
inline constexpr int32_t kNotStreaming = -1;  // streaming not enabled for this invocation
inline constexpr int32_t kBadArgument = -2;   // bad pointer, or over a size cap
inline constexpr int32_t kDisconnected = -3;  // the client went away
inline constexpr size_t kMaxChunkBytes = 64 * 1024;
inline constexpr uint64_t kMaxStreamBytes = uint64_t{64} << 20;
inline constexpr size_t kQueueChunks = 32;
}  // namespace tensor

using SteadyTime = std::chrono::steady_clock::time_point;

// Where emitted chunks end up: stdout, an SSE response, a test's buffer.
class TensorSink {
 public:
  virtual ~TensorSink() = default;
  // Delivers one chunk (never empty), in emission order. False: the client is gone; the
  // guest's next emit-chunk returns -3 and nothing more is written.
  virtual bool write(std::string_view chunk) = 0;
  // Pushes anything the sink buffers to the client. False: the client is gone.
  virtual bool flush() { return true; }
};

// A sink writing to host descriptor `fd` (not closed); a failed write counts as a disconnect.
std::shared_ptr<TensorSink> fdTensorSink(int fd);

// The bounded hand-off between the guest (producer) and the delivery side (consumer).
class ChunkQueue {
 public:
  enum class PushStatus : uint8_t { Ok, Disconnected, Interrupted };

  explicit ChunkQueue(size_t capacity = tensor::kQueueChunks);

  // Appends `chunk`, blocking while the queue is full. Returns Disconnected once disconnect()
  // was called (or the queue was closed), Interrupted when `*interrupt` becomes true or
  // `deadline` passes while waiting (the flag is polled every 10 ms).
  PushStatus push(std::string chunk, const std::atomic<bool>* interrupt = nullptr,
                  std::optional<SteadyTime> deadline = std::nullopt);
  // Producer side: the stream is complete. pop() drains what is queued, then returns nullopt.
  void close();
  // The next chunk in order, blocking while the queue is empty and open. nullopt: the queue
  // was closed and is drained, or the client disconnected.
  std::optional<std::string> pop();
  // Consumer side: the client went away. Wakes a blocked producer (its emit returns -3);
  // chunks still queued are dropped.
  void disconnect();
  bool disconnected() const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable notFull_;
  std::condition_variable notEmpty_;
  std::deque<std::string> items_;
  size_t capacity_;
  bool closed_ = false;
  bool disconnected_ = false;
};

// Drains a ChunkQueue into a TensorSink on its own thread, so a slow sink blocks the guest
// through the queue instead of buffering without bound. A failed write disconnects the queue.
class ChunkPump {
 public:
  ChunkPump(std::shared_ptr<ChunkQueue> queue, std::shared_ptr<TensorSink> sink);
  ~ChunkPump();  // finish()
  ChunkPump(const ChunkPump&) = delete;
  ChunkPump& operator=(const ChunkPump&) = delete;
  // Closes the queue and waits until every queued chunk was delivered (or the client left).
  void finish();

 private:
  std::shared_ptr<ChunkQueue> queue_;
  std::shared_ptr<TensorSink> sink_;
  std::thread thread_;
};

// Token counts an OpenAI-route guest reported with set-usage.
struct TensorUsage {
  uint32_t promptTokens = 0;
  uint32_t completionTokens = 0;
};

struct TensorConfig {
  std::string input;    // input-len / read-input
  std::string request;  // request-len / read-request (empty under `run`)
  // Streaming is enabled when one of these is set; with both, the queue is used.
  std::shared_ptr<TensorSink> sink;  // written from the guest's thread
  std::shared_ptr<ChunkQueue> queue; // drained by a consumer thread
  // Ends a blocked emit-chunk with an "interrupted" trap (the engine polls the same flag).
  const std::atomic<bool>* interrupt = nullptr;
  std::optional<SteadyTime> deadline;
};

// One invocation's wasi:tensor state (begin() re-arms it for the next one).
class TensorStreamContext {
 public:
  explicit TensorStreamContext(TensorConfig config);
  // Starts another invocation on the same linked context (a pooled instance): new input,
  // request and stream; read positions, usage and the emitted count start over.
  void begin(TensorConfig config);

  bool streaming() const { return config_.sink || config_.queue; }
  // emit-chunk after the pointer check: 0, -1, -2 (over the chunk or invocation cap) or -3.
  // An Error (an "interrupted" trap) when the wait for queue space was interrupted.
  Result<int32_t> emit(std::string_view chunk);
  // flush: 0, or -1 when streaming is not enabled.
  int32_t flush();

  uint64_t inputSize() const { return config_.input.size(); }
  uint64_t requestSize() const { return config_.request.size(); }
  // Copies up to dst.size() bytes from the current read position and advances; 0 at the end.
  size_t readInput(std::span<uint8_t> dst) { return readFrom(config_.input, inputPos_, dst); }
  size_t readRequest(std::span<uint8_t> dst) { return readFrom(config_.request, requestPos_, dst); }

  void setUsage(TensorUsage usage) { usage_ = usage; }
  // What set-usage reported last, if the guest called it.
  std::optional<TensorUsage> usage() const { return usage_; }
  uint64_t emittedBytes() const { return emitted_; }
  bool disconnected() const;

 private:
  static size_t readFrom(const std::string& src, size_t& pos, std::span<uint8_t> dst);
  TensorConfig config_;
  size_t inputPos_ = 0;
  size_t requestPos_ = 0;
  uint64_t emitted_ = 0;
  bool sinkGone_ = false;
  std::optional<TensorUsage> usage_;
};

// The seven wasi:tensor/host functions bound to `context`, with their Wasm signatures.
std::vector<WasiFunction> tensorFunctions(std::shared_ptr<TensorStreamContext> context);

// Defines them under module "wasi:tensor/host".
void linkTensor(Linker& linker, std::shared_ptr<TensorStreamContext> context);

}  // namespace tw
