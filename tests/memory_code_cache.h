// Test and benchmark support: a CodeCache that keeps entries in memory (open to tampering by
// the test) and counts what the tier asks of it.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "tensorwasm/runtime/code_cache.h"

namespace tw::testing {

class MemoryCodeCache final : public CodeCache {
 public:
  std::optional<std::vector<uint8_t>> load(const CodeIdentity& id) override {
    std::lock_guard lock(mutex_);
    ++loads;
    auto it = entries.find(keyOf(id));
    if (it == entries.end()) return std::nullopt;
    ++hits;
    return it->second;
  }
  void store(const CodeIdentity& id, std::span<const uint8_t> code) override {
    std::lock_guard lock(mutex_);
    ++stores;
    entries[keyOf(id)].assign(code.begin(), code.end());
  }
  int storesSoFar() {
    std::lock_guard lock(mutex_);
    return stores;
  }

  std::map<std::string, std::vector<uint8_t>> entries;
  int loads = 0, hits = 0, stores = 0;

 private:
  static std::string keyOf(const CodeIdentity& id) {
    return id.compiler + std::string(id.module.begin(), id.module.end());
  }
  std::mutex mutex_;
};

}  // namespace tw::testing
