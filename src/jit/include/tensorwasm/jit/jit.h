// The optimizing tier: translates each function of a module to LLVM IR, optimizes it at O2
// and compiles it to machine code with LLVM 22, on parallel threads, through a persistent
// code cache. Compiled functions share the runtime (memories, tables, globals, host
// functions) with the interpreter, so functions of both tiers call each other.
#pragma once

#include <memory>

#include "tensorwasm/runtime/code_cache.h"
#include "tensorwasm/runtime/instance.h"

namespace tw {

struct JitOptions {
  std::shared_ptr<CodeCache> cache;  // null: compile every module every time
  unsigned threads = 0;              // compile threads per module (0: hardware threads)
  // A module is split into partitions compiled in parallel when it has at least this much
  // code per partition (below it another thread costs more than it saves).
  uint64_t partitionBytes = 16 * 1024;
};

// A tier whose compile() returns machine code for every function of a module, SIMD (v128)
// included (see src/jit/README.md).
// Thread-safety: compile() may run on several threads at once.
std::unique_ptr<ExecutionTier> makeJitTier(JitOptions options = {});

// `auto`: modules whose code is in the cache run natively at once; others start on the
// interpreter while a background thread compiles them, and each instance moves to native
// code at its next invocation after compilation finished. Results are identical.
std::unique_ptr<ExecutionTier> makeAutoTier(JitOptions options = {});

// "jit" when the instance's functions run as machine code, else "interpreter" (an `auto`
// instance not yet moved, or another tier's).
const char* activeTier(const Instance& instance);

// Compiles `module` (or loads it from the cache) and stores the code in the cache; what
// `tensorwasm compile` runs. Returns whether the code came from the cache.
Result<bool> precompile(const Module& module, const JitOptions& options);

}  // namespace tw
