// wasi_cuda_load_registered through a guest module on the fake driver, with the signed kernel
// registry behind service::registryKernelSource: a registered kernel loads and runs (it fills
// a device buffer the guest reads back), the device's sm picks the entry, unknown kernels and
// entries give -3 and -4 with a last-error message, a blob changed on disk after the registry
// opened is refused (its signature is re-verified on every load), and a host without a
// registry answers -3. On the real GPU (skipped visibly without one) a registered vadd loads for
// the device's sm and adds two vectors.
#include <gtest/gtest.h>

#include <cstring>

#include "gpu_fake_driver.h"
#include "gpu_test_ptx.h"
#include "kernel_test_util.h"
#include "tensorwasm/service/registry_kernels.h"
#include "tensorwasm/wasi/cuda.h"
#include "test_wat.h"

namespace {

using namespace tw;
using namespace tw::storage::testing;
using tw::testing::FakeCuda;

const char* kGuestWat = R"((module
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_load_registered" (func $load_reg (param i32 i32 i32 i32 i32 i32) (result i64)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_launch" (func $launch (param i64 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_mem_alloc" (func $alloc (param i64) (result i64)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_memcpy_dtoh" (func $dtoh (param i32 i64 i64 i32) (result i32)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_last_error_len" (func $elen (result i32)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_last_error_copy" (func $ecopy (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "load_registered") (param i32 i32 i32 i32 i32 i32) (result i64)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 local.get 5 call $load_reg)
  (func (export "launch") (param i64 i32 i32) (result i32)
    local.get 0 i32.const 1 i32.const 1 i32.const 1 i32.const 256 i32.const 1 i32.const 1 i32.const 0
    local.get 1 local.get 2 call $launch)
  (func (export "alloc") (param i64) (result i64) local.get 0 call $alloc)
  (func (export "dtoh") (param i32 i64 i64 i32) (result i32) local.get 0 local.get 1 local.get 2 local.get 3 call $dtoh)
  (func (export "elen") (result i32) call $elen)
  (func (export "ecopy") (param i32 i32) (result i32) local.get 0 local.get 1 call $ecopy)
))";

std::shared_ptr<gpu::GpuRuntime> fakeRuntime() {
  FakeCuda::setUp(1, 1ull << 30);
  return gpu::GpuRuntime::create(&FakeCuda::load);
}

struct Guest {
  std::shared_ptr<Instance> inst;

  // On the fake driver: one device of compute capability 9.0.
  explicit Guest(std::shared_ptr<const KernelSource> kernels) : Guest(std::move(kernels), fakeRuntime()) {}
  Guest(std::shared_ptr<const KernelSource> kernels, std::shared_ptr<gpu::GpuRuntime> runtime) {
    CudaGuestConfig config;
    config.kernels = std::move(kernels);
    config.kernelTimeout = std::chrono::seconds(10);
    auto cx = CudaGuestContext::create(std::move(runtime), config);
    Linker linker;
    linkCuda(linker, cx);
    inst = tw::testing::instantiateWat(kGuestWat, linker);
  }
  int64_t call(const char* name, std::vector<Value> args) {
    auto r = inst->call(name, args);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
    if (!r.ok()) return INT64_MIN;
    const Value& v = r.value()[0];
    return v.type == ValType::I64 ? static_cast<int64_t>(v.v.i64) : static_cast<int32_t>(v.v.i32);
  }
  uint8_t* mem() { return inst->memory->base(); }
  void put(uint32_t at, std::string_view s) { std::memcpy(mem() + at, s.data(), s.size()); }
  int64_t load(std::string_view name, std::string_view version, std::string_view entry) {
    put(0, name), put(200, version), put(400, entry);
    return call("load_registered", {Value::i32(0), Value::i32(uint32_t(name.size())), Value::i32(200),
                                    Value::i32(uint32_t(version.size())), Value::i32(400),
                                    Value::i32(uint32_t(entry.size()))});
  }
  std::string lastError() {
    int64_t n = call("elen", {});
    int64_t got = call("ecopy", {Value::i32(1000), Value::i32(uint32_t(n))});
    return std::string(reinterpret_cast<char*>(mem() + 1000), size_t(got));
  }
};

// Packs launch argument records (guest-abi.md).
struct Args {
  std::string bytes;
  Args& rec(uint8_t tag, const void* p, size_t n) {
    bytes.push_back(char(tag));
    bytes.append(static_cast<const char*>(p), n);
    return *this;
  }
  Args& buffer(int64_t handle) {
    uint64_t record[2] = {uint64_t(handle), 0};
    return rec(0x08, record, 16);
  }
  Args& u32(uint32_t v) { return rec(0x05, &v, 4); }
  Args& i32(int32_t v) { return rec(0x01, &v, 4); }
};

std::shared_ptr<storage::KernelRegistry> openRegistry(const TempDir& dir) {
  storage::KernelRegistryOptions options(storage::ArtifactStore::open(storage::StoreOptions(dir.path(), keyA())).value(), keyB());
  return storage::KernelRegistry::open(std::move(options)).value();
}

void publish(storage::KernelRegistry& reg, const std::string& name, uint32_t sm, const std::string& ptx) {
  ASSERT_TRUE(reg.publish(signedManifest(name, "1.0.0", sm, ptx, keyB()), ptx).ok());
}

TEST(ServiceKernelSource, GuestLoadsAndRunsARegisteredKernel) {
  TempDir dir;
  auto reg = openRegistry(dir);
  publish(*reg, "fill", 80, ptxText("fill_u32", 80));
  publish(*reg, "fill", 100, ptxText("newer_only", 100));  // above the device's sm_90
  Guest g(service::registryKernelSource(reg));

  EXPECT_EQ(g.load("fill", "1.0.0", "newer_only"), -4) << "the sm_100 entry must not be chosen";
  int64_t kernel = g.load("fill", "1.0.0", "fill_u32");
  ASSERT_GE(kernel, 0) << g.lastError();
  int64_t buffer = g.call("alloc", {Value::i64(16)});
  ASSERT_GE(buffer, 0);
  std::string args = Args().buffer(buffer).u32(0xC0FFEE).i32(4).bytes;
  g.put(2000, args);
  ASSERT_EQ(g.call("launch", {Value::i64(uint64_t(kernel)), Value::i32(2000), Value::i32(uint32_t(args.size()))}), 0)
      << g.lastError();
  ASSERT_EQ(g.call("dtoh", {Value::i32(3000), Value::i64(uint64_t(buffer)), Value::i64(0), Value::i32(16)}), 0);
  uint32_t words[4];
  std::memcpy(words, g.mem() + 3000, 16);
  for (uint32_t w : words) EXPECT_EQ(w, 0xC0FFEEu);
}

TEST(ServiceKernelSource, UnknownKernelsAndEntriesAreRefused) {
  TempDir dir;
  auto reg = openRegistry(dir);
  publish(*reg, "k", 90, ptxText("empty"));
  Guest g(service::registryKernelSource(reg));
  EXPECT_EQ(g.load("nope", "1.0.0", "empty"), -3);
  EXPECT_NE(g.lastError().find("no registered kernel nope@1.0.0 for a device of sm_90"), std::string::npos) << g.lastError();
  EXPECT_EQ(g.load("k", "2.0.0", "empty"), -3);
  EXPECT_EQ(g.load("k", "not a version", "empty"), -3);
  EXPECT_EQ(g.load("k", "1.0.0", "missing_entry"), -4);
  EXPECT_EQ(g.load("k", "1.0.0", ""), -4);
  EXPECT_EQ(g.call("load_registered", {Value::i32(65530), Value::i32(100), Value::i32(0), Value::i32(1),
                                       Value::i32(0), Value::i32(1)}), -2);
  EXPECT_GE(g.load("k", "1.0.0", "empty"), 0);
}

TEST(ServiceKernelSource, TamperedBlobIsRefusedOnLoad) {
  TempDir dir;
  auto reg = openRegistry(dir);
  publish(*reg, "k", 90, ptxText("empty"));
  Guest g(service::registryKernelSource(reg));
  ASSERT_GE(g.load("k", "1.0.0", "empty"), 0);
  std::vector<storage::ArtifactEntry> blobs =
      storage::ArtifactStore::open(storage::StoreOptions(dir.path(), keyA())).value().list().value();
  ASSERT_EQ(blobs.size(), 1u);
  fs::path file = dir.path() / (blobs[0].digest.hex() + "." + keyA().fingerprint() + ".bin");
  Bytes bytes = readFile(file);
  bytes[bytes.size() - 40] ^= 1;
  writeFile(file, bytes);
  EXPECT_EQ(g.load("k", "1.0.0", "empty"), -3);
  EXPECT_NE(g.lastError().find("bad_signature"), std::string::npos) << g.lastError();
}

TEST(ServiceKernelSource, HostWithoutRegistryAnswersInvalidKernel) {
  Guest g(nullptr);
  EXPECT_EQ(g.load("k", "1.0.0", "empty"), -3);
  EXPECT_NE(g.lastError().find("no signed kernel registry"), std::string::npos) << g.lastError();
}

TEST(ServiceKernelSourceReal, RegisteredVaddRunsOnTheGpu) {
  auto rt = gpu::GpuRuntime::process();
  if (!rt->available()) {
    const char* expect = std::getenv("TW_EXPECT_GPU");
    if (expect && std::string(expect) == "1") FAIL() << "no CUDA device: " << rt->unavailableReason();
    GTEST_SKIP() << "no CUDA device: " << rt->unavailableReason();
  }
  int deviceSm = rt->computeCapability(0);
  ASSERT_GE(deviceSm, 90) << "the test PTX targets sm_90";
  TempDir dir;
  auto reg = openRegistry(dir);
  publish(*reg, "vadd", 90, tw::testing::kRealPtx);
  // An entry for a newer GPU than any this device is: choosing it would fail to load vadd.
  publish(*reg, "vadd", uint32_t(deviceSm) + 1, ptxText("other", deviceSm + 1));
  Guest g(service::registryKernelSource(reg), rt);
  int64_t kernel = g.load("vadd", "1.0.0", "vadd");
  ASSERT_GE(kernel, 0) << g.lastError();
  constexpr int kN = 256;
  int64_t c = g.call("alloc", {Value::i64(4 * kN)});
  ASSERT_GE(c, 0) << g.lastError();
  std::vector<float> x(kN), y(kN);
  for (int i = 0; i < kN; ++i) x[i] = float(i), y[i] = float(2 * i + 1);
  // vadd(a, b, c, n): a and b as guest memory regions, c a device buffer read back with dtoh.
  std::memcpy(g.mem() + 4096, x.data(), 4 * kN);
  std::memcpy(g.mem() + 8192, y.data(), 4 * kN);
  Args args;
  uint32_t ra[2] = {4096, 4 * kN}, rb[2] = {8192, 4 * kN};
  args.rec(0x07, ra, 8).rec(0x07, rb, 8).buffer(c).i32(kN);
  g.put(2000, args.bytes);
  ASSERT_EQ(g.call("launch", {Value::i64(uint64_t(kernel)), Value::i32(2000), Value::i32(uint32_t(args.bytes.size()))}),
            0)
      << g.lastError();
  ASSERT_EQ(g.call("dtoh", {Value::i32(16384), Value::i64(uint64_t(c)), Value::i64(0), Value::i32(4 * kN)}), 0)
      << g.lastError();
  std::vector<float> z(kN);
  std::memcpy(z.data(), g.mem() + 16384, 4 * kN);
  for (int i = 0; i < kN; ++i) ASSERT_EQ(z[i], float(3 * i + 1)) << i;
}

}  // namespace
