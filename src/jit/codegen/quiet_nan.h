// Drops the canonicalizations the translator puts on every float arithmetic result
// (FunctionTranslator::quietNan) where they are not needed: after optimization, a canonicalize
// whose operand is still a real fadd/fsub/fmul/fdiv/fptrunc without an identity constant
// (0, 1, -1) is redundant, since the hardware quiets a NaN such an instruction produces. What stays is the
// canonicalize of an operation LLVM folded away (x*1 through a local, demote(promote x)), which
// would otherwise hand a signaling NaN back where Wasm requires a quiet one.
#pragma once

#include <llvm/IR/PassManager.h>

namespace tw::jit {

class QuietNanPass : public llvm::PassInfoMixin<QuietNanPass> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& f, llvm::FunctionAnalysisManager& fam);
};

}  // namespace tw::jit
