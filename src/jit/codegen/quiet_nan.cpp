#include "quiet_nan.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/InstIterator.h>
#include <llvm/IR/IntrinsicInst.h>

#include <vector>

namespace tw::jit {
namespace {

// A constant that could make the instruction foldable to its other operand (or its
// negation): zero, one, minus one, or a vector with such a lane or an undefined lane.
bool identityLike(const llvm::Constant* c) {
  if (const auto* fp = llvm::dyn_cast<llvm::ConstantFP>(c)) {
    const llvm::APFloat& x = fp->getValueAPF();
    return x.isZero() || x.isExactlyValue(1.0) || x.isExactlyValue(-1.0);
  }
  const auto* vector = llvm::dyn_cast<llvm::FixedVectorType>(c->getType());
  if (!vector) return true;
  for (unsigned lane = 0; lane < vector->getNumElements(); ++lane) {
    const llvm::Constant* element = c->getAggregateElement(lane);
    if (!element || !llvm::isa<llvm::ConstantFP>(element) || identityLike(element)) return true;
  }
  return false;
}

// An instruction the hardware executes with IEEE NaN rules (a NaN result is quiet), which
// no later fold can turn into its operand.
bool quietsNaNs(const llvm::Value* v) {
  const auto* i = llvm::dyn_cast<llvm::Instruction>(v);
  if (!i) return false;
  switch (i->getOpcode()) {
    case llvm::Instruction::FAdd:
    case llvm::Instruction::FSub:
    case llvm::Instruction::FMul:
    case llvm::Instruction::FDiv:
    case llvm::Instruction::FPTrunc:
      break;
    default:
      return false;
  }
  for (const llvm::Use& operand : i->operands()) {
    if (const auto* c = llvm::dyn_cast<llvm::Constant>(operand.get()); c && identityLike(c)) return false;
  }
  return true;
}

}  // namespace

llvm::PreservedAnalyses QuietNanPass::run(llvm::Function& f, llvm::FunctionAnalysisManager&) {
  std::vector<llvm::IntrinsicInst*> redundant;
  for (llvm::Instruction& i : llvm::instructions(f)) {
    auto* call = llvm::dyn_cast<llvm::IntrinsicInst>(&i);
    if (call && call->getIntrinsicID() == llvm::Intrinsic::canonicalize && quietsNaNs(call->getArgOperand(0))) {
      redundant.push_back(call);
    }
  }
  for (llvm::IntrinsicInst* call : redundant) {
    call->replaceAllUsesWith(call->getArgOperand(0));
    call->eraseFromParent();
  }
  return redundant.empty() ? llvm::PreservedAnalyses::all() : llvm::PreservedAnalyses::none();
}

}  // namespace tw::jit
