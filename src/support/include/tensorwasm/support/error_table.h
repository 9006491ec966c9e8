// The mechanism behind each layer's typed errors (service, snapshot, kernel registry): a
// table, written once per layer with an X-macro, giving each code its ErrorKind and its stable
// snake_case name. A layer's errors carry `base + code` in Error::code, so codes of different
// layers that share a kind are never confused. Thread-safety: immutable.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "tensorwasm/support/result.h"

namespace tw {

struct ErrorTableEntry {
  ErrorKind kind;
  const char* name;
};

template <typename Code>
struct ErrorTable {
  int32_t base;
  std::span<const ErrorTableEntry> entries;

  const char* name(Code code) const { return entries[static_cast<size_t>(code)].name; }
  Error make(Code code, std::string message) const {
    Error e = makeError(entries[static_cast<size_t>(code)].kind, std::move(message));
    e.code = base + static_cast<int32_t>(code);
    return e;
  }
  // The code of an error made by make(), if it is one of this table's.
  std::optional<Code> codeOf(const Error& error) const {
    int32_t index = error.code - base;
    if (index < 0 || index >= static_cast<int32_t>(entries.size()) || error.kind != entries[index].kind) {
      return std::nullopt;
    }
    return static_cast<Code>(index);
  }
};

}  // namespace tw
