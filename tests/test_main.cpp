// The tw_tests entry point. The isolated GPU driver starts its workers from this same binary,
// so a run started as a worker serves as one: over the real driver by default, or over the
// in-process fake (tests/gpu_fake_driver.h) when the test asked for "fake" with
// "devices=N", "bytes=B" and "strict" (contexts refused after a reset, as driver 580 does).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

#include "gpu_fake_driver.h"
#include "tensorwasm/gpu/isolation.h"

namespace {

tw::Result<std::shared_ptr<const tw::gpu::DriverApi>> workerDriver(std::span<char* const> args) {
  using tw::testing::FakeCuda;
  if (args.empty() || std::string_view(args[0]) != "fake") return tw::gpu::loadCudaDriver();
  int devices = 1;
  uint64_t bytes = 1ull << 30;
  bool strict = false;
  for (std::string_view a : args.subspan(1)) {
    if (a.starts_with("devices=")) devices = std::atoi(a.data() + 8);
    if (a.starts_with("bytes=")) bytes = std::strtoull(a.data() + 6, nullptr, 10);
    if (a == "strict") strict = true;
  }
  FakeCuda::setUp(devices, bytes);
  FakeCuda::get().retainFailsAfterReset = strict;
  return FakeCuda::load();
}

}  // namespace

int main(int argc, char** argv) {
  if (auto worker = tw::gpu::runGpuWorkerIfRequested(argc, argv, workerDriver)) return *worker;
  // Commands the tests run keep their data (the code cache) in the build tree, shared by the
  // test processes of one build, never in the user's data directory.
  ::setenv("TENSOR_WASM_DATA_DIR", TW_TEST_DATA_DIR, 0);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
