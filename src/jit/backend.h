// Machine code for one module. compileObjects translates the module to LLVM IR in
// partitions of consecutive functions, verifies and optimizes each (O2 for the host CPU)
// and emits one relocatable object per partition, the partitions on parallel threads.
// linkObjects links such objects (fresh, or from the code cache) into a JITDylib of the
// process-wide ORC LLJIT; the MachineCode frees it.
// Thread-safety: both may run on several threads at once.
#pragma once

#include <memory>
#include <string>
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

// One ELF object per partition, in partition order.
using ObjectFiles = std::vector<std::string>;

// `threads` bounds the partitions compiled at once (0: the machine's hardware threads); a
// partition gets at least `partitionBytes` of Wasm code.
Result<ObjectFiles> compileObjects(const Module& wasm, unsigned threads, uint64_t partitionBytes);

// Links objects made by compileObjects for a module with `numBodies` defined functions.
// Objects whose partitions do not cover every body exactly once are refused.
Result<std::unique_ptr<MachineCode>> linkObjects(const ObjectFiles& objects, size_t numBodies);

// The host's CPU name and its feature string, as code for it is compiled.
std::string hostCpuDescription();

}  // namespace tw::jit
