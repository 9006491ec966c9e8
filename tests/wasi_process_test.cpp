// Tests for the WASI calls that touch no file: args/environ round trips through guest memory,
// stdout/stderr capture (bounded), stdin from bytes, clocks and poll_oneoff on a fake clock,
// proc_exit as an Exit error, the preview-1 signatures, and bad guest pointers answered with
// EFAULT instead of a host crash. Host functions are called directly on a one-page Memory.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>

#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/runtime/memory.h"
#include "tensorwasm/runtime/trap.h"
#include "tensorwasm/wasi/wasi.h"

namespace {

using namespace tw;

// Preview-1 errno values, spelled out so the tests pin the ABI.
constexpr uint32_t kSuccess = 0, kBadf = 8, kFault = 21, kInval = 28, kNosys = 52,
                   kNotsup = 58;

// A fake clock: sleeping advances time, nothing really waits.
class FakeSystem : public WasiSystem {
 public:
  uint64_t mono = 1'000'000;
  uint64_t real = 1'700'000'000'000'000'000ull;
  uint64_t slept = 0;
  std::optional<uint64_t> clockTime(uint32_t id) override {
    if (id == 0) return real;
    if (id <= 3) return mono;
    return std::nullopt;
  }
  std::optional<uint64_t> clockResolution(uint32_t id) override {
    return id <= 3 ? std::optional<uint64_t>(1000) : std::nullopt;
  }
  bool randomBytes(std::span<uint8_t> out) override {
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i * 7 + 1);
    return true;
  }
  void sleep(uint64_t ns) override {
    mono += ns;
    real += ns;
    slept += ns;
  }
  void yield() override {}
};

// One guest: a one-page memory and the WASI functions bound to a context.
class Guest {
 public:
  explicit Guest(WasiConfig config, std::shared_ptr<WasiSystem> system = nullptr) {
    MemoryType type;
    type.limits.min = 1;
    type.limits.max = 1;
    auto mem = Memory::create(type, 1 << 20);
    EXPECT_TRUE(mem.ok());
    memory = mem.value();
    auto cx = WasiContext::create(std::move(config), std::move(system));
    EXPECT_TRUE(cx.ok()) << (cx.ok() ? "" : cx.error().message);
    context = cx.value();
    for (WasiFunction& f : wasiFunctions(context)) fns.emplace(f.name, std::move(f));
    instance = std::make_shared<Instance>();
  }

  // Calls `name` with integer arguments converted to the declared parameter types.
  Result<uint32_t> call(const std::string& name, std::vector<uint64_t> args) {
    auto it = fns.find(name);
    if (it == fns.end()) return makeError(ErrorKind::Link, "no such function " + name);
    const FuncType& type = it->second.type;
    EXPECT_EQ(type.params.size(), args.size()) << name;
    std::vector<Value> in;
    for (size_t i = 0; i < args.size() && i < type.params.size(); ++i) {
      in.push_back(type.params[i] == ValType::I64 ? Value::i64(args[i])
                                                   : Value::i32(static_cast<uint32_t>(args[i])));
    }
    std::vector<Value> out(type.results.size());
    HostCall hc{*instance, memory.get()};
    Result<void> r = it->second.fn(hc, in, out);
    if (!r.ok()) return r.takeError();
    return out.empty() ? 0u : out[0].v.i32;
  }
  // The errno of a call that must not end the guest.
  uint32_t errnoOf(const std::string& name, std::vector<uint64_t> args) {
    auto r = call(name, std::move(args));
    EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : 0xFFFF;
  }

