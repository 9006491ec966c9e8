// GPU guest examples (examples/gpu/gpu_*.c, built to TW_EXAMPLES_DIR) run through the `tensorwasm`
// CLI. With a CUDA device (probed here directly through libcuda.so.1, independently of the
// runtime's own GPU layer) every example must print "PASS: ..." and exit 0; without one the guest
// must still instantiate and run (proving wasi:cuda/host@0.2.0 is linked by `tensorwasm run`), print
// "SKIP: no GPU (...)" and exit 0, and the test then reports SKIPPED "no CUDA device".
// TW_EXPECT_GPU=1 turns a missing device into a failure (the GPU bundle's run.sh sets it).
// The GpuGuestLogic tests run the same guests on Node.js against examples/gpu/emulate_wasi_cuda.mjs
// (a CPU stand-in for the host) to check the guests' own logic and FAIL path on machines without a
// GPU; they skip when node or the emulator is missing.
// Paths: TENSORWASM (the CLI) and TW_EXAMPLES_DIR may be overridden from the environment, so the
// test binary also works from a bundle copied to another machine.
#include <gtest/gtest.h>

#include "run_process.h"

#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

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

bool hasLinePrefix(const std::string& out, const std::string& prefix) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) return true;
  return false;
}

// Number of CUDA devices the driver reports, or 0 (no libcuda.so.1, a stub, cuInit failing).
// Probed once, through the driver API directly, so the expectation does not depend on the code
// under test. The library stays loaded (unloading a CUDA driver mid-process is not worth it).
int cudaDeviceCount() {
  static const int count = [] {
    void* lib = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return 0;
    using InitFn = int (*)(unsigned);
    using CountFn = int (*)(int*);
    auto init = reinterpret_cast<InitFn>(::dlsym(lib, "cuInit"));
    auto getCount = reinterpret_cast<CountFn>(::dlsym(lib, "cuDeviceGetCount"));
    int n = 0;
    if (!init || !getCount || init(0) != 0 || getCount(&n) != 0) return 0;
    return n;
  }();
  return count;
}

bool expectGpu() {
  const char* env = std::getenv("TW_EXPECT_GPU");
  return env && *env && std::string(env) != "0";
}

fs::path examplesDir() {
  if (const char* env = std::getenv("TW_EXAMPLES_DIR"); env && *env) return env;
  return TW_EXAMPLES_DIR;
}

struct Example {
  const char* wasm;
  std::vector<std::string> args;          // on the GPU
  std::vector<std::string> emulatorArgs;  // smaller sizes for the JavaScript stand-in
};

const std::vector<Example>& examples() {
  static const std::vector<Example> list = {
      {"gpu_vecadd.wasm", {}, {"65536"}},
      {"gpu_saxpy.wasm", {"1048576", "1000"}, {"65536", "50"}},
      {"gpu_reduce.wasm", {}, {"100003"}},
      {"gpu_matmul.wasm", {}, {}},
  };
  return list;
}

class GpuExamples : public ::testing::TestWithParam<Example> {
 protected:
  void SetUp() override {
    cli_ = tw::testing::tensorwasmBinary();
    wasm_ = examplesDir() / GetParam().wasm;
    if (!fs::exists(cli_)) GTEST_SKIP() << "CLI not built at " << cli_;
    if (!fs::exists(wasm_)) GTEST_SKIP() << "example not built: " << wasm_;
  }
  fs::path cli_, wasm_;
};

TEST_P(GpuExamples, PassOnGpuSkipVisiblyWithout) {
  const Example& ex = GetParam();
  const bool gpu = cudaDeviceCount() > 0;
  std::vector<std::string> argv = {cli_.string(), "run"};
  if (gpu) argv.push_back("--gpu");
  argv.push_back(wasm_.string());
  if (!ex.args.empty()) {
    argv.push_back("--");
    argv.insert(argv.end(), ex.args.begin(), ex.args.end());
  }
  RunResult r = runShell(argv);
  // Shown in the GPU log: the guest's own report lines (timings included).
  std::printf("%s", r.out.c_str());
  if (gpu) {
    EXPECT_EQ(r.exitCode, 0) << "stdout:\n" << r.out << "stderr:\n" << r.err;
    EXPECT_TRUE(hasLinePrefix(r.out, "PASS: ")) << "a CUDA device is present but the guest did not pass\n"
                                                << "stdout:\n" << r.out << "stderr:\n" << r.err;
    return;
  }
  // No GPU: the guest must instantiate (wasi:cuda linked), see no device and skip cleanly.
  ASSERT_EQ(r.exitCode, 0) << "the guest must run and exit 0 without a GPU\nstdout:\n"
                           << r.out << "stderr:\n" << r.err;
  ASSERT_TRUE(hasLinePrefix(r.out, "SKIP: no GPU")) << "stdout:\n" << r.out << "stderr:\n" << r.err;
  EXPECT_FALSE(hasLinePrefix(r.out, "FAIL"));
  if (expectGpu()) FAIL() << "TW_EXPECT_GPU is set but no CUDA device was found";
  GTEST_SKIP() << "no CUDA device";
}

INSTANTIATE_TEST_SUITE_P(All, GpuExamples, ::testing::ValuesIn(examples()),
                         [](const ::testing::TestParamInfo<Example>& info) {
                           std::string n = info.param.wasm;
                           return n.substr(0, n.find('.'));
                         });

class GpuGuestLogic : public ::testing::TestWithParam<Example> {
 protected:
  void SetUp() override {
    node_ = findNode();
    emulator_ = fs::path(TW_SOURCE_DIR) / "examples" / "gpu" / "emulate_wasi_cuda.mjs";
    wasm_ = examplesDir() / GetParam().wasm;
    if (node_.empty()) GTEST_SKIP() << "node not found";
    if (!fs::exists(emulator_)) GTEST_SKIP() << "emulator not found at " << emulator_;
    if (!fs::exists(wasm_)) GTEST_SKIP() << "example not built: " << wasm_;
  }
  RunResult emulate(const std::vector<std::string>& flags) {
    std::vector<std::string> argv = {node_, "--experimental-wasi-unstable-preview1", emulator_.string()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back(wasm_.string());
    argv.push_back("--");
    argv.insert(argv.end(), GetParam().emulatorArgs.begin(), GetParam().emulatorArgs.end());
    return runShell(argv);
  }
  std::string node_;
  fs::path emulator_, wasm_;
};

TEST_P(GpuGuestLogic, PassesOnEmulatedHost) {
  RunResult r = emulate({});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_TRUE(hasLinePrefix(r.out, "PASS: ")) << r.out << r.err;
}

TEST_P(GpuGuestLogic, SkipsWithoutDevice) {
  RunResult r = emulate({"--no-gpu"});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_TRUE(hasLinePrefix(r.out, "SKIP: no GPU (no CUDA device (emulated))")) << r.out << r.err;
}

TEST_P(GpuGuestLogic, DetectsWrongResults) {
  RunResult r = emulate({"--corrupt"});
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  EXPECT_TRUE(hasLinePrefix(r.out, "FAIL: ")) << r.out << r.err;
  EXPECT_FALSE(hasLinePrefix(r.out, "PASS"));
}

INSTANTIATE_TEST_SUITE_P(All, GpuGuestLogic, ::testing::ValuesIn(examples()),
                         [](const ::testing::TestParamInfo<Example>& info) {
                           std::string n = info.param.wasm;
                           return n.substr(0, n.find('.'));
                         });

}  // namespace
