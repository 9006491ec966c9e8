// The earlier implementation's inline snapshot files (formats.md, "Legacy inline formats"),
// read for `tensorwasm snapshot inspect`: a zstd frame of the record
//   u32 magic 0xBA115407, u32 version (2 or 3),
//   u64-length-prefixed blobs wasm_memory, gpu_memory, registers,
//   metadata {u64 tenant_id, u128 instance_id, u64 created_unix_ms,
//             u64 total_uncompressed_bytes, u64 sequence_no, nonce: u8 tag (0 absent, 1: 16 bytes)},
//   u32 CRC32 (IEEE) of wasm_memory ++ gpu_memory ++ registers,
// all little-endian; version 3 appends, uncompressed, "S3T1", a kind byte (1 = HMAC-SHA256)
// and a 32-byte MAC of everything before the MAC.
// Thread-safety: plain functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "tensorwasm/snapshot/errors.h"
#include "tensorwasm/storage/key.h"

namespace tw::snapshot {

inline constexpr uint32_t kLegacyMagic = 0xBA115407;

struct LegacyLimits {
  uint64_t maxDecompressedBytes = 256ull << 20;
  uint64_t maxMemoryBytes = 1ull << 30;
  uint64_t maxGpuBytes = 4ull << 30;
  uint64_t maxRegistersBytes = 1ull << 20;
};

// What a legacy file shows without anything untrusted being decompressed or parsed: its
// size, and whether it ends in a version 3 trailer (and the trailer's kind byte).
struct LegacyOutline {
  uint64_t fileBytes = 0;
  uint64_t frameBytes = 0;  // the compressed record
  bool trailer = false;
  uint8_t trailerKind = 0;
};

// The outline when `file` starts like a zstd frame, else nullopt.
std::optional<LegacyOutline> outlineLegacyFile(std::span<const uint8_t> file);

// A parsed record; the blobs are views into the bytes it was parsed from.
struct LegacyRecord {
  uint32_t version = 0;
  std::span<const uint8_t> wasmMemory, gpuMemory, registers;
  uint64_t tenantId = 0;
  std::array<uint8_t, 16> instanceId{};  // the u128 as stored (little-endian)
  uint64_t createdUnixMs = 0;
  uint64_t totalUncompressedBytes = 0;
  uint64_t sequenceNo = 0;
  std::optional<std::array<uint8_t, 16>> nonce;
};

// Parses a decompressed record: every length against what is left and its cap, the CRC32
// (BadChecksum), no trailing bytes.
Result<LegacyRecord> parseLegacyRecord(std::span<const uint8_t> record, const LegacyLimits& limits = {});

// A legacy file opened with a key: the decompressed record and its parse. Movable, not
// copyable (a copy's views would point into the original's record).
struct LegacySnapshot {
  LegacySnapshot() = default;
  LegacySnapshot(LegacySnapshot&&) = default;
  LegacySnapshot& operator=(LegacySnapshot&&) = default;
  LegacySnapshot(const LegacySnapshot&) = delete;
  LegacySnapshot& operator=(const LegacySnapshot&) = delete;

  std::vector<uint8_t> record;
  LegacyRecord parsed;             // views into `record`
  bool signatureVerified = false;  // version 3 with its MAC checked; version 2 has no signature
};

// Checks the version 3 trailer's MAC under `key` first (SignatureInvalid), then decompresses
// under the cap and parses; the record's version must match the trailer's presence.
Result<LegacySnapshot> openLegacyFile(std::span<const uint8_t> file, const storage::Key& key,
                                      const LegacyLimits& limits = {});

// CRC-32 (IEEE 802.3, reflected, as zlib computes it).
uint32_t crc32(std::span<const uint8_t> bytes, uint32_t crc = 0);

}  // namespace tw::snapshot
