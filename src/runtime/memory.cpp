// Linear memory as a reserved virtual region. Pages are committed with mprotect as the
// memory grows, so the base address is stable for the life of the memory; the reservation is
// recorded in a process-wide registry for the optimizing tier's fault handler. Reservations
// of destroyed memories are kept on a small free list for the next memory, emptied of every
// page first, and still mapping the image they held when there was one: system calls cost
// over a microsecond each on the VMs this runs on (bench/results.md), so a memory made from
// the image its reservation already maps costs none, the pool's instantiate-from-image case.
#include "tensorwasm/runtime/memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "tensorwasm/runtime/image.h"
#include "tensorwasm/runtime/range_registry.h"

namespace tw {

namespace {
// Each range's data is the memory's size_, read only for the memory whose guest code faulted
// (alive while that code runs).
constinit RangeRegistry reservations;

// A reservation nobody uses: PROT_NONE throughout, except that when `image` is set its first
// image->sizeBytes() map that image privately with no page written, so they read as the image.
struct FreeReservation {
  uint8_t* base = nullptr;
  std::shared_ptr<const MemoryImage> image;
};

// Few: each holds 8 GiB of address space (and its image's memfd) while unused.
constexpr size_t kMaxFreeReservations = 16;
constexpr size_t kReserveAtOnce = 4;

struct FreeList {
  std::mutex mu;
  std::vector<FreeReservation> entries;
};

// Never destroyed: a memory held by a static object may die after it would have been.
FreeList& freeList() {
  static FreeList* list = new FreeList();
  return *list;
}

// Adds a reservation to the free list, unmapping the oldest one when the list is full (the
// oldest most likely maps the image of a pool that is gone).
void keep(FreeReservation r) {
  FreeReservation evicted;
  {
    FreeList& list = freeList();
    std::lock_guard<std::mutex> lock(list.mu);
    if (list.entries.size() == kMaxFreeReservations) {
      evicted = std::move(list.entries.front());
      list.entries.erase(list.entries.begin());
    }
    list.entries.push_back(std::move(r));
  }
  if (evicted.base) munmap(evicted.base, kReservationBytes);
}

bool replaceWithNone(uint8_t* at, uint64_t bytes) {
  return mmap(at, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) != MAP_FAILED;
}

// A free reservation, best the newest already mapping `wanted` (then left mapped), else one
// mapping nothing; any other image is unmapped first. When none is free, reserves several at
// once (one system call for kReserveAtOnce) and keeps the others. Null base on failure.
FreeReservation takeReservation(const MemoryImage* wanted) {
  FreeReservation r;
  FreeList& list = freeList();
  {
    std::lock_guard<std::mutex> lock(list.mu);
    auto score = [&](const FreeReservation& e) { return e.image.get() == wanted ? 2 : e.image ? 0 : 1; };
    auto best = std::max_element(list.entries.rbegin(), list.entries.rend(),
                                 [&](const auto& a, const auto& b) { return score(a) < score(b); });
    if (best != list.entries.rend()) {
      r = std::move(*best);
      list.entries.erase(std::next(best).base());
    }
  }
  if (r.base && r.image && r.image.get() != wanted) {
    if (!replaceWithNone(r.base, r.image->sizeBytes())) {
      munmap(r.base, kReservationBytes);
      r.base = nullptr;
    }
    r.image = nullptr;
  }
  if (r.base) return r;
  void* p = mmap(nullptr, kReserveAtOnce * kReservationBytes, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return r;
  r.base = static_cast<uint8_t*>(p);
  for (size_t i = 1; i < kReserveAtOnce; ++i) keep({r.base + i * kReservationBytes, nullptr});
  return r;
}

// Empties a dead memory's reservation of every page written or grown and keeps it for
// reuse; unmaps it when emptying fails.
void giveBackReservation(uint8_t* base, uint64_t size, std::shared_ptr<const MemoryImage> image) {
  uint64_t imaged = image ? image->sizeBytes() : 0;
  bool emptied = (imaged == 0 || madvise(base, imaged, MADV_DONTNEED) == 0) &&
                 (size <= imaged || replaceWithNone(base + imaged, size - imaged));
  if (emptied) {
    keep({base, std::move(image)});
  } else {
    munmap(base, kReservationBytes);
  }
}

// Makes a new memory hold `initial`; `mapped` is what its reservation maps already.
Result<void> startFrom(Memory& memory, const MemoryImage& initial, std::shared_ptr<const MemoryImage> mapped) {
  if (mapped.get() != &initial) return initial.restore(memory);  // maps it, checking the limit
  // Mapped with no page written: the memory holds the image already.
  if (initial.sizeBytes() > memory.maxPages() * kWasmPageSize) {
    return makeError(ErrorKind::Limit, "the image is larger than the memory may be");
  }
  memory.mappedImage = std::move(mapped);
  memory.size_ = initial.sizeBytes();
  return {};
}

}  // namespace

bool Memory::isGuardFault(uintptr_t addr) {
  RangeRegistry::Range r;
  if (!reservations.find(addr, &r)) return false;
  return addr - r.begin >= *static_cast<const uint64_t*>(r.data);
}

Result<std::shared_ptr<Memory>> Memory::create(const MemoryType& type, uint64_t limitBytes,
                                               const MemoryImage* initial) {
  uint64_t limitPages = std::min<uint64_t>(limitBytes / kWasmPageSize, kMaxWasmPages);
  if (type.limits.min > limitPages) {
    return makeError(ErrorKind::Limit, "memory minimum of " + std::to_string(type.limits.min) +
                                           " pages exceeds the instance limit of " +
                                           std::to_string(limitPages) + " pages");
  }
  std::shared_ptr<Memory> mem(new Memory());
  mem->type_ = type;
  mem->maxPages_ = std::min<uint64_t>(type.limits.max.value_or(kMaxWasmPages), limitPages);
  if (initial && initial->sizeBytes() < type.limits.min * kWasmPageSize) {
    return makeError(ErrorKind::Instantiate, "the memory image is smaller than the memory's minimum");
  }
  FreeReservation r = takeReservation(initial);
  if (!r.base) return makeError(ErrorKind::Limit, "cannot reserve linear memory");
  mem->base_ = r.base;
  reservations.add(reinterpret_cast<uintptr_t>(r.base), reinterpret_cast<uintptr_t>(r.base) + kReservationBytes,
                   &mem->size_);
  if (initial) {
    TW_TRY(startFrom(*mem, *initial, std::move(r.image)));
    return mem;
  }
  if (mem->grow(type.limits.min) < 0) {
    return makeError(ErrorKind::Limit, "cannot commit initial linear memory");
  }
  return mem;
}

Memory::~Memory() {
  if (!base_) return;
  reservations.remove(reinterpret_cast<uintptr_t>(base_));
  giveBackReservation(base_, size_, std::move(mappedImage));
}

int64_t Memory::grow(uint64_t delta) {
  uint64_t old = pages();
  if (delta > maxPages_ || old + delta > maxPages_) return -1;
  if (delta == 0) return static_cast<int64_t>(old);
  uint64_t newSize = (old + delta) * kWasmPageSize;
  if (growthGate_ && !growthGate_->allowGrowth(size_, newSize)) return -1;
  if (mprotect(base_ + size_, newSize - size_, PROT_READ | PROT_WRITE) != 0) return -1;
  size_ = newSize;
  return static_cast<int64_t>(old);
}

}  // namespace tw
