// The snapshot half of `tensorwasm run` (internal to the CLI layer): `--restore` starts from
// a snapshot instead of a fresh instance, `--save-snapshot FILE` captures the instance after
// the call into an exported, self-contained file. Both are signed with the snapshot key
// (--key-file, else TENSOR_WASM_API_SNAPSHOT_HMAC_KEY, else the data directory's store key)
// and bound to `--tenant` (default 0).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tensorwasm/gpu/gpu.h"
#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/snapshot/snapshot.h"

namespace tw::cli {

struct RunSnapshotFlags {
  std::string save;     // --save-snapshot FILE
  std::string restore;  // --restore FILE, or sha256:DIGEST of the data directory's store
  std::string keyFile;  // --key-file
  uint64_t tenant = 0;  // --tenant
};

// A verified snapshot to start from and the bytes of the module it was taken of.
struct RestorePoint {
  snapshot::Snapshot snapshot;
  std::vector<uint8_t> module;
};

// Reads and verifies `flags.restore`: an exported file carries its module; a digest names a
// snapshot in the data directory's store, whose module comes from `moduleFile` when given,
// else from the store. Checks the tenant before anything else is done with it.
Result<RestorePoint> loadRestorePoint(const RunSnapshotFlags& flags, const std::string& moduleFile);

// Puts the snapshot's state into `fresh` (instantiated from point.module, not yet called).
Result<void> restoreRun(const RestorePoint& point, Instance& fresh);

// Writes `flags.save`. A run that was restored continues its snapshot's history (same
// instance id, next sequence number); any other run starts a new one. `gpu`: the guest's GPU
// session, if it opened one; `run` does not capture device buffers yet, so a guest holding
// any is refused (GpuStateUnavailable) rather than snapshotted without them.
Result<void> saveRunSnapshot(const Instance& instance, const RunSnapshotFlags& flags,
                             const RestorePoint* restoredFrom, const gpu::GpuSession* gpu);

}  // namespace tw::cli
