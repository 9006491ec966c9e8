// The code generator library (codegen_abi.h), found and opened on first use. It is looked for
// at $TENSOR_WASM_CODEGEN_LIBRARY when that is set, else next to the executable, else in
// ../lib/tensorwasm/ beside the executable's folder, else where the build put it.
// Thread-safety: every function may be called from any thread.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "tensorwasm/support/result.h"

namespace tw::jit {

// One ELF object per partition, in partition order.
using ObjectFiles = std::vector<std::string>;

// The library's path, or an Unsupported error naming where it was looked for.
Result<std::string> codegenLibraryPath();

// The library file's GNU build id, read without loading it.
Result<std::string> codegenLibraryBuildId();

// Compiles a module's bytes to objects with the library (loading it, and so LLVM, the first
// time). `threads` and `partitionBytes` as in JitOptions.
Result<ObjectFiles> generateObjects(std::span<const uint8_t> wasm, uint64_t maxModuleBytes, unsigned threads,
                                    uint64_t partitionBytes);

}  // namespace tw::jit
