// The spec-test runner: executes wabt wast2json command files (`.json`) against the engine,
// or a `.wast` script after converting it with the `wast2json` tool into a temporary folder.
// Every command counts as passed, failed or skipped; text-format modules and excluded entries
// are skipped. Thread-safety: each call is independent (its own engine, linker and
// `spectest` module); calls may run on different threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/support/result.h"

namespace tw::cli {

struct WastCounts {
  uint64_t passed = 0;
  uint64_t failed = 0;
  uint64_t skipped = 0;
  WastCounts& operator+=(const WastCounts& o) {
    passed += o.passed;
    failed += o.failed;
    skipped += o.skipped;
    return *this;
  }
};

// Intentional exclusions: a file's base name (e.g. "simd_lane.json" or "simd_lane.wast";
// the extension is ignored) mapped to the source lines excluded; an empty set excludes the file.
struct WastExclusions {
  std::map<std::string, std::set<uint32_t>> entries;
  bool excludes(const std::string& script, uint32_t line) const;
};

// Reads an exclusion list: one "NAME[:LINE] reason" per line, '#' starts a comment. Every
// entry must carry a reason (Usage error otherwise).
Result<WastExclusions> loadWastExclusions(const std::string& path);

struct WastOptions {
  EngineConfig engine;        // limits for each script's engine
  std::string tier = "interp";  // --tier name of each script's engine (checked by the caller)
  bool verbose = false;       // print each failure with its line and reason
  std::chrono::milliseconds commandTimeout{60'000};  // a hung command is interrupted
  WastExclusions exclusions;
  // runWastFiles runs each file in a child process, so an engine crash fails that file
  // (reported with its signal) instead of ending the whole run.
  bool isolate = false;
};

// Runs one `.json` or `.wast` file; prints failures (verbose) and "FILE: N passed, N failed
// (N skipped)" to `out`. An Error means the file itself could not be read or converted.
Result<WastCounts> runWastFile(const std::string& path, const WastOptions& options, std::ostream& out);

// Runs several files (a file that cannot be read, or whose child process crashed when
// isolated, counts as one failure) and prints the total
// "N passed, N failed, N skipped".
WastCounts runWastFiles(const std::vector<std::string>& paths, const WastOptions& options,
                        std::ostream& out);

// Defines the spec tests' `spectest` host module (print*, global_*, table, memory) in `linker`.
Result<void> defineSpectest(Linker& linker, const EngineConfig& config);

}  // namespace tw::cli
