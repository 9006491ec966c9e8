// Linear memory as a reserved virtual region. Pages are committed with mprotect as the
// memory grows, so the base address is stable for the life of the memory; the reservation is
// recorded in a process-wide registry for the optimizing tier's fault handler.
#include "tensorwasm/runtime/memory.h"

#include <sys/mman.h>

#include <algorithm>

#include "tensorwasm/runtime/range_registry.h"

namespace tw {

namespace {
// Each range's data is the memory's size_, read only for the memory whose guest code faulted
// (alive while that code runs).
constinit RangeRegistry reservations;
}  // namespace

bool Memory::isGuardFault(uintptr_t addr) {
  RangeRegistry::Range r;
  if (!reservations.find(addr, &r)) return false;
  return addr - r.begin >= *static_cast<const uint64_t*>(r.data);
}

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
  void* p = mmap(nullptr, kReservationBytes, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return makeError(ErrorKind::Limit, "cannot reserve linear memory");
  mem->base_ = static_cast<uint8_t*>(p);
  mem->reserved_ = kReservationBytes;
  reservations.add(reinterpret_cast<uintptr_t>(p), reinterpret_cast<uintptr_t>(p) + kReservationBytes,
                   &mem->size_);
  if (mem->grow(type.limits.min) < 0) {
    return makeError(ErrorKind::Limit, "cannot commit initial linear memory");
  }
  return mem;
}

Memory::~Memory() {
  if (!base_) return;
  reservations.remove(reinterpret_cast<uintptr_t>(base_));
  munmap(base_, reserved_);
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
