// How the check is built: each marked access's offset from the memory base (scalar
// evolution) must be `invariant + recurrence`, where the recurrence is affine in the loop,
// either in 64 bits or as the zero extension of a 32-bit (Wasm i32) recurrence. Its values at
// the first and the last possible iteration (the symbolic maximum backedge count) are computed
// in 128-bit arithmetic, where nothing wraps; an affine sequence is monotonic, so both ends in
// [0, memory size - access size] put every iteration's access in bounds, and a 32-bit
// recurrence whose ends stay in [0, 2^32) never wraps, so its zero extension is exact.
#include "loop_versioning.h"

#include <llvm/Analysis/AssumptionCache.h>
#include <llvm/Analysis/LoopInfo.h>
#include <llvm/Analysis/ScalarEvolution.h>
#include <llvm/Analysis/ScalarEvolutionExpressions.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/Transforms/Utils/BasicBlockUtils.h>
#include <llvm/Transforms/Utils/Cloning.h>
#include <llvm/Transforms/Utils/LoopSimplify.h>
#include <llvm/Transforms/Utils/LoopUtils.h>
#include <llvm/Transforms/Utils/ScalarEvolutionExpander.h>
#include <llvm/Transforms/Utils/ValueMapper.h>

#include <optional>
#include <vector>

#include "abi.h"

namespace tw::jit {
namespace {

// An access's offsets at the first and the last iteration, as 128-bit expressions, and when
// it is a zero-extended 32-bit recurrence, that recurrence's values there.
struct AccessRange {
  llvm::Instruction* access = nullptr;
  // The offset as a 64-bit recurrence that cannot wrap in the checked copy (or invariant):
  // what the copy computes instead, so the vectorizer sees consecutive accesses.
  const llvm::SCEV* exactOffset = nullptr;
  const llvm::SCEV* first = nullptr;
  const llvm::SCEV* last = nullptr;
  uint64_t bytes = 0;
  const llvm::SCEV* narrowFirst = nullptr;
  const llvm::SCEV* narrowLast = nullptr;
};

struct Candidate {
  llvm::Loop* loop = nullptr;
  std::vector<AccessRange> ranges;
  const llvm::SCEV* maxBackedges = nullptr;  // 128-bit
  std::vector<const llvm::SCEVPredicate*> assumptions;  // under which maxBackedges holds
};

bool marked(const llvm::Instruction& i, const char* kind) { return i.getMetadata(kind) != nullptr; }

// Whether the copy without traps may contain `i`: marked accesses and polls, plain memory
// operations, and intrinsics that touch no memory; no calls, no other side effects.
bool admissible(const llvm::Instruction& i) {
  if (marked(i, kMemoryAccessMetadata) || marked(i, kInterruptPollMetadata)) return true;
  if (const auto* call = llvm::dyn_cast<llvm::CallBase>(&i)) {
    return llvm::isa<llvm::IntrinsicInst>(call) && !call->mayReadOrWriteMemory();
  }
  if (const auto* load = llvm::dyn_cast<llvm::LoadInst>(&i)) return load->isSimple();
  if (const auto* store = llvm::dyn_cast<llvm::StoreInst>(&i)) return store->isSimple();
  return !i.mayHaveSideEffects() && !i.mayReadOrWriteMemory();
}

// Exits other than interrupt polls.
unsigned realExits(const llvm::Loop& loop) {
  llvm::SmallVector<llvm::BasicBlock*, 4> exiting;
  loop.getExitingBlocks(exiting);
  unsigned n = 0;
  for (llvm::BasicBlock* bb : exiting) n += !marked(*bb->getTerminator(), kInterruptPollMetadata);
  return n;
}

class Analyzer {
 public:
  Analyzer(llvm::ScalarEvolution& se, const llvm::DataLayout& dl)
      : se_(se), dl_(dl), wide_(llvm::IntegerType::get(se.getContext(), 128)) {}

