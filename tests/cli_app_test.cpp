// The command tree (cli/app.h): exit codes of --version, usage errors, validate, and the
// tier choice.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "tensorwasm/cli/app.h"

using namespace tw::cli;
namespace fs = std::filesystem;

namespace {

int run(std::vector<const char*> args) {
  args.insert(args.begin(), "tensorwasm");
  return runMain(static_cast<int>(args.size()), args.data());
}

fs::path writeTemp(const std::string& name, const std::string& bytes) {
  fs::path p = fs::temp_directory_path() / ("tw-cli-app-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

}  // namespace

TEST(CliApp, VersionAndUsage) {
  EXPECT_NE(std::string(versionString()).find("tensorwasm "), std::string::npos);
  EXPECT_NE(std::string(versionString()).find("commit"), std::string::npos);
  EXPECT_EQ(run({"--version"}), 0);
  EXPECT_EQ(run({"--help"}), 0);
  EXPECT_EQ(run({}), kExitUsage);
  EXPECT_EQ(run({"frobnicate"}), kExitUsage);
  EXPECT_EQ(run({"run"}), kExitUsage);
  EXPECT_EQ(run({"run", "x.wasm", "--tier", "fast"}), kExitUsage);
  EXPECT_EQ(run({"validate", "x.wasm", "--", "y"}), kExitUsage);  // only run takes guest args
}

TEST(CliApp, ValidateBadFiles) {
  EXPECT_EQ(run({"validate", "/nonexistent/x.wasm"}), kExitUsage);
  fs::path bad = writeTemp("bad.wasm", std::string("\0asn\1\0\0\0", 8));
  EXPECT_EQ(run({"validate", bad.c_str()}), kExitUsage);
  fs::path empty = writeTemp("empty.wasm", std::string("\0asm\1\0\0\0", 8));
  EXPECT_EQ(run({"validate", empty.c_str()}), kExitOk);
  EXPECT_EQ(run({"inspect", empty.c_str(), "--output", "json"}), kExitOk);
  fs::remove(bad);
  fs::remove(empty);
}

TEST(CliApp, RunUsageErrors) {
  fs::path empty = writeTemp("empty2.wasm", std::string("\0asm\1\0\0\0", 8));
#ifdef TW_ENABLE_JIT
  EXPECT_EQ(run({"run", empty.c_str(), "--tier", "jit"}), kExitUsage);  // the tier runs: no _start
#else
  EXPECT_EQ(run({"run", empty.c_str(), "--tier", "jit"}), kExitUnsupported);  // not built
#endif
  EXPECT_EQ(run({"run", empty.c_str(), "--max-memory", "lots"}), kExitUsage);
  EXPECT_EQ(run({"run", empty.c_str(), "--deadline", "soon"}), kExitUsage);
  EXPECT_EQ(run({"run", empty.c_str(), "--args", "[1]"}), kExitUsage);  // --args without --invoke
  EXPECT_EQ(run({"run", empty.c_str()}), kExitUsage);                   // no _start
  EXPECT_EQ(run({"run", empty.c_str(), "--invoke", "nope"}), kExitUsage);
  fs::remove(empty);
}

// Hostile modules: refused with exit 2 quickly, without reserving what they ask for.
TEST(CliApp, HostileModulesExitTwoFast) {
  auto start = std::chrono::steady_clock::now();
  // A memory of 65536 pages (4 GiB) against the default 256 MiB cap.
  std::string giant("\0asm\1\0\0\0\5\5\1\0\x80\x80\4", 15);
  // A function section claiming 2^32-1 entries in a few bytes.
  std::string counts("\0asm\1\0\0\0\3\5\xff\xff\xff\xff\x0f", 15);
  std::string garbage(4096, '\xfe');
  std::string truncated("\0asm\1\0\0\0\1\x60", 10);
  int i = 0;
  for (const std::string& bytes : {giant, counts, garbage, truncated}) {
    fs::path p = writeTemp("hostile" + std::to_string(i++) + ".wasm", bytes);
    EXPECT_EQ(run({"run", p.c_str(), "--invoke", "f"}), kExitUsage) << i;
    EXPECT_EQ(run({"validate", p.c_str()}), i == 1 ? kExitOk : kExitUsage) << i;
    fs::remove(p);
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(CliApp, BenchPrintsColdAndWarmPercentiles) {
  // (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  //         (func (export "boom") unreachable))
  const unsigned char wasm[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x02,
                                0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x01, 0x07,
                                0x0e, 0x02, 0x03, 'a',  'd',  'd',  0x00, 0x00, 0x04, 'b',  'o',  'o',  'm',
                                0x00, 0x01, 0x0a, 0x0d, 0x02, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
                                0x03, 0x00, 0x00, 0x0b};
  fs::path p = writeTemp("bench.wasm", std::string(reinterpret_cast<const char*>(wasm), sizeof wasm));
  ::testing::internal::CaptureStdout();
  int rc = run({"bench", p.c_str(), "--invoke", "add", "--args", "[1, 2]", "-n", "20"});
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, kExitOk);
  EXPECT_NE(out.find("cold (instantiate + call): p50"), std::string::npos) << out;
  EXPECT_NE(out.find("warm (pooled: acquire + call + reset): p50"), std::string::npos) << out;
  EXPECT_NE(out.find("(n=20)"), std::string::npos) << out;
  EXPECT_EQ(run({"bench", p.c_str(), "--invoke", "nope"}), kExitUsage);
  EXPECT_EQ(run({"bench", p.c_str(), "--invoke", "add", "--args", "[1]"}), kExitUsage);
  EXPECT_EQ(run({"bench", p.c_str(), "--invoke", "boom", "-n", "3"}), kExitTrap);
  fs::remove(p);
}
