// The command tree (cli/app.h): exit codes of --version, usage errors, validate, and the
// tier choice.
#include <gtest/gtest.h>

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
  EXPECT_EQ(run({"run", empty.c_str(), "--tier", "jit"}), kExitUnsupported);
  EXPECT_EQ(run({"run", empty.c_str(), "--max-memory", "lots"}), kExitUsage);
  EXPECT_EQ(run({"run", empty.c_str(), "--deadline", "soon"}), kExitUsage);
  EXPECT_EQ(run({"run", empty.c_str(), "--args", "[1]"}), kExitUsage);  // --args without --invoke
  EXPECT_EQ(run({"run", empty.c_str()}), kExitUsage);                   // no _start
  EXPECT_EQ(run({"run", empty.c_str(), "--invoke", "nope"}), kExitUsage);
  fs::remove(empty);
}
