// The snapshot payload: this project's own versioned, little-endian layout of one instance's
// state between invocations (FORMAT.md beside this folder's sources documents every byte).
// encodeSnapshot() writes it from an InstanceImage; Snapshot::parse() reads it back, checking
// every count, length, index and cap against the bytes actually present, so malformed input
// gives a SnapshotErrc and never a crash or an allocation it did not pay for. The payload is
// what the artifact envelope seals; it carries no MAC of its own.
// Thread-safety: plain functions; a Snapshot is immutable after parse().
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "tensorwasm/runtime/image.h"
#include "tensorwasm/snapshot/errors.h"
#include "tensorwasm/storage/digest.h"

namespace tw::snapshot {

inline constexpr std::string_view kPayloadMagic = "twasm-snapshot01";
inline constexpr uint32_t kPayloadVersion = 1;

using InstanceId = std::array<uint8_t, 16>;
using Nonce = std::array<uint8_t, 16>;

// Who the snapshot belongs to and where it sits in its instance's history.
struct SnapshotMeta {
  storage::Digest moduleDigest;  // SHA-256 of the module's bytes
  uint64_t tenantId = 0;
  InstanceId instanceId{};
  int64_t createdUnixMs = 0;
  uint64_t sequenceNo = 0;       // grows by one with each capture of the same instance
  std::optional<Nonce> nonce;
};

// One device buffer of the guest: its handle as the guest knows it, and its bytes.
struct GpuBuffer {
  uint64_t handle = 0;
  std::span<const uint8_t> contents;
};

// Caps a reader applies before anything is allocated or restored.
struct SnapshotLimits {
  uint64_t maxPayloadBytes = (1ull << 30) + (64ull << 20);  // a whole payload, module included
  uint64_t maxMemoryBytes = uint64_t{kMaxWasmPages} * kWasmPageSize;  // declared size of the memory
  uint64_t maxGpuBytes = 1ull << 30;                         // all GPU buffers together
};

// What to write besides the instance's own state.
struct EncodeInput {
  SnapshotMeta meta;
  const InstanceImage* image = nullptr;
  std::optional<uint32_t> memoryMaxPages;  // the memory type's declared maximum
  std::span<const GpuBuffer> gpuBuffers;
  std::span<const uint8_t> module;         // embedded when not empty (exported files)
};

// The payload of `input`; NotCapturable when the image holds references that cannot leave
// the process (host objects, functions of other instances).
Result<std::vector<uint8_t>> encodeSnapshot(const EncodeInput& input);

// A parsed payload. It owns the payload bytes; the memory runs, GPU buffers and module are
// views into them. Movable, not copyable (a copy's views would point into the original).
class Snapshot {
 public:
  static Result<Snapshot> parse(std::vector<uint8_t> payload, const SnapshotLimits& limits = {});
  Snapshot(Snapshot&&) = default;
  Snapshot& operator=(Snapshot&&) = default;
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  const SnapshotMeta& meta() const { return meta_; }
  const PortableInstance& state() const { return state_; }
  std::optional<uint32_t> memoryMaxPages() const { return memoryMaxPages_; }
  const std::vector<MemoryRun>& memoryRuns() const { return memoryRuns_; }
  const std::vector<GpuBuffer>& gpuBuffers() const { return gpuBuffers_; }
  // The embedded module; empty when the payload was stored without it.
  std::span<const uint8_t> module() const { return module_; }
  std::span<const uint8_t> payload() const { return payload_; }

 private:
  Snapshot() = default;
  class Parser;
  std::vector<uint8_t> payload_;
  SnapshotMeta meta_;
  PortableInstance state_;
  std::optional<uint32_t> memoryMaxPages_;
  std::vector<MemoryRun> memoryRuns_;
  std::vector<GpuBuffer> gpuBuffers_;
  std::span<const uint8_t> module_;
};

}  // namespace tw::snapshot
