// Compiling to objects and reusing them: modules split into partitions that compile on
// parallel threads and link into one module; the code cache (an in-memory double for the
// tier's side, the artifact-store cache for verification, rejection and identity); and the
// `auto` tier moving an instance to machine code only between invocations.
#ifdef TW_ENABLE_JIT

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tensorwasm/cli/app.h"
#include "tensorwasm/jit/jit.h"
#include "tensorwasm/service/code_cache.h"
#include "tensorwasm/storage/store_env.h"
#include "memory_code_cache.h"
#include "test_wat.h"

namespace tw {
namespace {

using testing::MemoryCodeCache;

// f0(x) = f1(x) + 0, f1(x) = f2(x) + 1, ... f{n-1}(x) = 3x: a chain of calls that crosses
// every partition boundary, plus a table of all of them and a recursive function.
std::string chainModule(int n) {
  std::string wat = "(module (type $t (func (param i32) (result i32))) (table " + std::to_string(n) + " funcref)\n";
  wat += "(elem (i32.const 0)";
  for (int i = 0; i < n; ++i) wat += " $f" + std::to_string(i);
  wat += ")\n";
  for (int i = 0; i + 1 < n; ++i) {
    wat += "(func $f" + std::to_string(i) + " (export \"f" + std::to_string(i) + "\") (type $t) (i32.add (call $f" +
           std::to_string(i + 1) + " (local.get 0)) (i32.const " + std::to_string(i) + ")))\n";
  }
  wat += "(func $f" + std::to_string(n - 1) + " (type $t) (i32.mul (local.get 0) (i32.const 3)))\n";
  wat += R"((func $fib (export "fib") (param i32) (result i32)
      (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                       (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
    (func (export "indirect") (param $index i32) (param $x i32) (result i32)
      (call_indirect (type $t) (local.get $x) (local.get $index)))))";
  return wat;
}

uint32_t callI32(Instance& inst, const char* name, std::vector<Value> args) {
  auto r = inst.call(name, args);
  EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().describe());
  return r.ok() && !r.value().empty() ? r.value()[0].v.i32 : 0xdeadbeef;
}

void expectChainResults(Instance& inst, int n) {
  uint32_t sum = static_cast<uint32_t>((n - 2) * (n - 1) / 2);
  EXPECT_EQ(callI32(inst, "f0", {Value::i32(5)}), 15 + sum);
  EXPECT_EQ(callI32(inst, "fib", {Value::i32(20)}), 6765u);
  // indirect(i, x) = table[i](x)
  EXPECT_EQ(callI32(inst, "indirect", {Value::i32(static_cast<uint32_t>(n - 1)), Value::i32(7)}), 21u);
  EXPECT_EQ(callI32(inst, "indirect", {Value::i32(static_cast<uint32_t>(n - 2)), Value::i32(7)}),
            21u + static_cast<uint32_t>(n - 2));
  auto r = inst.call("indirect", std::vector<Value>{Value::i32(static_cast<uint32_t>(n)), Value::i32(1)});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(isTrap(r.error(), TrapKind::UndefinedElement)) << r.error().describe();
}

JitOptions splitting(std::shared_ptr<CodeCache> cache) {
  JitOptions options;
  options.cache = std::move(cache);
  options.threads = 4;
  options.partitionBytes = 16;  // every few functions get a partition of their own
  return options;
}

TEST(JitObjects, PartitionsCompiledInParallelLinkIntoOneModule) {
  const int n = 12;
  Engine engine(EngineConfig{}, makeJitTier(splitting(nullptr)));
  auto inst = testing::instantiateOn(engine, testing::watToWasm(chainModule(n)));
  ASSERT_TRUE(inst);
  EXPECT_STREQ(activeTier(*inst), "jit");
  expectChainResults(*inst, n);
}

TEST(JitCodeCache, SecondCompileLinksTheCachedObjects) {
  const int n = 12;
  auto cache = std::make_shared<MemoryCodeCache>();
  std::vector<uint8_t> wasm = testing::watToWasm(chainModule(n));
  Engine first(EngineConfig{}, makeJitTier(splitting(cache)));
  auto a = testing::instantiateOn(first, wasm);
  ASSERT_TRUE(a);
  EXPECT_EQ(cache->stores, 1);
  EXPECT_EQ(cache->hits, 0);
  // Another engine (as another process would) finds the code: nothing is compiled or stored.
  Engine second(EngineConfig{}, makeJitTier(splitting(cache)));
  auto b = testing::instantiateOn(second, wasm);
  ASSERT_TRUE(b);
  EXPECT_EQ(cache->hits, 1);
  EXPECT_EQ(cache->stores, 1);
  EXPECT_STREQ(activeTier(*b), "jit");
  expectChainResults(*b, n);
}

TEST(JitCodeCache, EntryThatDoesNotDecodeIsRebuiltAndReplaced) {
  auto cache = std::make_shared<MemoryCodeCache>();
  std::vector<uint8_t> wasm = testing::watToWasm(chainModule(6));
  Engine engine(EngineConfig{}, makeJitTier(splitting(cache)));
  ASSERT_TRUE(testing::instantiateOn(engine, wasm));
  ASSERT_EQ(cache->entries.size(), 1u);
  std::vector<uint8_t>& stored = cache->entries.begin()->second;
  std::vector<uint8_t> good = stored;
  for (size_t cut : {size_t{0}, size_t{3}, stored.size() / 2, stored.size() - 1}) {
    stored = good;
    if (cut == 0) stored[0] ^= 0xff;  // bad magic
    else stored.resize(cut);          // truncated
    auto inst = testing::instantiateOn(engine, wasm);
    ASSERT_TRUE(inst);
    expectChainResults(*inst, 6);
    EXPECT_EQ(stored, good) << "a rebuilt entry replaces the bad one (cut " << cut << ")";
  }
}

TEST(JitCodeCache, PrecompileFillsTheCacheOnce) {
  auto cache = std::make_shared<MemoryCodeCache>();
  auto module = loadModule(testing::watToWasm(chainModule(4)));
  ASSERT_TRUE(module.ok());
  JitOptions options;
  options.cache = cache;
  auto first = precompile(module.value(), options);
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_FALSE(first.value());
  auto second = precompile(module.value(), options);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second.value());
  EXPECT_EQ(cache->stores, 1);
}

