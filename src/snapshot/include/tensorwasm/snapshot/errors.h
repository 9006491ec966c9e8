// Typed refusals of the snapshot layer. Each is a tw::Error whose `code` holds a SnapshotErrc
// (snapshotErrc() reads it back); the kind says the broad class, so the CLI's exit codes
// follow: Malformed for bytes that are not a well-formed snapshot, Limit for caps, Invalid
// for a snapshot of another module, Usage for refusals of the restoring caller (tenant,
// replay, age, key), Unsupported for state that cannot be captured. `name()` is the
// snake_case identifier an API reports (http-api.md names tenant_scope_denied,
// snapshot_signature_invalid, snapshot_replayed and snapshot_too_old).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tensorwasm/support/result.h"

namespace tw::snapshot {

#define TW_SNAPSHOT_ERRORS(X)                                         \
  X(Truncated, Malformed, "snapshot_truncated")                       \
  X(BadMagic, Malformed, "snapshot_bad_magic")                        \
  X(BadVersion, Malformed, "snapshot_bad_version")                    \
  X(Malformed, Malformed, "snapshot_malformed")                       \
  X(BadChecksum, Malformed, "snapshot_bad_checksum")                  \
  X(SignatureInvalid, Malformed, "snapshot_signature_invalid")        \
  X(TooLarge, Limit, "snapshot_too_large")                            \
  X(NotFound, Usage, "snapshot_not_found")                            \
  X(ModuleMismatch, Invalid, "snapshot_module_mismatch")              \
  X(NotCapturable, Unsupported, "snapshot_not_capturable")            \
  X(GpuStateUnavailable, Unsupported, "snapshot_gpu_unavailable")     \
  X(TenantScopeDenied, Usage, "tenant_scope_denied")                  \
  X(Replayed, Usage, "snapshot_replayed")                             \
  X(TooOld, Usage, "snapshot_too_old")                                \
  X(BadKey, Usage, "bad_key")

enum class SnapshotErrc : int32_t {
#define TW_SNAPSHOT_ENUM(name, kind, text) name,
  TW_SNAPSHOT_ERRORS(TW_SNAPSHOT_ENUM)
#undef TW_SNAPSHOT_ENUM
};

Error snapshotError(SnapshotErrc code, std::string message);
// The SnapshotErrc of an error made by snapshotError, if it is one.
std::optional<SnapshotErrc> snapshotErrc(const Error& error);
const char* name(SnapshotErrc code);

}  // namespace tw::snapshot
