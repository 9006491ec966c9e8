// Machine code for one module as relocatable objects: compileObjects translates the module to
// LLVM IR in partitions of consecutive functions, verifies and optimizes each (O2 for the host
// CPU) and emits one x86-64 ELF object per partition, the partitions on parallel threads.
// Thread-safety: may run on several threads at once.
#pragma once

#include <string>
#include <vector>

#include "tensorwasm/binary/module.h"
#include "tensorwasm/support/result.h"

namespace tw::jit {

// One ELF object per partition, in partition order.
using ObjectFiles = std::vector<std::string>;

// `threads` bounds the partitions compiled at once (0: the machine's hardware threads); a
// partition gets at least `partitionBytes` of Wasm code.
Result<ObjectFiles> compileObjects(const Module& wasm, unsigned threads, uint64_t partitionBytes);

}  // namespace tw::jit
