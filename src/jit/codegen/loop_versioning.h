// Bounds-proven loop versions. Linear-memory accesses are volatile so that an out-of-bounds one
// faults exactly where Wasm traps (translate_memory.cpp), and every loop head polls the
// interrupt flag; both keep LLVM from vectorizing loops over memory. This pass, run just before
// the vectorizer, gives each innermost loop whose accesses are affine in its induction
// variable and whose trip count is computable a second copy, entered only when a check before
// the loop proves that every access of every iteration is in bounds. In that copy no access can
// trap, so the accesses are plain and the interrupt poll is dropped (a deadline stops it by
// signal instead: guard.h, InterruptWatch); otherwise the original loop runs.
#pragma once

#include <llvm/IR/PassManager.h>

namespace tw::jit {

// Metadata kinds the translator sets: on each linear-memory load and store, and on the flag
// load and the branch of each interrupt poll.
inline constexpr const char* kMemoryAccessMetadata = "tw.mem";
inline constexpr const char* kInterruptPollMetadata = "tw.poll";

class LoopVersioningPass : public llvm::PassInfoMixin<LoopVersioningPass> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& f, llvm::FunctionAnalysisManager& fam);
};

}  // namespace tw::jit