// --- the artifact-store code cache ---

class ArtifactCodeCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tw-codecache-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    auto key = storage::Key::fromHex(std::string(64, 'a'));
    ASSERT_TRUE(key.ok());
    auto store = storage::ArtifactStore::open(storage::StoreOptions(dir_ / "artifacts", key.value()));
    ASSERT_TRUE(store.ok());
    auto refs = storage::RefStore::open(dir_ / "code-refs");
    ASSERT_TRUE(refs.ok());
    cache_ = std::make_shared<service::ArtifactCodeCache>(
        std::make_shared<storage::ArtifactStore>(std::move(store.value())), std::move(refs.value()));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::filesystem::path> files(const char* sub, const char* extension) {
    std::vector<std::filesystem::path> out;
    for (auto& e : std::filesystem::directory_iterator(dir_ / sub)) {
      if (e.path().extension() == extension || !*extension) out.push_back(e.path());
    }
    return out;
  }

  std::filesystem::path dir_;
  std::shared_ptr<service::ArtifactCodeCache> cache_;
  std::vector<uint8_t> module_{0, 'a', 's', 'm', 1, 0, 0, 0};
  std::vector<uint8_t> code_{1, 2, 3, 4, 5, 6, 7, 8};
};

TEST_F(ArtifactCodeCacheTest, StoredCodeLoadsOnlyForTheSameIdentity) {
  cache_->store({module_, "compiler A"}, code_);
  auto same = cache_->load({module_, "compiler A"});
  ASSERT_TRUE(same);
  EXPECT_EQ(*same, code_);
  EXPECT_FALSE(cache_->load({module_, "compiler B"}));  // another engine build, LLVM or CPU
  std::vector<uint8_t> other = module_;
  other.push_back(0);
  EXPECT_FALSE(cache_->load({other, "compiler A"}));
  auto stats = cache_->stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.rejected, 0u);
}

TEST_F(ArtifactCodeCacheTest, TamperedBlobIsRejectedNeverReturned) {
  cache_->store({module_, "c"}, code_);
  auto blobs = files("artifacts", ".bin");
  ASSERT_EQ(blobs.size(), 1u);
  std::fstream f(blobs[0], std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(60);
  f.put('\x5a');
  f.close();
  EXPECT_FALSE(cache_->load({module_, "c"}));
  EXPECT_EQ(cache_->stats().rejected, 1u);
  cache_->store({module_, "c"}, code_);  // rebuilt: the store writes it again
  auto again = cache_->load({module_, "c"});
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, code_);
}

