// CudaGuestContext: one instance's wasi:cuda state: whether the GPU is enabled, its lazily
// opened GpuSession (placement happens at the first GPU call, so guests that never touch the
// GPU never initialize the driver), the last error message and the serial that scopes kernel
// ids and buffer handles to this instance (and to one invocation of a non-kept instance).
// Thread-safety: one thread at a time (the instance's).
#include <atomic>

#include "tensorwasm/wasi/cuda.h"

namespace tw {
namespace {
std::atomic<uint32_t> gNextSerial{1};

uint32_t nextSerial() {
  uint32_t s = gNextSerial.fetch_add(1) & 0x7FFFFFFF;
  return s == 0 ? gNextSerial.fetch_add(1) & 0x7FFFFFFF : s;
}
}  // namespace

std::string_view truncateUtf8(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t n = max;
  // Back up over continuation bytes (10xxxxxx) so the cut falls before a lead byte.
  while (n > 0 && (static_cast<uint8_t>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

std::shared_ptr<CudaGuestContext> CudaGuestContext::create(
    std::shared_ptr<gpu::GpuRuntime> runtime, CudaGuestConfig config) {
  std::shared_ptr<CudaGuestContext> cx(new CudaGuestContext());
  cx->runtime_ = std::move(runtime);
  cx->config_ = std::move(config);
  cx->serial_ = nextSerial();
  cx->args_.reserve(CudaLimits::kMaxArgRecords);
  return cx;
}

CudaGuestContext::~CudaGuestContext() { endInvocation(false); }

bool CudaGuestContext::available() {
  return config_.enabled && runtime_ && runtime_->available();
}

std::string CudaGuestContext::unavailableReason() {
  if (!config_.enabled) return "GPU access is disabled for this guest";
  if (!runtime_) return "no GPU runtime";
  if (!runtime_->available()) return "no GPU: " + runtime_->unavailableReason();
  return "";
}

int CudaGuestContext::deviceCount() { return available() ? runtime_->deviceCount() : 0; }

Result<gpu::GpuSession*> CudaGuestContext::session() {
  if (session_) return session_.get();
  if (!available()) return gpu::gpuError(gpu::GpuErrc::NotAvailable, unavailableReason());
  gpu::SessionConfig sc;
  sc.tenant = config_.tenant;
  sc.memoryCap = config_.memoryCap;
  sc.device = config_.device;
  sc.managedMemory = config_.managedMemory;
  sc.kernelTimeout = config_.kernelTimeout;
  TW_ASSIGN(std::unique_ptr<gpu::GpuSession> s, runtime_->openSession(sc));
  session_ = std::move(s);
  return session_.get();
}

void CudaGuestContext::endInvocation(bool keep) {
  if (!session_) return;
  (void)session_->sync();
  if (keep) return;
  session_.reset();  // frees buffers and kernels, destroys the stream
  restored_.clear();
  serial_ = nextSerial();
}

bool CudaGuestContext::decodeBuffer(int64_t handle, uint32_t& local) const {
  if (auto it = restored_.find(handle); it != restored_.end()) {
    local = it->second;
    return true;
  }
  return decodeId(handle, local);
}

Result<std::vector<CudaBufferState>> CudaGuestContext::saveBuffers() {
  std::vector<CudaBufferState> out;
  if (!session_) return out;
  TW_TRY(session_->sync());
  std::unordered_map<uint32_t, int64_t> handleOf;
  for (const auto& [handle, local] : restored_) handleOf[local] = handle;
  for (gpu::BufferId id : session_->bufferIds()) {
    TW_ASSIGN(uint64_t size, session_->bufferSize(id));
    CudaBufferState b;
    auto restored = handleOf.find(id);
    b.handle = restored != handleOf.end() ? restored->second : encodeId(id);
    b.contents.resize(size);
    TW_TRY(session_->copyToHost(b.contents.data(), id, 0, size));
    out.push_back(std::move(b));
  }
  return out;
}

Result<void> CudaGuestContext::restoreBuffers(std::span<const CudaBufferState> buffers) {
  if (buffers.empty()) return {};
  std::unordered_map<int64_t, uint32_t> restored;
  bool serialTaken = false;
  for (const CudaBufferState& b : buffers) {
    if (restored.count(b.handle) || restored_.count(b.handle)) {
      return makeError(ErrorKind::Invalid, "GPU buffer handle " + std::to_string(b.handle) + " appears twice");
    }
    restored[b.handle] = 0;
    serialTaken |= static_cast<uint64_t>(b.handle) >> 32 == serial_;
  }
  // New handles must never equal a restored one: take a serial none of them carries.
  while (serialTaken) {
    serial_ = nextSerial();
    serialTaken = false;
    for (const CudaBufferState& b : buffers) serialTaken |= static_cast<uint64_t>(b.handle) >> 32 == serial_;
  }
  TW_ASSIGN(gpu::GpuSession* s, session());
  for (const CudaBufferState& b : buffers) {
    TW_ASSIGN(gpu::BufferId id, s->alloc(b.contents.size()));
    restored_[b.handle] = id;
    TW_TRY(s->copyToDevice(id, 0, b.contents.data(), b.contents.size()));
  }
  return {};
}

void CudaGuestContext::setLastError(std::string_view message) {
  lastError_.assign(truncateUtf8(message, CudaLimits::kMaxErrorMessage));
}

}  // namespace tw
