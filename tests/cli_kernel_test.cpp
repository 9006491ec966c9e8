// `tensorwasm kernel verify` as a process: a manifest signed with the key verifies (hex and raw
// key files, legacy array encoding), any changed field or another key fails with exit 1 and
// "error: bad_signature", a manifest of another kernel fails, and a bad key file, malformed
// manifest or NAME@VERSION exits 2.
#include <gtest/gtest.h>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "kernel_test_util.h"
#include "run_process.h"

namespace {

using namespace tw::storage;
using namespace tw::storage::testing;
using tw::testing::RunResult;
using nlohmann::json;

class KernelCli : public ::testing::Test {
 protected:
  void SetUp() override {
    manifest_ = signedManifest("matmul.f32", "1.2.0", 90, ptxText("mm"), keyB(), "alice");
    write("manifest.json", kernelManifestJson(manifest_));
    write("key.hex", std::string("  ") + kKeyHexB + "\n");
    const Key key = keyB();
    const auto& raw = key.bytes();
    write("key.raw", std::string(raw.begin(), raw.end()));
    write("other.hex", kKeyHexA);
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() / name, std::ios::binary) << text;
  }
  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }
  RunResult verify(const std::string& kernel, const std::string& manifest, const std::string& key) {
    return tw::testing::runShell({tw::testing::tensorwasmBinary(), "kernel", "verify", kernel, "--manifest-file",
                                  path(manifest), "--key-file", path(key)});
  }

  TempDir dir_;
  KernelManifest manifest_;
};

TEST_F(KernelCli, SignedManifestVerifies) {
  RunResult r = verify("matmul.f32@1.2.0", "manifest.json", "key.hex");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("ok: matmul.f32@1.2.0 sm_90"), std::string::npos) << r.out;
  EXPECT_EQ(verify("matmul.f32@1.2.0", "manifest.json", "key.raw").exitCode, 0);
  json legacy = json::parse(kernelManifestJson(manifest_));
  legacy["signature"] = std::vector<int>(manifest_.signature.begin(), manifest_.signature.end());
  legacy["digest"] = std::vector<int>(manifest_.digest.bytes.begin(), manifest_.digest.bytes.end());
  write("legacy.json", legacy.dump());
  r = verify("matmul.f32@1.2.0", "legacy.json", "key.hex");
  EXPECT_EQ(r.exitCode, 0) << r.err;
}

TEST_F(KernelCli, TamperedManifestOrWrongKeyFails) {
  for (auto [field, value] : std::vector<std::pair<std::string, json>>{
           {"sm_version", 80}, {"publisher", "mallory"}, {"published_unix_ms", 1}, {"digest", Digest{}.str()}}) {
    json doc = json::parse(kernelManifestJson(manifest_));
    doc[field] = value;
    write("tampered.json", doc.dump());
    RunResult r = verify("matmul.f32@1.2.0", "tampered.json", "key.hex");
    EXPECT_EQ(r.exitCode, 1) << field;
    EXPECT_NE(r.err.find("error: bad_signature"), std::string::npos) << field << ": " << r.err;
  }
  RunResult r = verify("matmul.f32@1.2.0", "manifest.json", "other.hex");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("error: bad_signature"), std::string::npos) << r.err;
  r = verify("matmul.f32@1.2.1", "manifest.json", "key.hex");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("is the manifest of matmul.f32@1.2.0"), std::string::npos) << r.err;
}

TEST_F(KernelCli, BadInputsExitTwo) {
  write("short.hex", std::string(63, 'a'));
  write("raw31", std::string(31, 'x'));
  write("broken.json", "{\"name\": \"matmul.f32\"");
  EXPECT_EQ(verify("matmul.f32@1.2.0", "manifest.json", "short.hex").exitCode, 2);
  EXPECT_EQ(verify("matmul.f32@1.2.0", "manifest.json", "raw31").exitCode, 2);
  EXPECT_EQ(verify("matmul.f32@1.2.0", "manifest.json", "missing-key").exitCode, 2);
  RunResult r = verify("matmul.f32@1.2.0", "broken.json", "key.hex");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("invalid_manifest"), std::string::npos) << r.err;
  EXPECT_EQ(verify("matmul.f32@1.2.0", "missing.json", "key.hex").exitCode, 2);
  EXPECT_EQ(verify("matmul.f32", "manifest.json", "key.hex").exitCode, 2);
  EXPECT_EQ(verify("matmul f32@1.2.0", "manifest.json", "key.hex").exitCode, 2);
}

}  // namespace
