// Snapshots in one process (src/snapshot): capture, seal, open and restore into a fresh
// instance that continues exactly like the original; sparse memory; tenant, replay and
// freshness checks; store-backed snapshots; what cannot be captured or restored.
#include <gtest/gtest.h>

#include <unistd.h>

#include "snapshot_guest.h"
#include "tensorwasm/snapshot/files.h"
#include "tensorwasm/storage/errors.h"

using namespace tw;
using namespace tw::snapshot;
using tw::testing::counterGuest;
using tw::testing::instantiateOn;
using tw::testing::testEngine;
namespace fs = std::filesystem;

namespace {

const storage::Key& testKey() {
  static const storage::Key key = storage::Key::fromBytes({9, 8, 7, 6, 5, 4, 3, 2, 1});
  return key;
}

int64_t callI64(Instance& inst, const char* name, std::vector<Value> args = {}) {
  auto r = inst.call(name, args);
  EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().describe());
  return r.ok() ? static_cast<int64_t>(r.value()[0].v.i64) : -1;
}

void expectErrc(const Error& e, SnapshotErrc code) {
  std::optional<SnapshotErrc> got = snapshotErrc(e);
  ASSERT_TRUE(got.has_value()) << e.describe();
  EXPECT_EQ(name(*got), std::string(name(code))) << e.describe();
}

// A counter instance after three steps.
std::shared_ptr<Instance> steppedCounter() {
  auto inst = instantiateOn(testEngine(), counterGuest());
  for (uint32_t x : {3u, 5u, 7u}) callI64(*inst, "step", {Value::i32(x)});
  return inst;
}

Result<Snapshot> exportAndOpen(const Instance& inst, CaptureOptions options) {
  options.embedModule = true;
  TW_ASSIGN(std::vector<uint8_t> payload, captureSnapshot(inst, options));
  TW_ASSIGN(std::vector<uint8_t> file, sealSnapshotFile(payload, testKey()));
  return openSnapshotFile(file, testKey());
}

std::shared_ptr<Instance> restoredFrom(const Snapshot& snap, const Engine& engine = testEngine()) {
  std::vector<uint8_t> module(snap.module().begin(), snap.module().end());
  auto fresh = instantiateOn(engine, module);
  if (!fresh) return nullptr;
  Result<void> r = restoreSnapshot(snap, *fresh);
  EXPECT_TRUE(r.ok()) << r.error().describe();
  return r.ok() ? fresh : nullptr;
}

}  // namespace

TEST(SnapshotRoundTrip, RestoredInstanceContinuesExactly) {
  auto original = steppedCounter();
  auto snap = exportAndOpen(*original, {});
  ASSERT_TRUE(snap.ok()) << snap.error().describe();
  auto restored = restoredFrom(snap.value());
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->memory->pages(), 2u);
  EXPECT_EQ(callI64(*restored, "observe"), callI64(*original, "observe"));
  for (uint32_t x : {11u, 13u}) {
    EXPECT_EQ(callI64(*restored, "step", {Value::i32(x)}), callI64(*original, "step", {Value::i32(x)}));
  }
  EXPECT_EQ(callI64(*restored, "observe"), callI64(*original, "observe"));
  // Dropped segments stay dropped: both accesses trap in the restored instance as well.
  EXPECT_FALSE(restored->call("read_data", {}).ok());
  EXPECT_FALSE(restored->call("init_elem", {}).ok());
}

TEST(SnapshotRoundTrip, FreshInstanceSnapshotKeepsSegmentsUsable) {
  auto original = instantiateOn(testEngine(), counterGuest());
  auto snap = exportAndOpen(*original, {});
  ASSERT_TRUE(snap.ok()) << snap.error().describe();
  auto restored = restoredFrom(snap.value());
  ASSERT_TRUE(restored);
  EXPECT_TRUE(restored->call("read_data", {}).ok());
  EXPECT_TRUE(restored->call("init_elem", {}).ok());
}

