// Snapshots through the `tensorwasm` command, each run a new process: the acceptance test of
// issue 6 (state built over several invocations is captured, restored in another process and
// continues with identical results; another tenant is refused), the committed golden files
// (our version 1 and the legacy versions 2 and 3) and `snapshot inspect`.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "snapshot_guest.h"
#include "tensorwasm/snapshot/files.h"
#include "tensorwasm/snapshot/legacy.h"

using namespace tw;
using tw::testing::counterGuest;
using tw::testing::readFile;
using tw::testing::RunResult;
using tw::testing::snapshotDataDir;
namespace fs = std::filesystem;

namespace {

RunResult tensorwasm(std::vector<std::string> args) {
  args.insert(args.begin(), tw::testing::tensorwasmBinary());
  return tw::testing::runShell(args);
}

class SnapshotCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tw-snapshot-cli-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "counter.wasm", std::ios::binary)
        .write(reinterpret_cast<const char*>(counterGuest().data()), static_cast<std::streamsize>(counterGuest().size()));
    std::ofstream(dir_ / "key") << std::string(64, '5') << "\n";
    ::setenv("TENSOR_WASM_DATA_DIR", (dir_ / "data").c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("TENSOR_WASM_DATA_DIR");
    fs::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

std::string golden(const std::string& name) { return (snapshotDataDir() / name).string(); }

}  // namespace