  std::optional<Candidate> analyze(llvm::Loop* loop) {
    if (!loop->isInnermost() || !loop->getLoopPreheader() || realExits(*loop) != 1) return std::nullopt;
    // Wasm's i32 arithmetic wraps, so a loop stepping by more than one often has a count
    // only under the assumption that its induction variable does not wrap: checked too.
    llvm::SmallVector<const llvm::SCEVPredicate*, 4> assumptions;
    const llvm::SCEV* backedges = se_.getSymbolicMaxBackedgeTakenCount(loop);
    if (llvm::isa<llvm::SCEVCouldNotCompute>(backedges)) {
      backedges = se_.getPredicatedSymbolicMaxBackedgeTakenCount(loop, assumptions);
    }
    if (llvm::isa<llvm::SCEVCouldNotCompute>(backedges)) return std::nullopt;
    Candidate c{loop, {}, se_.getZeroExtendExpr(backedges, wide_), {assumptions.begin(), assumptions.end()}};
    for (llvm::BasicBlock* bb : loop->blocks()) {
      for (llvm::Instruction& i : *bb) {
        if (!admissible(i)) return std::nullopt;
        if (!marked(i, kMemoryAccessMetadata)) continue;
        uint64_t bytes = dl_.getTypeStoreSize(llvm::getLoadStoreType(&i)).getFixedValue();
        std::optional<AccessRange> range = rangeOf(i, bytes, *loop, c.maxBackedges);
        if (!range) return std::nullopt;
        c.ranges.push_back(*range);
      }
    }
    if (c.ranges.empty()) return std::nullopt;
    return c;
  }

 private:
  std::optional<AccessRange> rangeOf(llvm::Instruction& access, uint64_t bytes, const llvm::Loop& loop,
                                     const llvm::SCEV* backedges) {
    const llvm::SCEV* p = se_.getSCEV(llvm::getLoadStorePointerOperand(&access));
    const llvm::SCEV* base = se_.getPointerBase(p);
    if (!llvm::isa<llvm::SCEVUnknown>(base) || !se_.isLoopInvariant(base, &loop)) return std::nullopt;
    if (base_ && base_ != base) return std::nullopt;
    base_ = base;
    const llvm::SCEV* offset = se_.getMinusSCEV(p, base);
    if (llvm::isa<llvm::SCEVCouldNotCompute>(offset)) return std::nullopt;
    llvm::Type* i64 = offset->getType();
    const llvm::SCEV* invariant = se_.getZero(wide_);
    const llvm::SCEV* invariant64 = se_.getZero(i64);
    const llvm::SCEV* varying = nullptr;
    auto split = [&](const llvm::SCEV* term) {
      if (se_.isLoopInvariant(term, &loop)) {
        invariant = se_.getAddExpr(invariant, se_.getSignExtendExpr(term, wide_));
        invariant64 = se_.getAddExpr(invariant64, term);
        return true;
      }
      if (varying) return false;
      varying = term;
      return true;
    };
    if (const auto* sum = llvm::dyn_cast<llvm::SCEVAddExpr>(offset)) {
      for (const llvm::SCEV* term : sum->operands()) {
        if (!split(term)) return std::nullopt;
      }
    } else if (!split(offset)) {
      return std::nullopt;
    }
    AccessRange r;
    r.access = &access;
    r.bytes = bytes;
    if (!varying) {
      r.first = r.last = invariant;
      return r;
    }
    const llvm::SCEV* recurrence = varying;
    bool narrow = false;
    if (const auto* zext = llvm::dyn_cast<llvm::SCEVZeroExtendExpr>(varying)) {
      recurrence = zext->getOperand();
      narrow = true;
    }
    const auto* rec = llvm::dyn_cast<llvm::SCEVAddRecExpr>(recurrence);
    if (!rec || rec->getLoop() != &loop || !rec->isAffine()) return std::nullopt;
    const llvm::SCEV* start = narrow ? se_.getZeroExtendExpr(rec->getStart(), wide_)
                                     : se_.getSignExtendExpr(rec->getStart(), wide_);
    const llvm::SCEV* step = se_.getSignExtendExpr(rec->getStepRecurrence(se_), wide_);
    const llvm::SCEV* end = se_.getAddExpr(start, se_.getMulExpr(step, backedges));
    if (narrow) {
      r.narrowFirst = start;
      r.narrowLast = end;
    }
    const llvm::SCEV* start64 = narrow ? se_.getZeroExtendExpr(rec->getStart(), i64) : rec->getStart();
    r.exactOffset = se_.getAddRecExpr(se_.getAddExpr(invariant64, start64),
                                      se_.getSignExtendExpr(rec->getStepRecurrence(se_), i64), &loop,
                                      llvm::SCEV::FlagNSW);
    r.first = se_.getAddExpr(invariant, start);
    r.last = se_.getAddExpr(invariant, end);
    return r;
  }

