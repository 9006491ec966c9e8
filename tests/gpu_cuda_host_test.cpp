// wasi:cuda/host@0.2.0 through real guest modules (WAT compiled with wat2wasm) on the fake
// driver: exact signatures, every function and error code (-1 .. -11), the limits, argument
// record parsing (checked before any driver call: the fake's call counter does not move),
// instance scoping of kernel ids and buffer handles, caps through the guest (-6 then an
// in-cap allocation succeeds), the last-error message, and isolation between two guests.
#include <gtest/gtest.h>

#include <cstring>

#include "gpu_fake_driver.h"
#include "gpu_test_ptx.h"
#include "tensorwasm/wasi/cuda.h"
#include "test_wat.h"

namespace {

using namespace tw;
using tw::testing::FakeCuda;

const char* kPtx = ".version 8.0\n.target sm_90\n.entry vadd(\n)\n.entry fault(\n)\n.entry empty(\n)\n";

// A guest that re-exports every wasi:cuda import through a wasm wrapper.
std::string guestWat(int pages = 2) {
  return R"((module
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_load_ptx" (func $load_ptx (param i32 i32 i32 i32) (result i64)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_load_registered" (func $load_reg (param i32 i32 i32 i32 i32 i32) (result i64)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_launch" (func $launch (param i64 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_sync" (func $sync (result i32)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_mem_alloc" (func $alloc (param i64) (result i64)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_mem_free" (func $free (param i64) (result i32)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_memcpy_htod" (func $htod (param i64 i64 i32 i32) (result i32)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_memcpy_dtoh" (func $dtoh (param i32 i64 i64 i32) (result i32)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_device_count" (func $count (result i32)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_last_error_len" (func $elen (result i32)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_last_error_copy" (func $ecopy (param i32 i32) (result i32)))
  (memory (export "memory") )" + std::to_string(pages) + R"()
  (func (export "load_ptx") (param i32 i32 i32 i32) (result i64) local.get 0 local.get 1 local.get 2 local.get 3 call $load_ptx)
  (func (export "load_registered") (param i32 i32 i32 i32 i32 i32) (result i64)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 local.get 5 call $load_reg)
  (func (export "launch") (param i64 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 local.get 5 local.get 6 local.get 7 local.get 8 local.get 9 call $launch)
  (func (export "sync") (result i32) call $sync)
  (func (export "alloc") (param i64) (result i64) local.get 0 call $alloc)
  (func (export "free") (param i64) (result i32) local.get 0 call $free)
  (func (export "htod") (param i64 i64 i32 i32) (result i32) local.get 0 local.get 1 local.get 2 local.get 3 call $htod)
  (func (export "dtoh") (param i32 i64 i64 i32) (result i32) local.get 0 local.get 1 local.get 2 local.get 3 call $dtoh)
  (func (export "count") (result i32) call $count)
  (func (export "elen") (result i32) call $elen)
  (func (export "ecopy") (param i32 i32) (result i32) local.get 0 local.get 1 call $ecopy)
))";
}

struct Guest {
  std::shared_ptr<CudaGuestContext> cx;
  std::shared_ptr<Instance> inst;

  Guest(std::shared_ptr<gpu::GpuRuntime> rt, CudaGuestConfig config = {}, int pages = 2,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(50)) {
    config.kernelTimeout = timeout;
    cx = CudaGuestContext::create(std::move(rt), config);
    Linker linker;
    linkCuda(linker, cx);
    inst = tw::testing::instantiateWat(guestWat(pages), linker);
  }
  int64_t call(const char* name, std::vector<Value> args) {
    auto r = inst->call(name, args);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
    if (!r.ok()) return INT64_MIN;
    const Value& v = r.value()[0];
    return v.type == ValType::I64 ? static_cast<int64_t>(v.v.i64) : static_cast<int32_t>(v.v.i32);
  }
  uint8_t* mem() { return inst->memory->base(); }
  uint32_t put(uint32_t at, const void* p, size_t n) { std::memcpy(mem() + at, p, n); return at; }
  uint32_t put(uint32_t at, std::string_view s) { return put(at, s.data(), s.size()); }
  int64_t loadPtx(std::string_view ptx, std::string_view entry) {
    put(0, ptx);
    put(60000, entry);
    return call("load_ptx", {Value::i32(0), Value::i32(uint32_t(ptx.size())), Value::i32(60000),
                             Value::i32(uint32_t(entry.size()))});
  }
  int64_t launch(int64_t k, uint32_t argsPtr, uint32_t argsLen, uint32_t block = 32,
                 std::array<uint32_t, 6> dims = {1, 1, 1, 0, 1, 1}) {
    uint32_t bx = dims[3] ? dims[3] : block;
    return call("launch", {Value::i64(uint64_t(k)), Value::i32(dims[0]), Value::i32(dims[1]), Value::i32(dims[2]),
                           Value::i32(bx), Value::i32(dims[4]), Value::i32(dims[5]), Value::i32(0),
                           Value::i32(argsPtr), Value::i32(argsLen)});
  }
  std::string lastError() {
    int64_t n = call("elen", {});
    int64_t got = call("ecopy", {Value::i32(70000), Value::i32(uint32_t(n))});
    return std::string(reinterpret_cast<char*>(mem() + 70000), size_t(got));
  }
};

// Packs argument records.
struct Args {
  std::vector<uint8_t> bytes;
  template <typename T>
  Args& rec(uint8_t tag, T v) {
    bytes.push_back(tag);
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof v);
    bytes.insert(bytes.end(), b, b + sizeof v);
    return *this;
  }
  Args& region(uint32_t off, uint32_t len) { return rec(7, (uint64_t{len} << 32) | off); }
  Args& buffer(int64_t h, uint64_t off = 0) { rec(8, h); bytes.resize(bytes.size()); uint8_t b[8]; std::memcpy(b, &off, 8); bytes.insert(bytes.end(), b, b + 8); return *this; }
};

std::shared_ptr<gpu::GpuRuntime> fakeRuntime(int devices = 1) {
  FakeCuda::setUp(devices, 1ull << 30);
  return gpu::GpuRuntime::create(&FakeCuda::load);
}

TEST(GpuCudaHost, SignaturesAreExact) {
  auto fns = cudaFunctions(CudaGuestContext::create(nullptr, {}));
  ASSERT_EQ(fns.size(), 11u);
  std::map<std::string, std::string> sig;
  for (auto& f : fns) {
    std::string t;
    for (ValType v : f.type.params) t += v == ValType::I64 ? 'I' : v == ValType::I32 ? 'i' : '?';
    t += "->";
    for (ValType v : f.type.results) t += v == ValType::I64 ? 'I' : v == ValType::I32 ? 'i' : '?';
    sig[f.name] = t;
  }
  EXPECT_EQ(sig["wasi_cuda_load_ptx"], "iiii->I");
  EXPECT_EQ(sig["wasi_cuda_load_registered"], "iiiiii->I");
  EXPECT_EQ(sig["wasi_cuda_launch"], "Iiiiiiiiii->i");
  EXPECT_EQ(sig["wasi_cuda_sync"], "->i");
  EXPECT_EQ(sig["wasi_cuda_mem_alloc"], "I->I");
  EXPECT_EQ(sig["wasi_cuda_mem_free"], "I->i");
  EXPECT_EQ(sig["wasi_cuda_memcpy_htod"], "IIii->i");
  EXPECT_EQ(sig["wasi_cuda_memcpy_dtoh"], "iIIi->i");
  EXPECT_EQ(sig["wasi_cuda_device_count"], "->i");
  EXPECT_EQ(sig["wasi_cuda_last_error_len"], "->i");
  EXPECT_EQ(sig["wasi_cuda_last_error_copy"], "ii->i");
}

TEST(GpuCudaHost, NoGpuGivesNotAvailable) {
  auto rt = gpu::GpuRuntime::create([] { return gpu::loadCudaDriver("/nonexistent/libcuda.so.1"); });
  for (auto runtime : {rt, std::shared_ptr<gpu::GpuRuntime>()}) {
    Guest g(runtime);
    EXPECT_EQ(g.call("count", {}), 0);
    EXPECT_EQ(g.loadPtx(kPtx, "vadd"), -1);
    EXPECT_EQ(g.call("alloc", {Value::i64(16)}), -1);
    EXPECT_EQ(g.launch(0, 0, 0), -1);
    EXPECT_EQ(g.call("sync", {}), -1);
    EXPECT_EQ(g.call("free", {Value::i64(0)}), -1);
    EXPECT_EQ(g.call("htod", {Value::i64(0), Value::i64(0), Value::i32(0), Value::i32(4)}), -1);
    EXPECT_EQ(g.call("dtoh", {Value::i32(0), Value::i64(0), Value::i64(0), Value::i32(4)}), -1);
    EXPECT_EQ(g.call("load_registered", {Value::i32(0), Value::i32(1), Value::i32(0), Value::i32(1), Value::i32(0), Value::i32(1)}), -1);
    EXPECT_NE(g.lastError().find("no"), std::string::npos);
  }
  CudaGuestConfig off;
  off.enabled = false;
  Guest d(fakeRuntime(), off);
  EXPECT_EQ(d.call("count", {}), 0);
  EXPECT_EQ(d.loadPtx(kPtx, "vadd"), -1);
  EXPECT_NE(d.lastError().find("disabled"), std::string::npos);
}

TEST(GpuCudaHost, BuffersLaunchSyncRoundTrip) {
  Guest g(fakeRuntime(2));
  EXPECT_EQ(g.call("count", {}), 2);
  int64_t k = g.loadPtx(kPtx, "vadd");
  ASSERT_GE(k, 0) << g.lastError();
  int64_t a = g.call("alloc", {Value::i64(16)}), b = g.call("alloc", {Value::i64(16)}),
          c = g.call("alloc", {Value::i64(16)});
  ASSERT_GE(a, 0);
  float av[4] = {1, 2, 3, 4}, bv[4] = {5, 6, 7, 8};
  g.put(1000, av, 16);
  g.put(1100, bv, 16);
  EXPECT_EQ(g.call("htod", {Value::i64(a), Value::i64(0), Value::i32(1000), Value::i32(16)}), 0);
  EXPECT_EQ(g.call("htod", {Value::i64(b), Value::i64(0), Value::i32(1100), Value::i32(16)}), 0);
  Args args;
  args.buffer(a).buffer(b).buffer(c).rec<int32_t>(1, 4);
  g.put(2000, args.bytes.data(), args.bytes.size());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(g.launch(k, 2000, uint32_t(args.bytes.size())), 0);
  EXPECT_EQ(g.call("sync", {}), 0);
  EXPECT_EQ(g.call("dtoh", {Value::i32(3000), Value::i64(c), Value::i64(0), Value::i32(16)}), 0);
  float out[4];
  std::memcpy(out, g.mem() + 3000, 16);
  EXPECT_EQ(out[0], 6.0f);
  EXPECT_EQ(out[3], 12.0f);
  // Host regions: synchronous, results visible at once.
  Args r;
  r.region(1000, 16).region(1100, 16).region(4000, 16).rec<int32_t>(1, 4);
  g.put(2100, r.bytes.data(), r.bytes.size());
  EXPECT_EQ(g.launch(k, 2100, uint32_t(r.bytes.size())), 0);
  std::memcpy(out, g.mem() + 4000, 16);
  EXPECT_EQ(out[2], 10.0f);
  EXPECT_EQ(g.call("free", {Value::i64(a)}), 0);
  EXPECT_EQ(g.call("free", {Value::i64(a)}), -11);
  EXPECT_EQ(g.launch(k, 2000, uint32_t(args.bytes.size())), -11);  // freed buffer in the args
}

TEST(GpuCudaHost, LoadErrors) {
  Guest g(fakeRuntime(), {}, 160);
  EXPECT_EQ(g.call("load_ptx", {Value::i32(0), Value::i32(200 << 16), Value::i32(0), Value::i32(4)}), -2);
  EXPECT_EQ(g.call("load_ptx", {Value::i32(0), Value::i32((8 << 20) + 1), Value::i32(0), Value::i32(4)}), -6);
  EXPECT_EQ(g.loadPtx("syntax error", "vadd"), -4);
  EXPECT_NE(g.lastError().find("PTX"), std::string::npos);
  EXPECT_EQ(g.loadPtx(kPtx, "missing"), -4);
  EXPECT_EQ(g.loadPtx(kPtx, ""), -4);
  EXPECT_EQ(g.loadPtx(kPtx, std::string(257, 'a')), -4);
  EXPECT_EQ(g.call("load_registered", {Value::i32(0), Value::i32(1), Value::i32(0), Value::i32(1), Value::i32(0), Value::i32(1)}), -3);
  EXPECT_EQ(g.call("load_registered", {Value::i32(0), Value::i32(1), Value::i32(0xFFFFFFF0), Value::i32(100), Value::i32(0), Value::i32(1)}), -2);
  for (int i = 0; i < 256; ++i) ASSERT_GE(g.loadPtx(kPtx, "empty"), 0) << i;
  EXPECT_EQ(g.loadPtx(kPtx, "empty"), -6);
}

TEST(GpuCudaHost, LaunchChecksComeBeforeAnyDriverCall) {
  auto rt = fakeRuntime();
  Guest g(rt);
  Guest other(rt);
  int64_t k = g.loadPtx(kPtx, "vadd");
  int64_t e = g.loadPtx(kPtx, "empty");
  int64_t buf = g.call("alloc", {Value::i64(64)});
  int64_t foreign = other.loadPtx(kPtx, "vadd");
  ASSERT_GE(k, 0);
  ASSERT_GE(foreign, 0);
  uint64_t before = FakeCuda::get().calls;
  EXPECT_EQ(g.launch(foreign, 0, 0), -3);  // another instance's kernel
  EXPECT_EQ(g.launch(k + 7, 0, 0), -3);
  EXPECT_EQ(g.launch(-1, 0, 0), -3);
  EXPECT_EQ(g.launch(k, 0, 0, 0), -8);
  EXPECT_EQ(g.launch(k, 0, 0, 1025), -8);
  EXPECT_EQ(g.launch(k, 0, 0, 0, {1, 1, 1, 32, 32, 2}), -8);
  EXPECT_EQ(g.launch(k, 0, 0, 0, {0, 1, 1, 32, 1, 1}), -8);
  EXPECT_EQ(g.launch(k, 0, 0, 0, {0x80000000u, 1, 1, 32, 1, 1}), -8);
  uint32_t memEnd = uint32_t(g.inst->memory->sizeBytes());
  auto launchArgs = [&](const Args& a) {
    g.put(5000, a.bytes.data(), a.bytes.size());
    return g.launch(k, 5000, uint32_t(a.bytes.size()));
  };
  EXPECT_EQ(launchArgs(Args().rec<uint8_t>(0x09, 0)), -9);         // unknown tag
  Args trunc; trunc.rec<int32_t>(1, 5); trunc.bytes.pop_back();
  EXPECT_EQ(launchArgs(trunc), -9);                                 // truncated / leftover
  Args many; for (int i = 0; i < 129; ++i) many.rec<int32_t>(1, i);
  EXPECT_EQ(launchArgs(many), -9);
  EXPECT_EQ(g.launch(k, 5000, 4097), -9);
  EXPECT_EQ(g.launch(k, memEnd - 2, 4), -2);                        // records outside memory
  EXPECT_EQ(launchArgs(Args().region(memEnd - 4, 8)), -2);          // region past the end
  EXPECT_EQ(launchArgs(Args().region(0xFFFFFFF0u, 0x20)), -2);      // overflowing
  EXPECT_EQ(launchArgs(Args().buffer(buf + 99)), -11);              // unknown handle
  EXPECT_EQ(launchArgs(Args().buffer(buf, 65)), -11);               // offset past the end
  EXPECT_EQ(FakeCuda::get().calls, before) << "a refused launch reached the driver";
  EXPECT_NE(g.lastError().find("past the end"), std::string::npos);
  // Limits that are allowed: zero-length region exactly at the end, offset == size, 128 records.
  Args ok; ok.region(memEnd, 0).buffer(buf, 64).buffer(buf).rec<int32_t>(1, 0);
  g.put(5000, ok.bytes.data(), ok.bytes.size());
  EXPECT_EQ(g.launch(e, 5000, uint32_t(ok.bytes.size())), 0) << g.lastError();
  Args max; for (int i = 0; i < 128; ++i) max.rec<int32_t>(1, 0);
  g.put(5000, max.bytes.data(), max.bytes.size());
  EXPECT_EQ(g.launch(e, 5000, uint32_t(max.bytes.size())), 0);
  EXPECT_EQ(g.call("sync", {}), 0);
}

TEST(GpuCudaHost, MemoryErrorsAndCap) {
  CudaGuestConfig c;
  c.memoryCap = 1 << 20;
  Guest g(fakeRuntime(), c);
  EXPECT_EQ(g.call("alloc", {Value::i64(-1)}), -9);
  EXPECT_EQ(g.call("alloc", {Value::i64((1 << 20) + 1)}), -6);
  EXPECT_NE(g.lastError().find("cap"), std::string::npos);
  int64_t a = g.call("alloc", {Value::i64(1 << 19)});
  int64_t b = g.call("alloc", {Value::i64(1 << 19)});
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  EXPECT_EQ(g.call("alloc", {Value::i64(1)}), -6);
  EXPECT_EQ(g.call("free", {Value::i64(b)}), 0);
  EXPECT_GE(g.call("alloc", {Value::i64(1 << 18)}), 0);  // in-cap allocation after -6
  EXPECT_EQ(g.call("htod", {Value::i64(a), Value::i64(0), Value::i32(0xFFFFFF00), Value::i32(512)}), -2);
  EXPECT_EQ(g.call("htod", {Value::i64(a), Value::i64((1 << 19) - 4), Value::i32(0), Value::i32(8)}), -11);
  EXPECT_EQ(g.call("htod", {Value::i64(a), Value::i64(-1), Value::i32(0), Value::i32(8)}), -11);
  EXPECT_EQ(g.call("dtoh", {Value::i32(0), Value::i64(a + 1000), Value::i64(0), Value::i32(8)}), -11);
  EXPECT_EQ(g.call("dtoh", {Value::i32(0), Value::i64(a), Value::i64(0), Value::i32(0)}), 0);
  EXPECT_EQ(g.call("ecopy", {Value::i32(0xFFFFFFF0), Value::i32(64)}), -2);
  EXPECT_EQ(g.call("ecopy", {Value::i32(0), Value::i32(3)}), 3);
  // The end of the invocation frees everything and old handles stop working.
  g.cx->endInvocation(false);
  EXPECT_EQ(FakeCuda::get().devices[0].used, 0u);
  EXPECT_EQ(g.call("free", {Value::i64(a)}), -11);
}

TEST(GpuCudaHost, LastErrorIsCutOnUtf8Boundary) {
  std::string s = std::string(511, 'a') + "\xC3\xA9";  // 513 bytes, 'é' straddles 512
  EXPECT_EQ(truncateUtf8(s, 512).size(), 511u);
  EXPECT_EQ(truncateUtf8("abc", 512), "abc");
  auto cx = CudaGuestContext::create(nullptr, {});
  cx->setLastError(std::string(600, 'x'));
  EXPECT_EQ(cx->lastError().size(), 512u);
}

TEST(GpuCudaHost, FaultingGuestBesideHealthyGuest) {
  auto rt = fakeRuntime();
  Guest good(rt), bad(rt);
  int64_t gk = good.loadPtx(kPtx, "vadd");
  int64_t kept = good.call("alloc", {Value::i64(64)});
  int64_t bk = bad.loadPtx(kPtx, "fault");
  ASSERT_GE(bk, 0);
  EXPECT_EQ(bad.launch(bk, 0, 0), 0);
  EXPECT_EQ(bad.call("sync", {}), -5);
  EXPECT_NE(bad.lastError().find("ILLEGAL_ADDRESS"), std::string::npos);
  float av[2] = {1, 2}, bv[2] = {3, 4};
  good.put(1000, av, 8);
  good.put(1100, bv, 8);
  Args r;
  r.region(1000, 8).region(1100, 8).region(1200, 8).rec<int32_t>(1, 2);
  good.put(2000, r.bytes.data(), r.bytes.size());
  EXPECT_EQ(good.launch(gk, 2000, uint32_t(r.bytes.size())), 0) << good.lastError();
  float out[2];
  std::memcpy(out, good.mem() + 1200, 8);
  EXPECT_EQ(out[0], 4.0f);
  EXPECT_EQ(out[1], 6.0f);
  EXPECT_EQ(good.call("dtoh", {Value::i32(0), Value::i64(kept), Value::i64(0), Value::i32(8)}), -11);
  EXPECT_EQ(good.lastError(), "device reset");
  EXPECT_GE(good.call("alloc", {Value::i64(64)}), 0);
  EXPECT_GE(bad.loadPtx(kPtx, "vadd"), 0);
}

// On the real GPU (skipped visibly without one): a guest's over-cap allocation gets -6 and a
// following in-cap one succeeds; a guest whose kernel faults gets -5 while a healthy guest on
// the same device gets correct results, -11 "device reset" for its lost buffer, and works on.
TEST(GpuCudaHostReal, CapAndFaultIsolationThroughGuests) {
  auto rt = gpu::GpuRuntime::process();
  if (!rt->available()) {
    const char* expect = std::getenv("TW_EXPECT_GPU");
    if (expect && std::string(expect) == "1") FAIL() << "no CUDA device: " << rt->unavailableReason();
    GTEST_SKIP() << "no CUDA device: " << rt->unavailableReason();
  }
  using std::chrono::seconds;
  CudaGuestConfig capped;
  capped.tenant = "guest-capped";
  capped.memoryCap = 64ull << 20;
  Guest healthy(rt, capped, 4, std::chrono::milliseconds(10000));
  EXPECT_EQ(healthy.call("alloc", {Value::i64((64ll << 20) + 1)}), -6);
  int64_t kept = healthy.call("alloc", {Value::i64(32ll << 20)});
  ASSERT_GE(kept, 0) << healthy.lastError();
  EXPECT_EQ(healthy.call("alloc", {Value::i64(40ll << 20)}), -6) << "32 + 40 MiB is over the 64 MiB cap";
  EXPECT_GE(healthy.call("alloc", {Value::i64(16ll << 20)}), 0) << healthy.lastError();
  int64_t vadd = healthy.loadPtx(tw::testing::kRealPtx, "vadd");
  ASSERT_GE(vadd, 0) << healthy.lastError();

  CudaGuestConfig other;
  other.tenant = "guest-faulty";
  Guest faulty(rt, other, 2, std::chrono::milliseconds(10000));
  int64_t bad = faulty.loadPtx(tw::testing::kRealPtx, "fault");
  ASSERT_GE(bad, 0) << faulty.lastError();
  EXPECT_EQ(faulty.launch(bad, 0, 0), 0);
  EXPECT_EQ(faulty.call("sync", {}), -5);
  EXPECT_NE(faulty.lastError().find("fault"), std::string::npos) << faulty.lastError();

  // The healthy guest: c = a + b over guest memory regions, every element checked.
  const uint32_t n = 8192, a = 65536, b = a + 4 * n, c = b + 4 * n, recs = 200000;
  for (uint32_t i = 0; i < n; ++i) {
    float x = float(i), y = 0.5f * float(i), z = -1.0f;
    healthy.put(a + 4 * i, &x, 4);
    healthy.put(b + 4 * i, &y, 4);
    healthy.put(c + 4 * i, &z, 4);
  }
  Args args;
  args.region(a, 4 * n).region(b, 4 * n).region(c, 4 * n).rec(1, int32_t(n));
  healthy.put(recs, args.bytes.data(), args.bytes.size());
  EXPECT_EQ(healthy.launch(vadd, recs, uint32_t(args.bytes.size()), 256, {n / 256, 1, 1, 256, 1, 1}), 0)
      << healthy.lastError();
  for (uint32_t i = 0; i < n; ++i) {
    float got;
    std::memcpy(&got, healthy.mem() + c + 4 * i, 4);
    ASSERT_EQ(got, 1.5f * float(i)) << "element " << i;
  }
  EXPECT_EQ(healthy.call("dtoh", {Value::i32(0), Value::i64(kept), Value::i64(0), Value::i32(16)}), -11);
  EXPECT_EQ(healthy.lastError(), "device reset");
  EXPECT_GE(healthy.call("alloc", {Value::i64(1 << 20)}), 0) << healthy.lastError();
  int64_t empty = faulty.loadPtx(tw::testing::kRealPtx, "empty");
  ASSERT_GE(empty, 0) << faulty.lastError();
  EXPECT_EQ(faulty.launch(empty, 0, 0), 0);
  EXPECT_EQ(faulty.call("sync", {}), 0) << faulty.lastError();
}

}  // namespace