  void put(uint32_t addr, std::string_view bytes) {
    std::memcpy(memory->range(addr, bytes.size()), bytes.data(), bytes.size());
  }
  void putIovec(uint32_t at, uint32_t buf, uint32_t len) {
    memory->store<uint32_t>(at, buf);
    memory->store<uint32_t>(at + 4, len);
  }
  uint32_t u32(uint32_t addr) { uint32_t v = 0; memory->load(addr, v); return v; }
  uint64_t u64(uint32_t addr) { uint64_t v = 0; memory->load(addr, v); return v; }
  std::string str(uint32_t addr, uint32_t len) {
    return std::string(reinterpret_cast<const char*>(memory->range(addr, len)), len);
  }
  std::string cstr(uint32_t addr) { return std::string(reinterpret_cast<const char*>(memory->range(addr, 1))); }

  std::shared_ptr<Memory> memory;
  std::shared_ptr<WasiContext> context;
  std::shared_ptr<Instance> instance;
  std::map<std::string, WasiFunction> fns;
};

TEST(WasiProcess, ArgsRoundTrip) {
  WasiConfig cfg;
  cfg.args = {"prog", "hello", "w\xC3\xB6rld", ""};
  Guest g(cfg);
  ASSERT_EQ(g.errnoOf("args_sizes_get", {100, 104}), kSuccess);
  EXPECT_EQ(g.u32(100), 4u);
  EXPECT_EQ(g.u32(104), 5u + 6u + 7u + 1u);
  ASSERT_EQ(g.errnoOf("args_get", {200, 300}), kSuccess);
  EXPECT_EQ(g.cstr(g.u32(200)), "prog");
  EXPECT_EQ(g.cstr(g.u32(204)), "hello");
  EXPECT_EQ(g.cstr(g.u32(208)), "w\xC3\xB6rld");
  EXPECT_EQ(g.cstr(g.u32(212)), "");
  EXPECT_EQ(g.u32(200), 300u);
}

TEST(WasiProcess, EnvironRoundTrip) {
  WasiConfig cfg;
  cfg.env = {"A=1", "PATH=/bin:/usr/bin", "EMPTY="};
  Guest g(cfg);
  ASSERT_EQ(g.errnoOf("environ_sizes_get", {0, 4}), kSuccess);
  EXPECT_EQ(g.u32(0), 3u);
  EXPECT_EQ(g.u32(4), 4u + 19u + 7u);
  ASSERT_EQ(g.errnoOf("environ_get", {64, 128}), kSuccess);
  EXPECT_EQ(g.cstr(g.u32(64)), "A=1");
  EXPECT_EQ(g.cstr(g.u32(68)), "PATH=/bin:/usr/bin");
  EXPECT_EQ(g.cstr(g.u32(72)), "EMPTY=");
}

TEST(WasiProcess, EnvEntryWithoutEqualsIsAUsageError) {
  WasiConfig cfg;
  cfg.env = {"NOEQUALS"};
  auto cx = WasiContext::create(cfg);
  ASSERT_FALSE(cx.ok());
  EXPECT_EQ(cx.error().kind, ErrorKind::Usage);
}

TEST(WasiProcess, FdWriteToCapturedStdout) {
  WasiConfig cfg;
  cfg.stdoutConfig = WasiStdio::capture(1024);
  cfg.stderrConfig = WasiStdio::capture(1024);
  Guest g(cfg);
  g.put(1000, "hello ");
  g.put(1010, "world\n");
  g.putIovec(100, 1000, 6);
  g.putIovec(108, 1010, 6);
  ASSERT_EQ(g.errnoOf("fd_write", {1, 100, 2, 200}), kSuccess);
  EXPECT_EQ(g.u32(200), 12u);
  EXPECT_EQ(g.context->capturedStdout().bytes, "hello world\n");
  EXPECT_FALSE(g.context->capturedStdout().truncated);
  ASSERT_EQ(g.errnoOf("fd_write", {2, 100, 1, 200}), kSuccess);
  EXPECT_EQ(g.context->capturedStderr().bytes, "hello ");
  // Stdout is not seekable and not readable.
  EXPECT_EQ(g.errnoOf("fd_seek", {1, 0, 0, 300}), 76u);
  EXPECT_EQ(g.errnoOf("fd_read", {1, 100, 1, 200}), 76u);
}

