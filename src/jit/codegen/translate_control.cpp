// Structured control flow and calls. Each frame's continuation block receives its label
// values through phi nodes (a loop's head receives its parameters), so the operand stack
// only ever holds SSA values. Calls reload the cached memory size: the callee may grow it.
#include <llvm/IR/CFG.h>

#include <map>

#include "translator.h"

namespace tw::jit {

void FunctionTranslator::blockTypes(const BlockType& bt, std::vector<ValType>& params,
                                    std::vector<ValType>& results) {
  if (bt.kind == BlockType::Kind::Value) results.push_back(bt.value);
  if (bt.kind == BlockType::Kind::Index) {
    params = m_.types[bt.index].params;
    results = m_.types[bt.index].results;
  }
}

std::vector<llvm::PHINode*> FunctionTranslator::makePhis(llvm::BasicBlock* block,
                                                         const std::vector<ValType>& types) {
  std::vector<llvm::PHINode*> phis;
  for (ValType t : types) phis.push_back(llvm::PHINode::Create(mt_.type(t), 2, "", block));
  return phis;
}

void FunctionTranslator::enterBlock(const Instr& in) {
  ControlFrame f;
  blockTypes(in.block, f.params, f.results);
  f.height = stack_.size() - f.params.size();
  f.end = newBlock("block.end");
  f.endPhis = makePhis(f.end, f.results);
  ctrl_.push_back(std::move(f));
}

void FunctionTranslator::enterLoop(const Instr& in) {
  ControlFrame f;
  f.kind = Opcode::Loop;
  blockTypes(in.block, f.params, f.results);
  f.height = stack_.size() - f.params.size();
  f.header = newBlock("loop");
  f.headerPhis = makePhis(f.header, f.params);
  f.end = newBlock("loop.end");
  f.endPhis = makePhis(f.end, f.results);
  llvm::BasicBlock* from = b_.GetInsertBlock();
  for (size_t i = 0; i < f.params.size(); ++i) f.headerPhis[i]->addIncoming(stack_[f.height + i], from);
  b_.CreateBr(f.header);
  b_.SetInsertPoint(f.header);
  stack_.resize(f.height);
  for (llvm::PHINode* phi : f.headerPhis) push(phi);
  checkInterrupt();  // every iteration passes the head
  ctrl_.push_back(std::move(f));
}

void FunctionTranslator::enterIf(const Instr& in) {
  llvm::Value* cond = b_.CreateICmpNE(pop(), b_.getInt32(0));
  ControlFrame f;
  f.kind = Opcode::If;
  blockTypes(in.block, f.params, f.results);
  f.height = stack_.size() - f.params.size();
  f.ifParams.assign(stack_.begin() + static_cast<ptrdiff_t>(f.height), stack_.end());
  f.end = newBlock("if.end");
  f.endPhis = makePhis(f.end, f.results);
  llvm::BasicBlock* then = newBlock("then");
  f.elseBlock = newBlock("else");
  b_.CreateCondBr(cond, then, f.elseBlock);
  b_.SetInsertPoint(then);
  ctrl_.push_back(std::move(f));
}

void FunctionTranslator::elseArm() {
  ControlFrame& f = ctrl_.back();
  if (!f.unreachable) jumpTo(f);
  b_.SetInsertPoint(f.elseBlock);
  f.elseBlock = nullptr;
  stack_.resize(f.height);
  for (llvm::Value* v : f.ifParams) push(v);
  f.unreachable = false;
}

void FunctionTranslator::endFrame() {
  ControlFrame& f = ctrl_.back();
  if (!f.unreachable) jumpWith(f.end, f.endPhis);  // falls out (of a loop too)
  if (f.elseBlock) {  // an if without else passes its parameters through
    b_.SetInsertPoint(f.elseBlock);
    stack_.resize(f.height);
    for (llvm::Value* v : f.ifParams) push(v);
    jumpWith(f.end, f.endPhis);
  }
  b_.SetInsertPoint(f.end);
  bool reached = !llvm::pred_empty(f.end);
  stack_.resize(f.height);
  for (llvm::PHINode* phi : f.endPhis) push(phi);
  if (ctrl_.size() == 1) {  // the function body: its end is the return
    if (!reached) b_.CreateUnreachable();
    else if (stack_.empty()) b_.CreateRetVoid();
    else if (stack_.size() == 1) b_.CreateRet(stack_[0]);
    else b_.CreateAggregateRet(stack_.data(), static_cast<unsigned>(stack_.size()));
    ctrl_.pop_back();
    return;
  }
  if (!reached) {  // nothing branches here: what follows in the parent is dead
    stack_.resize(f.height);
    f.end->eraseFromParent();
    ctrl_.pop_back();
    ctrl_.back().unreachable = true;
    return;
  }
  ctrl_.pop_back();
}

void FunctionTranslator::jumpTo(ControlFrame& target) {
  if (target.kind == Opcode::Loop) return jumpWith(target.header, target.headerPhis);
  jumpWith(target.end, target.endPhis);
}

void FunctionTranslator::jumpWith(llvm::BasicBlock* target, std::vector<llvm::PHINode*>& phis) {
  llvm::BasicBlock* from = b_.GetInsertBlock();
  size_t base = stack_.size() - phis.size();
  for (size_t i = 0; i < phis.size(); ++i) phis[i]->addIncoming(stack_[base + i], from);
  b_.CreateBr(target);
}

void FunctionTranslator::branch(uint32_t depth) {
  jumpTo(frameAt(depth));
  ctrl_.back().unreachable = true;
}

void FunctionTranslator::branchIf(uint32_t depth) {
  llvm::Value* cond = b_.CreateICmpNE(pop(), b_.getInt32(0));
  llvm::BasicBlock* taken = newBlock("br_if");
  llvm::BasicBlock* next = newBlock("");
  b_.CreateCondBr(cond, taken, next);
  b_.SetInsertPoint(taken);
  jumpTo(frameAt(depth));
  b_.SetInsertPoint(next);
}

// Each distinct target gets one block that carries the values to its label, so a label's
// phi nodes see one edge from the br_table however many entries name it.
void FunctionTranslator::branchTable(const Instr& in) {
  llvm::Value* index = pop();
  llvm::BasicBlock* from = b_.GetInsertBlock();
  std::map<uint32_t, llvm::BasicBlock*> landing;
  for (uint32_t depth : in.targets) {
    if (!landing.count(depth)) landing[depth] = newBlock("br_table");
  }
  auto* sw = b_.CreateSwitch(index, landing[in.targets.back()],
                             static_cast<unsigned>(in.targets.size() - 1));
  for (size_t i = 0; i + 1 < in.targets.size(); ++i) {
    sw->addCase(b_.getInt32(static_cast<uint32_t>(i)), landing[in.targets[i]]);
  }
  for (auto& [depth, block] : landing) {
    b_.SetInsertPoint(block);
    jumpTo(frameAt(depth));
  }
  b_.SetInsertPoint(from);
  ctrl_.back().unreachable = true;
}

std::vector<llvm::Value*> FunctionTranslator::callNative(llvm::FunctionCallee callee, const FuncType& ft,
                                                         const std::vector<llvm::Value*>& args) {
  std::vector<llvm::Value*> all = {thread_, instance_};
  all.insert(all.end(), args.begin(), args.end());
  llvm::Value* ret = b_.CreateCall(callee, all);
  std::vector<llvm::Value*> results;
  if (ft.results.size() == 1) results.push_back(ret);
  for (unsigned k = 0; ft.results.size() > 1 && k < ft.results.size(); ++k) {
    results.push_back(b_.CreateExtractValue(ret, {k}));
  }
  return results;
}

// Host functions and functions of other instances or tiers: arguments and results pass
// through slots (one UntypedValue each) and the runtime's call helper.
std::vector<llvm::Value*> FunctionTranslator::callThroughRuntime(llvm::Value* function, const FuncType& ft,
                                                                 const std::vector<llvm::Value*>& args) {
  uint32_t count = static_cast<uint32_t>(std::max<size_t>({ft.params.size(), ft.results.size(), 1}));
  llvm::AllocaInst* slots = entryAlloca(mt_.v128, count);
  auto slot = [&](size_t k) { return b_.CreateConstGEP1_64(mt_.i8, slots, k * kSlotBytes); };
  for (size_t k = 0; k < args.size(); ++k) storeCell(args[k], slot(k));
  b_.CreateCall(mt_.helper(Helper::Call), {thread_, instance_, function, slots});
  std::vector<llvm::Value*> results;
  for (size_t k = 0; k < ft.results.size(); ++k) results.push_back(loadCell(mt_.type(ft.results[k]), slot(k)));
  return results;
}

void FunctionTranslator::callDirect(uint32_t funcIndex) {
  const FuncType& ft = m_.funcType(FuncIdx(funcIndex));
  std::vector<llvm::Value*> args = popN(ft.params.size());
  std::vector<llvm::Value*> results;
  if (funcIndex >= m_.numImportedFuncs) {
    results = callNative(mt_.function(funcIndex - m_.numImportedFuncs), ft, args);
  } else {
    results = callThroughRuntime(instanceArray(offsetof(JitInstance, funcs), funcIndex), ft, args);
  }
  for (llvm::Value* v : results) push(v);
}

// The runtime checks bounds, null and signature, and returns the machine code when the
// callee belongs to this instance (the common case, called directly); other callees go
// through the runtime.
void FunctionTranslator::callIndirect(uint32_t typeIndex, uint32_t table) {
  const FuncType& ft = m_.types[typeIndex];
  llvm::Value* index = pop();
  std::vector<llvm::Value*> args = popN(ft.params.size());
  llvm::AllocaInst* other = entryAlloca(mt_.ptr);
  llvm::Value* code = b_.CreateCall(mt_.helper(Helper::Indirect),
                                    {thread_, instance_, b_.getInt32(table), index,
                                     b_.getInt32(typeIndex), other});
  llvm::BasicBlock* local = newBlock("call.local");
  llvm::BasicBlock* foreign = newBlock("call.foreign");
  llvm::BasicBlock* join = newBlock("call.join");
  b_.CreateCondBr(b_.CreateICmpNE(code, llvm::ConstantPointerNull::get(mt_.ptr)), local, foreign);
  b_.SetInsertPoint(local);
  std::vector<llvm::Value*> localResults = callNative({mt_.signature(ft), code}, ft, args);
  llvm::BasicBlock* localEnd = b_.GetInsertBlock();
  b_.CreateBr(join);
  b_.SetInsertPoint(foreign);
  std::vector<llvm::Value*> foreignResults = callThroughRuntime(b_.CreateLoad(mt_.ptr, other), ft, args);
  llvm::BasicBlock* foreignEnd = b_.GetInsertBlock();
  b_.CreateBr(join);
  b_.SetInsertPoint(join);
  for (size_t k = 0; k < ft.results.size(); ++k) {
    llvm::PHINode* phi = b_.CreatePHI(mt_.type(ft.results[k]), 2);
    phi->addIncoming(localResults[k], localEnd);
    phi->addIncoming(foreignResults[k], foreignEnd);
    push(phi);
  }
}

}  // namespace tw::jit
