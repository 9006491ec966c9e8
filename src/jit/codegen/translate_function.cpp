// One function body: the prologue (locals, cached instance fields, stack and interrupt
// checks), the instruction loop with dead-code skipping, the shared trap blocks, and the
// return block. Locals live in allocas that mem2reg turns into SSA values.
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/MDBuilder.h>

#include "translator.h"

namespace tw::jit {

FunctionTranslator::FunctionTranslator(ModuleTranslator& mt, uint32_t bodyIndex)
    : mt_(mt), m_(mt.wasm), body_(m_.bodies[bodyIndex]), type_(m_.types[body_.type.value]),
      fn_(mt.function(bodyIndex)), b_(mt.ctx) {}

Result<void> FunctionTranslator::run() {
  prologue();
  InstrReader reader(m_.bytes, body_.codeBegin, body_.codeEnd);
  Instr in;
  while (!ctrl_.empty()) {
    if (reader.atEnd()) return makeError(ErrorKind::Malformed, "unexpected end", reader.position());
    TW_TRY(reader.next(in));
    if (skipDead(in)) continue;
    TW_TRY(step(in));
  }
  finish();
  return {};
}

void FunctionTranslator::prologue() {
  b_.SetInsertPoint(llvm::BasicBlock::Create(mt_.ctx, "entry", fn_));
  thread_ = fn_->getArg(0);
  instance_ = fn_->getArg(1);
  localTypes_ = type_.params;
  localTypes_.insert(localTypes_.end(), body_.locals.begin(), body_.locals.end());
  for (size_t i = 0; i < localTypes_.size(); ++i) {
    llvm::Type* t = mt_.type(localTypes_[i]);
    llvm::AllocaInst* slot = entryAlloca(t);
    llvm::Value* init = i < type_.params.size() ? static_cast<llvm::Value*>(fn_->getArg(2 + i))
                                                 : llvm::Constant::getNullValue(t);
    b_.CreateStore(init, slot);
    locals_.push_back(slot);
  }
  if (!m_.memories.empty()) {
    memBase_ = invariantLoad(mt_.ptr, instance_, offsetof(JitInstance, memBase));
    memSizePtr_ = invariantLoad(mt_.ptr, instance_, offsetof(JitInstance, memSize));
  }
  interruptFlag_ = b_.CreateLoad(mt_.ptr, b_.CreateConstGEP1_64(mt_.i8, thread_, offsetof(JitThread, interrupt)));
  // The native stack grows down: entering below the thread's limit means the guest
  // recursed too deep (the limit leaves room for helpers and host functions).
  llvm::Value* limit = b_.CreateLoad(mt_.i64, thread_);
  llvm::Value* sp = b_.CreatePtrToInt(b_.CreateIntrinsic(llvm::Intrinsic::stacksave, {mt_.ptr}, {}), mt_.i64);
  trapIf(b_.CreateICmpULT(sp, limit), TrapKind::CallStackExhausted);
  checkInterrupt();

  ControlFrame body;
  body.results = type_.results;
  body.end = newBlock("return");
  body.endPhis = makePhis(body.end, body.results);
  ctrl_.push_back(std::move(body));
}

// Instructions after an unconditional branch up to the end of their frame are dead: they
// are skipped, counting the blocks they open so the frame's own else/end is recognised.
bool FunctionTranslator::skipDead(const Instr& in) {
  if (!ctrl_.back().unreachable) return false;
  Opcode op = in.op;
  if (op == Opcode::Block || op == Opcode::Loop || op == Opcode::If) {
    ++deadDepth_;
    return true;
  }
  if (deadDepth_ > 0) {
    if (op == Opcode::End) --deadDepth_;
    return true;
  }
  return op != Opcode::End && op != Opcode::Else;
}

Result<void> FunctionTranslator::step(const Instr& in) {
  switch (in.op) {
    case Opcode::Unreachable:
      b_.CreateBr(trapBlock(TrapKind::Unreachable));
      ctrl_.back().unreachable = true;
      return {};
    case Opcode::Nop: return {};
    case Opcode::Block: enterBlock(in); return {};
    case Opcode::Loop: enterLoop(in); return {};
    case Opcode::If: enterIf(in); return {};
    case Opcode::Else: elseArm(); return {};
    case Opcode::End: endFrame(); return {};
    case Opcode::Br: branch(in.a); return {};
    case Opcode::BrIf: branchIf(in.a); return {};
    case Opcode::BrTable: branchTable(in); return {};
    case Opcode::Return: branch(static_cast<uint32_t>(ctrl_.size() - 1)); return {};
    case Opcode::Call: callDirect(in.a); return {};
    case Opcode::CallIndirect: callIndirect(in.a, in.b); return {};
    case Opcode::Drop: pop(); return {};
    case Opcode::Select:
    case Opcode::SelectT: {
      llvm::Value* cond = b_.CreateICmpNE(pop(), b_.getInt32(0));
      llvm::Value* second = pop();
      llvm::Value* first = pop();
      push(b_.CreateSelect(cond, first, second));
      return {};
    }
    default: break;
  }
  if (variableOrReference(in) || memoryAccess(in) || bulkOrTable(in) || numeric(in.op) || simd(in)) return {};
  return makeError(ErrorKind::Unsupported,
                   "optimizing tier cannot translate " + std::string(opcodeInfo(in.op).name), in.offset);
}

void FunctionTranslator::finish() {
  for (llvm::BasicBlock* trap : trapBlocks_) {
    if (trap) trap->moveAfter(&fn_->back());  // cold code last
  }
}

llvm::Value* FunctionTranslator::pop() {
  llvm::Value* v = stack_.back();
  stack_.pop_back();
  return v;
}

std::vector<llvm::Value*> FunctionTranslator::popN(size_t n) {
  std::vector<llvm::Value*> values(stack_.end() - static_cast<ptrdiff_t>(n), stack_.end());
  stack_.resize(stack_.size() - n);
  return values;
}

llvm::AllocaInst* FunctionTranslator::entryAlloca(llvm::Type* type, uint32_t count) {
  llvm::BasicBlock& entry = fn_->getEntryBlock();
  llvm::IRBuilder<> at(&entry, entry.begin());
  return at.CreateAlloca(type, count == 1 ? nullptr : at.getInt32(count));
}

llvm::BasicBlock* FunctionTranslator::newBlock(const char* name) {
  return llvm::BasicBlock::Create(mt_.ctx, name, fn_);
}

llvm::BasicBlock* FunctionTranslator::trapBlock(TrapKind kind) {
  size_t k = static_cast<size_t>(kind);
  if (trapBlocks_.size() <= k) trapBlocks_.resize(k + 1, nullptr);
  if (!trapBlocks_[k]) {
    llvm::BasicBlock* block = newBlock("trap");
    llvm::IRBuilder<> at(block);
    at.CreateCall(mt_.helper(Helper::Trap), {thread_, at.getInt32(static_cast<uint32_t>(kind))});
    at.CreateUnreachable();
    trapBlocks_[k] = block;
  }
  return trapBlocks_[k];
}

void FunctionTranslator::trapIf(llvm::Value* cond, TrapKind kind) {
  llvm::BasicBlock* next = newBlock("");
  llvm::MDNode* rare = llvm::MDBuilder(mt_.ctx).createBranchWeights(1, 1u << 20);
  b_.CreateCondBr(cond, trapBlock(kind), next, rare);
  b_.SetInsertPoint(next);
}

void FunctionTranslator::checkInterrupt() {
  auto* flag = b_.CreateLoad(mt_.i8, interruptFlag_);
  flag->setAtomic(llvm::AtomicOrdering::Monotonic);
  flag->setAlignment(llvm::Align(1));
  llvm::BasicBlock* next = newBlock("");
  llvm::MDNode* rare = llvm::MDBuilder(mt_.ctx).createBranchWeights(1, 1u << 20);
  auto* poll = b_.CreateCondBr(b_.CreateICmpNE(flag, b_.getInt8(0)), trapBlock(TrapKind::Interrupted), next, rare);
  llvm::MDNode* marker = llvm::MDNode::get(mt_.ctx, {});
  flag->setMetadata(kInterruptPollMetadata, marker);
  poll->setMetadata(kInterruptPollMetadata, marker);
  b_.SetInsertPoint(next);
}

llvm::Value* FunctionTranslator::invariantLoad(llvm::Type* type, llvm::Value* base, uint64_t byteOffset) {
  auto* load = b_.CreateLoad(type, b_.CreateConstGEP1_64(mt_.i8, base, byteOffset));
  load->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(mt_.ctx, {}));
  return load;
}