TEST(SnapshotRoundTrip, MetadataSurvives) {
  CaptureOptions options;
  options.tenantId = 42;
  options.instanceId = randomId();
  options.sequenceNo = 17;
  options.nonce = randomId();
  options.createdUnixMs = 1'700'000'000'123;
  auto snap = exportAndOpen(*steppedCounter(), options);
  ASSERT_TRUE(snap.ok()) << snap.error().describe();
  const SnapshotMeta& m = snap->meta();
  EXPECT_EQ(m.tenantId, 42u);
  EXPECT_EQ(m.instanceId, options.instanceId);
  EXPECT_EQ(m.sequenceNo, 17u);
  EXPECT_EQ(m.nonce, options.nonce);
  EXPECT_EQ(m.createdUnixMs, options.createdUnixMs);
  EXPECT_EQ(m.moduleDigest, storage::sha256(counterGuest()));
  EXPECT_EQ(snap->memoryMaxPages(), std::optional<uint32_t>(8));
}

TEST(SnapshotRoundTrip, AllValueTypesAndImportedObjects) {
  // The exporter owns a memory and a global the importer uses: neither is recorded in the
  // importer's snapshot, and restoring leaves them to the exporter.
  auto exporter = tw::testing::instantiateWat(R"((module
    (memory (export "mem") 1) (global (export "g") (mut i32) (i32.const 5))))");
  Linker linker;
  linker.defineInstance("env", exporter);
  std::vector<uint8_t> wasm = tw::testing::watToWasm(R"((module
    (import "env" "mem" (memory 1)) (import "env" "g" (global $imported (mut i32)))
    (global $a (mut i64) (i64.const 0)) (global $b (mut f32) (f32.const 0))
    (global $c (mut f64) (f64.const 0)) (global $d (mut v128) (v128.const i64x2 0 0))
    (global $e (mut externref) (ref.null extern)) (global $k i32 (i32.const 9))
    (func (export "set")
      (global.set $a (i64.const -2)) (global.set $b (f32.const 1.5)) (global.set $c (f64.const -0.25))
      (global.set $d (v128.const i64x2 0x0102030405060708 0x1112131415161718))
      (global.set $imported (i32.const 77)))
    (func (export "sum") (result f64)
      (f64.add (f64.add (f64.convert_i64_s (global.get $a)) (f64.promote_f32 (global.get $b)))
        (f64.add (global.get $c) (f64.convert_i64_u (i64x2.extract_lane 1 (global.get $d)))))))
  )", "");
  auto original = instantiateOn(testEngine(), wasm, linker);
  ASSERT_TRUE(original->call("set", {}).ok());
  auto snap = exportAndOpen(*original, {});
  ASSERT_TRUE(snap.ok()) << snap.error().describe();
  EXPECT_FALSE(snap->state().memoryBytes.has_value());
  EXPECT_EQ(snap->state().globals.size(), 6u);
  exporter->globals[0]->value.i32 = 1;
  auto fresh = instantiateOn(testEngine(), wasm, linker);
  ASSERT_TRUE(restoreSnapshot(snap.value(), *fresh).ok());
  EXPECT_EQ(exporter->globals[0]->value.i32, 1u) << "an imported global is the exporter's";
  auto a = original->call("sum", {}), b = fresh->call("sum", {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a.value()[0].v.f64, b.value()[0].v.f64);
}

TEST(SnapshotRoundTrip, MemoryIsStoredSparsely) {
  // 256 MiB of memory with 2 MiB written in two places costs about 2 MiB.
  auto inst = tw::testing::instantiateWat(R"((module (memory 4096)
    (func (export "touch")
      (memory.fill (i32.const 0x100000) (i32.const 0xAB) (i32.const 0x100000))
      (memory.fill (i32.const 0xF000000) (i32.const 0xCD) (i32.const 0x100000)))))");
  ASSERT_TRUE(inst->call("touch", {}).ok());
  auto payload = captureSnapshot(*inst, {});
  ASSERT_TRUE(payload.ok()) << payload.error().describe();
  EXPECT_GT(payload->size(), 2u << 20);
  EXPECT_LT(payload->size(), (2u << 20) + 4096);
  auto snap = Snapshot::parse(std::move(payload).value());
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->memoryRuns().size(), 2u);
  EXPECT_EQ(*snap->state().memoryBytes, 256u << 20);
}

TEST(SnapshotRoundTrip, RestoredMemoryCanBeCapturedAgain) {
  // A restored memory reads untouched pages from its image: a second capture must keep them.
  auto first = exportAndOpen(*steppedCounter(), {});
  ASSERT_TRUE(first.ok());
  auto restored = restoredFrom(first.value());
  ASSERT_TRUE(restored);
  auto second = exportAndOpen(*restored, {});
  ASSERT_TRUE(second.ok()) << second.error().describe();
  auto again = restoredFrom(second.value());
  ASSERT_TRUE(again);
  EXPECT_EQ(callI64(*again, "observe"), callI64(*restored, "observe"));
}

