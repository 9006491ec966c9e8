// Process isolation of the GPU (tensorwasm/gpu/isolation.h), tested without a GPU: the
// isolated driver starts this test binary as its workers, each running the fake driver in
// "strict" mode, where a context broken by a kernel fault stays broken and no new one can be
// made, as driver 580 behaves on the H100. Covered: a faulting tenant beside a healthy one on
// the same device (the worker is replaced, the healthy tenant's host-region launches give
// correct results, its buffers report "device reset", everything works afterwards), a hanging
// kernel stopped at its deadline, a worker killed from outside, placement over two devices
// with a worker each, copies larger than the channel, the JIT log, and start-up failures.
#include <gtest/gtest.h>
#include <signal.h>

#include <vector>

#include "tensorwasm/gpu/gpu.h"
#include "tensorwasm/gpu/isolation.h"

namespace {

using namespace tw;
using namespace tw::gpu;

const char* kPtx =
    ".version 8.0\n.target sm_90\n.entry vadd(\n)\n.entry fault(\n)\n.entry hang(\n)\n"
    ".entry empty(\n)\n.entry fill_u32(\n)\n";

std::shared_ptr<GpuRuntime> isolatedFake(int devices) {
  IsolationOptions o;
  o.workerArgs = {"fake", "devices=" + std::to_string(devices), "strict"};
  return GpuRuntime::create([o] { return loadIsolatedDriver(o); });
}

std::unique_ptr<GpuSession> open(GpuRuntime& rt, std::string tenant, int device = -1,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  SessionConfig c;
  c.tenant = std::move(tenant);
  c.memoryCap = 256ull << 20;
  c.device = device;
  c.kernelTimeout = timeout;
  auto s = rt.openSession(c);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(s.value()) : nullptr;
}

KernelArg bufArg(BufferId b) { KernelArg a; a.kind = KernelArg::Kind::Buffer; a.buffer = b; return a; }
KernelArg i32Arg(int32_t v) { KernelArg a; a.kind = KernelArg::Kind::I32; a.bits = uint32_t(v); return a; }
KernelArg region(void* p, uint64_t len) {
  KernelArg a; a.kind = KernelArg::Kind::HostRegion; a.host = static_cast<uint8_t*>(p); a.len = len; return a;
}
const LaunchDims kDims = [] { LaunchDims d; d.block[0] = 64; return d; }();

// c = a + b over host regions; checks every element.
void expectRegionAdd(GpuSession& s, KernelId vadd, int n, float base) {
  std::vector<float> a(n), b(n), c(n, -1.0f);
  for (int i = 0; i < n; ++i) { a[i] = base + i; b[i] = 2.0f * i; }
  KernelArg args[] = {region(a.data(), 4 * n), region(b.data(), 4 * n), region(c.data(), 4 * n), i32Arg(n)};
  LaunchDims dims = kDims;
  dims.grid[0] = static_cast<uint32_t>((n + 63) / 64);
  auto r = s.launch(vadd, dims, args);
  ASSERT_TRUE(r.ok()) << r.error().message;
  for (int i = 0; i < n; ++i) ASSERT_EQ(c[i], base + 3.0f * i) << "element " << i;
}

int workerOf(GpuRuntime& rt, int device) { return rt.info().devices.at(device).workerPid; }

TEST(GpuWorker, FaultingTenantBesideHealthyOne) {
  auto rt = isolatedFake(1);
  ASSERT_TRUE(rt->available()) << rt->unavailableReason();
  auto healthy = open(*rt, "healthy");
  auto faulty = open(*rt, "faulty");
  KernelId vadd = healthy->loadPtx(kPtx, "vadd").value();
  BufferId kept = healthy->alloc(4096).value();
  expectRegionAdd(*healthy, vadd, 64, 1.0f);
  int before = workerOf(*rt, 0);
  EXPECT_GT(before, 0);

  KernelId bad = faulty->loadPtx(kPtx, "fault").value();
  ASSERT_TRUE(faulty->launch(bad, kDims, {}).ok());
  auto fault = faulty->sync();
  ASSERT_FALSE(fault.ok());
  EXPECT_EQ(gpuErrc(fault.error()), GpuErrc::LaunchFailed);
  EXPECT_NE(fault.error().message.find("ILLEGAL_ADDRESS"), std::string::npos) << fault.error().message;
  EXPECT_EQ(rt->generation(0), 1u);
  EXPECT_NE(workerOf(*rt, 0), before) << "the faulted worker must be replaced";

  // The healthy tenant: correct results on the new context, its buffer reported lost.
  expectRegionAdd(*healthy, vadd, 1000, 7.0f);
  auto lost = healthy->bufferSize(kept);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(gpuErrc(lost.error()), GpuErrc::InvalidBuffer);
  EXPECT_EQ(lost.error().message, "device reset");
  BufferId fresh = healthy->alloc(64).value();
  std::vector<uint32_t> out(16, 0);
  KernelId fill = healthy->loadPtx(kPtx, "fill_u32").value();
  KernelArg fillArgs[] = {bufArg(fresh), i32Arg(0x5A5A), i32Arg(16)};
  ASSERT_TRUE(healthy->launch(fill, kDims, fillArgs).ok());
  ASSERT_TRUE(healthy->copyToHost(out.data(), fresh, 0, 64).ok());
  for (uint32_t v : out) EXPECT_EQ(v, 0x5A5Au);

  // The faulting tenant's next invocation works too.
  KernelId empty = faulty->loadPtx(kPtx, "empty").value();
  ASSERT_TRUE(faulty->launch(empty, kDims, {}).ok());
  EXPECT_TRUE(faulty->sync().ok());
}

TEST(GpuWorker, HangingKernelStoppedAtDeadline) {
  auto rt = isolatedFake(1);
  auto s = open(*rt, "t", -1, std::chrono::milliseconds(100));
  KernelId hang = s->loadPtx(kPtx, "hang").value();
  ASSERT_TRUE(s->launch(hang, kDims, {}).ok());
  auto r = s->sync();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(gpuErrc(r.error()), GpuErrc::LaunchFailed);
  EXPECT_NE(r.error().message.find("deadline"), std::string::npos);
  KernelId empty = s->loadPtx(kPtx, "empty").value();
  ASSERT_TRUE(s->launch(empty, kDims, {}).ok());
  EXPECT_TRUE(s->sync().ok());
}

TEST(GpuWorker, WorkerKilledFromOutsideIsReplaced) {
  auto rt = isolatedFake(1);
  auto s = open(*rt, "t");
  BufferId b = s->alloc(256).value();
  int pid = workerOf(*rt, 0);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  // The next call meets the dead worker, rebuilds the device and goes on.
  auto again = s->alloc(256);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(rt->generation(0), 1u);
  EXPECT_EQ(s->bufferSize(b).error().message, "device reset");
  EXPECT_NE(workerOf(*rt, 0), pid);
}

TEST(GpuWorker, TwoDevicesTwoWorkers) {
  auto rt = isolatedFake(2);
  ASSERT_EQ(rt->deviceCount(), 2);
  auto a = open(*rt, "a");
  ASSERT_TRUE(a->alloc(1 << 20).ok());
  auto b = open(*rt, "b");
  EXPECT_NE(a->device(), b->device()) << "placement picks the less loaded device";
  int pa = workerOf(*rt, a->device()), pb = workerOf(*rt, b->device());
  EXPECT_TRUE(pa > 0 && pb > 0 && pa != pb) << "one worker per device";
  KernelId bad = a->loadPtx(kPtx, "fault").value();
  ASSERT_TRUE(a->launch(bad, kDims, {}).ok());
  EXPECT_FALSE(a->sync().ok());
  EXPECT_EQ(rt->generation(a->device()), 1u);
  EXPECT_EQ(rt->generation(b->device()), 0u) << "a fault on one device leaves the other alone";
  KernelId vadd = b->loadPtx(kPtx, "vadd").value();
  expectRegionAdd(*b, vadd, 256, 0.5f);
  GpuInfo info = rt->info();
  ASSERT_EQ(info.devices.size(), 2u);
  EXPECT_EQ(info.devices[1].name, "Fake GPU 1");
  EXPECT_EQ(info.devices[b->device()].workerPid, pb);
}

TEST(GpuWorker, CopiesLargerThanTheChannel) {
  auto rt = isolatedFake(1);
  auto s = open(*rt, "t");
  const uint64_t n = 40ull << 20;  // more than two rounds through the 16 MiB channel
  BufferId b = s->alloc(n).value();
  std::vector<uint8_t> in(n), out(n, 0);
  for (uint64_t i = 0; i < n; ++i) in[i] = static_cast<uint8_t>(i * 2654435761u >> 13);
  ASSERT_TRUE(s->copyToDevice(b, 0, in.data(), n).ok());
  ASSERT_TRUE(s->copyToHost(out.data(), b, 0, n).ok());
  EXPECT_TRUE(in == out);
}

TEST(GpuWorker, DriverRefusalsKeepTheirDetail) {
  auto rt = isolatedFake(1);
  auto s = open(*rt, "t");
  auto bad = s->loadPtx(".version 8.0\nsyntax error\n.entry k(\n)\n", "k");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(gpuErrc(bad.error()), GpuErrc::MalformedPtx);
  auto missing = s->loadPtx(kPtx, "no_such_entry");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no_such_entry"), std::string::npos);
}

TEST(GpuWorker, StartFailuresAreReasons) {
  IsolationOptions missing;
  missing.executable = "/nonexistent/tensorwasm";
  auto r = loadIsolatedDriver(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cannot start the GPU worker"), std::string::npos) << r.error().message;
  IsolationOptions notAWorker;
  notAWorker.executable = "/bin/true";
  r = loadIsolatedDriver(notAWorker);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("exited during start-up"), std::string::npos) << r.error().message;
}

}  // namespace
