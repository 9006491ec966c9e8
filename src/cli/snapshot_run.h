// The snapshot half of `tensorwasm run` (internal to the CLI layer): `--restore` starts from
// a snapshot instead of a fresh instance, `--save-snapshot FILE` captures the instance after
// the call into an exported, self-contained file. Both are signed with the snapshot key
// (--key-file, else TENSOR_WASM_API_SNAPSHOT_HMAC_KEY, else the data directory's store key)
// and bound to `--tenant` (default 0).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/snapshot/snapshot.h"
#include "tensorwasm/wasi/cuda.h"

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

// Puts the snapshot's state into `fresh` (instantiated from point.module, not yet called) and
// its GPU buffers into the guest's wasi:cuda context.
Result<void> restoreRun(const RestorePoint& point, Instance& fresh, CudaGuestContext& cuda);

// Writes `flags.save`. A run that was restored continues its snapshot's history (same
// instance id, next sequence number); any other run starts a new one. The guest's live GPU
// buffers are captured with it.
Result<void> saveRunSnapshot(const Instance& instance, const RunSnapshotFlags& flags,
                             const RestorePoint* restoredFrom, CudaGuestContext& cuda);

}  // namespace tw::cli
