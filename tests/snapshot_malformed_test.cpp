// Hostile snapshot payloads (src/snapshot/FORMAT.md): truncations, flipped bytes, bad counts,
// out-of-range pages and indices, sizes beyond the caps, payloads of another module. Each
// must end in a named SnapshotErrc, never a crash, and a payload that parses must restore or
// be refused cleanly.
#include <gtest/gtest.h>

#include "snapshot_guest.h"
#include "tensorwasm/snapshot/snapshot.h"

using namespace tw;
using namespace tw::snapshot;
using tw::testing::counterGuest;
using tw::testing::instantiateOn;
using tw::testing::testEngine;

namespace {

constexpr size_t kHeader = 112;

// The counter guest after three steps: memory of 2 pages (max 8) with two runs, 3 globals,
// one table of 2, 2 element and 1 data segment flags.
const std::vector<uint8_t>& validPayload() {
  static const std::vector<uint8_t> payload = [] {
    auto inst = instantiateOn(testEngine(), counterGuest());
    for (uint32_t x : {3u, 5u, 7u}) EXPECT_TRUE(inst->call("step", std::vector<Value>{Value::i32(x)}).ok());
    return captureSnapshot(*inst, {}).value();
  }();
  return payload;
}

// The offset of section `id`'s body in a payload without a module section.
size_t bodyOf(const std::vector<uint8_t>& p, uint32_t id) {
  size_t at = kHeader;
  for (;;) {
    uint32_t sid;
    uint64_t len;
    std::memcpy(&sid, &p[at], 4);
    std::memcpy(&len, &p[at + 4], 8);
    if (sid == id) return at + 12;
    at += 12 + len;
  }
}

void put32(std::vector<uint8_t>& p, size_t at, uint32_t v) { std::memcpy(&p[at], &v, 4); }
void put64(std::vector<uint8_t>& p, size_t at, uint64_t v) { std::memcpy(&p[at], &v, 8); }

std::string errcOf(const Result<Snapshot>& r) {
  if (r.ok()) return "ok";
  std::optional<SnapshotErrc> code = snapshotErrc(r.error());
  return code ? name(*code) : "untyped: " + r.error().describe();
}

std::string parseErrc(std::vector<uint8_t> p, const SnapshotLimits& limits = {}) {
  return errcOf(Snapshot::parse(std::move(p), limits));
}

// Parses `p`; when it parses, restores it into a fresh counter instance. Returns "ok" or the
// name of the refusal.
std::string parseAndRestore(std::vector<uint8_t> p) {
  auto snap = Snapshot::parse(std::move(p));
  if (!snap.ok()) return errcOf(snap);
  auto fresh = instantiateOn(testEngine(), counterGuest());
  Result<void> r = restoreSnapshot(snap.value(), *fresh);
  if (r.ok()) return "ok";
  std::optional<SnapshotErrc> code = snapshotErrc(r.error());
  return code ? name(*code) : "untyped: " + r.error().describe();
}

}  // namespace

TEST(SnapshotMalformed, ValidPayloadParses) { EXPECT_EQ(parseAndRestore(validPayload()), "ok"); }

TEST(SnapshotMalformed, EveryTruncationIsRefused) {
  const std::vector<uint8_t>& p = validPayload();
  for (size_t n = 0; n < p.size(); ++n) {
    std::string e = parseErrc(std::vector<uint8_t>(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(n)));
    ASSERT_TRUE(e == "snapshot_truncated" || e == "snapshot_malformed" || e == "snapshot_bad_magic") << n << ": " << e;
  }
}

TEST(SnapshotMalformed, EveryFlippedByteOutsideMemoryBytesIsTypedOrHarmless) {
  const std::vector<uint8_t>& p = validPayload();
  auto parsed = Snapshot::parse(p);
  ASSERT_TRUE(parsed.ok());
  auto inRunData = [&](size_t at) {
    for (const MemoryRun& run : parsed->memoryRuns()) {
      size_t begin = static_cast<size_t>(run.bytes.data() - parsed->payload().data());
      if (at >= begin && at < begin + run.bytes.size()) return true;
    }
    return false;
  };
  for (size_t at = 0; at < p.size(); ++at) {
    if (inRunData(at)) continue;  // flips there only change memory contents
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      std::vector<uint8_t> bad = p;
      bad[at] ^= mask;
      std::string e = parseAndRestore(std::move(bad));
      ASSERT_EQ(e.find("untyped"), std::string::npos) << "byte " << at << " ^ " << int(mask) << ": " << e;
    }
  }
}

