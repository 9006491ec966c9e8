// The legacy inline formats (src/snapshot/legacy.h) read from the committed golden files and
// from records built here: CRC, MAC, caps, truncation, version/trailer agreement.
#include <gtest/gtest.h>

#include "snapshot_guest.h"
#include "tensorwasm/snapshot/files.h"
#include "tensorwasm/snapshot/legacy.h"

using namespace tw;
using namespace tw::snapshot;

namespace {

std::vector<uint8_t> goldenBytes(const std::string& name) {
  std::string text = tw::testing::readFile(tw::testing::snapshotDataDir() / name);
  return {text.begin(), text.end()};
}

const storage::Key& legacyKey() {
  static const storage::Key key = readKeyFile(tw::testing::snapshotDataDir() / "legacy.key").value();
  return key;
}

std::string errcName(const Error& e) {
  std::optional<SnapshotErrc> code = snapshotErrc(e);
  return code ? name(*code) : "untyped: " + e.describe();
}

void le(std::vector<uint8_t>& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// A record with one-byte blobs; `crcDelta` corrupts its CRC.
std::vector<uint8_t> record(uint32_t version, uint32_t crcDelta = 0) {
  std::vector<uint8_t> r;
  le(r, kLegacyMagic, 4);
  le(r, version, 4);
  for (uint8_t b : {uint8_t{1}, uint8_t{2}, uint8_t{3}}) {
    le(r, 1, 8);
    r.push_back(b);
  }
  le(r, 9, 8);               // tenant
  r.insert(r.end(), 16, 0);  // instance id
  le(r, 5, 8);
  le(r, 3, 8);
  le(r, 1, 8);
  r.push_back(0);  // no nonce
  std::vector<uint8_t> blobs = {1, 2, 3};
  le(r, crc32(blobs) + crcDelta, 4);
  return r;
}

}  // namespace

TEST(SnapshotLegacy, Crc32MatchesZlib) {
  std::string text = "123456789";
  EXPECT_EQ(crc32({reinterpret_cast<const uint8_t*>(text.data()), text.size()}), 0xCBF43926u);
}

TEST(SnapshotLegacy, GoldenVersion2) {
  std::vector<uint8_t> file = goldenBytes("legacy-v2.snap");
  auto outline = outlineLegacyFile(file);
  ASSERT_TRUE(outline);
  EXPECT_FALSE(outline->trailer);
  auto s = openLegacyFile(file, legacyKey());
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(s->parsed.version, 2u);
  EXPECT_FALSE(s->signatureVerified);
  EXPECT_EQ(s->parsed.tenantId, 7u);
  EXPECT_EQ(s->parsed.sequenceNo, 41u);
  EXPECT_EQ(s->parsed.wasmMemory.size(), 2048u);
  EXPECT_EQ(s->parsed.wasmMemory[255], 255);
  EXPECT_FALSE(s->parsed.nonce);
}

TEST(SnapshotLegacy, GoldenVersion3) {
  std::vector<uint8_t> file = goldenBytes("legacy-v3.snap");
  auto outline = outlineLegacyFile(file);
  ASSERT_TRUE(outline);
  EXPECT_TRUE(outline->trailer);
  EXPECT_EQ(outline->trailerKind, 1);
  auto s = openLegacyFile(file, legacyKey());
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(s->parsed.version, 3u);
  EXPECT_TRUE(s->signatureVerified);
  EXPECT_EQ(s->parsed.createdUnixMs, 1700000000123u);
  EXPECT_EQ(s->parsed.totalUncompressedBytes, 2208u);
  ASSERT_TRUE(s->parsed.nonce);
  EXPECT_EQ((*s->parsed.nonce)[0], 16);
  EXPECT_EQ(s->parsed.instanceId[0], 0x10) << "u128 stored little-endian";
}

TEST(SnapshotLegacy, Version3TamperingIsRefusedBeforeDecompression) {
  std::vector<uint8_t> file = goldenBytes("legacy-v3.snap");
  EXPECT_EQ(errcName(openLegacyFile(file, storage::Key::fromBytes({1})).error()), "snapshot_signature_invalid");
  for (size_t at : {size_t{5}, file.size() / 2, file.size() - 40, file.size() - 1}) {
    std::vector<uint8_t> bad = file;
    bad[at] ^= 0x10;
    EXPECT_EQ(errcName(openLegacyFile(bad, legacyKey()).error()), "snapshot_signature_invalid") << at;
  }
  std::vector<uint8_t> kind = file;
  kind[file.size() - 33] = 2;
  EXPECT_EQ(errcName(openLegacyFile(kind, legacyKey()).error()), "snapshot_malformed");
}

TEST(SnapshotLegacy, Version2DamageIsNamed) {
  std::vector<uint8_t> file = goldenBytes("legacy-v2.snap");
  for (size_t n : {size_t{4}, size_t{20}, file.size() - 1}) {
    std::vector<uint8_t> cut(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(n));
    std::string e = errcName(openLegacyFile(cut, legacyKey()).error());
    EXPECT_TRUE(e == "snapshot_truncated" || e == "snapshot_malformed") << n << ": " << e;
  }
  LegacyLimits small;
  small.maxDecompressedBytes = 1000;  // the record is 2208 bytes: a zip bomb in miniature
  EXPECT_EQ(errcName(openLegacyFile(file, legacyKey(), small).error()), "snapshot_too_large");
  std::vector<uint8_t> trailing = file;
  trailing.push_back(0);
  EXPECT_NE(errcName(openLegacyFile(trailing, legacyKey()).error()), "ok");
}

TEST(SnapshotLegacy, RecordChecks) {
  EXPECT_TRUE(parseLegacyRecord(record(2)).ok());
  EXPECT_EQ(errcName(parseLegacyRecord(record(2, 1)).error()), "snapshot_bad_checksum");
  EXPECT_EQ(errcName(parseLegacyRecord(record(4)).error()), "snapshot_bad_version");
  std::vector<uint8_t> r = record(2);
  r[0] ^= 1;
  EXPECT_EQ(errcName(parseLegacyRecord(r).error()), "snapshot_bad_magic");
  r = record(2);
  r[8] = 0xFF;  // wasm_memory length 255: more than is left
  EXPECT_EQ(errcName(parseLegacyRecord(r).error()), "snapshot_truncated");
  r = record(2);
  r[22] = 0xFF;  // registers length 2^8 * 255 + 1 > 1 MiB cap once the high byte is set
  r[25] = 0x01;
  EXPECT_EQ(errcName(parseLegacyRecord(r).error()), "snapshot_too_large");
  r = record(2);
  r[r.size() - 5] = 2;  // nonce tag
  EXPECT_EQ(errcName(parseLegacyRecord(r).error()), "snapshot_malformed");
  for (size_t n = 0; n < record(2).size(); ++n) {
    std::vector<uint8_t> cut = record(2);
    cut.resize(n);
    EXPECT_FALSE(parseLegacyRecord(cut).ok()) << n;
  }
}
