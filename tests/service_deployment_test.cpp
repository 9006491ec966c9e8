// Deployments: pooled invocations with every host interface linked, run through the executor.
// Proves the no-leak list of issue 6 item 3 through a real guest (memory, globals, tables, WASI
// descriptors and output, GPU buffers on the fake driver), the wasi:scheduler verdicts and GPU
// launch admission near the executor's deadline, kept instances that do carry state, and quota
// refusals that come before anything is instantiated.
#include <gtest/gtest.h>

#include <filesystem>

#include "gpu_fake_driver.h"
#include "tensorwasm/exec/interpreter.h"
#include "tensorwasm/service/deployment.h"
#include "tensorwasm/service/errors.h"
#include "tensorwasm/service/guest_snapshot.h"
#include "test_wat.h"

namespace {

using namespace tw;
using namespace tw::service;
using namespace std::chrono_literals;
using nlohmann::json;
using tw::testing::FakeCuda;

const std::string kPtx = ".version 8.0\n.target sm_90\n.entry empty(\n)\n";

std::string guestWat() {
  return R"((module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi:scheduler/host@0.1.0" "yield" (func $yield (result i32)))
  (import "wasi:scheduler/host@0.1.0" "deadline-remaining-ms" (func $remaining (result i32)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_mem_alloc" (func $alloc (param i64) (result i64)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_mem_free" (func $free (param i64) (result i32)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_load_ptx" (func $load_ptx (param i32 i32 i32 i32) (result i64)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_launch" (func $launch (param i64 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_memcpy_htod" (func $htod (param i64 i64 i32 i32) (result i32)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_memcpy_dtoh" (func $dtoh (param i32 i64 i64 i32) (result i32)))
  (import "wasi:tensor/host" "input-len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (table 1 funcref)
  (func $f (result i32) i32.const 5)
  (elem declare func $f)
  (data (i32.const 100) "f.txt")
  (data (i32.const 200) "hi\n")
  (data (i32.const 300) ")" + std::string(".version 8.0\\n.target sm_90\\n.entry empty(\\n)\\n") + R"(")
  (data (i32.const 400) "empty")
  ;; The memory cell, the global (x1000) and whether the table slot is set (x1000000), as
  ;; they were before this call, which then changes all three.
  (func (export "dirty") (result i32) (local $old i32)
    (local.set $old (i32.add (i32.load (i32.const 0)) (i32.mul (global.get $g) (i32.const 1000))))
    (if (i32.eqz (ref.is_null (table.get 0 (i32.const 0))))
      (then (local.set $old (i32.add (local.get $old) (i32.const 1000000)))))
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (table.set 0 (i32.const 0) (ref.func $f))
    (local.get $old))
  ;; Creates f.txt under the preopen (fd 3) and leaves it open; returns the new descriptor.
  (func (export "open") (result i32)
    (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 5) (i32.const 1)
                           (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 500)))
    (i32.load (i32.const 500)))
  (func (export "close") (param i32) (result i32) (call $fd_close (local.get 0)))
  (func (export "say") (result i32)
    (i32.store (i32.const 600) (i32.const 200))
    (i32.store (i32.const 604) (i32.const 3))
    (call $fd_write (i32.const 1) (i32.const 600) (i32.const 1) (i32.const 608)))
  (func (export "exit3") (call $proc_exit (i32.const 3)))
  ;; Spins until the scheduler says wind down; returns the verdict.
  (func $wait_verdict (result i32) (local $v i32)
    (loop $l (local.set $v (call $yield)) (br_if $l (i32.eqz (local.get $v))))
    (local.get $v))
  (func (export "wind_down") (result i32) (call $wait_verdict))
  (func (export "remaining") (result i32) (call $remaining))
  (func (export "alloc") (result i64) (call $alloc (i64.const 256)))
  (func (export "free") (param i64) (result i32) (call $free (local.get 0)))
  ;; A 256-byte buffer holding the five bytes "f.txt" at offset 8; returns its handle.
  (func (export "alloc_filled") (result i64) (local $b i64)
    (local.set $b (call $alloc (i64.const 256)))
    (drop (call $htod (local.get $b) (i64.const 8) (i32.const 100) (i32.const 5)))
    (local.get $b))
  ;; The five bytes at offset 8 of buffer $b, read back through memory, as one i64, or the
  ;; error code.
  (func (export "read_back") (param $b i64) (result i64) (local $rc i32)
    (i64.store (i32.const 700) (i64.const 0))
    (local.set $rc (call $dtoh (i32.const 700) (local.get $b) (i64.const 8) (i32.const 5)))
    (if (result i64) (local.get $rc) (then (i64.extend_i32_s (local.get $rc))) (else (i64.load (i32.const 700)))))
  (func $kernel (result i64)
    (call $load_ptx (i32.const 300) (i32.const )" + std::to_string(kPtx.size()) + R"() (i32.const 400) (i32.const 5)))
  (func $launch1 (param i64) (result i32)
    (call $launch (local.get 0) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1)
                  (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)))
  (func (export "launch_now") (result i32) (call $launch1 (call $kernel)))
  (func (export "launch_late") (result i32) (local $k i64)
    (local.set $k (call $kernel))
    (drop (call $wait_verdict))
    (call $launch1 (local.get $k)))
  (func (export "input_len") (result i32) (call $input_len))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))))";
}