TEST(SnapshotMalformed, HeaderFields) {
  std::vector<uint8_t> p = validPayload();
  p[0] = 'x';
  EXPECT_EQ(parseErrc(p), "snapshot_bad_magic");
  p = validPayload();
  put32(p, 16, 2);
  EXPECT_EQ(parseErrc(p), "snapshot_bad_version");
  p = validPayload();
  put32(p, 20, 4);
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "unknown flag";
  p = validPayload();
  put32(p, 20, 2);
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "module flag without a module section";
  p = validPayload();
  p.push_back(0);
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "trailing byte";
  p = validPayload();
  put64(p, kHeader + 4, uint64_t{1} << 62);
  EXPECT_EQ(parseErrc(p), "snapshot_truncated") << "section longer than the payload";
  p = validPayload();
  put32(p, kHeader, 3);
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "sections out of order";
}

TEST(SnapshotMalformed, MemorySection) {
  const size_t body = bodyOf(validPayload(), 2);
  const size_t pages = body + 1, maxPages = body + 6, runCount = body + 10, run = body + 14;
  std::vector<uint8_t> p = validPayload();
  put32(p, pages, 65537);
  put32(p, maxPages, 65537);
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "more than 4 GiB";
  p = validPayload();
  put32(p, pages, 9);
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "pages above the declared maximum";
  p = validPayload();
  put32(p, pages, 1);
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "a run outside the memory (page 1 at 70000)";
  p = validPayload();
  put64(p, run, 2 * kWasmPageSize);
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "run offset past the end";
  p = validPayload();
  put64(p, run, uint64_t{1} << 63);
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "run offset overflowing";
  p = validPayload();
  put64(p, run + 8, 0);
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "empty run";
  p = validPayload();
  put32(p, runCount, 0xFFFFFFFF);
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "run count beyond the section";
  p = validPayload();
  p[body] = 2;
  EXPECT_EQ(parseErrc(p), "snapshot_malformed");
  SnapshotLimits small;
  small.maxMemoryBytes = kWasmPageSize;
  EXPECT_EQ(parseErrc(validPayload(), small), "snapshot_too_large");
  SnapshotLimits tiny;
  tiny.maxPayloadBytes = 100;
  EXPECT_EQ(parseErrc(validPayload(), tiny), "snapshot_too_large");
}

TEST(SnapshotMalformed, GlobalsTablesSegments) {
  const size_t globals = bodyOf(validPayload(), 3), tables = bodyOf(validPayload(), 4),
               segments = bodyOf(validPayload(), 5);
  std::vector<uint8_t> p = validPayload();
  put32(p, globals, 0x7FFFFFFF);
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "global count beyond the section";
  p = validPayload();
  p[globals + 4] = 0x55;
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "unknown value type";
  p = validPayload();
  p[globals + 4] = 0x7E;  // i32 -> i64: the section no longer adds up
  EXPECT_NE(parseErrc(p), "ok");
  p = validPayload();
  put32(p, tables + 1 + 4, 0xFFFFFFF0);  // table size
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "table size beyond the section";
  p = validPayload();
  p[tables + 4] = 0x7F;
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "a table of i32";
  p = validPayload();
  p[tables + 4] = 0x6F;  // externref table holding function indices
  EXPECT_EQ(parseErrc(p), "snapshot_malformed");
  p = validPayload();
  put32(p, tables + 9, 1000);  // slot 0 -> function 1000
  EXPECT_EQ(parseAndRestore(p), "snapshot_module_mismatch");
  p = validPayload();
  p[segments + 4] = 7;
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "a dropped flag of 7";
  p = validPayload();
  p[globals + 5] ^= 1;  // mutability differs from the module's
  EXPECT_EQ(parseAndRestore(p), "snapshot_module_mismatch");
}

TEST(SnapshotMalformed, GpuSection) {
  const size_t gpu = bodyOf(validPayload(), 6);
  std::vector<uint8_t> p = validPayload();
  put32(p, gpu, 1000);
  EXPECT_EQ(parseErrc(p), "snapshot_malformed") << "buffer count beyond the section";
  // One buffer claiming 2 GiB: over the cap before its length is even compared to the section.
  p = validPayload();
  put32(p, gpu, 1);
  for (int i = 0; i < 16; ++i) p.push_back(0);
  put64(p, gpu + 12, uint64_t{2} << 30);
  put64(p, gpu - 8, 4 + 16);
  EXPECT_EQ(parseErrc(p), "snapshot_too_large");
  put64(p, gpu + 12, 100);
  EXPECT_EQ(parseErrc(p), "snapshot_truncated");
}

TEST(SnapshotMalformed, ShapeOfAnotherModuleIsRefusedOnRestore) {
  // The table shrunk below the module's minimum of 2: the digest matches, the shape does not.
  const size_t tables = bodyOf(validPayload(), 4);
  std::vector<uint8_t> p = validPayload();
  put32(p, tables + 5, 1);
  p.erase(p.begin() + static_cast<std::ptrdiff_t>(tables + 9), p.begin() + static_cast<std::ptrdiff_t>(tables + 13));
  uint64_t length;
  std::memcpy(&length, &p[tables - 8], 8);
  put64(p, tables - 8, length - 4);
  EXPECT_EQ(parseAndRestore(p), "snapshot_module_mismatch");
}
