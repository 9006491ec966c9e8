// A process-wide set of address ranges that a signal handler can search: linear-memory
// reservations (memory.cpp) and the optimizing tier's machine code (jit/). Ranges live in
// fixed-size chunks of atomic slots chained into a list that only grows, so find() takes no
// lock, allocates nothing and never sees freed storage.
// Thread-safety: add/remove may run concurrently on any threads (they may allocate, so not
// from a signal handler); find() is async-signal-safe and may run concurrently with them.
#pragma once

#include <atomic>
#include <cstdint>

namespace tw {

class RangeRegistry {
 public:
  struct Range {
    uintptr_t begin = 0;
    uintptr_t end = 0;
    const void* data = nullptr;  // what add() was given with the range
  };

  constexpr RangeRegistry() = default;
  RangeRegistry(const RangeRegistry&) = delete;
  RangeRegistry& operator=(const RangeRegistry&) = delete;

  // Records [begin, end) with `data`; begin must be non-zero and not already recorded.
  void add(uintptr_t begin, uintptr_t end, const void* data);
  // Forgets the range that starts at `begin` (no-op when there is none).
  void remove(uintptr_t begin);
  // The recorded range holding `addr`, if any. Async-signal-safe.
  bool find(uintptr_t addr, Range* out) const;

 private:
  static constexpr int kSlotsPerChunk = 64;
  struct Slot {
    std::atomic<uintptr_t> begin{0};  // 0: free; claimed by compare-exchange
    std::atomic<uintptr_t> end{0};    // 0 while being filled or emptied: matches nothing
    std::atomic<const void*> data{nullptr};
  };
  struct Chunk {
    Slot slots[kSlotsPerChunk];
    std::atomic<Chunk*> next{nullptr};
  };
  static bool claim(Slot& s, uintptr_t begin, uintptr_t end, const void* data);

  Chunk head_;  // further chunks are never freed: find() may be walking them
};

}  // namespace tw
