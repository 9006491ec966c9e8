// Reading the legacy inline snapshot files. Decompression is streamed into a buffer that may
// grow to the cap plus one byte and no further, so a small frame claiming a huge output costs
// only the cap.
#include "tensorwasm/snapshot/legacy.h"

#include <zstd.h>

#include <cstring>
#include <memory>
#include <string>

#include "byte_io.h"

namespace tw::snapshot {
namespace {

constexpr uint8_t kZstdMagic[4] = {0x28, 0xB5, 0x2F, 0xFD};
constexpr std::string_view kTrailerMagic = "S3T1";
constexpr size_t kTrailerBytes = 4 + 1 + 32;
constexpr uint8_t kTrailerHmacSha256 = 1;

Error malformed(const std::string& what) { return snapshotError(SnapshotErrc::Malformed, what); }

bool hasTrailer(std::span<const uint8_t> file) {
  if (file.size() < sizeof kZstdMagic + kTrailerBytes) return false;
  return std::memcmp(file.data() + file.size() - kTrailerBytes, kTrailerMagic.data(), 4) == 0;
}

Result<std::vector<uint8_t>> decompress(std::span<const uint8_t> frame, uint64_t cap) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return malformed("cannot set up zstd");
  std::vector<uint8_t> out;
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  size_t status = 1;
  bool more = true;
  while (more) {
    size_t at = out.size();
    out.resize(std::min<uint64_t>(at + ZSTD_DStreamOutSize(), cap + 1));
    ZSTD_outBuffer o{out.data() + at, out.size() - at, 0};
    status = ZSTD_decompressStream(ctx.get(), &o, &in);
    if (ZSTD_isError(status)) return malformed(std::string("zstd: ") + ZSTD_getErrorName(status));
    out.resize(at + o.pos);
    if (out.size() > cap) {
      return snapshotError(SnapshotErrc::TooLarge, "the record decompresses past the cap of " + std::to_string(cap) + " bytes");
    }
    if (status == 0 && in.pos < in.size) return malformed("bytes after the zstd frame");
    // A full output buffer may leave decoded bytes inside zstd even when the input is used up.
    more = in.pos < in.size || o.pos == o.size;
  }
  if (status != 0) return snapshotError(SnapshotErrc::Truncated, "the zstd frame ends early");
  return out;
}

Result<std::span<const uint8_t>> blob(ByteReader& r, uint64_t cap, const char* what) {
  TW_ASSIGN(uint64_t length, r.u64(what));
  if (length > cap) {
    return snapshotError(SnapshotErrc::TooLarge, std::string(what) + " of " + std::to_string(length) +
                                                     " bytes exceeds the cap of " + std::to_string(cap));
  }
  return r.bytes(length, what);
}

Result<void> metadata(ByteReader& r, LegacyRecord& rec) {
  TW_ASSIGN(rec.tenantId, r.u64("tenant id"));
  TW_ASSIGN(auto id, r.bytes(16, "instance id"));
  std::memcpy(rec.instanceId.data(), id.data(), 16);
  TW_ASSIGN(rec.createdUnixMs, r.u64("created time"));
  TW_ASSIGN(rec.totalUncompressedBytes, r.u64("total size"));
  TW_ASSIGN(rec.sequenceNo, r.u64("sequence number"));
  TW_ASSIGN(uint8_t tag, r.u8("nonce tag"));
  if (tag > 1) return malformed("nonce tag " + std::to_string(tag) + " is neither 0 nor 1");
  if (tag == 1) {
    TW_ASSIGN(auto nonce, r.bytes(16, "nonce"));
    rec.nonce.emplace();
    std::memcpy(rec.nonce->data(), nonce.data(), 16);
  }
  return {};
}

}  // namespace

uint32_t crc32(std::span<const uint8_t> bytes, uint32_t crc) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (uint8_t b : bytes) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::optional<LegacyOutline> outlineLegacyFile(std::span<const uint8_t> file) {
  if (file.size() < sizeof kZstdMagic || std::memcmp(file.data(), kZstdMagic, sizeof kZstdMagic) != 0) {
    return std::nullopt;
  }
  LegacyOutline o;
  o.fileBytes = file.size();
  o.trailer = hasTrailer(file);
  o.frameBytes = file.size() - (o.trailer ? kTrailerBytes : 0);
  if (o.trailer) o.trailerKind = file[file.size() - kTrailerBytes + 4];
  return o;
}

Result<LegacyRecord> parseLegacyRecord(std::span<const uint8_t> record, const LegacyLimits& limits) {
  ByteReader r(record);
  LegacyRecord rec;
  TW_ASSIGN(uint32_t magic, r.u32("magic"));
  if (magic != kLegacyMagic) return snapshotError(SnapshotErrc::BadMagic, "not a legacy snapshot record");
  TW_ASSIGN(rec.version, r.u32("version"));
  if (rec.version != 2 && rec.version != 3) {
    return snapshotError(SnapshotErrc::BadVersion, "legacy version " + std::to_string(rec.version));
  }
  TW_ASSIGN(rec.wasmMemory, blob(r, limits.maxMemoryBytes, "wasm_memory"));
  TW_ASSIGN(rec.gpuMemory, blob(r, limits.maxGpuBytes, "gpu_memory"));
  TW_ASSIGN(rec.registers, blob(r, limits.maxRegistersBytes, "registers"));
  TW_TRY(metadata(r, rec));
  TW_ASSIGN(uint32_t stored, r.u32("CRC32"));
  if (r.remaining() != 0) return malformed(std::to_string(r.remaining()) + " bytes after the record");
  uint32_t crc = crc32(rec.registers, crc32(rec.gpuMemory, crc32(rec.wasmMemory)));
  if (crc != stored) return snapshotError(SnapshotErrc::BadChecksum, "CRC32 of the blobs differs from the stored one");
  return rec;
}

Result<LegacySnapshot> openLegacyFile(std::span<const uint8_t> file, const storage::Key& key,
                                      const LegacyLimits& limits) {
  std::optional<LegacyOutline> outline = outlineLegacyFile(file);
  if (!outline) return snapshotError(SnapshotErrc::BadMagic, "not a zstd frame");
  LegacySnapshot s;
  if (outline->trailer) {
    if (outline->trailerKind != kTrailerHmacSha256) {
      return malformed("trailer kind " + std::to_string(outline->trailerKind) + " (only 1, HMAC-SHA256, is known)");
    }
    storage::Mac mac = storage::hmacSha256(key, file.first(file.size() - 32));
    if (!storage::macEqual(mac, file.last(32))) {
      return snapshotError(SnapshotErrc::SignatureInvalid, "the trailer's MAC does not verify under the key");
    }
    s.signatureVerified = true;
  }
  TW_ASSIGN(s.record, decompress(file.first(outline->frameBytes), limits.maxDecompressedBytes));
  TW_ASSIGN(s.parsed, parseLegacyRecord(s.record, limits));
  if ((s.parsed.version == 3) != outline->trailer) {
    return malformed("record version " + std::to_string(s.parsed.version) +
                     (outline->trailer ? " with" : " without") + " a version 3 trailer");
  }
  return s;
}

}  // namespace tw::snapshot
