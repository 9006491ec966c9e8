// GPU tests on the installed driver: they run only where a CUDA device is present and
// otherwise report SKIPPED "no CUDA device: <reason>" (TW_EXPECT_GPU=1 turns that into a
// failure). Kernels are embedded PTX (tests/gpu_test_ptx.h), so the test binary needs no files.
// Covered: info, buffers and async launches, host-region launches, a guest through
// wasi:cuda, the driver-enforced pool cap, and a faulting session beside a healthy one.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "gpu_test_ptx.h"
#include "tensorwasm/gpu/gpu.h"

namespace {

using namespace tw;
using namespace tw::gpu;

std::shared_ptr<GpuRuntime> realGpu() {
  auto rt = GpuRuntime::process();
  return rt->available() ? rt : nullptr;
}

#define REQUIRE_GPU(rt)                                                           \
  auto rt = realGpu();                                                            \
  if (!rt) {                                                                      \
    const char* expect = std::getenv("TW_EXPECT_GPU");                            \
    if (expect && std::string(expect) == "1") {                                   \
      FAIL() << "no CUDA device: " << GpuRuntime::process()->unavailableReason(); \
    }                                                                             \
    GTEST_SKIP() << "no CUDA device: " << GpuRuntime::process()->unavailableReason(); \
  }

std::unique_ptr<GpuSession> open(GpuRuntime& rt, std::string tenant, uint64_t cap = 1ull << 30) {
  SessionConfig c;
  c.tenant = std::move(tenant);
  c.memoryCap = cap;
  c.kernelTimeout = std::chrono::seconds(10);
  auto s = rt.openSession(c);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(s.value()) : nullptr;
}

KernelArg buf(BufferId b) { KernelArg a; a.kind = KernelArg::Kind::Buffer; a.buffer = b; return a; }
KernelArg i32(int32_t v) { KernelArg a; a.kind = KernelArg::Kind::I32; a.bits = uint32_t(v); return a; }
KernelArg region(void* p, uint64_t n) {
  KernelArg a; a.kind = KernelArg::Kind::HostRegion; a.host = static_cast<uint8_t*>(p); a.len = n; return a;
}
LaunchDims dimsFor(int n) {
  LaunchDims d;
  d.block[0] = 256;
  d.grid[0] = uint32_t((n + 255) / 256);
  return d;
}

TEST(GpuReal, InfoReportsDevices) {
  REQUIRE_GPU(rt);
  GpuInfo info = rt->info();
  ASSERT_TRUE(info.available);
  ASSERT_GE(info.devices.size(), 1u);
  EXPECT_GE(info.devices[0].ccMajor, 7);
  EXPECT_GT(info.devices[0].totalBytes, 0u);
  EXPECT_GT(info.driverVersion, 0);
  std::printf("device 0: %s sm_%d%d, %d SMs, driver %d, MPS %s\n", info.devices[0].name.c_str(),
              info.devices[0].ccMajor, info.devices[0].ccMinor, info.devices[0].smCount,
              info.driverVersion, info.mpsActive ? "on" : "off");
}

TEST(GpuReal, VectorAddWithBuffersAndRegions) {
  REQUIRE_GPU(rt);
  auto s = open(*rt, "real-vadd");
  auto k = s->loadPtx(tw::testing::kRealPtx, "vadd");
  ASSERT_TRUE(k.ok()) << k.error().message;
  const int n = 1 << 20;
  std::vector<float> a(n), b(n), c(n, 0);
  for (int i = 0; i < n; ++i) { a[i] = float(i); b[i] = float(2 * i); }
  BufferId ba = s->alloc(4ull * n).value(), bb = s->alloc(4ull * n).value(), bc = s->alloc(4ull * n).value();
  ASSERT_TRUE(s->copyToDevice(ba, 0, a.data(), 4ull * n).ok());
  ASSERT_TRUE(s->copyToDevice(bb, 0, b.data(), 4ull * n).ok());
  KernelArg args[] = {buf(ba), buf(bb), buf(bc), i32(n)};
  for (int rep = 0; rep < 100; ++rep) ASSERT_TRUE(s->launch(k.value(), dimsFor(n), args).ok());
  auto sr = s->sync();
  ASSERT_TRUE(sr.ok()) << sr.error().message;
  ASSERT_TRUE(s->copyToHost(c.data(), bc, 0, 4ull * n).ok());
  for (int i = 0; i < n; i += 4097) ASSERT_EQ(c[i], float(3 * i)) << i;
  std::vector<float> d(n, 0);
  KernelArg rargs[] = {region(a.data(), 4ull * n), region(b.data(), 4ull * n), region(d.data(), 4ull * n), i32(n)};
  auto lr = s->launch(k.value(), dimsFor(n), rargs);
  ASSERT_TRUE(lr.ok()) << lr.error().message;
  for (int i = 0; i < n; i += 4097) ASSERT_EQ(d[i], float(3 * i)) << i;
  EXPECT_EQ(gpuErrc(s->loadPtx("not ptx at all", "vadd").error()), GpuErrc::MalformedPtx);
  EXPECT_EQ(gpuErrc(s->loadPtx(tw::testing::kRealPtx, "nope").error()), GpuErrc::MalformedPtx);
}

TEST(GpuReal, PoolCapIsEnforced) {
  REQUIRE_GPU(rt);
  auto s = open(*rt, "real-cap", 64ull << 20);
  auto a = s->alloc(32ull << 20);
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto over = s->alloc(40ull << 20);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(gpuErrc(over.error()), GpuErrc::QuotaExceeded);
  auto b = s->alloc(32ull << 20);  // exactly at the cap
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_TRUE(s->free(a.value()).ok());
  EXPECT_TRUE(s->alloc(16ull << 20).ok());
  std::vector<BufferId> small;
  auto s2 = open(*rt, "real-small", 4ull << 20);
  for (int i = 0; i < 1024; ++i) {
    auto x = s2->alloc(4096);
    ASSERT_TRUE(x.ok()) << i;
    small.push_back(x.value());
  }
  EXPECT_EQ(gpuErrc(s2->alloc(1).error()), GpuErrc::QuotaExceeded);
  for (BufferId id : small) ASSERT_TRUE(s2->free(id).ok());
  EXPECT_TRUE(s2->alloc(4ull << 20).ok());
}

void faultBesideHealthy(const char* entry) {
  auto rt = GpuRuntime::process();
  auto healthy = open(*rt, "real-good");
  auto faulty = open(*rt, "real-bad");
  ASSERT_EQ(healthy->device(), faulty->device()) << "single-device test";
  KernelId hv = healthy->loadPtx(tw::testing::kRealPtx, "vadd").value();
  BufferId kept = healthy->alloc(4096).value();
  uint64_t gen0 = rt->generation(faulty->device());
  auto bad = faulty->loadPtx(tw::testing::kRealPtx, entry);
  ASSERT_TRUE(bad.ok()) << bad.error().message;
  ASSERT_TRUE(faulty->launch(bad.value(), LaunchDims{}, {}).ok());
  auto r = faulty->sync();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(gpuErrc(r.error()), GpuErrc::LaunchFailed) << r.error().message;
  std::printf("faulting kernel %s: %s\n", entry, r.error().message.c_str());
  EXPECT_EQ(rt->generation(faulty->device()), gen0 + 1);
  const int n = 4096;
  std::vector<float> a(n, 1.5f), b(n, 2.0f), c(n, 0);
  KernelArg args[] = {region(a.data(), 4 * n), region(b.data(), 4 * n), region(c.data(), 4 * n), i32(n)};
  auto hr = healthy->launch(hv, dimsFor(n), args);
  ASSERT_TRUE(hr.ok()) << hr.error().message;
  for (float x : c) ASSERT_EQ(x, 3.5f);
  char out[16];
  auto lost = healthy->copyToHost(out, kept, 0, 16);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().message, "device reset");
  BufferId fresh = healthy->alloc(4096).value();
  EXPECT_TRUE(healthy->copyToDevice(fresh, 0, a.data(), 4096).ok());
  KernelId again = faulty->loadPtx(tw::testing::kRealPtx, "empty").value();
  ASSERT_TRUE(faulty->launch(again, LaunchDims{}, {}).ok());
  EXPECT_TRUE(faulty->sync().ok());
}

