// The optimizing tier's own object loader (src/jit/object_loader.h): objects from the code
// generator library load and run; damaged objects are refused with a named error, never
// loaded half-way and never a crash; the library is found, or its absence is named.
#ifdef TW_ENABLE_JIT

#include <elf.h>

#include <cstring>
#include <random>

#include "code_format.h"
#include "codegen_library.h"
#include "object_loader.h"
#include "tensorwasm/jit/jit.h"
#include "test_wat.h"

namespace tw::jit {
namespace {

using tw::testing::instantiateOn;
using tw::testing::watToWasm;

const char* kModule = R"((module
  (memory 1)
  (func $sq (param i64) (result i64) (i64.mul (local.get 0) (local.get 0)))
  (func (export "sumsq") (param $n i64) (result i64) (local $s i64)
    (block $done (loop $next
      (br_if $done (i64.eqz (local.get $n)))
      (local.set $s (i64.add (local.get $s) (call $sq (local.get $n))))
      (local.set $n (i64.sub (local.get $n) (i64.const 1)))
      (br $next)))
    (local.get $s))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "grow") (result i32) (memory.grow (i32.const 1)))))";

struct Objects {
  ObjectFiles files;
  size_t bodies = 0;
};

const Objects& compiled() {
  static const Objects objects = [] {
    std::vector<uint8_t> wasm = watToWasm(kModule);
    Result<ObjectFiles> files = generateObjects(wasm, wasm.size(), 1, 16 * 1024);
    EXPECT_TRUE(files.ok()) << (files.ok() ? "" : files.error().describe());
    return Objects{files.ok() ? files.value() : ObjectFiles{}, 4};
  }();
  return objects;
}

Result<std::unique_ptr<MachineCode>> load(const std::string& object, size_t bodies) {
  ObjectView view(reinterpret_cast<const uint8_t*>(object.data()), object.size());
  return loadObjects({&view, 1}, bodies);
}

void expectMalformed(const Result<std::unique_ptr<MachineCode>>& r, const std::string& what) {
  ASSERT_FALSE(r.ok()) << "expected: " << what;
  EXPECT_EQ(r.error().kind, ErrorKind::Malformed);
  EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
}

template <typename T>
T readAt(const std::string& bytes, uint64_t offset) {
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

template <typename T>
void writeAt(std::string& bytes, uint64_t offset, const T& v) {
  std::memcpy(bytes.data() + offset, &v, sizeof v);
}

Elf64_Shdr sectionHeader(const std::string& object, uint32_t index) {
  auto eh = readAt<Elf64_Ehdr>(object, 0);
  return readAt<Elf64_Shdr>(object, eh.e_shoff + uint64_t{index} * sizeof(Elf64_Shdr));
}

// File offset of the first relocation of the first RELA section for the code.
uint64_t firstCodeRelocation(const std::string& object) {
  auto eh = readAt<Elf64_Ehdr>(object, 0);
  for (uint32_t i = 0; i < eh.e_shnum; ++i) {
    Elf64_Shdr h = sectionHeader(object, i);
    if (h.sh_type == SHT_RELA && (sectionHeader(object, h.sh_info).sh_flags & SHF_EXECINSTR) && h.sh_size) {
      return h.sh_offset;
    }
  }
  ADD_FAILURE() << "no relocations for the code";
  return 0;
}

void replaceName(std::string& object, const std::string& from, const std::string& to) {
  ASSERT_EQ(from.size(), to.size());
  size_t at = object.find(from + '\0');
  ASSERT_NE(at, std::string::npos) << from;
  object.replace(at, from.size(), to);
}

TEST(JitObjectLoader, GeneratedObjectsLoadAndRun) {
  const Objects& o = compiled();
  ASSERT_EQ(o.files.size(), 1u);
  auto code = load(o.files[0], o.bodies);
  ASSERT_TRUE(code.ok()) << code.error().describe();
  EXPECT_EQ(code.value()->natives.size(), o.bodies);
  EXPECT_EQ(code.value()->entries.size(), o.bodies);
  // And through the tier, calls, traps and helpers behave.
  auto engine = std::make_unique<Engine>(EngineConfig{}, makeJitTier());
  auto inst = instantiateOn(*engine, watToWasm(kModule), Linker());
  ASSERT_TRUE(inst);
  std::vector<Value> n{Value::i64(1000)}, divByZero{Value::i32(1), Value::i32(0)};
  auto r = inst->call("sumsq", n);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value()[0].v.i64, 333833500);
  auto trap = inst->call("div", divByZero);
  ASSERT_FALSE(trap.ok());
  EXPECT_EQ(trap.error().kind, ErrorKind::Trap);
  EXPECT_EQ(inst->call("grow", std::vector<Value>{}).value()[0].v.i32, 1);
}

