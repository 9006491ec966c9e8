// The optimizing tier: translates each function of a module to LLVM IR, optimizes it at O2
// and compiles it to machine code with LLVM 22's ORC JIT. Compiled functions share the
// runtime (memories, tables, globals, host functions) with the interpreter, so functions of
// both tiers call each other.
#pragma once

#include <memory>

#include "tensorwasm/runtime/instance.h"

namespace tw {

// A tier whose compile() returns machine code for every function of a module, SIMD (v128)
// included (see src/jit/README.md).
// Thread-safety: compile() may run on several threads at once.
std::unique_ptr<ExecutionTier> makeJitTier();

}  // namespace tw
