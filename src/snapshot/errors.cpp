// Snapshot error construction: one table (errors.h) gives each code its kind and name.
#include "tensorwasm/snapshot/errors.h"

#include "tensorwasm/support/error_table.h"

namespace tw::snapshot {
namespace {

constexpr ErrorTableEntry kEntries[] = {
#define TW_SNAPSHOT_ENTRY(name, kind, text) {ErrorKind::kind, text},
    TW_SNAPSHOT_ERRORS(TW_SNAPSHOT_ENTRY)
#undef TW_SNAPSHOT_ENTRY
};
// Marks snapshot errors apart from trap, exit and service codes, which share Error::code.
constexpr ErrorTable<SnapshotErrc> kTable{0x5b000, kEntries};

}  // namespace

const char* name(SnapshotErrc code) { return kTable.name(code); }

Error snapshotError(SnapshotErrc code, std::string message) {
  return kTable.make(code, std::string(name(code)) + ": " + std::move(message));
}

std::optional<SnapshotErrc> snapshotErrc(const Error& error) { return kTable.codeOf(error); }

}  // namespace tw::snapshot