TEST(JitObjectLoader, HeaderDamageIsNamed) {
  const std::string& good = compiled().files.at(0);
  expectMalformed(load(good.substr(0, 40), 4), "shorter than an ELF header");
  std::string bad = good;
  bad[1] = 'X';
  expectMalformed(load(bad, 4), "not a 64-bit little-endian ELF object");
  bad = good;
  writeAt<uint16_t>(bad, offsetof(Elf64_Ehdr, e_machine), EM_AARCH64);
  expectMalformed(load(bad, 4), "not an x86-64 relocatable object");
  bad = good;
  writeAt<uint64_t>(bad, offsetof(Elf64_Ehdr, e_shoff), good.size() - 10);
  expectMalformed(load(bad, 4), "section headers out of range");
  expectMalformed(load(good.substr(0, good.size() - 64), 4), "out of range");
}

TEST(JitObjectLoader, RelocationDamageIsNamed) {
  const std::string& good = compiled().files.at(0);
  uint64_t at = firstCodeRelocation(good);
  auto rela = readAt<Elf64_Rela>(good, at);

  std::string bad = good;
  Elf64_Rela r = rela;
  r.r_offset = uint64_t{1} << 40;
  writeAt(bad, at, r);
  expectMalformed(load(bad, 4), "relocation beyond its section");

  bad = good;
  r = rela;
  r.r_info = ELF64_R_INFO(ELF64_R_SYM(rela.r_info), R_X86_64_TPOFF32);
  writeAt(bad, at, r);
  expectMalformed(load(bad, 4), "unsupported relocation type");

  bad = good;
  r = rela;
  r.r_info = ELF64_R_INFO(0xffffff, ELF64_R_TYPE(rela.r_info));
  writeAt(bad, at, r);
  expectMalformed(load(bad, 4), "relocation against an unknown symbol");
}

TEST(JitObjectLoader, SymbolsMustResolveAndTablesMustFit) {
  const std::string& good = compiled().files.at(0);
  std::string bad = good;
  replaceName(bad, "tw_jit_trap", "tw_jit_trXp");
  expectMalformed(load(bad, 4), "undefined symbol tw_jit_trXp");
  bad = good;
  replaceName(bad, "tw.natives.0", "tw.natives.9");
  expectMalformed(load(bad, 4), "partition without its natives table");
  expectMalformed(load(good, 5), "do not cover the module");
  expectMalformed(load(good, 3), "do not fit the module");
}

// Random damage anywhere in the object: refused or loaded, never a crash (the loader writes
// only inside its own mapping, whatever the relocations say).
TEST(JitObjectLoader, RandomDamageNeverCrashes) {
  const std::string& good = compiled().files.at(0);
  std::mt19937 rng(12345);
  int refused = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string bad = good;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] ^= static_cast<char>(1u << (rng() % 8));
    if (rng() % 8 == 0) bad.resize(rng() % bad.size());
    if (!load(bad, 4).ok()) ++refused;
  }
  EXPECT_GT(refused, 0);
}

TEST(JitObjectLoader, EncodedObjectsDecodeToViewsOfTheBytes) {
  const ObjectFiles& files = compiled().files;
  std::vector<uint8_t> encoded = encodeObjects(files);
  auto views = decodeObjects(encoded);
  ASSERT_TRUE(views.ok());
  ASSERT_EQ(views.value().size(), files.size());
  EXPECT_GE(views.value()[0].data(), encoded.data());
  EXPECT_EQ(std::string(views.value()[0].begin(), views.value()[0].end()), files[0]);
  encoded.push_back(0);
  EXPECT_FALSE(decodeObjects(encoded).ok());
}

TEST(JitCodegenLibrary, IdentityNamesTheLibraryBuild) {
  auto id = compilerIdentity();
  ASSERT_TRUE(id.ok()) << id.error().describe();
  auto libraryId = codegenLibraryBuildId();
  ASSERT_TRUE(libraryId.ok());
  EXPECT_EQ(libraryId.value().size(), 40u);  // SHA-1 build ids
  EXPECT_NE(id.value().find("codegen " + libraryId.value()), std::string::npos) << id.value();
}

// A process whose code generator library is missing runs the interpreter's way only: the jit
// tier's compile() fails with an error naming where the library was looked for.
TEST(JitCodegenLibraryDeathTest, MissingLibraryIsNamed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("TENSOR_WASM_CODEGEN_LIBRARY", "/nonexistent/libtensorwasm-codegen.so", 1);
        auto wasm = watToWasm(kModule);
        auto module = Engine(EngineConfig{}, makeJitTier()).compile(wasm);
        bool named = !module.ok() && module.error().kind == ErrorKind::Unsupported &&
                     module.error().message.find("code generator library not found (looked at "
                                                 "/nonexistent/libtensorwasm-codegen.so)") != std::string::npos;
        std::_Exit(named ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace tw::jit

#endif  // TW_ENABLE_JIT