struct Fixture {
  std::shared_ptr<const Engine> engine =
      std::make_shared<Engine>(EngineConfig{}, makeInterpreterTier());
  std::shared_ptr<const CompiledModule> module;
  std::shared_ptr<TenantQuotas> quotas;
  std::filesystem::path dir;

  explicit Fixture(const char* tenants = "{}") {
    module = engine->compile(tw::testing::watToWasm(guestWat(), "")).value();
    quotas = TenantQuotas::create(TenantTable::parse(tenants).value());
    dir = std::filesystem::temp_directory_path() / ("tw-deploy-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
  }
  ~Fixture() { std::filesystem::remove_all(dir); }

  Result<std::shared_ptr<Deployment>> deploy(TenantId tenant = 0, std::shared_ptr<gpu::GpuRuntime> gpu = nullptr,
                                             size_t warm = 1) {
    DeploymentConfig config;
    config.tenant = tenant;
    config.setup.args = {"guest"};
    config.setup.preopens = {WasiPreopen{dir.string(), "/data", false}};
    config.setup.gpu = std::move(gpu);
    config.pool = {warm, 4};
    return Deployment::create(engine, module, std::move(config), quotas);
  }
};

RunContext unbounded() { return RunContext{nullptr, std::chrono::steady_clock::now() + 1h}; }

json call(Deployment& d, const std::string& name, json args = json::array()) {
  auto r = d.invoke(InvokeRequest{name, std::move(args), {}}, unbounded());
  EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().describe());
  return r.ok() ? r.value().result : json();
}

int64_t first(const json& result) {
  if (result.is_array() && !result.empty() && result[0].is_number_integer()) return result[0].get<int64_t>();
  if (result.is_array() && !result.empty() && result[0].is_string()) return std::stoll(result[0].get<std::string>());
  ADD_FAILURE() << "no integer result: " << result.dump();
  return INT64_MIN;
}

std::shared_ptr<gpu::GpuRuntime> fakeGpu() {
  FakeCuda::setUp(1, 1ull << 30);
  return gpu::GpuRuntime::create(&FakeCuda::load);
}

TEST(ServiceDeployment, PooledInvocationsNeverSeeEachOthersState) {
  Fixture fx;
  auto d = fx.deploy();
  ASSERT_TRUE(d.ok()) << d.error().describe();
  for (int round = 0; round < 4; ++round) {
    EXPECT_EQ(first(call(*d.value(), "dirty")), 0) << "memory, global and table are fresh, round " << round;
  }
  // A descriptor left open by one invocation does not exist in the next.
  int64_t fd = first(call(*d.value(), "open"));
  EXPECT_GE(fd, 4);
  EXPECT_EQ(first(call(*d.value(), "close", json::array({fd}))), 8) << "EBADF: closed by the reset";
  EXPECT_EQ(d.value()->poolStats().misses, 0u) << "one warm instance served every call";
}

