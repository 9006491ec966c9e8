// Tables, and the process-wide registry of canonical function type ids.
#include "tensorwasm/runtime/objects.h"

#include <map>
#include <mutex>

namespace tw {

uint32_t canonicalTypeId(const FuncType& type) {
  static std::mutex mu;
  static std::map<std::pair<std::vector<ValType>, std::vector<ValType>>, uint32_t> ids;
  std::lock_guard<std::mutex> lock(mu);
  auto [it, inserted] =
      ids.try_emplace({type.params, type.results}, static_cast<uint32_t>(ids.size() + 1));
  return it->second;
}

Table::Table(const TableType& type, uint32_t limit, void* init)
    : elems(type.limits.min, init), type_(type) {
  uint64_t max = type.limits.max.value_or(UINT32_MAX);
  max_ = static_cast<uint32_t>(std::min<uint64_t>(max, limit));
}

int64_t Table::grow(uint32_t delta, void* init) {
  uint64_t old = elems.size();
  if (old + delta > max_) return -1;
  elems.resize(old + delta, init);
  return static_cast<int64_t>(old);
}

}  // namespace tw
