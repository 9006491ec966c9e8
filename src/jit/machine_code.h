// Machine code of one module, loaded into this process: the addresses of its functions and of
// their entry trampolines. Internal to the jit layer.
#pragma once

#include <vector>

#include "abi.h"

namespace tw::jit {

class MachineCode {
 public:
  virtual ~MachineCode() = default;
  // The module's defined functions (native convention) and their entry trampolines, by
  // body index.
  std::vector<void*> natives;
  std::vector<EntryFn> entries;
};

}  // namespace tw::jit