// Generated code calls preview-1 functions through their unboxed entries (arguments and
// result in untyped slots); they must behave as the boxed ones.
TEST(WasiProcess, UnboxedEntriesBehaveAsTheBoxedOnes) {
  WasiConfig cfg;
  cfg.stdoutConfig = WasiStdio::capture(1024);
  Guest g(cfg);
  for (const auto& [name, f] : g.fns) EXPECT_NE(f.direct.fn, nullptr) << name;
  auto direct = [&](const char* name, std::vector<uint32_t> args, Error* error) -> std::optional<uint32_t> {
    const DirectHost& d = g.fns.at(name).direct;
    UntypedValue slots[8]{};
    for (size_t i = 0; i < args.size(); ++i) slots[i].i32 = args[i];
    HostCall hc{*g.instance, g.memory.get()};
    if (!d.fn(d.target.get(), hc, slots, error)) return std::nullopt;
    return slots[0].i32;
  };
  Error error;
  g.put(1000, "unboxed\n");
  g.putIovec(100, 1000, 8);
  EXPECT_EQ(direct("fd_write", {1, 100, 1, 200}, &error), kSuccess);
  EXPECT_EQ(g.u32(200), 8u);
  EXPECT_EQ(g.context->capturedStdout().bytes, "unboxed\n");
  EXPECT_EQ(direct("fd_write", {1, 0xFFFFFFF0u, 1, 200}, &error), g.errnoOf("fd_write", {1, 0xFFFFFFF0u, 1, 200}));
  EXPECT_EQ(direct("fd_close", {99}, &error), kBadf);
  EXPECT_FALSE(direct("proc_exit", {3}, &error));
  EXPECT_EQ(error.kind, ErrorKind::Exit);
  EXPECT_EQ(error.code, 3);
}

TEST(WasiProcess, CaptureIsBounded) {
  WasiConfig cfg;
  cfg.stdoutConfig = WasiStdio::capture(5);
  Guest g(cfg);
  g.put(1000, "hello world\n");
  g.putIovec(100, 1000, 12);
  ASSERT_EQ(g.errnoOf("fd_write", {1, 100, 1, 200}), kSuccess);
  EXPECT_EQ(g.u32(200), 12u);  // reported written, so the guest does not retry
  EXPECT_EQ(g.context->capturedStdout().bytes, "hello");
  EXPECT_TRUE(g.context->capturedStdout().truncated);
}

TEST(WasiProcess, StdinFromBytesThenEof) {
  WasiConfig cfg;
  cfg.stdinConfig = WasiStdio::fromBytes("abcdef");
  Guest g(cfg);
  g.putIovec(100, 1000, 4);
  ASSERT_EQ(g.errnoOf("fd_read", {0, 100, 1, 200}), kSuccess);
  EXPECT_EQ(g.u32(200), 4u);
  EXPECT_EQ(g.str(1000, 4), "abcd");
  ASSERT_EQ(g.errnoOf("fd_read", {0, 100, 1, 200}), kSuccess);
  EXPECT_EQ(g.u32(200), 2u);
  ASSERT_EQ(g.errnoOf("fd_read", {0, 100, 1, 200}), kSuccess);
  EXPECT_EQ(g.u32(200), 0u);
}

TEST(WasiProcess, NullStreamsDiscardAndReadEof) {
  Guest g(WasiConfig{});
  g.putIovec(100, 1000, 4);
  ASSERT_EQ(g.errnoOf("fd_write", {1, 100, 1, 200}), kSuccess);
  EXPECT_EQ(g.u32(200), 4u);
  ASSERT_EQ(g.errnoOf("fd_read", {0, 100, 1, 200}), kSuccess);
  EXPECT_EQ(g.u32(200), 0u);
  ASSERT_EQ(g.errnoOf("fd_fdstat_get", {1, 300}), kSuccess);
  EXPECT_EQ(g.memory->range(300, 1)[0], 2);  // character device
}