TEST(GpuReal, IllegalAddressIsIsolated) {
  REQUIRE_GPU(rt);
  faultBesideHealthy("fault");
}

TEST(GpuReal, TrapIsIsolated) {
  REQUIRE_GPU(rt);
  faultBesideHealthy("trapk");
}

TEST(GpuReal, EndlessKernelStoppedAtDeadline) {
  REQUIRE_GPU(rt);
  SessionConfig c;
  c.tenant = "real-spin";
  c.kernelTimeout = std::chrono::milliseconds(300);
  auto s = rt->openSession(c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  GpuSession& spinner = *s.value();
  auto healthy = open(*rt, "real-good");
  KernelId hv = healthy->loadPtx(tw::testing::kRealPtx, "vadd").value();
  KernelId spin = spinner.loadPtx(tw::testing::kRealPtx, "spin").value();
  uint64_t gen0 = rt->generation(spinner.device());
  ASSERT_TRUE(spinner.launch(spin, LaunchDims{}, {}).ok());
  auto t0 = std::chrono::steady_clock::now();
  auto r = spinner.sync();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(gpuErrc(r.error()), GpuErrc::LaunchFailed);
  EXPECT_NE(r.error().message.find("deadline"), std::string::npos) << r.error().message;
  std::printf("endless kernel stopped after %.0f ms (deadline 300 ms, worker restart included)\n", ms);
  EXPECT_EQ(rt->generation(spinner.device()), gen0 + 1);
  const int n = 1024;
  std::vector<float> a(n, 0.25f), b(n, 0.5f), cc(n, 0);
  KernelArg args[] = {region(a.data(), 4 * n), region(b.data(), 4 * n), region(cc.data(), 4 * n), i32(n)};
  auto hr = healthy->launch(hv, dimsFor(n), args);
  ASSERT_TRUE(hr.ok()) << hr.error().message;
  for (float x : cc) ASSERT_EQ(x, 0.75f);
  KernelId again = spinner.loadPtx(tw::testing::kRealPtx, "empty").value();
  ASSERT_TRUE(spinner.launch(again, LaunchDims{}, {}).ok());
  EXPECT_TRUE(spinner.sync().ok());
}

}  // namespace
