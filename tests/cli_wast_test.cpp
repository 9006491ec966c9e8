// The spec-test runner (cli/wast.h) on a small hand-made script, the exclusion list format,
// and the whole official suite (TW_TESTSUITE_DIR/json and json/simd) with zero failures.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tensorwasm/cli/wast.h"

using namespace tw;
using namespace tw::cli;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
const std::vector<uint8_t> kAddModule = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,                    // header
    0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,              // type
    0x03, 0x02, 0x01, 0x00,                                            // function
    0x07, 0x07, 0x01, 0x03, 'a', 'd', 'd', 0x00, 0x00,                 // export
    0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,  // code
};
// (func (export "trap") unreachable)
const std::vector<uint8_t> kTrapModule = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x00,
    0x07, 0x08, 0x01, 0x04, 't', 'r', 'a', 'p', 0x00, 0x00,
    0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b,
};
// A type section that ends early.
const std::vector<uint8_t> kTruncatedModule = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01};

void writeBytes(const fs::path& p, const std::vector<uint8_t>& b) {
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), b.size());
}

json i32(uint32_t v) { return {{"type", "i32"}, {"value", std::to_string(v)}}; }

json invoke(const std::string& field, json args) {
  return {{"type", "invoke"}, {"field", field}, {"args", std::move(args)}};
}

fs::path makeScript() {
  fs::path dir = fs::temp_directory_path() / ("tw-cli-wast-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  writeBytes(dir / "mini.0.wasm", kAddModule);
  writeBytes(dir / "mini.1.wasm", kTruncatedModule);
  writeBytes(dir / "mini.2.wasm", kTrapModule);
  json commands = json::array({
      {{"type", "module"}, {"line", 1}, {"filename", "mini.0.wasm"}},
      {{"type", "assert_return"}, {"line", 2}, {"action", invoke("add", {i32(1), i32(2)})}, {"expected", {i32(3)}}},
      {{"type", "assert_return"}, {"line", 3}, {"action", invoke("add", {i32(0xffffffffu), i32(1)})}, {"expected", {i32(0)}}},
      {{"type", "assert_return"}, {"line", 4}, {"action", invoke("add", {i32(1), i32(2)})}, {"expected", {i32(4)}}},
      {{"type", "assert_malformed"}, {"line", 5}, {"filename", "mini.9.wat"}, {"text", "x"}, {"module_type", "text"}},
      {{"type", "assert_malformed"}, {"line", 6}, {"filename", "mini.1.wasm"}, {"text", "unexpected end"}, {"module_type", "binary"}},
      {{"type", "module"}, {"line", 7}, {"filename", "mini.2.wasm"}},
      {{"type", "assert_trap"}, {"line", 8}, {"action", invoke("trap", json::array())}, {"text", "unreachable"}, {"expected", json::array()}},
      {{"type", "assert_return"}, {"line", 9}, {"action", invoke("trap", json::array())}, {"expected", json::array()}},
  });
  std::ofstream(dir / "mini.json") << json{{"source_filename", "mini.wast"}, {"commands", commands}}.dump();
  return dir;
}

}  // namespace

TEST(CliWast, Exclusions) {
  fs::path p = fs::temp_directory_path() / ("tw-cli-excl-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(p) << "# comment\n\nsimd_lane.json:12 lanes not done\nfloat_exprs whole file, reasons\n";
  Result<WastExclusions> ex = loadWastExclusions(p.string());
  ASSERT_TRUE(ex.ok()) << ex.error().message;
  EXPECT_TRUE(ex->excludes("simd_lane", 12));
  EXPECT_FALSE(ex->excludes("simd_lane", 13));
  EXPECT_TRUE(ex->excludes("float_exprs", 99));
  EXPECT_FALSE(ex->excludes("address", 1));
  std::ofstream(p) << "address.json:3\n";
  EXPECT_FALSE(loadWastExclusions(p.string()).ok());  // no reason
  fs::remove(p);
}

TEST(CliWast, MiniScript) {
  fs::path dir = makeScript();
  WastOptions options;
  options.verbose = true;
  options.exclusions.entries["mini"] = {9};
  std::ostringstream out;
  Result<WastCounts> counts = runWastFile((dir / "mini.json").string(), options, out);
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  // Passed: 2 modules, 2 assert_return, assert_malformed (binary), assert_trap.
  EXPECT_EQ(counts->passed, 6u) << out.str();
  EXPECT_EQ(counts->failed, 1u) << out.str();   // add(1, 2) == 4
  EXPECT_EQ(counts->skipped, 2u) << out.str();  // text module, excluded line 9
  EXPECT_NE(out.str().find("mini.json:4: assert_return"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("6 passed, 1 failed (2 skipped)"), std::string::npos) << out.str();

  std::ostringstream total;
  WastCounts all = runWastFiles({(dir / "mini.json").string(), (dir / "missing.json").string()}, options, total);
  EXPECT_EQ(all.failed, 2u);  // the failing assertion and the unreadable file
  EXPECT_NE(total.str().find("6 passed, 2 failed, 2 skipped"), std::string::npos) << total.str();
  fs::remove_all(dir);
}

// The official suite. Fails until the engine is complete; the failures are listed per file
// (set TW_WAST_VERBOSE=1 for every failing command).
TEST(CliWast, WholeSpecSuite) {
  fs::path root = fs::path(TW_TESTSUITE_DIR) / "json";
  ASSERT_TRUE(fs::exists(root)) << root << " missing: build the testsuite_unpacked target";
  std::vector<std::string> files;
  for (const fs::path& dir : {root, root / "simd"}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".json") files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files.size(), 148u);
  WastOptions options;
  options.verbose = std::getenv("TW_WAST_VERBOSE") != nullptr;
  Result<WastExclusions> ex = loadWastExclusions(std::string(TW_SOURCE_DIR) + "/src/cli/wast_exclusions.txt");
  ASSERT_TRUE(ex.ok()) << ex.error().message;
  options.exclusions = std::move(ex).value();
  options.isolate = true;  // an engine crash fails its file instead of this whole test
  std::ostringstream out;
  WastCounts total = runWastFiles(files, options, out);
  std::string failing;
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) {
    if (line.find(" 0 failed") == std::string::npos) failing += line + "\n";
  }
  std::cout << total.passed << " passed, " << total.failed << " failed, " << total.skipped << " skipped\n";
  EXPECT_EQ(total.failed, 0u) << failing;
  EXPECT_GT(total.passed, 50000u);
}