TEST(ServiceDeployment, OutputAndExitCodeBelongToOneInvocation) {
  Fixture fx;
  auto d = fx.deploy();
  ASSERT_TRUE(d.ok());
  for (int round = 0; round < 2; ++round) {
    auto r = d.value()->invoke(InvokeRequest{"say", json::array(), {}}, unbounded());
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r.value().output.stdoutText.bytes, "hi\n") << "not accumulated across invocations";
    EXPECT_FALSE(r.value().output.exitCode);
  }
  auto exited = d.value()->invoke(InvokeRequest{"exit3", json::array(), {}}, unbounded());
  ASSERT_TRUE(exited.ok()) << exited.error().describe();
  EXPECT_EQ(exited.value().result, json("ok"));
  EXPECT_EQ(exited.value().output.exitCode, 3);
  auto after = d.value()->invoke(InvokeRequest{"say", json::array(), {}}, unbounded());
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after.value().output.exitCode) << "the exit status was reset";
  InvocationIo io;
  io.input = "12345";
  auto withInput = d.value()->invoke(InvokeRequest{"input_len", json::array(), io}, unbounded());
  EXPECT_EQ(first(withInput.value().result), 5);
  EXPECT_EQ(first(call(*d.value(), "input_len")), 0) << "the input was one invocation's";
}

TEST(ServiceDeployment, RequestMistakesAreNamed) {
  Fixture fx;
  auto d = fx.deploy();
  ASSERT_TRUE(d.ok());
  auto missing = d.value()->invoke(InvokeRequest{"nope", json::array(), {}}, unbounded());
  EXPECT_TRUE(isServiceError(missing.error(), ServiceErrc::MissingExport));
  auto bad = d.value()->invoke(InvokeRequest{"close", json::array({"x"}), {}}, unbounded());
  EXPECT_TRUE(isServiceError(bad.error(), ServiceErrc::InvalidArgs));
  auto noStart = d.value()->invoke(InvokeRequest{"", json::array(), {}}, unbounded());
  EXPECT_TRUE(isServiceError(noStart.error(), ServiceErrc::MissingExport)) << "no _start";
}

TEST(ServiceDeployment, KeptInstanceCarriesItsState) {
  Fixture fx;
  auto d = fx.deploy(0, fakeGpu());
  ASSERT_TRUE(d.ok());
  auto kept = d.value()->keep();
  ASSERT_TRUE(kept.ok()) << kept.error().describe();
  auto run = [&](const char* name, json args = json::array()) {
    auto r = kept.value()->invoke(InvokeRequest{name, std::move(args), {}}, unbounded());
    EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().describe());
    return r.ok() ? r.value().result : json();
  };
  EXPECT_EQ(first(run("dirty")), 0);
  EXPECT_EQ(first(run("dirty")), 1001001) << "memory, global and table carried over";
  int64_t buffer = first(run("alloc"));
  ASSERT_GE(buffer, 0);
  EXPECT_EQ(first(run("free", json::array({buffer}))), 0) << "a kept instance's buffer survives";
}

TEST(ServiceDeployment, GpuBuffersDoNotOutliveAPooledInvocation) {
  Fixture fx;
  auto d = fx.deploy(0, fakeGpu());
  ASSERT_TRUE(d.ok());
  int64_t buffer = first(call(*d.value(), "alloc"));
  ASSERT_GE(buffer, 0);
  EXPECT_EQ(first(call(*d.value(), "free", json::array({buffer}))), -11) << "freed at the reset";
  uint64_t used = 0;
  for (auto& dev : FakeCuda::get().devices) used += dev.used;
  EXPECT_EQ(used, 0u) << "nothing left on the device";
}

