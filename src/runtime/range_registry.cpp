// RangeRegistry: a slot is claimed by moving `begin` from 0, published by storing `end`
// last, and retired by clearing `end` first, so a concurrent find() sees either the whole
// range or nothing (a slot retired and reused while find() reads it is caught by reading
// `end` again).
#include "tensorwasm/runtime/range_registry.h"

namespace tw {

bool RangeRegistry::claim(Slot& s, uintptr_t begin, uintptr_t end, const void* data) {
  uintptr_t expected = 0;
  if (!s.begin.compare_exchange_strong(expected, begin, std::memory_order_acq_rel)) return false;
  s.data.store(data, std::memory_order_relaxed);
  s.end.store(end, std::memory_order_release);
  return true;
}

void RangeRegistry::add(uintptr_t begin, uintptr_t end, const void* data) {
  Chunk* chunk = &head_;
  for (;;) {
    for (Slot& s : chunk->slots) {
      if (claim(s, begin, end, data)) return;
    }
    Chunk* next = chunk->next.load(std::memory_order_acquire);
    if (!next) {
      auto* fresh = new Chunk();  // lives for the process: find() may walk it at any time
      if (chunk->next.compare_exchange_strong(next, fresh, std::memory_order_acq_rel)) next = fresh;
      else delete fresh;  // another thread linked one first; `next` now holds it
    }
    chunk = next;
  }
}

void RangeRegistry::remove(uintptr_t begin) {
  for (Chunk* c = &head_; c; c = c->next.load(std::memory_order_acquire)) {
    for (Slot& s : c->slots) {
      if (s.begin.load(std::memory_order_acquire) != begin) continue;
      s.end.store(0, std::memory_order_release);
      s.data.store(nullptr, std::memory_order_relaxed);
      s.begin.store(0, std::memory_order_release);
      return;
    }
  }
}

bool RangeRegistry::find(uintptr_t addr, Range* out) const {
  for (const Chunk* c = &head_; c; c = c->next.load(std::memory_order_acquire)) {
    for (const Slot& s : c->slots) {
      uintptr_t end = s.end.load(std::memory_order_acquire);
      uintptr_t begin = s.begin.load(std::memory_order_acquire);
      if (begin == 0 || addr < begin || addr >= end) continue;
      const void* data = s.data.load(std::memory_order_acquire);
      if (s.end.load(std::memory_order_acquire) != end) continue;  // retired meanwhile
      *out = {begin, end, data};
      return true;
    }
  }
  return false;
}

}  // namespace tw