// Element `index` of a pointer array held in a JitInstance field (globals, tables, funcs).
llvm::Value* FunctionTranslator::instanceArray(uint64_t fieldOffset, uint32_t index) {
  llvm::Value* array = invariantLoad(mt_.ptr, instance_, fieldOffset);
  return invariantLoad(mt_.ptr, array, uint64_t{index} * sizeof(void*));
}

llvm::Value* FunctionTranslator::constant(ValType t, uint64_t bits) {
  switch (t) {
    case ValType::I32: return b_.getInt32(static_cast<uint32_t>(bits));
    case ValType::I64: return b_.getInt64(bits);
    case ValType::F32:
      return llvm::ConstantFP::get(mt_.ctx, llvm::APFloat(llvm::APFloat::IEEEsingle(), llvm::APInt(32, bits & 0xFFFFFFFFu)));
    case ValType::F64:
      return llvm::ConstantFP::get(mt_.ctx, llvm::APFloat(llvm::APFloat::IEEEdouble(), llvm::APInt(64, bits)));
    default: return llvm::ConstantPointerNull::get(mt_.ptr);
  }
}

llvm::Value* FunctionTranslator::toI32(llvm::Value* flag) { return b_.CreateZExt(flag, mt_.i32); }

llvm::Value* FunctionTranslator::loadCell(llvm::Type* type, llvm::Value* cell) {
  return b_.CreateAlignedLoad(type, cell, llvm::Align(alignof(UntypedValue)));
}

void FunctionTranslator::storeCell(llvm::Value* v, llvm::Value* cell) {
  b_.CreateAlignedStore(v, cell, llvm::Align(alignof(UntypedValue)));
}

}  // namespace tw::jit
