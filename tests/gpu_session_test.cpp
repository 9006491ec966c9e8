// Tests of the GPU layer on the fake driver (tests/gpu_fake_driver.h): "no GPU" reasons (no
// library, the toolkit stub, zero devices), device info, buffers and launches, per-tenant caps
// (under, at, over; many small allocations; free then reuse; counter-only without pools),
// placement across two devices, and fault isolation: a faulting session beside a healthy one,
// whose host-region launches are replayed with correct results, whose buffers report "device
// reset", and whose later calls work; a hanging kernel stopped at its deadline.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "gpu_fake_driver.h"
#include "tensorwasm/gpu/gpu.h"

namespace {

using namespace tw;
using namespace tw::gpu;
using tw::testing::FakeCuda;

const char* kPtx =
    ".version 8.0\n.target sm_90\n.entry vadd(\n)\n.entry fault(\n)\n.entry hang(\n)\n"
    ".entry empty(\n)\n.entry fill_u32(\n)\n";

std::shared_ptr<GpuRuntime> fakeRuntime(int devices, uint64_t bytes = 1ull << 30, bool pools = true) {
  FakeCuda::setUp(devices, bytes, pools);
  return GpuRuntime::create(&FakeCuda::load);
}

std::unique_ptr<GpuSession> open(GpuRuntime& rt, std::string tenant = "t", uint64_t cap = 1 << 20,
                                 int device = -1) {
  SessionConfig c;
  c.tenant = tenant;
  c.memoryCap = cap;
  c.device = device;
  c.kernelTimeout = std::chrono::milliseconds(50);
  auto s = rt.openSession(c);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(s.value()) : nullptr;
}

const LaunchDims kDims = [] { LaunchDims d; d.block[0] = 32; return d; }();

KernelArg bufArg(BufferId b, uint64_t off = 0) {
  KernelArg a; a.kind = KernelArg::Kind::Buffer; a.buffer = b; a.bits = off; return a;
}
KernelArg i32Arg(int32_t v) {
  KernelArg a; a.kind = KernelArg::Kind::I32; a.bits = static_cast<uint32_t>(v); return a;
}
KernelArg region(void* p, uint64_t len) {
  KernelArg a; a.kind = KernelArg::Kind::HostRegion; a.host = static_cast<uint8_t*>(p); a.len = len; return a;
}

TEST(GpuRuntime, NoDriverLibrary) {
  auto r = loadCudaDriver("/nonexistent/libcuda.so.1");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cannot load"), std::string::npos);
  auto rt = GpuRuntime::create([] { return loadCudaDriver("/nonexistent/libcuda.so.1"); });
  EXPECT_FALSE(rt->available());
  EXPECT_EQ(rt->deviceCount(), 0);
  auto s = rt->openSession({});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(gpuErrc(s.error()), GpuErrc::NotAvailable);
}

TEST(GpuRuntime, StubLibraryMeansNoGpu) {
  const char* stub = "/usr/local/cuda/lib64/stubs/libcuda.so";
  if (!std::filesystem::exists(stub)) GTEST_SKIP() << "no CUDA toolkit stub library here";
  // In a child process: the stub's soname is libcuda.so.1, so once loaded it would stand in
  // for the real driver in every later dlopen("libcuda.so.1") of this process.
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto r = loadCudaDriver(stub);
    _exit(!r.ok() && r.error().message.find("stub") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the stub must be reported as no GPU";
}

TEST(GpuRuntime, ZeroDevicesAndStubResult) {
  auto rt = fakeRuntime(0);
  EXPECT_FALSE(rt->available());
  EXPECT_NE(rt->unavailableReason().find("no CUDA device"), std::string::npos);
  FakeCuda::setUp(1);
  FakeCuda::get().initResult = CUDA_ERROR_STUB_LIBRARY;
  auto rt2 = GpuRuntime::create(&FakeCuda::load);
  EXPECT_FALSE(rt2->available());
  EXPECT_NE(rt2->unavailableReason().find("stub"), std::string::npos);
}

TEST(GpuRuntime, InfoListsDevices) {
  auto rt = fakeRuntime(2, 8ull << 30);
  GpuInfo info = rt->info();
  ASSERT_TRUE(info.available);
  EXPECT_EQ(info.driverVersion, 13000);
  ASSERT_EQ(info.devices.size(), 2u);
  EXPECT_EQ(info.devices[1].name, "Fake GPU 1");
  EXPECT_EQ(info.devices[0].ccMajor, 9);
  EXPECT_EQ(info.devices[0].smCount, 132);
  EXPECT_EQ(info.devices[0].totalBytes, 8ull << 30);
  EXPECT_TRUE(info.devices[0].memoryPools);
  EXPECT_FALSE(info.mpsControl.empty());
}

TEST(GpuSession, BuffersAndAsyncLaunch) {
  auto rt = fakeRuntime(1);
  auto s = open(*rt);
  auto k = s->loadPtx(kPtx, "vadd");
  ASSERT_TRUE(k.ok()) << k.error().message;
  float a[4] = {1, 2, 3, 4}, b[4] = {10, 20, 30, 40}, c[4] = {};
  BufferId ba = s->alloc(16).value(), bb = s->alloc(16).value(), bc = s->alloc(16).value();
  EXPECT_EQ(s->bufferCount(), 3u);
  ASSERT_TRUE(s->copyToDevice(ba, 0, a, 16).ok());
  ASSERT_TRUE(s->copyToDevice(bb, 0, b, 16).ok());
  KernelArg args[] = {bufArg(ba), bufArg(bb), bufArg(bc), i32Arg(4)};
  LaunchDims d;
  d.block[0] = 4;
  ASSERT_TRUE(s->launch(k.value(), d, args).ok());
  ASSERT_TRUE(s->sync().ok());
  ASSERT_TRUE(s->copyToHost(c, bc, 0, 16).ok());
  EXPECT_EQ(c[3], 44.0f);
  EXPECT_EQ(gpuErrc(s->copyToHost(c, bc, 8, 16).error()), GpuErrc::InvalidBuffer);
  EXPECT_EQ(gpuErrc(s->loadPtx("syntax error", "vadd").error()), GpuErrc::MalformedPtx);
  EXPECT_EQ(gpuErrc(s->loadPtx(kPtx, "nope").error()), GpuErrc::MalformedPtx);
  EXPECT_EQ(gpuErrc(s->launch(99, d, args).error()), GpuErrc::InvalidKernel);
}

TEST(GpuSession, ArgumentsMustMatchTheKernelSignature) {
  auto rt = fakeRuntime(1);
  auto s = open(*rt);
  const char* typed = ".version 8.0\n.target sm_90\n"
                      ".entry vadd(.param .u64 a, .param .u64 b, .param .u64 c, .param .u32 n)\n";
  KernelId k = s->loadPtx(typed, "vadd").value();
  BufferId ba = s->alloc(16).value(), bb = s->alloc(16).value(), bc = s->alloc(16).value();
  uint64_t before = FakeCuda::get().launches;
  KernelArg tooFew[] = {bufArg(ba), bufArg(bb), bufArg(bc)};
  auto r = s->launch(k, kDims, tooFew);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(gpuErrc(r.error()), GpuErrc::ArgsUnsupported);
  EXPECT_NE(r.error().message.find("takes 4 parameters, got 3"), std::string::npos) << r.error().message;
  KernelArg wrongSize[] = {bufArg(ba), bufArg(bb), bufArg(bc), bufArg(ba)};
  r = s->launch(k, kDims, wrongSize);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(gpuErrc(r.error()), GpuErrc::ArgsUnsupported);
  EXPECT_NE(r.error().message.find("argument 3"), std::string::npos) << r.error().message;
  EXPECT_EQ(FakeCuda::get().launches, before) << "refused before any launch";
  KernelArg right[] = {bufArg(ba), bufArg(bb), bufArg(bc), i32Arg(4)};
  EXPECT_TRUE(s->launch(k, kDims, right).ok());
  EXPECT_TRUE(s->sync().ok());
}

TEST(GpuSession, HostRegionLaunchIsSynchronous) {
  auto rt = fakeRuntime(1);
  auto s = open(*rt);
  KernelId k = s->loadPtx(kPtx, "vadd").value();
  float a[3] = {1, 2, 3}, b[3] = {4, 5, 6}, c[3] = {};
  KernelArg args[] = {region(a, 12), region(b, 12), region(c, 12), i32Arg(3)};
  ASSERT_TRUE(s->launch(k, kDims, args).ok());
  EXPECT_EQ(c[0], 5.0f);
  EXPECT_EQ(c[2], 9.0f);
  EXPECT_EQ(rt->tenantUsage("t", 0), 0u);  // temporaries returned
}

TEST(GpuQuota, UnderAtOverCap) {
  for (bool pools : {true, false}) {
    auto rt = fakeRuntime(1, 1ull << 30, pools);
    auto s = open(*rt, "q", 1 << 20);
    auto b1 = s->alloc(512 << 10);
    auto b2 = s->alloc(512 << 10);  // exactly at the cap
    ASSERT_TRUE(b1.ok() && b2.ok());
    auto over = s->alloc(1);
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(gpuErrc(over.error()), GpuErrc::QuotaExceeded);
    EXPECT_EQ(rt->tenantUsage("q", 0), 1u << 20);
    // Other allocations are untouched; freeing makes room again.
    uint32_t v = 7, out = 0;
    ASSERT_TRUE(s->copyToDevice(b1.value(), 0, &v, 4).ok());
    ASSERT_TRUE(s->free(b2.value()).ok());
    auto b3 = s->alloc(256 << 10);
    ASSERT_TRUE(b3.ok());
    ASSERT_TRUE(s->copyToHost(&out, b1.value(), 0, 4).ok());
    EXPECT_EQ(out, 7u);
    EXPECT_EQ(gpuErrc(s->free(b2.value()).error()), GpuErrc::InvalidBuffer);  // double free
  }
}

TEST(GpuQuota, ManySmallAllocationsAndTenantsShareNothing) {
  auto rt = fakeRuntime(1);
  auto s = open(*rt, "small", 1 << 20);
  std::vector<BufferId> ids;
  for (int i = 0; i < 1024; ++i) {
    auto b = s->alloc(1024);
    ASSERT_TRUE(b.ok()) << i;
    ids.push_back(b.value());
  }
  EXPECT_EQ(gpuErrc(s->alloc(1024).error()), GpuErrc::QuotaExceeded);
  auto other = open(*rt, "other", 1 << 20);  // a second tenant has its own cap
  EXPECT_TRUE(other->alloc(1 << 20).ok());
  for (BufferId id : ids) ASSERT_TRUE(s->free(id).ok());
  EXPECT_EQ(rt->tenantUsage("small", 0), 0u);
  EXPECT_TRUE(s->alloc(1 << 20).ok());
  s.reset();  // a closed session frees what it held
  EXPECT_EQ(rt->tenantUsage("small", 0), 0u);
}

TEST(GpuPlacement, LeastLoadedDeviceAndExplicitOrdinal) {
  auto rt = fakeRuntime(2);
  auto a = open(*rt, "a", 16 << 20);
  ASSERT_TRUE(a->alloc(1 << 20).ok());
  auto b = open(*rt, "b", 16 << 20);
  EXPECT_NE(a->device(), b->device());
  auto c = open(*rt, "c", 16 << 20, 1);
  EXPECT_EQ(c->device(), 1);
  // The cap is per device: tenant "a" may hold its cap on each device.
  auto a2 = open(*rt, "a", 16 << 20, b->device());
  EXPECT_TRUE(a2->alloc(16 << 20).ok());
  EXPECT_TRUE(a->alloc(15 << 20).ok());
  EXPECT_EQ(gpuErrc(rt->openSession(SessionConfig{"x", 1, 5}).error()), GpuErrc::NotAvailable);
}

TEST(GpuIsolation, FaultingSessionBesideHealthyOne) {
  auto rt = fakeRuntime(1);
  auto healthy = open(*rt, "good");
  auto faulty = open(*rt, "bad");
  KernelId hv = healthy->loadPtx(kPtx, "vadd").value();
  BufferId kept = healthy->alloc(64).value();
  KernelId bad = faulty->loadPtx(kPtx, "fault").value();
  ASSERT_TRUE(faulty->launch(bad, LaunchDims{}, {}).ok());
  auto r = faulty->sync();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(gpuErrc(r.error()), GpuErrc::LaunchFailed);
  EXPECT_NE(r.error().message.find("ILLEGAL_ADDRESS"), std::string::npos);
  EXPECT_EQ(rt->generation(0), 1u);
  // The healthy session: host-region launch works (kernel reloaded), buffers are gone.
  float a[2] = {1, 2}, b[2] = {3, 4}, c[2] = {};
  KernelArg args[] = {region(a, 8), region(b, 8), region(c, 8), i32Arg(2)};
  ASSERT_TRUE(healthy->launch(hv, kDims, args).ok());
  EXPECT_EQ(c[1], 6.0f);
  EXPECT_EQ(healthy->stats().reloads, 1u);
  char out[4];
  auto lost = healthy->copyToHost(out, kept, 0, 4);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(gpuErrc(lost.error()), GpuErrc::InvalidBuffer);
  EXPECT_EQ(lost.error().message, "device reset");
  EXPECT_TRUE(healthy->alloc(64).ok());
  // The faulting session works again too.
  KernelId fv = faulty->loadPtx(kPtx, "vadd").value();
  ASSERT_TRUE(faulty->launch(fv, kDims, args).ok());
}

TEST(GpuIsolation, HealthyHostRegionLaunchReplayedAfterForeignFault) {
  auto rt = fakeRuntime(1);
  auto healthy = open(*rt, "good");
  auto faulty = open(*rt, "bad");
  KernelId hv = healthy->loadPtx(kPtx, "vadd").value();
  KernelId bad = faulty->loadPtx(kPtx, "fault").value();
  ASSERT_TRUE(faulty->launch(bad, LaunchDims{}, {}).ok());  // faults, not yet synced
  float a[2] = {1, 2}, b[2] = {3, 4}, c[2] = {};
  KernelArg args[] = {region(a, 8), region(b, 8), region(c, 8), i32Arg(2)};
  ASSERT_TRUE(healthy->launch(hv, kDims, args).ok());
  EXPECT_EQ(c[0], 4.0f);
  EXPECT_EQ(c[1], 6.0f);
  EXPECT_EQ(healthy->stats().replays, 1u);
  EXPECT_FALSE(faulty->sync().ok());  // its pending work was lost
  EXPECT_TRUE(faulty->sync().ok());
  // A faulting host-region launch is the culprit: -5 after one replay.
  KernelArg none[] = {region(a, 8)};
  auto r = faulty->launch(bad, LaunchDims{}, none);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(gpuErrc(r.error()), GpuErrc::LaunchFailed);
  ASSERT_TRUE(healthy->launch(hv, kDims, args).ok());
}

TEST(GpuIsolation, HangingKernelStoppedAtDeadline) {
  auto rt = fakeRuntime(1);
  auto s = open(*rt);
  KernelId h = s->loadPtx(kPtx, "hang").value();
  ASSERT_TRUE(s->launch(h, LaunchDims{}, {}).ok());
  auto r = s->sync();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(gpuErrc(r.error()), GpuErrc::LaunchFailed);
  EXPECT_NE(r.error().message.find("deadline"), std::string::npos);
  EXPECT_EQ(rt->generation(0), 1u);
  KernelId e = s->loadPtx(kPtx, "empty").value();
  ASSERT_TRUE(s->launch(e, LaunchDims{}, {}).ok());
  EXPECT_TRUE(s->sync().ok());
}

TEST(GpuIsolation, DeviceLostWhenTheDriverRefusesANewContext) {
  // As measured on the H100 (driver 580): after an illegal address no new context can be made
  // in the process. The device is then reported unusable with a plain reason; others remain.
  auto rt = fakeRuntime(2);
  FakeCuda::get().retainFailsAfterReset = true;
  auto faulty = open(*rt, "bad", 1 << 20, 0);
  auto other = open(*rt, "ok", 1 << 20, 1);
  KernelId bad = faulty->loadPtx(kPtx, "fault").value();
  ASSERT_TRUE(faulty->launch(bad, LaunchDims{}, {}).ok());
  EXPECT_EQ(gpuErrc(faulty->sync().error()), GpuErrc::LaunchFailed);
  auto next = faulty->alloc(16);
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.error().message.find("restarted"), std::string::npos);
  auto placed = open(*rt, "new", 1 << 20);
  EXPECT_EQ(placed->device(), 1);
  EXPECT_TRUE(other->alloc(16).ok());
}

}  // namespace
