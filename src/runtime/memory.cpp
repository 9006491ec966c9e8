// Linear memory as a reserved virtual region. Pages are committed with mprotect as the
// memory grows, so the base address is stable for the life of the memory.
#include "tensorwasm/runtime/memory.h"

#include <sys/mman.h>

#include <algorithm>

namespace tw {

namespace {
// 4 GiB addressable by an i32 plus a 4 GiB guard covering any 32-bit offset.
constexpr uint64_t kReservation = 8ull << 30;
}  // namespace

Result<std::shared_ptr<Memory>> Memory::create(const MemoryType& type, uint64_t limitBytes) {
  uint64_t limitPages = std::min<uint64_t>(limitBytes / kWasmPageSize, kMaxWasmPages);
  if (type.limits.min > limitPages) {
    return makeError(ErrorKind::Limit, "memory minimum of " + std::to_string(type.limits.min) +
                                           " pages exceeds the instance limit of " +
                                           std::to_string(limitPages) + " pages");
  }
  std::shared_ptr<Memory> mem(new Memory());
  mem->type_ = type;
  mem->maxPages_ = std::min<uint64_t>(type.limits.max.value_or(kMaxWasmPages), limitPages);
  void* p = mmap(nullptr, kReservation, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) return makeError(ErrorKind::Limit, "cannot reserve linear memory");
  mem->base_ = static_cast<uint8_t*>(p);
  mem->reserved_ = kReservation;
  if (mem->grow(type.limits.min) < 0) {
    return makeError(ErrorKind::Limit, "cannot commit initial linear memory");
  }
  return mem;
}

Memory::~Memory() {
  if (base_) munmap(base_, reserved_);
}

int64_t Memory::grow(uint64_t delta) {
  uint64_t old = pages();
  if (delta > maxPages_ || old + delta > maxPages_) return -1;
  if (delta == 0) return static_cast<int64_t>(old);
  uint64_t newSize = (old + delta) * kWasmPageSize;
  if (mprotect(base_ + size_, newSize - size_, PROT_READ | PROT_WRITE) != 0) return -1;
  size_ = newSize;
  return static_cast<int64_t>(old);
}

}  // namespace tw
