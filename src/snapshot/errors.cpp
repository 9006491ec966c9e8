// Snapshot error construction: one table (errors.h) gives each code its kind and name.
#include "tensorwasm/snapshot/errors.h"

#include <iterator>

namespace tw::snapshot {
namespace {

// Marks snapshot errors apart from trap, exit and service codes, which share Error::code.
constexpr int32_t kSnapshotBase = 0x5b000;

struct Entry {
  ErrorKind kind;
  const char* name;
};

constexpr Entry kEntries[] = {
#define TW_SNAPSHOT_ENTRY(name, kind, text) {ErrorKind::kind, text},
    TW_SNAPSHOT_ERRORS(TW_SNAPSHOT_ENTRY)
#undef TW_SNAPSHOT_ENTRY
};

}  // namespace

const char* name(SnapshotErrc code) { return kEntries[static_cast<int32_t>(code)].name; }

Error snapshotError(SnapshotErrc code, std::string message) {
  Error e = makeError(kEntries[static_cast<int32_t>(code)].kind,
                      std::string(name(code)) + ": " + std::move(message));
  e.code = kSnapshotBase + static_cast<int32_t>(code);
  return e;
}

std::optional<SnapshotErrc> snapshotErrc(const Error& error) {
  int32_t index = error.code - kSnapshotBase;
  if (index < 0 || index >= static_cast<int32_t>(std::size(kEntries))) return std::nullopt;
  if (kEntries[index].kind != error.kind) return std::nullopt;
  return static_cast<SnapshotErrc>(index);
}

}  // namespace tw::snapshot