TEST(ServiceDeployment, SchedulerAndGpuAdmissionFollowTheExecutorsDeadline) {
  Fixture fx;
  auto d = fx.deploy(0, fakeGpu());
  ASSERT_TRUE(d.ok());
  Executor ex(ExecutorConfig{1}, fx.quotas);
  auto task = [&](const char* name) {
    return [&, name](const RunContext& run) -> Result<json> {
      TW_ASSIGN(InvokeOutcome out, d.value()->invoke(InvokeRequest{name, json::array(), {}}, run));
      return out.result;
    };
  };
  auto t0 = std::chrono::steady_clock::now();
  auto verdict = ex.invoke(0, 300ms, task("wind_down"));
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(verdict.ok()) << verdict.error().describe();
  EXPECT_EQ(first(verdict.value()), 1) << "deadline near";
  EXPECT_GE(ms, 240.0);
  EXPECT_LT(ms, 300.0) << "the guest wound down before the engine had to stop it";

  auto remaining = ex.invoke(0, 5s, task("remaining"));
  EXPECT_GT(first(remaining.value()), 4000);
  EXPECT_LE(first(remaining.value()), 5000);

  EXPECT_EQ(first(ex.invoke(0, 5s, task("launch_now")).value()), 0) << "far from the deadline";
  EXPECT_EQ(first(ex.invoke(0, 200ms, task("launch_late")).value()), -6) << "refused near it";
}

// Capture a kept instance holding a filled device buffer, restore it into another instance:
// the guest's old handle reaches an identical copy.
void expectGpuSnapshotRoundTrip(std::shared_ptr<gpu::GpuRuntime> gpu) {
  Fixture fx;
  auto d = fx.deploy(0, gpu);
  ASSERT_TRUE(d.ok());
  auto original = d.value()->keep().value();
  auto run = [&](KeptInstance& k, const char* name, json args = json::array()) {
    auto r = k.invoke(InvokeRequest{name, std::move(args), {}}, unbounded());
    EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().describe());
    return r.ok() ? first(r.value().result) : INT64_MIN;
  };
  int64_t buffer = run(*original, "alloc_filled");
  ASSERT_GE(buffer, 0);
  int64_t expected = run(*original, "read_back", json::array({buffer}));
  EXPECT_EQ(expected, 0x7478742e66) << "\"f.txt\" little-endian";
  run(*original, "dirty");

  snapshot::CaptureOptions options;
  auto payload = captureGuest(original->instance(), original->host().cuda(), options);
  ASSERT_TRUE(payload.ok()) << payload.error().describe();
  auto snap = snapshot::Snapshot::parse(payload.value());
  ASSERT_TRUE(snap.ok()) << snap.error().describe();
  ASSERT_EQ(snap.value().gpuBuffers().size(), 1u);
  EXPECT_EQ(snap.value().gpuBuffers()[0].handle, static_cast<uint64_t>(buffer));
  EXPECT_EQ(snap.value().gpuBuffers()[0].contents.size(), 256u);

  auto restored = d.value()->keep().value();
  auto done = restoreGuest(snap.value(), restored->instance(), restored->host().cuda());
  ASSERT_TRUE(done.ok()) << done.error().describe();
  EXPECT_EQ(run(*restored, "read_back", json::array({buffer})), expected) << "the old handle reaches the copy";
  EXPECT_EQ(run(*restored, "dirty"), 1001001) << "and the instance state came along";
  int64_t fresh = run(*restored, "alloc_filled");
  EXPECT_NE(fresh, buffer) << "new handles never collide with restored ones";
  EXPECT_EQ(run(*restored, "read_back", json::array({fresh})), expected);
  EXPECT_EQ(run(*restored, "free", json::array({buffer})), 0);
  EXPECT_EQ(run(*restored, "read_back", json::array({buffer})), -11) << "freed";

  // Without a GPU the buffers cannot come back: a named refusal, not a guest without them.
  Fixture noGpu;
  auto plain = noGpu.deploy(0, nullptr);
  auto target = plain.value()->keep().value();
  auto refused = restoreGuest(snap.value(), target->instance(), target->host().cuda());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(snapshot::snapshotErrc(refused.error()), snapshot::SnapshotErrc::GpuStateUnavailable)
      << refused.error().describe();
}