TEST_F(ArtifactCodeCacheTest, ReferenceToAnotherEntrysBlobIsRejected) {
  cache_->store({module_, "first"}, code_);
  cache_->store({module_, "second"}, std::vector<uint8_t>{9, 9, 9});
  auto refs = files("code-refs", "");
  ASSERT_EQ(refs.size(), 2u);
  // Point both names at one blob: the key inside the payload gives one of them away.
  std::filesystem::copy_file(refs[0], refs[1], std::filesystem::copy_options::overwrite_existing);
  int found = cache_->load({module_, "first"}).has_value() + cache_->load({module_, "second"}).has_value();
  EXPECT_EQ(found, 1);
  EXPECT_EQ(cache_->stats().rejected, 1u);
}

TEST_F(ArtifactCodeCacheTest, GarbageReferenceIsAMiss) {
  cache_->store({module_, "c"}, code_);
  auto refs = files("code-refs", "");
  ASSERT_EQ(refs.size(), 1u);
  std::ofstream(refs[0]) << "not a digest";
  EXPECT_FALSE(cache_->load({module_, "c"}));
  EXPECT_EQ(cache_->stats().rejected, 1u);
}

TEST(StoreEnvironment, KeyFileIsCreatedOncePrivateAndReused) {
  auto dir = std::filesystem::temp_directory_path() / ("tw-storeenv-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto a = storage::loadOrCreateKeyFile(dir / "store.key");
  ASSERT_TRUE(a.ok()) << a.error().describe();
  auto b = storage::loadOrCreateKeyFile(dir / "store.key");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a.value().bytes(), b.value().bytes());
  auto perms = std::filesystem::status(dir / "store.key").permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ofstream(dir / "bad.key") << "secret-looking-text";
  auto bad = storage::loadOrCreateKeyFile(dir / "bad.key");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find("secret"), std::string::npos) << "never echoes key text";
  std::filesystem::remove_all(dir);
}

TEST(StoreEnvironment, StoreKeysVariableIsParsedAndErrorsNameTheEntry) {
  auto dir = std::filesystem::temp_directory_path() / ("tw-storekeys-" + std::to_string(::getpid()));
  std::string good(64, 'b'), older(64, 'c');
  ::setenv("TENSOR_WASM_STORE_KEYS", (good + "," + older).c_str(), 1);
  auto options = storage::storeOptionsFromEnvironment(dir);
  ASSERT_TRUE(options.ok()) << options.error().describe();
  EXPECT_EQ(options.value().readKeys.size(), 1u);
  EXPECT_EQ(options.value().dir, dir / "artifacts");
  ::setenv("TENSOR_WASM_STORE_KEYS", (good + ",xyz").c_str(), 1);
  auto bad = storage::storeOptionsFromEnvironment(dir);
  ::unsetenv("TENSOR_WASM_STORE_KEYS");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("TENSOR_WASM_STORE_KEYS entry 2"), std::string::npos) << bad.error().message;
  EXPECT_EQ(bad.error().message.find("xyz"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "store.key"));
  std::filesystem::remove_all(dir);
}

// `tensorwasm compile` fills the data directory's cache; a `run` process of the same build
// then finds the code (the next compile reports it as already cached).
TEST(CompileCommand, FillsTheCodeCacheOfTheDataDirectory) {
  auto dir = std::filesystem::temp_directory_path() / ("tw-compile-cmd-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string saved = std::getenv("TENSOR_WASM_DATA_DIR") ? std::getenv("TENSOR_WASM_DATA_DIR") : "";
  ::setenv("TENSOR_WASM_DATA_DIR", (dir / "data").c_str(), 1);
  std::vector<uint8_t> wasm = testing::watToWasm(chainModule(5));
  std::ofstream(dir / "m.wasm", std::ios::binary).write(reinterpret_cast<const char*>(wasm.data()), wasm.size());
  std::string file = (dir / "m.wasm").string();
  auto cli = [](std::vector<const char*> args) {
    args.insert(args.begin(), "tensorwasm");
    return cli::runMain(static_cast<int>(args.size()), args.data());
  };
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(cli({"compile", file.c_str()}), 0);
  EXPECT_EQ(cli({"compile", file.c_str()}), 0);
  EXPECT_EQ(cli({"run", "--tier", "auto", file.c_str(), "--invoke", "f0", "--args", "[5]"}), 0);
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("compiled and stored in the code cache"), std::string::npos) << out;
  EXPECT_NE(out.find("already in the code cache"), std::string::npos) << out;
  EXPECT_NE(out.find("\n21\n"), std::string::npos) << out;  // f0(5) = 15 + 0+1+2+3
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir / "data" / "code-refs"), {}), 1);
  EXPECT_EQ(cli({"compile", (dir / "missing.wasm").c_str()}), cli::kExitUsage);

  // -o writes a sealed .twc that runs without the cache (nothing is compiled or stored),
  // and is refused once tampered with.
  std::string twc = (dir / "m.twc").string();
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(cli({"compile", file.c_str(), "-o", twc.c_str()}), 0);
  std::filesystem::remove_all(dir / "data" / "code-refs");
  EXPECT_EQ(cli({"run", "--tier", "jit", twc.c_str(), "--invoke", "f0", "--args", "[5]"}), 0);
  out = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("\n21\n"), std::string::npos) << out;
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir / "data" / "code-refs"), {}), 0);
  std::fstream f(twc, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(70);
  char byte = static_cast<char>(f.get() ^ 0x01);
  f.seekp(70);
  f.put(byte);
  f.close();
  EXPECT_EQ(cli({"run", "--tier", "jit", twc.c_str(), "--invoke", "f0", "--args", "[5]"}), cli::kExitUsage);
  ::setenv("TENSOR_WASM_DATA_DIR", saved.c_str(), 1);
  std::filesystem::remove_all(dir);
}

