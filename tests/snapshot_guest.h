// Test helper: the snapshot tests' guest, tests/data/snapshots/counter.wat. Each call of
// step(x) changes memory (x stored at count*4; the second call grows the memory by a page and
// writes at 70000), globals (count, sum, a funcref), the table (slot 0 on the first call,
// slot 1 on the second, both through table.set) and segment flags (data dropped on the first
// call, the passive element segment on the second), and returns the running sum of x passed
// through the table's newest function. observe() folds all of it into one number;
// read_data/init_elem trap once their segment is dropped.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "run_process.h"
#include "test_wat.h"

namespace tw::testing {

inline std::filesystem::path snapshotDataDir() {
  return std::filesystem::path(TW_SOURCE_DIR) / "tests/data/snapshots";
}

inline const std::vector<uint8_t>& counterGuest() {
  static const std::vector<uint8_t> wasm = watToWasm(readFile(snapshotDataDir() / "counter.wat"), "");
  return wasm;
}

}  // namespace tw::testing
