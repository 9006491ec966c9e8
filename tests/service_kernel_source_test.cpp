// wasi_cuda_load_registered through a guest module on the fake driver, with the signed kernel
// registry behind service::registryKernelSource: a registered kernel loads and runs (it fills
// a device buffer the guest reads back), the device's sm picks the entry, unknown kernels and
// entries give -3 and -4 with a last-error message, a blob changed on disk after the registry
// opened is refused (its signature is re-verified on every load), and a host without a
// registry answers -3.
#include <gtest/gtest.h>

#include <cstring>

#include "gpu_fake_driver.h"
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
    local.get 0 i32.const 1 i32.const 1 i32.const 1 i32.const 4 i32.const 1 i32.const 1 i32.const 0
    local.get 1 local.get 2 call $launch)
  (func (export "alloc") (param i64) (result i64) local.get 0 call $alloc)
  (func (export "dtoh") (param i32 i64 i64 i32) (result i32) local.get 0 local.get 1 local.get 2 local.get 3 call $dtoh)
  (func (export "elen") (result i32) call $elen)
  (func (export "ecopy") (param i32 i32) (result i32) local.get 0 local.get 1 call $ecopy)
))";

struct Guest {
  std::shared_ptr<Instance> inst;

  explicit Guest(std::shared_ptr<const KernelSource> kernels) {
    FakeCuda::setUp(1, 1ull << 30);  // one device of compute capability 9.0
    CudaGuestConfig config;
    config.kernels = std::move(kernels);
    auto cx = CudaGuestContext::create(gpu::GpuRuntime::create(&FakeCuda::load), config);
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

// Argument records for fill_u32(buffer, value, count).
std::string fillArgs(int64_t buffer, uint32_t value, int32_t count) {
  std::string out;
  auto rec = [&](uint8_t tag, const void* p, size_t n) { out.push_back(char(tag)), out.append(static_cast<const char*>(p), n); };
  uint64_t offset = 0;
  std::string handle(reinterpret_cast<const char*>(&buffer), 8);
  handle.append(reinterpret_cast<const char*>(&offset), 8);
  rec(0x08, handle.data(), 16);
  rec(0x05, &value, 4);
  rec(0x01, &count, 4);
  return out;
}

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
  std::string args = fillArgs(buffer, 0xC0FFEE, 4);
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

}  // namespace