TEST(WasiProcess, BadPointersGiveEfault) {
  WasiConfig cfg;
  cfg.args = {"prog", "x"};
  cfg.stdoutConfig = WasiStdio::capture(1024);
  Guest g(cfg);
  const uint64_t end = 65536;
  g.put(1000, "data");
  // iovec array outside memory, an iovec buffer outside memory, a wrapping pair.
  EXPECT_EQ(g.errnoOf("fd_write", {1, end - 4, 1, 200}), kFault);
  g.putIovec(100, 65530, 100);
  EXPECT_EQ(g.errnoOf("fd_write", {1, 100, 1, 200}), kFault);
  g.putIovec(100, 0xFFFFFFF0u, 0x20);
  EXPECT_EQ(g.errnoOf("fd_write", {1, 100, 1, 200}), kFault);
  // A bad result pointer: nothing is written.
  g.putIovec(100, 1000, 4);
  EXPECT_EQ(g.errnoOf("fd_write", {1, 100, 1, end}), kFault);
  EXPECT_EQ(g.context->capturedStdout().bytes, "");
  EXPECT_EQ(g.errnoOf("args_sizes_get", {end - 2, 0}), kFault);
  EXPECT_EQ(g.errnoOf("args_get", {end - 4, 300}), kFault);
  EXPECT_EQ(g.errnoOf("args_get", {0, end - 3}), kFault);
  EXPECT_EQ(g.errnoOf("clock_time_get", {1, 0, end - 7}), kFault);
  EXPECT_EQ(g.errnoOf("clock_res_get", {1, 0xFFFFFFFFu}), kFault);
  EXPECT_EQ(g.errnoOf("random_get", {16, 0xFFFFFFFFu}), kFault);
  EXPECT_EQ(g.errnoOf("poll_oneoff", {end - 40, 0, 1, 100}), kFault);
  EXPECT_EQ(g.errnoOf("fd_fdstat_get", {1, end - 8}), kFault);
  EXPECT_EQ(g.errnoOf("fd_filestat_get", {1, end - 63}), kFault);
  EXPECT_EQ(g.errnoOf("fd_write", {1, 100, 5000, 200}), kInval);  // more than IOV_MAX
}

TEST(WasiProcess, NoMemoryGivesEfault) {
  Guest g(WasiConfig{});
  g.memory.reset();
  EXPECT_EQ(g.errnoOf("args_sizes_get", {0, 4}), kFault);
  EXPECT_EQ(g.errnoOf("sched_yield", {}), kSuccess);
}

TEST(WasiProcess, UnknownFdIsEbadf) {
  Guest g(WasiConfig{});
  g.putIovec(100, 1000, 4);
  EXPECT_EQ(g.errnoOf("fd_write", {99, 100, 1, 200}), kBadf);
  EXPECT_EQ(g.errnoOf("fd_close", {99}), kBadf);
  EXPECT_EQ(g.errnoOf("fd_prestat_get", {0, 100}), kBadf);
}

TEST(WasiProcess, ClocksAndRandomUseTheSystem) {
  auto sys = std::make_shared<FakeSystem>();
  Guest g(WasiConfig{}, sys);
  ASSERT_EQ(g.errnoOf("clock_time_get", {1, 0, 8}), kSuccess);
  EXPECT_EQ(g.u64(8), sys->mono);
  ASSERT_EQ(g.errnoOf("clock_time_get", {0, 0, 8}), kSuccess);
  EXPECT_EQ(g.u64(8), sys->real);
  ASSERT_EQ(g.errnoOf("clock_res_get", {1, 16}), kSuccess);
  EXPECT_EQ(g.u64(16), 1000u);
  EXPECT_EQ(g.errnoOf("clock_time_get", {9, 0, 8}), kInval);
  ASSERT_EQ(g.errnoOf("random_get", {100, 4}), kSuccess);
  EXPECT_EQ(g.str(100, 4), std::string("\x01\x08\x0f\x16", 4));
}