  llvm::ScalarEvolution& se_;
  const llvm::DataLayout& dl_;
  llvm::IntegerType* wide_;
  const llvm::SCEV* base_ = nullptr;
};

// The i1 that holds when the copy without traps may run: built before `before`.
llvm::Value* buildCheck(const Candidate& c, llvm::Function& f, llvm::ScalarEvolution& se, llvm::Instruction* before) {
  llvm::IRBuilder<> b(before);
  llvm::IntegerType* wide = b.getIntNTy(128);
  llvm::Value* sizeCell = b.CreateLoad(b.getPtrTy(), b.CreateConstGEP1_64(b.getInt8Ty(), f.getArg(1),
                                                                          offsetof(JitInstance, memSize)));
  llvm::Value* memorySize = b.CreateZExt(b.CreateLoad(b.getInt64Ty(), sizeCell), wide);
  llvm::SCEVExpander expander(se, "tw.bounds");
  auto expand = [&](const llvm::SCEV* s) { return expander.expandCodeFor(s, wide, before); };
  llvm::Value* zero = llvm::ConstantInt::get(wide, 0);
  llvm::Value* ok = b.getTrue();
  auto within = [&](llvm::Value* v, llvm::Value* limit) {
    ok = b.CreateAnd(ok, b.CreateAnd(b.CreateICmpSGE(v, zero), b.CreateICmpSLE(v, limit)));
  };
  for (const llvm::SCEVPredicate* assumption : c.assumptions) {
    ok = b.CreateAnd(ok, b.CreateNot(expander.expandCodeForPredicate(assumption, before)));
  }
  for (const AccessRange& r : c.ranges) {
    llvm::Value* highest = b.CreateSub(memorySize, llvm::ConstantInt::get(wide, r.bytes));
    within(expand(r.first), highest);
    within(expand(r.last), highest);
    if (r.narrowFirst) {
      llvm::Value* u32Max = llvm::ConstantInt::get(wide, 0xffffffffu);
      within(expand(r.narrowFirst), u32Max);
      within(expand(r.narrowLast), u32Max);
    }
  }
  return ok;
}

// In the loop's exit blocks, values from the original loop also arrive from its copy.
void mergeExits(llvm::Loop& loop, llvm::ValueToValueMapTy& copyOf) {
  llvm::SmallVector<llvm::BasicBlock*, 4> exits;
  loop.getUniqueExitBlocks(exits);
  for (llvm::BasicBlock* exit : exits) {
    for (llvm::PHINode& phi : exit->phis()) {
      unsigned n = phi.getNumIncomingValues();
      for (unsigned k = 0; k < n; ++k) {
        llvm::BasicBlock* from = phi.getIncomingBlock(k);
        if (!loop.contains(from)) continue;
        llvm::Value* v = phi.getIncomingValue(k);
        auto mapped = copyOf.find(v);
        phi.addIncoming(mapped != copyOf.end() ? static_cast<llvm::Value*>(mapped->second) : v,
                        llvm::cast<llvm::BasicBlock>(copyOf[from]));
      }
    }
  }
}

// Makes the loop the version without traps: plain accesses, no interrupt polls.
void dropTraps(llvm::Loop& loop) {
  for (llvm::BasicBlock* bb : loop.blocks()) {
    for (llvm::Instruction& i : *bb) {
      if (!marked(i, kMemoryAccessMetadata)) continue;
      if (auto* load = llvm::dyn_cast<llvm::LoadInst>(&i)) load->setVolatile(false);
      else llvm::cast<llvm::StoreInst>(i).setVolatile(false);
    }
    auto* poll = llvm::dyn_cast<llvm::BranchInst>(bb->getTerminator());
    if (!poll || !poll->isConditional() || !marked(*poll, kInterruptPollMetadata)) continue;
    bool stayFirst = loop.contains(poll->getSuccessor(0));
    poll->getSuccessor(stayFirst ? 1 : 0)->removePredecessor(bb);
    auto* condition = llvm::dyn_cast<llvm::Instruction>(poll->getCondition());
    llvm::BranchInst::Create(poll->getSuccessor(stayFirst ? 0 : 1), poll->getIterator());
    poll->eraseFromParent();
    if (!condition || !condition->use_empty()) continue;
    auto* flag = llvm::dyn_cast<llvm::Instruction>(condition->getOperand(0));
    condition->eraseFromParent();
    if (flag && flag->use_empty() && marked(*flag, kInterruptPollMetadata)) flag->eraseFromParent();
  }
}

// In the checked copy, each recurring access's address becomes base + a 64-bit recurrence
// (the check proved it exact), replacing the wrapping 32-bit arithmetic.
void rewriteAddresses(const Candidate& c, llvm::ScalarEvolution& se) {
  llvm::SCEVExpander expander(se, "tw.offset");
  for (const AccessRange& r : c.ranges) {
    if (!r.exactOffset) continue;
    llvm::Value* pointer = llvm::getLoadStorePointerOperand(r.access);
    auto* base = llvm::cast<llvm::SCEVUnknown>(se.getPointerBase(se.getSCEV(pointer)))->getValue();
    llvm::Value* offset = expander.expandCodeFor(r.exactOffset, r.exactOffset->getType(), r.access);
    llvm::IRBuilder<> b(r.access);
    llvm::Value* exact = b.CreateGEP(b.getInt8Ty(), base, offset, "tw.exact",
                                     llvm::GEPNoWrapFlags::inBounds() | llvm::GEPNoWrapFlags::noUnsignedWrap());
    if (auto* load = llvm::dyn_cast<llvm::LoadInst>(r.access)) load->setOperand(0, exact);
    else llvm::cast<llvm::StoreInst>(r.access)->setOperand(1, exact);
  }
}

void version(const Candidate& c, llvm::Function& f, llvm::LoopInfo& li, llvm::DominatorTree& dt,
                          llvm::ScalarEvolution& se) {
  llvm::Loop& loop = *c.loop;
  llvm::formLCSSA(loop, dt, &li, &se);
  llvm::BasicBlock* check = loop.getLoopPreheader();
  llvm::Value* ok = buildCheck(c, f, se, check->getTerminator());
  llvm::BasicBlock* fastEntry = llvm::SplitEdge(check, loop.getHeader(), &dt, &li);
  llvm::ValueToValueMapTy copyOf;
  llvm::SmallVector<llvm::BasicBlock*, 16> copyBlocks;
  llvm::Loop* exact = llvm::cloneLoopWithPreheader(fastEntry, check, &loop, copyOf, ".exact", &li, &dt, copyBlocks);
  llvm::remapInstructionsInBlocks(copyBlocks, copyOf);
  check->getTerminator()->eraseFromParent();
  llvm::MDNode* likely = llvm::MDBuilder(f.getContext()).createLikelyBranchWeights();
  llvm::BranchInst::Create(fastEntry, exact->getLoopPreheader(), ok, check)->setMetadata(llvm::LLVMContext::MD_prof, likely);
  mergeExits(loop, copyOf);
  dropTraps(loop);
  rewriteAddresses(c, se);
}

// Whether every expression the check and the copy need can be computed where they go.
bool expandable(const Candidate& c, llvm::ScalarEvolution& se) {
  llvm::SCEVExpander expander(se, "tw.bounds");
  llvm::Instruction* check = c.loop->getLoopPreheader()->getTerminator();
  auto at = [&](const llvm::SCEV* s, llvm::Instruction* where) { return !s || expander.isSafeToExpandAt(s, where); };
  if (!at(c.maxBackedges, check)) return false;
  for (const llvm::SCEVPredicate* p : c.assumptions) {
    if (const auto* wrap = llvm::dyn_cast<llvm::SCEVWrapPredicate>(p)) {
      if (!at(wrap->getExpr(), check)) return false;
    } else if (const auto* compare = llvm::dyn_cast<llvm::SCEVComparePredicate>(p)) {
      if (!at(compare->getLHS(), check) || !at(compare->getRHS(), check)) return false;
    } else {
      return false;
    }
  }
  for (const AccessRange& r : c.ranges) {
    if (!at(r.first, check) || !at(r.last, check) || !at(r.narrowFirst, check) || !at(r.narrowLast, check) ||
        !at(r.exactOffset, r.access)) {
      return false;
    }
  }
  return true;
}

// Gives every loop a preheader and dedicated exits (the form the versioning and the vectorizer
// work on; at this point in the pipeline loops may have lost it).
bool simplifyLoops(llvm::Function& f, llvm::FunctionAnalysisManager& fam) {
  auto& li = fam.getResult<llvm::LoopAnalysis>(f);
  if (li.empty()) return false;
  auto& dt = fam.getResult<llvm::DominatorTreeAnalysis>(f);
  auto& se = fam.getResult<llvm::ScalarEvolutionAnalysis>(f);
  auto& ac = fam.getResult<llvm::AssumptionAnalysis>(f);
  bool changed = false;
  for (llvm::Loop* loop : li) changed |= llvm::simplifyLoop(loop, &dt, &li, &se, &ac, nullptr, false);
  if (changed) fam.invalidate(f, llvm::PreservedAnalyses::none());
  return changed;
}

}  // namespace

llvm::PreservedAnalyses LoopVersioningPass::run(llvm::Function& f, llvm::FunctionAnalysisManager& fam) {
  if (f.arg_size() < 2 || !f.getArg(1)->getType()->isPointerTy()) return llvm::PreservedAnalyses::all();
  bool changed = simplifyLoops(f, fam);
  auto& li = fam.getResult<llvm::LoopAnalysis>(f);
  auto& dt = fam.getResult<llvm::DominatorTreeAnalysis>(f);
  auto& se = fam.getResult<llvm::ScalarEvolutionAnalysis>(f);
  // Every loop is analyzed on the code as it is now (one scalar evolution state); a loop whose
  // expressions stopped being computable before it after an earlier loop was versioned (they
  // name a value that now lives in one copy only) is left alone.
  std::vector<Candidate> candidates;
  for (llvm::Loop* loop : li.getLoopsInPreorder()) {
    if (std::optional<Candidate> c = Analyzer(se, f.getDataLayout()).analyze(loop)) candidates.push_back(*c);
  }
  for (const Candidate& c : candidates) {
    if (!expandable(c, se)) continue;
    version(c, f, li, dt, se);
    dt.recalculate(f);
    changed = true;
  }
  return changed ? llvm::PreservedAnalyses::none() : llvm::PreservedAnalyses::all();
}

}  // namespace tw::jit
