// Robustness tests for the binary layer: truncated inputs at every prefix, hostile counts
// and nesting, proposals we refuse (named, as Unsupported), the opcode table's reverse map,
// and a speed check on a multi-megabyte body. Modules are assembled byte by byte here so
// each test shows exactly the encoding it exercises.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tensorwasm/binary/decoder.h"
#include "tensorwasm/binary/instr.h"
#include "tensorwasm/binary/opcodes.h"

namespace {

using Bytes = std::vector<uint8_t>;

void leb(Bytes& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(b | (v ? 0x80 : 0));
  } while (v);
}

void section(Bytes& mod, uint8_t id, const Bytes& payload) {
  mod.push_back(id);
  leb(mod, payload.size());
  mod.insert(mod.end(), payload.begin(), payload.end());
}

Bytes header() { return {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00}; }

// A module with one `() -> ()` function (optionally a memory) whose body is `code`
// (locals declaration included by the caller).
Bytes moduleWithBody(const Bytes& body, bool memory = false) {
  Bytes m = header();
  section(m, 1, {0x01, 0x60, 0x00, 0x00});
  section(m, 3, {0x01, 0x00});
  if (memory) section(m, 5, {0x01, 0x00, 0x01});
  Bytes code{0x01};
  leb(code, body.size());
  code.insert(code.end(), body.begin(), body.end());
  section(m, 10, code);
  return m;
}

Bytes readFile(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

}  // namespace

TEST(BinaryDecoder, EveryPrefixOfARealModuleFailsCleanly) {
  for (const char* name : {"call_indirect.0.wasm", "names.2.wasm", "simd_lane.0.wasm"}) {
    auto path = std::filesystem::path(TW_TESTSUITE_DIR) / "json" / name;
    if (!std::filesystem::exists(path)) path = path.parent_path() / "simd" / name;
    Bytes full = readFile(path);
    ASSERT_GT(full.size(), 100u) << path;
    ASSERT_TRUE(tw::loadModule(full).ok()) << name;
    int rejected = 0;
    for (size_t n = 0; n < full.size(); ++n) {
      std::span<const uint8_t> prefix(full.data(), n);
      auto r = tw::loadModule(prefix);
      if (r.ok()) continue;  // a prefix ending on a section boundary can be a valid module
      ++rejected;
      EXPECT_EQ(r.error().kind, tw::ErrorKind::Malformed) << name << " prefix " << n << ": "
                                                          << r.error().describe();
      if (r.error().offset) EXPECT_LE(*r.error().offset, n) << name << " prefix " << n;
    }
    EXPECT_GT(rejected, static_cast<int>(full.size()) * 9 / 10) << name;
  }
}

// Deterministic byte mutations of a real module: whatever the result, it must be a clean
// Result (sanitizer builds turn any out-of-bounds read into a failure here).
TEST(BinaryDecoder, MutatedModulesNeverMisbehave) {
  Bytes full = readFile(std::filesystem::path(TW_TESTSUITE_DIR) / "json" / "call_indirect.0.wasm");
  ASSERT_FALSE(full.empty());
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto rnd = [&]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int iter = 0; iter < 5000; ++iter) {
    Bytes m = full;
    int edits = 1 + static_cast<int>(rnd() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = 8 + rnd() % (m.size() - 8);
      m[at] = static_cast<uint8_t>(rnd());
    }
    auto r = tw::loadModule(m);
    if (!r.ok()) EXPECT_NE(r.error().kind, tw::ErrorKind::Limit) << r.error().describe();
  }
}

TEST(BinaryDecoder, HugeCountsFailFastWithoutAllocating) {
  for (uint8_t id : {1, 2, 3, 4, 5, 6, 7, 9, 10, 11}) {
    Bytes payload;
    leb(payload, 0xFFFFFFFFu);
    Bytes m = header();
    section(m, id, payload);
    auto t0 = std::chrono::steady_clock::now();
    auto r = tw::decodeModule(m);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0).count();
    ASSERT_FALSE(r.ok()) << "section " << int(id);
    EXPECT_EQ(r.error().kind, tw::ErrorKind::Malformed);
    EXPECT_LT(ms, 100) << "section " << int(id);
  }
  // A br_table claiming four billion targets.
  Bytes body{0x00, 0x41, 0x00, 0x0E};
  leb(body, 0xFFFFFFFFu);
  body.push_back(0x0B);
  auto r = tw::loadModule(moduleWithBody(body));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, tw::ErrorKind::Malformed);
}

TEST(BinaryDecoder, HugeLocalCountsAreRefused) {
  Bytes body{0x02};
  leb(body, 0xFFFFFFFFu);
  body.push_back(0x7F);
  leb(body, 0xFFFFFFFFu);
  body.push_back(0x7E);
  body.push_back(0x0B);
  auto r = tw::decodeModule(moduleWithBody(body));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("too many locals", 0), 0u) << r.error().message;

  Bytes one{0x01};
  leb(one, 10'000'000);
  one.push_back(0x7F);
  one.push_back(0x0B);
  r = tw::decodeModule(moduleWithBody(one));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("too many locals", 0), 0u) << r.error().message;
}

TEST(BinaryDecoder, DeepNestingNeedsNoNativeStack) {
  constexpr int kDepth = 100000;
  Bytes body{0x00};
  for (int i = 0; i < kDepth; ++i) body.insert(body.end(), {0x02, 0x40});
  for (int i = 0; i < kDepth; ++i) body.push_back(0x0B);
  body.push_back(0x0B);
  auto r = tw::loadModule(moduleWithBody(body));
  EXPECT_TRUE(r.ok()) << r.error().describe();

  body.pop_back();  // one `end` short: the body runs into the end of the input
  r = tw::loadModule(moduleWithBody(body));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, tw::ErrorKind::Malformed);
}

