// Linear memory: a reserved virtual region (kReservationBytes: everything a 32-bit address
// plus a 32-bit offset plus the widest access can reach) committed page by page as it
// grows, so growth never moves the base and the uncommitted rest stays PROT_NONE (a
// destroyed memory's reservation, emptied, may serve a later memory: memory.cpp). Every
// memory registers its reservation process-wide, so the optimizing tier's fault handler can
// tell an out-of-bounds access of generated code (isGuardFault) from any other fault. Host
// code reaches guest memory only through the bounds-checked accessors here.
// Thread-safety: owned by one instance; grow() must not race with accesses. isGuardFault()
// is async-signal-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "tensorwasm/binary/types.h"
#include "tensorwasm/support/result.h"

namespace tw {

class MemoryImage;

inline constexpr uint64_t kWasmPageSize = 65536;
inline constexpr uint32_t kMaxWasmPages = 65536;
// The highest byte a load or store can touch is base + (2^32-1) + (2^32-1) + 15 (a v128);
// the reservation covers it with a page of margin, so every such access faults when out of
// bounds.
inline constexpr uint64_t kReservationBytes = (8ull << 30) + kWasmPageSize;
static_assert(kReservationBytes >= 2 * 0xFFFFFFFFull + 16);

// Asked before a memory grows: false refuses the growth (memory.grow gives -1). How an
// embedder charges growth to someone (the service layer: the tenant's CPU memory quota).
class MemoryGrowthGate {
 public:
  virtual ~MemoryGrowthGate() = default;
  virtual bool allowGrowth(uint64_t fromBytes, uint64_t toBytes) = 0;
};

class Memory {
 public:
  // `limitBytes` is the embedder's cap (engine.md default 256 MiB); growth past it fails.
  // With `initial`, the memory starts as that image (mapped copy-on-write, its size included)
  // instead of the type's minimum of zero pages; an Instantiate error when the image's size
  // is outside the type's limits, a Limit error when it exceeds the cap.
  static Result<std::shared_ptr<Memory>> create(const MemoryType& type, uint64_t limitBytes,
                                                const MemoryImage* initial = nullptr);
  ~Memory();
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

  uint8_t* base() const { return base_; }
  uint64_t sizeBytes() const { return size_; }
  uint32_t pages() const { return static_cast<uint32_t>(size_ / kWasmPageSize); }
  const MemoryType& type() const { return type_; }
  // The most pages this memory may have: the type's maximum within the embedder's cap.
  uint64_t maxPages() const { return maxPages_; }
  // Grows by `delta` pages; returns the old page count, or -1 if refused (max, limit, or the
  // growth gate).
  int64_t grow(uint64_t delta);
  // From now on every growth asks `gate` first (null: none).
  void setGrowthGate(std::shared_ptr<MemoryGrowthGate> gate) { growthGate_ = std::move(gate); }
  // Whether `addr` lies in the reservation of some live memory of this process but outside
  // its committed size: where an out-of-bounds guest access faults. Async-signal-safe.
  static bool isGuardFault(uintptr_t addr);

  // A pointer to [addr, addr+len) if it lies inside memory, else nullptr.
  uint8_t* range(uint64_t addr, uint64_t len) const {
    if (addr > size_ || len > size_ - addr) return nullptr;
    return base_ + addr;
  }
  template <typename T>
  bool load(uint64_t addr, T& out) const {
    const uint8_t* p = range(addr, sizeof(T));
    if (!p) return false;
    std::memcpy(&out, p, sizeof(T));
    return true;
  }
  template <typename T>
  bool store(uint64_t addr, const T& v) {
    uint8_t* p = range(addr, sizeof(T));
    if (!p) return false;
    std::memcpy(p, &v, sizeof(T));
    return true;
  }

  // Public for the tiers' fast paths: base_ never changes; size_ changes on grow().
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  // The copy-on-write image (image.h) mapped at base_, null if none: resetting to it again
  // only has to drop the pages written since, and a page not written since reads from it.
  std::shared_ptr<const MemoryImage> mappedImage;

 private:
  Memory() = default;
  MemoryType type_;
  uint64_t maxPages_ = 0;     // min(type max, limit)
  std::shared_ptr<MemoryGrowthGate> growthGate_;
};

}  // namespace tw