TEST_F(SnapshotCli, StateContinuesAcrossProcessesAndTenantsAreBound) {
  // The reference: one instance called continuously in this process.
  auto reference = tw::testing::instantiateOn(tw::testing::testEngine(), counterGuest());
  auto step = [&](uint32_t x) { return std::to_string(reference->call("step", std::vector<Value>{Value::i32(x)}).value()[0].v.i64) + "\n"; };

  RunResult r = tensorwasm({"run", path("counter.wasm"), "--invoke", "step", "--args", "[3]", "--save-snapshot",
                            path("s1"), "--key-file", path("key"), "--tenant", "4"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, step(3));
  std::string previous = "s1";
  for (uint32_t x : {5u, 7u, 9u}) {
    std::string next = "s" + std::to_string(x);
    r = tensorwasm({"run", "--restore", path(previous), "--invoke", "step", "--args", "[" + std::to_string(x) + "]",
                    "--save-snapshot", path(next), "--key-file", path("key"), "--tenant", "4"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(r.out, step(x)) << "step " << x;
    previous = next;
  }
  r = tensorwasm({"run", "--restore", path(previous), "--invoke", "observe", "--key-file", path("key"), "--tenant", "4"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, std::to_string(reference->call("observe", {}).value()[0].v.i64) + "\n");
  r = tensorwasm({"run", "--restore", path(previous), "--invoke", "read_data", "--key-file", path("key"), "--tenant", "4"});
  EXPECT_EQ(r.exitCode, 4) << "the data segment stays dropped: " << r.err;

  // Each save continues the same instance's history.
  r = tensorwasm({"snapshot", "inspect", path(previous), "--key-file", path("key"), "--output", "json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto info = nlohmann::json::parse(r.out);
  EXPECT_EQ(info["sequence_no"], 3);
  EXPECT_EQ(info["tenant_id"], 4);

  r = tensorwasm({"run", "--restore", path(previous), "--invoke", "observe", "--key-file", path("key"), "--tenant", "5"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("tenant_scope_denied"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST_F(SnapshotCli, KeysComeFromTheFlagTheEnvironmentOrTheStore) {
  RunResult r = tensorwasm({"run", path("counter.wasm"), "--invoke", "step", "--args", "[3]", "--save-snapshot", path("s")});
  ASSERT_EQ(r.exitCode, 0) << r.err;  // sealed with the data directory's store key
  EXPECT_EQ(tensorwasm({"run", "--restore", path("s"), "--invoke", "observe"}).exitCode, 0);
  r = tensorwasm({"run", "--restore", path("s"), "--invoke", "observe", "--key-file", path("key")});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("snapshot_signature_invalid"), std::string::npos) << r.err;

  ::setenv("TENSOR_WASM_API_SNAPSHOT_HMAC_KEY", std::string(64, '5').c_str(), 1);
  r = tensorwasm({"run", "--restore", path("s"), "--invoke", "observe"});
  EXPECT_EQ(r.exitCode, 2) << "the variable's key is not the store key";
  r = tensorwasm({"run", path("counter.wasm"), "--invoke", "step", "--args", "[3]", "--save-snapshot", path("s2")});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ::unsetenv("TENSOR_WASM_API_SNAPSHOT_HMAC_KEY");
  EXPECT_EQ(tensorwasm({"run", "--restore", path("s2"), "--invoke", "observe", "--key-file", path("key")}).exitCode, 0);

  std::ofstream(path("badkey")) << "not a key";
  r = tensorwasm({"run", "--restore", path("s2"), "--invoke", "observe", "--key-file", path("badkey")});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("bad_key"), std::string::npos) << r.err;
}

TEST_F(SnapshotCli, RestoreByDigestFromTheStore) {
  auto key = snapshot::readKeyFile(path("key"));
  ASSERT_TRUE(key.ok());
  auto store = snapshot::SnapshotStore::openInDataDir(key.value());
  ASSERT_TRUE(store.ok()) << store.error().describe();
  auto inst = tw::testing::instantiateOn(tw::testing::testEngine(), counterGuest());
  ASSERT_TRUE(inst->call("step", std::vector<Value>{Value::i32(3)}).ok());
  auto digest = store->save(*inst, {});
  ASSERT_TRUE(digest.ok()) << digest.error().describe();
  RunResult r = tensorwasm({"run", "--restore", digest->str(), "--invoke", "step", "--args", "[5]", "--key-file", path("key")});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "31\n");
  // The module may also come from FILE; another module is refused.
  r = tensorwasm({"run", path("counter.wasm"), "--restore", digest->str(), "--invoke", "observe", "--key-file", path("key")});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  std::ofstream(path("empty.wasm"), std::ios::binary) << std::string("\0asm\1\0\0\0", 8);
  r = tensorwasm({"run", path("empty.wasm"), "--restore", digest->str(), "--invoke", "observe", "--key-file", path("key")});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("snapshot_module_mismatch"), std::string::npos) << r.err;
  r = tensorwasm({"run", "--restore", "sha256:" + std::string(64, '0'), "--invoke", "observe", "--key-file", path("key")});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("snapshot_not_found"), std::string::npos) << r.err;
}

TEST_F(SnapshotCli, CommandsSaveAfterStart) {
  std::vector<uint8_t> wasm = tw::testing::watToWasm(R"((module (global $runs (mut i32) (i32.const 0))
    (func (export "_start") (global.set $runs (i32.add (global.get $runs) (i32.const 1))))
    (func (export "runs") (result i32) (global.get $runs))))");
  std::ofstream(path("command.wasm"), std::ios::binary)
      .write(reinterpret_cast<const char*>(wasm.data()), static_cast<std::streamsize>(wasm.size()));
  ASSERT_EQ(tensorwasm({"run", path("command.wasm"), "--save-snapshot", path("a"), "--key-file", path("key")}).exitCode, 0);
  ASSERT_EQ(tensorwasm({"run", "--restore", path("a"), "--save-snapshot", path("b"), "--key-file", path("key")}).exitCode, 0);
  RunResult r = tensorwasm({"run", "--restore", path("b"), "--invoke", "runs", "--key-file", path("key")});
  EXPECT_EQ(r.out, "2\n") << r.err;
}

TEST_F(SnapshotCli, UsageErrors) {
  EXPECT_EQ(tensorwasm({"run", "--invoke", "step"}).exitCode, 2) << "neither FILE nor --restore";
  RunResult r = tensorwasm({"run", "--restore", path("missing"), "--invoke", "step", "--key-file", path("key")});
  EXPECT_EQ(r.exitCode, 2);
  std::ofstream(path("junk")) << "junk";
  r = tensorwasm({"run", "--restore", path("junk"), "--invoke", "step", "--key-file", path("key")});
  EXPECT_EQ(r.exitCode, 2) << r.err;
  r = tensorwasm({"snapshot", "inspect", path("junk")});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("not a snapshot file"), std::string::npos) << r.err;
}

// Golden files: written once by this version (counter-v1.twsnap: the counter after steps 3, 5
// and 7 under tenant 7, sealed with test.key) or by make_legacy.py; every later version must
// keep reading them.
TEST(SnapshotGolden, Version1KeepsRestoring) {
  std::string file = golden("counter-v1.twsnap"), key = golden("test.key");
  RunResult r = tensorwasm({"run", "--restore", file, "--invoke", "observe", "--key-file", key, "--tenant", "7"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "13262229\n");
  r = tensorwasm({"run", "--restore", file, "--invoke", "step", "--args", "[11]", "--key-file", key, "--tenant", "7"});
  EXPECT_EQ(r.out, "201\n") << r.err;
  r = tensorwasm({"run", "--restore", file, "--invoke", "observe", "--key-file", key});
  EXPECT_EQ(r.exitCode, 2) << "tenant 0 restoring tenant 7's snapshot";

  auto k = snapshot::readKeyFile(key);
  std::string text = readFile(file);
  auto snap = snapshot::openSnapshotFile({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, k.value());
  ASSERT_TRUE(snap.ok()) << snap.error().describe();
  EXPECT_EQ(snap->meta().tenantId, 7u);
  EXPECT_EQ(snap->meta().sequenceNo, 2u);
  EXPECT_TRUE(snap->meta().nonce.has_value());
  EXPECT_EQ(snap->meta().moduleDigest.str(), "sha256:6d6be4f1d9783643e50e123863a2267c1c4afdd2d77ae54ed8c6bca24ddd3deb");
  EXPECT_EQ(*snap->state().memoryBytes, 2 * kWasmPageSize);
  EXPECT_EQ(snap->memoryRuns().size(), 2u);
}

TEST(SnapshotGolden, InspectWithoutAKeyShowsOnlyTheOutline) {
  RunResult r = tensorwasm({"snapshot", "inspect", golden("counter-v1.twsnap")});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("unverified"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("tenant_id"), std::string::npos) << r.out;
  for (const char* name : {"legacy-v2.snap", "legacy-v3.snap"}) {
    r = tensorwasm({"snapshot", "inspect", golden(name)});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("unverified"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("tenant_id"), std::string::npos) << r.out;
  }
  EXPECT_NE(r.out.find("version: 3 (signed trailer)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("trailer_kind: 1 (HMAC-SHA256)"), std::string::npos) << r.out;
}

TEST(SnapshotGolden, InspectLegacyWithAKey) {
  RunResult r = tensorwasm({"snapshot", "inspect", golden("legacy-v3.snap"), "--key-file", golden("legacy.key"), "--output", "json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto v3 = nlohmann::json::parse(r.out);
  EXPECT_EQ(v3["version"], 3);
  EXPECT_EQ(v3["signature"], "verified");
  EXPECT_EQ(v3["tenant_id"], 7);
  EXPECT_EQ(v3["instance_id"], "0123456789abcdeffedcba9876543210");
  EXPECT_EQ(v3["created_unix_ms"], 1700000000123);
  EXPECT_EQ(v3["sequence_no"], 41);
  EXPECT_EQ(v3["nonce"], "101112131415161718191a1b1c1d1e1f");
  EXPECT_EQ(v3["wasm_memory_bytes"], 2048);
  EXPECT_EQ(v3["gpu_memory_bytes"], 128);
  EXPECT_EQ(v3["registers_bytes"], 32);
  r = tensorwasm({"snapshot", "inspect", golden("legacy-v2.snap"), "--key-file", golden("legacy.key"), "--output", "json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto v2 = nlohmann::json::parse(r.out);
  EXPECT_EQ(v2["version"], 2);
  EXPECT_EQ(v2["nonce"], nullptr);
  EXPECT_NE(v2["signature"].get<std::string>().find("no signature"), std::string::npos);
  r = tensorwasm({"snapshot", "inspect", golden("legacy-v3.snap"), "--key-file", golden("test.key")});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("snapshot_signature_invalid"), std::string::npos) << r.err;
}