TEST(WasiProcess, RealClockIsMonotonic) {
  Guest g(WasiConfig{});
  ASSERT_EQ(g.errnoOf("clock_time_get", {1, 0, 8}), kSuccess);
  ASSERT_EQ(g.errnoOf("clock_time_get", {1, 0, 16}), kSuccess);
  EXPECT_LE(g.u64(8), g.u64(16));
  EXPECT_GT(g.u64(8), 0u);
}

// Writes a clock subscription at `at`.
void clockSub(Guest& g, uint32_t at, uint64_t userdata, uint32_t clock, uint64_t timeout,
              uint16_t flags) {
  std::memset(g.memory->range(at, 48), 0, 48);
  g.memory->store<uint64_t>(at, userdata);
  g.memory->store<uint8_t>(at + 8, 0);
  g.memory->store<uint32_t>(at + 16, clock);
  g.memory->store<uint64_t>(at + 24, timeout);
  g.memory->store<uint16_t>(at + 40, flags);
}

TEST(WasiProcess, PollOneoffSleepsOnClock) {
  auto sys = std::make_shared<FakeSystem>();
  Guest g(WasiConfig{}, sys);
  clockSub(g, 1000, 0xAB, 1, 5'000'000, 0);          // 5 ms relative
  clockSub(g, 1048, 0xCD, 1, 50'000'000, 0);         // 50 ms: not yet due
  ASSERT_EQ(g.errnoOf("poll_oneoff", {1000, 2000, 2, 3000}), kSuccess);
  EXPECT_EQ(g.u32(3000), 1u);
  EXPECT_EQ(g.u64(2000), 0xABu);
  EXPECT_EQ(g.memory->range(2008, 2)[0], 0);  // no error
  EXPECT_EQ(g.memory->range(2010, 1)[0], 0);  // clock event
  EXPECT_GE(sys->slept, 5'000'000u);
  EXPECT_LT(sys->slept, 50'000'000u);
  // Absolute deadline already passed: no sleep.
  uint64_t before = sys->slept;
  clockSub(g, 1000, 7, 1, sys->mono - 1, 1);
  ASSERT_EQ(g.errnoOf("poll_oneoff", {1000, 2000, 1, 3000}), kSuccess);
  EXPECT_EQ(g.u32(3000), 1u);
  EXPECT_EQ(sys->slept, before);
  EXPECT_EQ(g.errnoOf("poll_oneoff", {1000, 2000, 0, 3000}), kInval);
}

