// Variables, references, linear memory and tables. Loads and stores are not bounds-checked:
// an out-of-bounds access lands in the memory's PROT_NONE tail and faults (guard.h). They
// are volatile because LLVM assumes loads and stores never trap: a plain access whose value
// is unused could be deleted, sunk into a branch, merged with a neighbour or reordered with
// other accesses, losing or moving the trap and the side effects before it (loops whose
// accesses are proven in bounds get a plain copy: loop_versioning.h). Bulk memory and
// table instructions call the runtime, which checks explicitly.
#include "translator.h"

namespace tw::jit {

namespace {
using O = Opcode;

struct Access {
  uint32_t bytes = 0;  // 0: not a load or store
  bool store = false;
  bool isSigned = false;
};

Access accessOf(Opcode op) {
  switch (op) {
    case O::I32Load: case O::F32Load: case O::I64Load32U: return {4, false, false};
    case O::I64Load: case O::F64Load: return {8, false, false};
    case O::I32Load8S: case O::I64Load8S: return {1, false, true};
    case O::I32Load8U: case O::I64Load8U: return {1, false, false};
    case O::I32Load16S: case O::I64Load16S: return {2, false, true};
    case O::I32Load16U: case O::I64Load16U: return {2, false, false};
    case O::I64Load32S: return {4, false, true};
    case O::I32Store: case O::F32Store: case O::I64Store32: return {4, true, false};
    case O::I64Store: case O::F64Store: return {8, true, false};
    case O::I32Store8: case O::I64Store8: return {1, true, false};
    case O::I32Store16: case O::I64Store16: return {2, true, false};
    default: return {};
  }
}

// The value type a load produces (its signature's result).
ValType loadResult(Opcode op) {
  std::string_view sig = opcodeInfo(op).sig;
  switch (sig.back()) {
    case 'I': return ValType::I64;
    case 'f': return ValType::F32;
    case 'F': return ValType::F64;
    default: return ValType::I32;
  }
}
}  // namespace

// base + addr + offset in 64-bit math: below base + 8 GiB, inside the reservation.
llvm::Value* FunctionTranslator::effectiveAddress(llvm::Value* addr, uint64_t offset) {
  llvm::Value* ea = b_.CreateAdd(b_.CreateZExt(addr, mt_.i64), b_.getInt64(offset));
  return b_.CreateGEP(mt_.i8, memBase_, ea);
}

bool FunctionTranslator::memoryAccess(const Instr& in) {
  Access a = accessOf(in.op);
  if (a.bytes == 0) return false;
  llvm::Type* memType = b_.getIntNTy(a.bytes * 8);
  if (a.store) {
    llvm::Value* v = pop();
    llvm::Value* p = effectiveAddress(pop(), in.imm);
    if (v->getType()->isFloatingPointTy()) memType = v->getType();
    else if (v->getType() != memType) v = b_.CreateTrunc(v, memType);
    memoryAccessMarked(b_.CreateAlignedStore(v, p, llvm::Align(1), /*isVolatile=*/true));
    return true;
  }
  llvm::Value* p = effectiveAddress(pop(), in.imm);
  llvm::Type* result = mt_.type(loadResult(in.op));
  if (result->isFloatingPointTy()) memType = result;
  llvm::Value* v = memoryAccessMarked(b_.CreateAlignedLoad(memType, p, llvm::Align(1), /*isVolatile=*/true));
  if (memType != result) v = a.isSigned ? b_.CreateSExt(v, result) : b_.CreateZExt(v, result);
  push(v);
  return true;
}

bool FunctionTranslator::variableOrReference(const Instr& in) {
  switch (in.op) {
    case O::LocalGet: push(b_.CreateLoad(mt_.type(localTypes_[in.a]), locals_[in.a])); return true;
    case O::LocalSet: b_.CreateStore(pop(), locals_[in.a]); return true;
    case O::LocalTee: b_.CreateStore(stack_.back(), locals_[in.a]); return true;
    case O::GlobalGet: {
      llvm::Value* cell = instanceArray(offsetof(JitInstance, globals), in.a);
      push(loadCell(mt_.type(m_.globalTypes[in.a].type), cell));
      return true;
    }
    case O::GlobalSet: storeCell(pop(), instanceArray(offsetof(JitInstance, globals), in.a)); return true;
    case O::I32Const: push(constant(ValType::I32, in.imm)); return true;
    case O::I64Const: push(constant(ValType::I64, in.imm)); return true;
    case O::F32Const: push(constant(ValType::F32, in.imm)); return true;
    case O::F64Const: push(constant(ValType::F64, in.imm)); return true;
    case O::RefNull: push(llvm::ConstantPointerNull::get(mt_.ptr)); return true;
    case O::RefIsNull: push(toI32(b_.CreateICmpEQ(pop(), llvm::ConstantPointerNull::get(mt_.ptr)))); return true;
    case O::RefFunc: push(instanceArray(offsetof(JitInstance, funcs), in.a)); return true;
    default: return false;
  }
}

bool FunctionTranslator::bulkOrTable(const Instr& in) {
  auto call = [&](Helper h, std::vector<llvm::Value*> args) { return b_.CreateCall(mt_.helper(h), args); };
  llvm::Value* a = b_.getInt32(in.a);
  llvm::Value* b = b_.getInt32(in.b);
  switch (in.op) {
    case O::MemorySize: {
      llvm::Value* bytes = b_.CreateLoad(mt_.i64, memSizePtr_);
      push(b_.CreateTrunc(b_.CreateLShr(bytes, 16), mt_.i32));
      return true;
    }
    case O::MemoryGrow: push(call(Helper::MemoryGrow, {instance_, pop()})); return true;
    case O::MemoryInit: {
      auto v = popN(3);
      call(Helper::MemoryInit, {thread_, instance_, a, v[0], v[1], v[2]});
      return true;
    }
    case O::MemoryCopy: {
      auto v = popN(3);
      call(Helper::MemoryCopy, {thread_, instance_, v[0], v[1], v[2]});
      return true;
    }
    case O::MemoryFill: {
      auto v = popN(3);
      call(Helper::MemoryFill, {thread_, instance_, v[0], v[1], v[2]});
      return true;
    }
    case O::DataDrop: call(Helper::DataDrop, {instance_, a}); return true;
    case O::ElemDrop: call(Helper::ElemDrop, {instance_, a}); return true;
    case O::TableGet: {
      llvm::Value* i = pop();
      push(call(Helper::TableGet, {thread_, instance_, a, i}));
      return true;
    }
    case O::TableSet: {
      auto v = popN(2);
      call(Helper::TableSet, {thread_, instance_, a, v[0], v[1]});
      return true;
    }
    case O::TableSize: push(call(Helper::TableSize, {instance_, a})); return true;
    case O::TableGrow: {
      auto v = popN(2);
      push(call(Helper::TableGrow, {instance_, a, v[0], v[1]}));
      return true;
    }
    case O::TableFill: {
      auto v = popN(3);
      call(Helper::TableFill, {thread_, instance_, a, v[0], v[1], v[2]});
      return true;
    }
    case O::TableCopy: {
      auto v = popN(3);
      call(Helper::TableCopy, {thread_, instance_, a, b, v[0], v[1], v[2]});
      return true;
    }
    case O::TableInit: {
      auto v = popN(3);
      call(Helper::TableInit, {thread_, instance_, a, b, v[0], v[1], v[2]});
      return true;
    }
    default: return false;
  }
}

}  // namespace tw::jit
