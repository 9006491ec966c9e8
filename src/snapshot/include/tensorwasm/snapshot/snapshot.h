// Capturing a live instance into a snapshot payload and restoring one into a fresh instance
// of the same module (formats.md, "Snapshots"). Capture happens between invocations; restore
// writes memory (contents and size), own globals, own tables and segment flags into an
// instance that has just been instantiated and not yet called, after checking that the
// snapshot belongs to the restoring tenant, to that module and, when asked, that it is fresh.
// Imported memories, tables and globals belong to the exporting instance: they are neither
// recorded nor restored. GPU buffers travel in the payload; recreating them is the caller's
// part (the GPU layer's), and a caller without one refuses snapshots that hold any.
// Thread-safety: plain functions; the instance must be idle.
#pragma once

#include <chrono>
#include <optional>

#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/snapshot/payload.h"

namespace tw::snapshot {

struct CaptureOptions {
  uint64_t tenantId = 0;
  InstanceId instanceId{};
  uint64_t sequenceNo = 0;
  std::optional<Nonce> nonce;
  int64_t createdUnixMs = 0;       // 0: now
  bool embedModule = false;        // exported files carry the module's bytes
  std::span<const GpuBuffer> gpuBuffers;
};

// The payload of `instance`'s current state.
Result<std::vector<uint8_t>> captureSnapshot(const Instance& instance, const CaptureOptions& options);

// Opt-in replay and freshness checks; the tenant check always applies.
struct RestoreChecks {
  uint64_t tenantId = 0;                        // the restoring tenant
  std::optional<uint64_t> minSequenceNo;        // refuse older snapshots (Replayed)
  std::optional<Nonce> expectedNonce;           // refuse another nonce or none (Replayed)
  std::optional<std::chrono::milliseconds> maxAge;  // refuse older captures (TooOld)
};

// TenantScopeDenied, Replayed or TooOld, in that order; `nowUnixMs` is the current time.
Result<void> checkRestore(const SnapshotMeta& meta, const RestoreChecks& checks, int64_t nowUnixMs);

// Writes the snapshot's state into `fresh`, an instance of the snapshot's module that has not
// been called. ModuleMismatch when the module's digest or shape differs; TooLarge when the
// memory or a table exceeds what the instance may hold. After an error the instance may hold
// part of the state: discard it.
Result<void> restoreSnapshot(const Snapshot& snapshot, Instance& fresh);

// Milliseconds since the Unix epoch.
int64_t unixNowMs();
// 16 random bytes (instance ids, nonces).
std::array<uint8_t, 16> randomId();

}  // namespace tw::snapshot