// --- the auto tier ---

bool waitFor(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

TEST(AutoTier, CachedModuleRunsNativelyAtOnce) {
  auto cache = std::make_shared<MemoryCodeCache>();
  std::vector<uint8_t> wasm = testing::watToWasm(chainModule(5));
  Engine jit(EngineConfig{}, makeJitTier({cache}));
  ASSERT_TRUE(testing::instantiateOn(jit, wasm));
  Engine engine(EngineConfig{}, makeAutoTier({cache}));
  auto inst = testing::instantiateOn(engine, wasm);
  ASSERT_TRUE(inst);
  EXPECT_STREQ(activeTier(*inst), "jit");
  expectChainResults(*inst, 5);
}

// The guest re-enters itself through a host function once compilation has finished (a new
// instance of the module binds to machine code): the nested call must stay on the
// interpreter (an interpreter frame of the instance is live); the next invocation from
// outside runs natively, with the same results.
TEST(AutoTier, InstanceMovesToNativeCodeOnlyBetweenInvocations) {
  auto cache = std::make_shared<MemoryCodeCache>();
  Engine engine(EngineConfig{}, makeAutoTier({cache}));
  std::shared_ptr<const CompiledModule> compiled;
  std::shared_ptr<Instance> self;
  std::string nestedTier;
  Linker linker;
  auto nativeCodeReady = [&] {
    auto probe = linker.instantiate(engine, compiled);
    return probe.ok() && std::string(activeTier(*probe.value())) == "jit";
  };
  linker.defineFunction("env", "reenter", FuncType{{ValType::I32}, {ValType::I32}},
                        [&](HostCall&, std::span<const Value> a, std::span<Value> r) -> Result<void> {
                          EXPECT_TRUE(waitFor(nativeCodeReady));
                          TW_ASSIGN(std::vector<Value> out, self->call("fib", std::vector<Value>{a[0]}));
                          nestedTier = activeTier(*self);
                          r[0] = out[0];
                          return {};
                        });
  std::string wat = chainModule(5);
  wat.insert(wat.find("(type $t"), "(import \"env\" \"reenter\" (func $reenter (param i32) (result i32)))\n");
  wat.insert(wat.rfind(')'), "(func (export \"outer\") (param i32) (result i32) (call $reenter (local.get 0)))");
  auto made = engine.compile(testing::watToWasm(wat));
  ASSERT_TRUE(made.ok()) << made.error().describe();
  compiled = made.value();
  auto inst = linker.instantiate(engine, compiled);
  ASSERT_TRUE(inst.ok()) << inst.error().describe();
  self = inst.value();
  if (std::string(activeTier(*self)) == "jit") GTEST_SKIP() << "compiled before the instance existed";
  EXPECT_EQ(callI32(*self, "outer", {Value::i32(15)}), 610u);
  EXPECT_EQ(nestedTier, "interpreter");
  EXPECT_STREQ(activeTier(*self), "interpreter");
  expectChainResults(*self, 5);  // the first of these moves it
  EXPECT_STREQ(activeTier(*self), "jit");
  EXPECT_EQ(callI32(*self, "outer", {Value::i32(15)}), 610u);
  EXPECT_EQ(cache->storesSoFar(), 1);
}

}  // namespace
}  // namespace tw

#endif  // TW_ENABLE_JIT