TEST(ServiceDeployment, SnapshotsCarryGpuBuffersUnderTheGuestsHandles) { expectGpuSnapshotRoundTrip(fakeGpu()); }

TEST(ServiceDeployment, SnapshotsCarryRealGpuBuffers) {
  auto gpu = gpu::GpuRuntime::process();
  if (!gpu->available()) GTEST_SKIP() << "no GPU: " << gpu->unavailableReason();
  expectGpuSnapshotRoundTrip(gpu);
}

TEST(ServiceDeployment, MemoryGrowthIsChargedAndGivenBack) {
  // The image and one 64 KiB instance, plus room for exactly one more page.
  Fixture fx(R"({"tenants": {"6": {"cpu_memory_bytes": 196608}}})");
  auto d = fx.deploy(6);
  ASSERT_TRUE(d.ok()) << d.error().describe();
  EXPECT_EQ(fx.quotas->usage(6).cpuMemoryBytes, 2u * 65536);
  auto grow = [&](int pages) {
    auto r = d.value()->invoke(InvokeRequest{"grow", json::array({pages}), {}}, unbounded());
    return r.ok() ? first(r.value().result) : INT64_MIN;
  };
  EXPECT_EQ(grow(2), -1) << "two more pages exceed the tenant's memory: refused before commit";
  EXPECT_EQ(grow(1), 1) << "one page fits";
  EXPECT_EQ(fx.quotas->usage(6).cpuMemoryBytes, 2u * 65536) << "the reset gave the page back";
  EXPECT_EQ(grow(1), 1) << "so the next invocation may grow again";
}

TEST(ServiceDeployment, GpuFollowsTheTenant) {
  Fixture fx(R"({"tenants": {"9": {"gpu": false}}})");
  auto d = fx.deploy(9, fakeGpu());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(first(call(*d.value(), "alloc")), -1) << "NotAvailable for a tenant without the GPU";
}

TEST(ServiceDeployment, QuotasRefuseBeforeInstantiating) {
  Fixture fx(R"({"tenants": {"1": {"max_instances": 2}, "2": {"cpu_memory_bytes": 65536},
                             "3": {"cpu_memory_bytes": 200000}}})");
  auto d = fx.deploy(1, nullptr, 2);
  ASSERT_TRUE(d.ok()) << d.error().describe();
  EXPECT_EQ(fx.quotas->usage(1).instances, 2u);
  auto kept = d.value()->keep();
  ASSERT_FALSE(kept.ok());
  EXPECT_TRUE(isServiceError(kept.error(), ServiceErrc::TenantCapacityExhausted));
  EXPECT_EQ(fx.quotas->usage(1).instances, 2u) << "nothing taken by the refusal";

  // One 64 KiB memory plus the pool's image of it is over a 64 KiB cap.
  auto tooBig = fx.deploy(2);
  ASSERT_FALSE(tooBig.ok());
  EXPECT_TRUE(isServiceError(tooBig.error(), ServiceErrc::TenantMemoryExhausted)) << tooBig.error().describe();
  EXPECT_EQ(fx.quotas->usage(2).cpuMemoryBytes, 0u);
  EXPECT_EQ(fx.quotas->usage(2).instances, 0u);

  // 200000 bytes: the image and two instances (3 x 65536) fit, a third instance does not.
  auto fits = fx.deploy(3, nullptr, 2);
  ASSERT_TRUE(fits.ok()) << fits.error().describe();
  EXPECT_EQ(fx.quotas->usage(3).cpuMemoryBytes, 3u * 65536);
  auto third = fits.value()->keep();
  EXPECT_TRUE(isServiceError(third.error(), ServiceErrc::TenantMemoryExhausted));
  EXPECT_EQ(fx.quotas->usage(3).instances, 2u) << "the instance lease was given back";
  fits.value().reset();
  d.value().reset();
  EXPECT_EQ(fx.quotas->usage(3).cpuMemoryBytes, 0u) << "a deleted deployment gives everything back";
  EXPECT_EQ(fx.quotas->usage(1).instances, 0u);
}

}  // namespace
