// Capture and restore of instance state through the runtime's InstanceImage.
#include "tensorwasm/snapshot/snapshot.h"

#include <random>

#include "tensorwasm/runtime/image.h"

namespace tw::snapshot {
namespace {

size_t countImported(const Module& m, ExternKind kind) {
  size_t n = 0;
  for (const Import& i : m.imports) n += i.kind == kind;
  return n;
}

// The declared maximum of the instance's own memory.
std::optional<uint32_t> ownMemoryMax(const Module& m) {
  size_t imported = countImported(m, ExternKind::Memory);
  if (m.memories.size() <= imported || !m.memories[imported].limits.max) return std::nullopt;
  return static_cast<uint32_t>(*m.memories[imported].limits.max);
}

std::string hex16(const std::array<uint8_t, 16>& bytes) { return storage::toHex(bytes); }

}  // namespace

int64_t unixNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::array<uint8_t, 16> randomId() {
  std::random_device device;  // getrandom(2) on Linux
  std::array<uint8_t, 16> id;
  for (size_t i = 0; i < id.size(); i += 4) {
    uint32_t v = device();
    for (size_t k = 0; k < 4; ++k) id[i + k] = static_cast<uint8_t>(v >> (8 * k));
  }
  return id;
}

Result<std::vector<uint8_t>> captureSnapshot(const Instance& instance, const CaptureOptions& options) {
  const Module& m = instance.module();
  Result<std::shared_ptr<const InstanceImage>> image = InstanceImage::capture(instance);
  if (!image.ok()) return image.takeError();
  EncodeInput in;
  in.meta.moduleDigest = storage::sha256(m.bytes);
  in.meta.tenantId = options.tenantId;
  in.meta.instanceId = options.instanceId;
  in.meta.createdUnixMs = options.createdUnixMs ? options.createdUnixMs : unixNowMs();
  in.meta.sequenceNo = options.sequenceNo;
  in.meta.nonce = options.nonce;
  in.image = image.value().get();
  in.memoryMaxPages = ownMemoryMax(m);
  in.gpuBuffers = options.gpuBuffers;
  if (options.embedModule) in.module = m.bytes;
  return encodeSnapshot(in);
}

Result<void> checkRestore(const SnapshotMeta& meta, const RestoreChecks& checks, int64_t nowUnixMs) {
  if (meta.tenantId != checks.tenantId) {
    return snapshotError(SnapshotErrc::TenantScopeDenied, "the snapshot belongs to tenant " +
                                                              std::to_string(meta.tenantId) + ", not tenant " +
                                                              std::to_string(checks.tenantId));
  }
  if (checks.minSequenceNo && meta.sequenceNo < *checks.minSequenceNo) {
    return snapshotError(SnapshotErrc::Replayed, "sequence number " + std::to_string(meta.sequenceNo) +
                                                     " is below the minimum " + std::to_string(*checks.minSequenceNo));
  }
  if (checks.expectedNonce && meta.nonce != checks.expectedNonce) {
    return snapshotError(SnapshotErrc::Replayed, "the nonce is " + (meta.nonce ? hex16(*meta.nonce) : std::string("absent")) +
                                                     ", expected " + hex16(*checks.expectedNonce));
  }
  if (checks.maxAge && nowUnixMs - meta.createdUnixMs > checks.maxAge->count()) {
    return snapshotError(SnapshotErrc::TooOld, "taken " + std::to_string(nowUnixMs - meta.createdUnixMs) +
                                                   " ms ago, the limit is " + std::to_string(checks.maxAge->count()) + " ms");
  }
  return {};
}

Result<void> restoreSnapshot(const Snapshot& snapshot, Instance& fresh) {
  const Module& m = fresh.module();
  if (storage::sha256(m.bytes) != snapshot.meta().moduleDigest) {
    return snapshotError(SnapshotErrc::ModuleMismatch, "the snapshot is of module " + snapshot.meta().moduleDigest.str() +
                                                           ", the instance of " + storage::sha256(m.bytes).str());
  }
  if (snapshot.state().memoryBytes && snapshot.memoryMaxPages() != ownMemoryMax(m)) {
    return snapshotError(SnapshotErrc::ModuleMismatch, "the memory's declared maximum differs");
  }
  Result<std::shared_ptr<const InstanceImage>> image =
      InstanceImage::fromPortable(m, snapshot.state(), snapshot.memoryRuns());
  if (!image.ok()) {
    if (image.error().kind == ErrorKind::Instantiate) {
      return snapshotError(SnapshotErrc::ModuleMismatch, image.error().message);
    }
    return image.takeError();
  }
  Result<void> restored = image.value()->restore(fresh);
  if (!restored.ok() && restored.error().kind == ErrorKind::Limit) {
    return snapshotError(SnapshotErrc::TooLarge, restored.error().message);
  }
  return restored;
}

}  // namespace tw::snapshot