TEST(SnapshotChecks, TenantReplayAndFreshness) {
  SnapshotMeta meta;
  meta.tenantId = 1;
  meta.sequenceNo = 5;
  meta.nonce = Nonce{1, 2, 3};
  meta.createdUnixMs = 10'000;
  RestoreChecks checks;
  checks.tenantId = 1;
  EXPECT_TRUE(checkRestore(meta, checks, 10'000).ok());
  checks.tenantId = 2;
  expectErrc(checkRestore(meta, checks, 10'000).error(), SnapshotErrc::TenantScopeDenied);
  checks.tenantId = 1;
  checks.minSequenceNo = 6;
  expectErrc(checkRestore(meta, checks, 10'000).error(), SnapshotErrc::Replayed);
  checks.minSequenceNo = 5;
  EXPECT_TRUE(checkRestore(meta, checks, 10'000).ok());
  checks.expectedNonce = Nonce{1, 2, 4};
  expectErrc(checkRestore(meta, checks, 10'000).error(), SnapshotErrc::Replayed);
  checks.expectedNonce = Nonce{1, 2, 3};
  EXPECT_TRUE(checkRestore(meta, checks, 10'000).ok());
  meta.nonce.reset();
  expectErrc(checkRestore(meta, checks, 10'000).error(), SnapshotErrc::Replayed);
  checks.expectedNonce.reset();
  checks.maxAge = std::chrono::milliseconds(500);
  EXPECT_TRUE(checkRestore(meta, checks, 10'500).ok());
  expectErrc(checkRestore(meta, checks, 10'501).error(), SnapshotErrc::TooOld);
}

TEST(SnapshotChecks, ErrorsCarryTheirKind) {
  EXPECT_EQ(snapshotError(SnapshotErrc::TenantScopeDenied, "x").kind, ErrorKind::Usage);
  EXPECT_EQ(snapshotError(SnapshotErrc::Truncated, "x").kind, ErrorKind::Malformed);
  EXPECT_EQ(snapshotError(SnapshotErrc::TooLarge, "x").kind, ErrorKind::Limit);
  EXPECT_FALSE(snapshotErrc(makeError(ErrorKind::Usage, "plain")).has_value());
}

TEST(SnapshotRestore, AnotherModuleIsRefused) {
  auto snap = exportAndOpen(*steppedCounter(), {});
  ASSERT_TRUE(snap.ok());
  auto other = tw::testing::instantiateWat("(module (memory 2 8) (global (mut i32) (i32.const 0)))");
  expectErrc(restoreSnapshot(snap.value(), *other).error(), SnapshotErrc::ModuleMismatch);
}

TEST(SnapshotRestore, MemoryBeyondTheEngineLimitIsRefused) {
  auto snap = exportAndOpen(*steppedCounter(), {});
  ASSERT_TRUE(snap.ok());
  EngineConfig small;
  small.maxMemoryBytes = 1 * kWasmPageSize;  // the snapshot's memory has 2 pages
  Engine engine(small, makeInterpreterTier());
  std::vector<uint8_t> module(snap->module().begin(), snap->module().end());
  auto fresh = instantiateOn(engine, module);
  ASSERT_TRUE(fresh);
  expectErrc(restoreSnapshot(snap.value(), *fresh).error(), SnapshotErrc::TooLarge);
}

TEST(SnapshotCapture, HostReferencesCannotLeaveTheProcess) {
  auto inst = tw::testing::instantiateWat("(module (global (export \"g\") (mut externref) (ref.null extern)))");
  int host = 0;
  inst->globals[0]->value.ref = &host;
  expectErrc(captureSnapshot(*inst, {}).error(), SnapshotErrc::NotCapturable);
}

TEST(SnapshotCapture, GpuBuffersTravelInThePayload) {
  std::vector<uint8_t> a(1000, 0x11), b = {1, 2, 3};
  std::vector<GpuBuffer> buffers = {{7, a}, {9, b}};
  CaptureOptions options;
  options.gpuBuffers = buffers;
  auto snap = exportAndOpen(*steppedCounter(), options);
  ASSERT_TRUE(snap.ok()) << snap.error().describe();
  ASSERT_EQ(snap->gpuBuffers().size(), 2u);
  EXPECT_EQ(snap->gpuBuffers()[0].handle, 7u);
  EXPECT_TRUE(std::equal(a.begin(), a.end(), snap->gpuBuffers()[0].contents.begin(), snap->gpuBuffers()[0].contents.end()));
  EXPECT_EQ(snap->gpuBuffers()[1].handle, 9u);
  EXPECT_EQ(snap->gpuBuffers()[1].contents.size(), 3u);
}

TEST(SnapshotStoreTest, SaveAndRestoreByDigest) {
  fs::path dir = fs::temp_directory_path() / ("tw-snapshot-store-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto opened = storage::ArtifactStore::open(storage::StoreOptions(dir, testKey()));
  ASSERT_TRUE(opened.ok());
  auto artifacts = std::make_shared<storage::ArtifactStore>(std::move(opened).value());
  SnapshotStore store(artifacts);
  auto original = steppedCounter();
  CaptureOptions options;
  options.tenantId = 3;
  auto digest = store.save(*original, options);
  ASSERT_TRUE(digest.ok()) << digest.error().describe();
  auto meta = artifacts->meta(digest.value());
  ASSERT_TRUE(meta.ok() && meta.value());
  EXPECT_EQ(meta.value()->kind, storage::ArtifactKind::Snapshot);

  auto snap = store.load(digest.value());
  ASSERT_TRUE(snap.ok()) << snap.error().describe();
  EXPECT_TRUE(snap->module().empty()) << "stored snapshots keep the module beside them";
  auto module = store.module(snap.value());
  ASSERT_TRUE(module.ok());
  EXPECT_EQ(module.value(), counterGuest());
  auto fresh = instantiateOn(testEngine(), module.value());
  ASSERT_TRUE(restoreSnapshot(snap.value(), *fresh).ok());
  EXPECT_EQ(callI64(*fresh, "observe"), callI64(*original, "observe"));

  storage::Digest missing = storage::sha256(std::vector<uint8_t>{1});
  expectErrc(store.load(missing).error(), SnapshotErrc::NotFound);
  fs::remove_all(dir);
}

TEST(SnapshotFiles, WrongKeyAndTamperingAreRefused) {
  CaptureOptions embedded;
  embedded.embedModule = true;
  auto payload = captureSnapshot(*steppedCounter(), embedded);
  ASSERT_TRUE(payload.ok());
  auto file = sealSnapshotFile(payload.value(), testKey());
  ASSERT_TRUE(file.ok());
  storage::Key other = storage::Key::fromBytes({1});
  expectErrc(openSnapshotFile(file.value(), other).error(), SnapshotErrc::SignatureInvalid);
  for (size_t at : {size_t{20}, size_t{60}, file->size() / 2, file->size() - 1}) {
    std::vector<uint8_t> bad = file.value();
    bad[at] ^= 0x40;
    expectErrc(openSnapshotFile(bad, testKey()).error(), SnapshotErrc::SignatureInvalid);
  }
  std::vector<uint8_t> shortFile(file->begin(), file->begin() + 40);
  expectErrc(openSnapshotFile(shortFile, testKey()).error(), SnapshotErrc::Malformed);
  // A payload stored without its module is no exported file.
  auto bare = captureSnapshot(*steppedCounter(), {});
  auto bareFile = sealSnapshotFile(bare.value(), testKey());
  expectErrc(openSnapshotFile(bareFile.value(), testKey()).error(), SnapshotErrc::Malformed);
}

TEST(SnapshotFiles, KeyFiles) {
  fs::path dir = fs::temp_directory_path() / ("tw-snapshot-keys-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "hex") << "  " << std::string(64, 'a') << "\n";
  std::ofstream(dir / "raw", std::ios::binary) << std::string(32, '\x01');
  std::ofstream(dir / "bad") << std::string(63, 'a');
  auto hex = readKeyFile(dir / "hex");
  ASSERT_TRUE(hex.ok()) << hex.error().describe();
  EXPECT_EQ(hex->bytes()[0], 0xAA);
  auto raw = readKeyFile(dir / "raw");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->bytes()[31], 0x01);
  expectErrc(readKeyFile(dir / "bad").error(), SnapshotErrc::BadKey);
  expectErrc(readKeyFile(dir / "missing").error(), SnapshotErrc::BadKey);
  EXPECT_EQ(readKeyFile(dir / "bad").error().message.find("aaa"), std::string::npos) << "never echoes a key";
  fs::remove_all(dir);
}
