// `wasi:tensor/host` (see tensor_host.h): the bounded chunk queue, the pump that drains it into
// a sink, the per-invocation context and the host functions that bounds-check guest pointers
// before touching the context. Every (ptr, len) goes through Memory::range; a bad pair is -2,
// never a host fault.
#include "tensorwasm/wasi/tensor_host.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "tensorwasm/runtime/memory.h"
#include "tensorwasm/runtime/trap.h"

namespace tw {

namespace {

// How often a producer blocked on a full queue looks at the interrupt flag, which is set by
// a thread that cannot notify our condition variable.
constexpr std::chrono::milliseconds kPollSlice{10};

class FdSink final : public TensorSink {
 public:
  explicit FdSink(int fd) : fd_(fd) {}
  bool write(std::string_view chunk) override {
    while (!chunk.empty()) {
      ssize_t n = ::write(fd_, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      chunk.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

 private:
  int fd_;
};

}  // namespace

std::shared_ptr<TensorSink> fdTensorSink(int fd) { return std::make_shared<FdSink>(fd); }

// ---- ChunkQueue -------------------------------------------------------------------------

ChunkQueue::ChunkQueue(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

ChunkQueue::PushStatus ChunkQueue::push(std::string chunk, const std::atomic<bool>* interrupt,
                                        std::optional<SteadyTime> deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (disconnected_ || closed_) return PushStatus::Disconnected;
    if (items_.size() < capacity_) break;
    if (interrupt && interrupt->load(std::memory_order_relaxed)) return PushStatus::Interrupted;
    SteadyTime now = std::chrono::steady_clock::now();
    if (deadline && now >= *deadline) return PushStatus::Interrupted;
    SteadyTime until = now + kPollSlice;
    if (deadline && *deadline < until) until = *deadline;
    notFull_.wait_until(lock, until);
  }
  items_.push_back(std::move(chunk));
  notEmpty_.notify_one();
  return PushStatus::Ok;
}

void ChunkQueue::close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  notEmpty_.notify_all();
  notFull_.notify_all();
}

std::optional<std::string> ChunkQueue::pop() {
  std::unique_lock<std::mutex> lock(mu_);
  notEmpty_.wait(lock, [this] { return !items_.empty() || closed_ || disconnected_; });
  if (disconnected_ || items_.empty()) return std::nullopt;
  std::string chunk = std::move(items_.front());
  items_.pop_front();
  notFull_.notify_one();
  return chunk;
}

void ChunkQueue::disconnect() {
  std::lock_guard<std::mutex> lock(mu_);
  disconnected_ = true;
  items_.clear();
  notFull_.notify_all();
  notEmpty_.notify_all();
}

bool ChunkQueue::disconnected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return disconnected_;
}

size_t ChunkQueue::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return items_.size();
}

// ---- ChunkPump --------------------------------------------------------------------------

ChunkPump::ChunkPump(std::shared_ptr<ChunkQueue> queue, std::shared_ptr<TensorSink> sink)
    : queue_(std::move(queue)), sink_(std::move(sink)) {
  thread_ = std::thread([q = queue_, s = sink_] {
    while (std::optional<std::string> chunk = q->pop()) {
      if (!s->write(*chunk) || !s->flush()) {
        q->disconnect();
        return;
      }
    }
  });
}

ChunkPump::~ChunkPump() { finish(); }

void ChunkPump::finish() {
  if (!thread_.joinable()) return;
  queue_->close();
  thread_.join();
}

// ---- TensorStreamContext ----------------------------------------------------------------

TensorStreamContext::TensorStreamContext(TensorConfig config) : config_(std::move(config)) {}

void TensorStreamContext::begin(TensorConfig config) {
  config_ = std::move(config);
  inputPos_ = requestPos_ = 0;
  emitted_ = 0;
  sinkGone_ = false;
  usage_.reset();
}

bool TensorStreamContext::disconnected() const {
  return sinkGone_ || (config_.queue && config_.queue->disconnected());
}

Result<int32_t> TensorStreamContext::emit(std::string_view chunk) {
  if (!streaming()) return tensor::kNotStreaming;
  if (chunk.size() > tensor::kMaxChunkBytes) return tensor::kBadArgument;
  if (emitted_ + chunk.size() > tensor::kMaxStreamBytes) return tensor::kBadArgument;
  if (disconnected()) return tensor::kDisconnected;
  if (chunk.empty()) return tensor::kOk;
  if (config_.queue) {
    switch (config_.queue->push(std::string(chunk), config_.interrupt, config_.deadline)) {
      case ChunkQueue::PushStatus::Ok: break;
      case ChunkQueue::PushStatus::Disconnected: return tensor::kDisconnected;
      case ChunkQueue::PushStatus::Interrupted: return makeTrap(TrapKind::Interrupted);
    }
  } else if (!config_.sink->write(chunk)) {
    sinkGone_ = true;
    return tensor::kDisconnected;
  }
  emitted_ += chunk.size();
  return tensor::kOk;
}

int32_t TensorStreamContext::flush() {
  if (!streaming()) return tensor::kNotStreaming;
  // Queued chunks are flushed by their consumer as it delivers them; a sink failing to
  // flush is a disconnect the next emit-chunk reports.
  if (!config_.queue && !sinkGone_ && !config_.sink->flush()) sinkGone_ = true;
  return tensor::kOk;
}

size_t TensorStreamContext::readFrom(const std::string& src, size_t& pos, std::span<uint8_t> dst) {
  size_t n = std::min(dst.size(), src.size() - pos);
  std::memcpy(dst.data(), src.data() + pos, n);
  pos += n;
  return n;
}

// ---- host functions ---------------------------------------------------------------------

namespace {

using Ctx = std::shared_ptr<TensorStreamContext>;

// Guest (ptr, len) as a host span, or nullopt when it leaves memory.
std::optional<std::span<uint8_t>> guestRange(Memory* mem, const Value& ptr, const Value& len) {
  uint32_t p = ptr.v.i32, n = len.v.i32;
  uint8_t* base = mem ? mem->range(p, n) : nullptr;
  if (!base) return std::nullopt;
  return std::span<uint8_t>(base, n);
}

int32_t clampI32(uint64_t n) { return static_cast<int32_t>(std::min<uint64_t>(n, INT32_MAX)); }

}  // namespace

std::vector<WasiFunction> tensorFunctions(Ctx context) {
  using V = ValType;
  std::vector<WasiFunction> out;
  // Each entry returns the i32 result, or an Error that ends the guest.
  auto add = [&](const char* name, std::vector<ValType> params,
                 std::function<Result<int32_t>(TensorStreamContext&, Memory*, std::span<const Value>)> impl) {
    HostFunction fn = [context, impl](HostCall& call, std::span<const Value> args,
                                      std::span<Value> results) -> Result<void> {
      Result<int32_t> r = impl(*context, call.memory, args);
      if (!r.ok()) return r.takeError();
      results[0] = Value::i32(static_cast<uint32_t>(r.value()));
      return {};
    };
    out.push_back({name, FuncType{std::move(params), {V::I32}}, std::move(fn)});
  };

  add("emit-chunk", {V::I32, V::I32}, [](TensorStreamContext& c, Memory* mem, std::span<const Value> a) -> Result<int32_t> {
    if (!c.streaming()) return tensor::kNotStreaming;
    auto range = guestRange(mem, a[0], a[1]);
    if (!range) return tensor::kBadArgument;
    return c.emit(std::string_view(reinterpret_cast<const char*>(range->data()), range->size()));
  });
  add("flush", {}, [](TensorStreamContext& c, Memory*, std::span<const Value>) -> Result<int32_t> {
    return c.flush();
  });
  add("input-len", {}, [](TensorStreamContext& c, Memory*, std::span<const Value>) -> Result<int32_t> {
    return clampI32(c.inputSize());
  });
  add("read-input", {V::I32, V::I32}, [](TensorStreamContext& c, Memory* mem, std::span<const Value> a) -> Result<int32_t> {
    auto range = guestRange(mem, a[0], a[1]);
    if (!range) return tensor::kBadArgument;
    return clampI32(c.readInput(range->first(std::min<size_t>(range->size(), INT32_MAX))));
  });
  add("request-len", {}, [](TensorStreamContext& c, Memory*, std::span<const Value>) -> Result<int32_t> {
    return clampI32(c.requestSize());
  });
  add("read-request", {V::I32, V::I32}, [](TensorStreamContext& c, Memory* mem, std::span<const Value> a) -> Result<int32_t> {
    auto range = guestRange(mem, a[0], a[1]);
    if (!range) return tensor::kBadArgument;
    return clampI32(c.readRequest(range->first(std::min<size_t>(range->size(), INT32_MAX))));
  });
  add("set-usage", {V::I32, V::I32}, [](TensorStreamContext& c, Memory*, std::span<const Value> a) -> Result<int32_t> {
    c.setUsage({a[0].v.i32, a[1].v.i32});
    return tensor::kOk;
  });
  return out;
}

void linkTensor(Linker& linker, Ctx context) {
  defineFunctions(linker, kTensorModule, tensorFunctions(std::move(context)));
}

}  // namespace tw
