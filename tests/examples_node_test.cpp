// Differential tests: the guest examples (examples/*.c, built to TW_EXAMPLES_DIR) run through the
// `tensorwasm` CLI and through Node.js (bench/node_wasi_run.mjs) must agree on stdout, exit code
// and files written. Skipped when node, the CLI binary or the example modules are missing.
#include <gtest/gtest.h>

#include "run_process.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using tw::testing::findNode;
using tw::testing::readFile;
using tw::testing::RunResult;
using tw::testing::runShell;

namespace {

class ExamplesDifferential : public ::testing::Test {
 protected:
  void SetUp() override {
    examples_ = TW_EXAMPLES_DIR;
    cli_ = fs::path(TW_EXAMPLES_DIR).parent_path() / "src" / "cli" / "tensorwasm";
    if (const char* env = std::getenv("TENSORWASM"); env && *env) cli_ = env;
    runner_ = fs::path(TW_SOURCE_DIR) / "bench" / "node_wasi_run.mjs";
    node_ = findNode();
    if (node_.empty()) GTEST_SKIP() << "node not found";
    if (!fs::exists(cli_)) GTEST_SKIP() << "CLI not built at " << cli_;
    for (const char* m : {"hello.wasm", "kernels.wasm", "recursion.wasm"})
      if (!fs::exists(examples_ / m)) GTEST_SKIP() << "example not built: " << (examples_ / m);
  }

  // Runs FILE with the same options on both engines. `opts` are --dir/--env style flags that
  // both runners accept; `guestArgs` follow `--`.
  RunResult ours(const std::string& file, const std::vector<std::string>& opts,
                 const std::vector<std::string>& guestArgs) {
    std::vector<std::string> argv = {cli_.string(), "run", (examples_ / file).string()};
    argv.insert(argv.end(), opts.begin(), opts.end());
    if (!guestArgs.empty()) {
      argv.push_back("--");
      argv.insert(argv.end(), guestArgs.begin(), guestArgs.end());
    }
    return runShell(argv);
  }
  RunResult node(const std::string& file, const std::vector<std::string>& opts,
                 const std::vector<std::string>& guestArgs) {
    std::vector<std::string> argv = {node_, "--experimental-wasi-unstable-preview1", runner_.string(), (examples_ / file).string()};
    argv.insert(argv.end(), opts.begin(), opts.end());
    argv.push_back("--");
    argv.insert(argv.end(), guestArgs.begin(), guestArgs.end());
    return runShell(argv);
  }

  fs::path examples_, cli_, runner_;
  std::string node_;
};

// Drops the "argv[0]=..." line: the engines may spell the program name differently.
std::string withoutArgv0(const std::string& s) {
  std::istringstream in(s);
  std::string line, out;
  while (std::getline(in, line))
    if (line.rfind("argv[0]=", 0) != 0) out += line + "\n";
  return out;
}

TEST_F(ExamplesDifferential, HelloArgsEnvAndFiles) {
  fs::path dir = fs::temp_directory_path() / ("tw_examples_hello_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  { std::ofstream(dir / "in.txt") << "Some text\nline two\n"; }
  std::vector<std::string> opts = {"--dir", dir.string() + "::/data", "--env", "GREETING=bonjour"};

  RunResult n = node("hello.wasm", opts, {"x", "--read", "/data/in.txt", "--write", "/data/node.txt"});
  RunResult o = ours("hello.wasm", opts, {"x", "--read", "/data/in.txt", "--write", "/data/ours.txt"});
  EXPECT_EQ(n.exitCode, 5) << n.err;
  EXPECT_EQ(o.exitCode, 5) << o.err;
  EXPECT_NE(o.out.find("GREETING=bonjour\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("read 19 bytes from /data/in.txt:\nSome text\nline two\n"), std::string::npos) << o.out;
  // Identical apart from the output file's name.
  std::string expected = withoutArgv0(n.out);
  for (size_t pos; (pos = expected.find("node.txt")) != std::string::npos;) expected.replace(pos, 8, "ours.txt");
  EXPECT_EQ(withoutArgv0(o.out), expected);
  EXPECT_EQ(readFile(dir / "ours.txt"), "SOME TEXT\nLINE TWO\nbytes=19\n");
  EXPECT_EQ(readFile(dir / "ours.txt"), readFile(dir / "node.txt"));
  fs::remove_all(dir);
}

TEST_F(ExamplesDifferential, HelloWithoutPreopenFailsTheSameWay) {
  RunResult n = node("hello.wasm", {}, {"--read", "/data/in.txt"});
  RunResult o = ours("hello.wasm", {}, {"--read", "/data/in.txt"});
  EXPECT_EQ(n.exitCode, 101);
  EXPECT_EQ(o.exitCode, 101) << o.err;
  EXPECT_EQ(withoutArgv0(o.out), withoutArgv0(n.out));
}

TEST_F(ExamplesDifferential, KernelChecksumsAgreeScalarAndSimd) {
  struct Case {
    const char* fn;
    const char* args;
    double expected;
  };
  const Case cases[] = {
      {"matmul_checksum", "[16]", -3398},        {"matmul_simd_checksum", "[16]", -3398},
      {"matmul_checksum", "[100]", -48944},      {"matmul_simd_checksum", "[100]", -48944},
      {"vec_add_checksum", "[1000]", 1023},      {"vec_add_simd_checksum", "[1000]", 1023},
      {"dot_checksum", "[1000]", 21},            {"dot_simd_checksum", "[1000]", 21},
      {"saxpy_checksum", "[1000, 2.5]", 79.5},   {"saxpy_simd_checksum", "[1000, 2.5]", 79.5},
      {"matmul_checksum", "[999]", -1},          {"add_i32", "[2, 3]", 5},
      {"mul_f32", "[1.5, 2]", 3},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.fn) + " " + c.args);
    RunResult o = ours("kernels.wasm", {"--invoke", c.fn, "--args", c.args}, {});
    RunResult n = node("kernels.wasm", {"--invoke", c.fn, "--args", c.args}, {});
    ASSERT_EQ(o.exitCode, 0) << o.err;
    ASSERT_EQ(n.exitCode, 0) << n.err;
    EXPECT_DOUBLE_EQ(std::strtod(o.out.c_str(), nullptr), c.expected) << o.out;
    EXPECT_DOUBLE_EQ(std::strtod(n.out.c_str(), nullptr), c.expected) << n.out;
  }
}

TEST_F(ExamplesDifferential, ShallowRecursionReturns) {
  RunResult o = ours("recursion.wasm", {}, {"1000"});
  RunResult n = node("recursion.wasm", {}, {"1000"});
  EXPECT_EQ(o.exitCode, 0) << o.err;
  EXPECT_EQ(n.exitCode, 0) << n.err;
  EXPECT_EQ(o.out, "depth 1000: result 500500\n");
  EXPECT_EQ(o.out, n.out);
}

TEST_F(ExamplesDifferential, DeepRecursionTrapsCallStackExhausted) {
  RunResult o = ours("recursion.wasm", {}, {});
  RunResult n = node("recursion.wasm", {}, {});
  EXPECT_EQ(o.exitCode, 4) << o.err;
  EXPECT_NE(o.err.find("call stack exhausted"), std::string::npos) << o.err;
  EXPECT_EQ(n.exitCode, 4) << n.err;
  EXPECT_EQ(o.out, "");
}

}  // namespace