TEST(BinaryDecoder, MemoryOverFourGiBIsInvalid) {
  Bytes m = header();
  Bytes mem{0x01, 0x00};
  leb(mem, 65537);
  section(m, 5, mem);
  auto r = tw::loadModule(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, tw::ErrorKind::Invalid);
  EXPECT_EQ(r.error().message, "memory size must be at most 65536 pages (4GiB)");
}

TEST(BinaryDecoder, RefusedProposalsAreNamed) {
  struct Case {
    Bytes body;
    bool memory;
    const char* feature;
  };
  const Case cases[] = {
      {{0x00, 0x41, 0x00, 0xFE, 0x10, 0x02, 0x00, 0x1A, 0x0B}, true, "threads"},
      {{0x00, 0x12, 0x00, 0x0B}, false, "tail calls"},
      {{0x00, 0x08, 0x00, 0x0B}, false, "exception handling"},
      {{0x00, 0xFD, 0x80, 0x02, 0x0B}, false, "relaxed SIMD"},
      {{0x00, 0x41, 0x00, 0x28, 0x42, 0x01, 0x00, 0x1A, 0x0B}, true, "multi-memory"},
      {{0x00, 0x3F, 0x01, 0x1A, 0x0B}, true, "multi-memory"},
  };
  for (const Case& c : cases) {
    auto r = tw::decodeModule(moduleWithBody(c.body, c.memory));
    ASSERT_FALSE(r.ok()) << c.feature;
    EXPECT_EQ(r.error().kind, tw::ErrorKind::Unsupported) << r.error().describe();
    EXPECT_NE(r.error().message.find(c.feature), std::string::npos) << r.error().message;
    EXPECT_TRUE(r.error().offset.has_value());
  }
  // Shared memory (limits flag 3) and memory64 (flag 4).
  for (uint8_t flag : {0x03, 0x04}) {
    Bytes m = header();
    section(m, 5, {0x01, flag, 0x01, 0x01});
    auto r = tw::decodeModule(m);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, tw::ErrorKind::Unsupported);
    EXPECT_NE(r.error().message.find(flag == 3 ? "threads" : "memory64"), std::string::npos);
  }
}

TEST(BinaryOpcodes, ReverseLookupMatchesTheTable) {
  for (size_t i = 0; i < static_cast<size_t>(tw::Opcode::Count); ++i) {
    auto op = static_cast<tw::Opcode>(i);
    const tw::OpcodeInfo& info = tw::opcodeInfo(op);
    auto found = tw::lookupOpcode(info.prefix, info.code);
    ASSERT_TRUE(found.has_value()) << info.name;
    // SelectT shares nothing with Select: distinct codes, so every row maps back to itself.
    EXPECT_EQ(*found, op) << info.name;
  }
  EXPECT_FALSE(tw::lookupOpcode(0, 0xFF).has_value());
  EXPECT_FALSE(tw::lookupOpcode(0xFD, 0x9A).has_value());
  EXPECT_FALSE(tw::lookupOpcode(0xFC, 0x1000).has_value());
  EXPECT_EQ(tw::memoryAccessSize(tw::Opcode::I64Load32U), 4u);
  EXPECT_EQ(tw::memoryAccessSize(tw::Opcode::VV128Load), 16u);
}

TEST(BinaryDecoder, NamesAndLookups) {
  // Export "f" of function 0, and a name section naming module "m" and function 0 "main".
  Bytes m = moduleWithBody({0x00, 0x0B});
  Bytes tail;
  section(tail, 7, {0x01, 0x01, 'f', 0x00, 0x00});
  m.insert(m.begin() + 8 + 6 + 4, tail.begin(), tail.end());  // after type+function sections
  Bytes names{0x04, 'n', 'a', 'm', 'e', 0x00, 0x02, 0x01, 'm',
              0x01, 0x07, 0x01, 0x00, 0x04, 'm', 'a', 'i', 'n'};
  section(m, 0, names);
  auto r = tw::loadModule(m);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->moduleName, "m");
  EXPECT_EQ(r->functionName(tw::FuncIdx(0)), "main");
  EXPECT_EQ(r->functionName(tw::FuncIdx(7)), "func[7]");
  ASSERT_NE(r->findExport("f"), nullptr);
  EXPECT_EQ(r->findExport("g"), nullptr);
  EXPECT_EQ(r->funcType(tw::FuncIdx(0)).toString(), "() -> ()");
  EXPECT_EQ(r->bytes, m);

  // A damaged name section is ignored, never an error.
  Bytes bad = moduleWithBody({0x00, 0x0B});
  section(bad, 0, {0x04, 'n', 'a', 'm', 'e', 0x01, 0x7F, 0x01});
  auto r2 = tw::loadModule(bad);
  ASSERT_TRUE(r2.ok()) << r2.error().describe();
  EXPECT_TRUE(r2->functionNames.empty());
}

TEST(BinaryValidator, MultiMegabyteBodyValidatesInMilliseconds) {
  Bytes body{0x00};
  for (int i = 0; i < 1'000'000; ++i) body.insert(body.end(), {0x41, 0x2A, 0x1A});
  body.push_back(0x0B);
  Bytes m = moduleWithBody(body);
  auto t0 = std::chrono::steady_clock::now();
  auto r = tw::loadModule(m);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.ok()) << r.error().describe();
  std::cout << "[binary] decoded+validated " << m.size() << " bytes in " << ms << " ms\n";
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
  constexpr long kBudgetMs = 20000;  // sanitizer builds are many times slower
#else
  constexpr long kBudgetMs = 2000;
#endif
#else
  constexpr long kBudgetMs = 2000;
#endif
  EXPECT_LT(ms, kBudgetMs);
}