TEST(WasiProcess, PollOneoffFdSubscriptionsAreReady) {
  auto sys = std::make_shared<FakeSystem>();
  WasiConfig cfg;
  cfg.stdoutConfig = WasiStdio::capture(16);
  Guest g(cfg, sys);
  clockSub(g, 1000, 1, 1, 1'000'000'000, 0);
  std::memset(g.memory->range(1048, 48), 0, 48);
  g.memory->store<uint64_t>(1048, 2);
  g.memory->store<uint8_t>(1056, 2);  // fd_write
  g.memory->store<uint32_t>(1064, 1);
  ASSERT_EQ(g.errnoOf("poll_oneoff", {1000, 2000, 2, 3000}), kSuccess);
  EXPECT_EQ(g.u32(3000), 1u);
  EXPECT_EQ(g.u64(2000), 2u);
  EXPECT_EQ(g.memory->range(2010, 1)[0], 2);
  EXPECT_EQ(sys->slept, 0u);
}

TEST(WasiProcess, PollSleepEndsOnInterrupt) {
  auto sys = std::make_shared<FakeSystem>();
  std::atomic<bool> stop{true};
  WasiConfig cfg;
  cfg.interrupt = &stop;
  Guest g(cfg, sys);
  clockSub(g, 1000, 1, 1, 10'000'000'000ull, 0);
  auto r = g.call("poll_oneoff", {1000, 2000, 1, 3000});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(isTrap(r.error(), TrapKind::Interrupted));
}

TEST(WasiProcess, ProcExitIsAnExitError) {
  Guest g(WasiConfig{});
  auto r = g.call("proc_exit", {3});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Exit);
  EXPECT_EQ(r.error().code, 3);
  EXPECT_EQ(g.context->exitCode(), 3);
}

TEST(WasiProcess, UnsupportedCalls) {
  Guest g(WasiConfig{});
  EXPECT_EQ(g.errnoOf("proc_raise", {6}), kNosys);
  EXPECT_EQ(g.errnoOf("sched_yield", {}), kSuccess);
  EXPECT_EQ(g.errnoOf("sock_accept", {1, 0, 100}), kNotsup);
  EXPECT_EQ(g.errnoOf("sock_recv", {1, 0, 0, 0, 0, 0}), kNotsup);
  EXPECT_EQ(g.errnoOf("sock_send", {1, 0, 0, 0, 0}), kNotsup);
  EXPECT_EQ(g.errnoOf("sock_shutdown", {1, 0}), kNotsup);
}

TEST(WasiProcess, SignaturesArePreview1) {
  Guest g(WasiConfig{});
  auto sig = [&](const std::string& name) { return g.fns.at(name).type.toString(); };
  EXPECT_EQ(sig("fd_write"), FuncType({{ValType::I32, ValType::I32, ValType::I32, ValType::I32},
                                       {ValType::I32}}).toString());
  EXPECT_EQ(g.fns.at("clock_time_get").type,
            FuncType({{ValType::I32, ValType::I64, ValType::I32}, {ValType::I32}}));
  EXPECT_EQ(g.fns.at("fd_seek").type,
            FuncType({{ValType::I32, ValType::I64, ValType::I32, ValType::I32}, {ValType::I32}}));
  EXPECT_EQ(g.fns.at("path_open").type,
            FuncType({{ValType::I32, ValType::I32, ValType::I32, ValType::I32, ValType::I32,
                       ValType::I64, ValType::I64, ValType::I32, ValType::I32},
                      {ValType::I32}}));
  EXPECT_EQ(g.fns.at("proc_exit").type, FuncType({{ValType::I32}, {}}));
  EXPECT_EQ(g.fns.at("sched_yield").type, FuncType({{}, {ValType::I32}}));
  for (const char* name :
       {"args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get",
        "clock_time_get", "random_get", "fd_read", "fd_write", "fd_pread", "fd_pwrite",
        "fd_seek", "fd_tell", "fd_close", "fd_sync", "fd_datasync", "fd_fdstat_get",
        "fd_fdstat_set_flags", "fd_fdstat_set_rights", "fd_prestat_get", "fd_prestat_dir_name",
        "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_readdir",
        "fd_advise", "fd_allocate", "fd_renumber", "path_open", "path_filestat_get",
        "path_filestat_set_times", "path_create_directory", "path_remove_directory",
        "path_unlink_file", "path_rename", "path_readlink", "path_symlink", "path_link",
        "poll_oneoff", "sched_yield", "proc_exit", "proc_raise", "sock_accept", "sock_recv",
        "sock_send", "sock_shutdown"}) {
    EXPECT_TRUE(g.fns.count(name)) << name;
  }
  EXPECT_EQ(g.fns.size(), 46u);
}

TEST(WasiProcess, LinkWasiDefinesFunctions) {
  auto cx = WasiContext::create(WasiConfig{});
  ASSERT_TRUE(cx.ok());
  Linker linker;
  linkWasi(linker, cx.value());  // must not throw or abort
}

}  // namespace
