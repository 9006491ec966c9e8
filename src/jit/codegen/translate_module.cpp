// Module-level translation: LLVM types of Wasm values and functions, helper declarations,
// one function per Wasm function, entry trampolines, and the address arrays the runtime
// looks up after compilation.
#include <llvm/IR/Constants.h>

#include "translator.h"

namespace tw::jit {

ModuleTranslator::ModuleTranslator(const Module& wasm, llvm::Module& ir, Partition part,
                                   const std::vector<bool>& sharedBodies)
    : wasm(wasm), ir(ir), ctx(ir.getContext()), part_(part), sharedBodies_(sharedBodies),
      functions_(wasm.bodies.size(), nullptr) {
  voidTy = llvm::Type::getVoidTy(ctx);
  i1 = llvm::Type::getInt1Ty(ctx);
  i8 = llvm::Type::getInt8Ty(ctx);
  i16 = llvm::Type::getInt16Ty(ctx);
  i32 = llvm::Type::getInt32Ty(ctx);
  i64 = llvm::Type::getInt64Ty(ctx);
  f32 = llvm::Type::getFloatTy(ctx);
  f64 = llvm::Type::getDoubleTy(ctx);
  ptr = llvm::PointerType::get(ctx, 0);
  v128 = llvm::FixedVectorType::get(i64, 2);
}

llvm::Type* ModuleTranslator::type(ValType t) const {
  switch (t) {
    case ValType::I32: return i32;
    case ValType::I64: return i64;
    case ValType::F32: return f32;
    case ValType::F64: return f64;
    case ValType::FuncRef:
    case ValType::ExternRef: return ptr;
    case ValType::V128: return v128;
  }
  return i64;
}

llvm::FunctionType* ModuleTranslator::signature(const FuncType& ft) const {
  std::vector<llvm::Type*> params = {ptr, ptr};
  for (ValType t : ft.params) params.push_back(type(t));
  llvm::Type* result = voidTy;
  if (ft.results.size() == 1) result = type(ft.results[0]);
  if (ft.results.size() > 1) {
    std::vector<llvm::Type*> fields;
    for (ValType t : ft.results) fields.push_back(type(t));
    result = llvm::StructType::get(ctx, fields);
  }
  return llvm::FunctionType::get(result, params, false);
}

// Must match the C++ signatures in runtime.cpp.
llvm::FunctionType* ModuleTranslator::helperType(Helper h) const {
  auto fn = [](llvm::Type* r, std::initializer_list<llvm::Type*> ps) {
    return llvm::FunctionType::get(r, std::vector<llvm::Type*>(ps), false);
  };
  switch (h) {
    case Helper::Trap: return fn(voidTy, {ptr, i32});
    case Helper::Call: return fn(voidTy, {ptr, ptr, ptr, ptr});
    case Helper::Indirect: return fn(ptr, {ptr, ptr, i32, i32, i32, ptr});
    case Helper::MemoryGrow: return fn(i32, {ptr, i32});
    case Helper::MemoryInit: return fn(voidTy, {ptr, ptr, i32, i32, i32, i32});
    case Helper::MemoryCopy:
    case Helper::MemoryFill: return fn(voidTy, {ptr, ptr, i32, i32, i32});
    case Helper::DataDrop:
    case Helper::ElemDrop: return fn(voidTy, {ptr, i32});
    case Helper::TableGet: return fn(ptr, {ptr, ptr, i32, i32});
    case Helper::TableSet: return fn(voidTy, {ptr, ptr, i32, i32, ptr});
    case Helper::TableSize: return fn(i32, {ptr, i32});
    case Helper::TableGrow: return fn(i32, {ptr, i32, ptr, i32});
    case Helper::TableFill: return fn(voidTy, {ptr, ptr, i32, i32, ptr, i32});
    case Helper::TableCopy:
    case Helper::TableInit: return fn(voidTy, {ptr, ptr, i32, i32, i32, i32, i32});
    case Helper::Count: break;
  }
  return fn(voidTy, {});
}

llvm::FunctionCallee ModuleTranslator::helper(Helper h) {
  llvm::FunctionCallee& slot = helpers_[static_cast<size_t>(h)];
  if (!slot) {
    slot = ir.getOrInsertFunction(helperSymbol(h), helperType(h));
    auto* f = llvm::cast<llvm::Function>(slot.getCallee());
    if (h == Helper::Trap) {
      f->setDoesNotReturn();
      f->addFnAttr(llvm::Attribute::Cold);
    }
  }
  return slot;
}

namespace {
// Symbol names keep the Wasm name readable but plain, and end in the body's index: every
// partition must name a shared function the same way.
std::string symbolName(const Module& m, uint32_t bodyIndex) {
  uint32_t funcIndex = m.numImportedFuncs + bodyIndex;
  std::string name = m.functionName(FuncIdx(funcIndex));
  for (char& c : name) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == '$';
    if (!plain) c = '_';
  }
  return (name.empty() ? "func" : name) + ".w" + std::to_string(bodyIndex);
}
}  // namespace

llvm::Function* ModuleTranslator::declare(uint32_t bodyIndex, llvm::GlobalValue::LinkageTypes linkage) {
  const FuncType& ft = wasm.funcType(FuncIdx(wasm.numImportedFuncs + bodyIndex));
  auto* f = llvm::Function::Create(signature(ft), linkage, symbolName(wasm, bodyIndex), ir);
  if (!f->hasLocalLinkage()) f->setVisibility(llvm::GlobalValue::HiddenVisibility);
  f->addFnAttr(llvm::Attribute::NoUnwind);
  // Recursion must reach the stack check in the prologue: no tail-recursion-to-loop
  // rewriting, no sibling calls that reuse the caller's frame.
  f->addFnAttr("disable-tail-calls", "true");
  functions_[bodyIndex] = f;
  return f;
}

llvm::Function* ModuleTranslator::function(uint32_t bodyIndex) {
  if (functions_[bodyIndex]) return functions_[bodyIndex];
  return declare(bodyIndex, llvm::GlobalValue::ExternalLinkage);  // another partition's
}

Result<void> ModuleTranslator::run() {
  for (uint32_t i = part_.first; i < part_.last; ++i) {
    declare(i, sharedBodies_[i] ? llvm::GlobalValue::ExternalLinkage : llvm::GlobalValue::InternalLinkage);
  }
  for (uint32_t i = part_.first; i < part_.last; ++i) {
    FunctionTranslator ft(*this, i);
    TW_TRY(ft.run());
  }
  std::vector<llvm::Function*> defined, entries;
  for (uint32_t i = part_.first; i < part_.last; ++i) {
    defined.push_back(functions_[i]);
    entries.push_back(makeEntry(i));
  }
  emitAddressArray(partitionSymbol("natives", part_.index), defined);
  emitAddressArray(partitionSymbol("entries", part_.index), entries);
  emitRange();
  return {};
}

// void entry(thread, instance, slots): arguments from slots (kSlotBytes apart), results
// back into them.
llvm::Function* ModuleTranslator::makeEntry(uint32_t bodyIndex) {
  llvm::Function* target = functions_[bodyIndex];
  const FuncType& ft = wasm.funcType(FuncIdx(wasm.numImportedFuncs + bodyIndex));
  auto* entryType = llvm::FunctionType::get(voidTy, {ptr, ptr, ptr}, false);
  auto* entry = llvm::Function::Create(entryType, llvm::GlobalValue::InternalLinkage,
                                       target->getName() + ".entry", ir);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "", entry));
  llvm::Value* slots = entry->getArg(2);
  std::vector<llvm::Value*> args = {entry->getArg(0), entry->getArg(1)};
  auto slot = [&](size_t k) { return b.CreateConstGEP1_64(i8, slots, k * kSlotBytes); };
  const llvm::Align align(alignof(UntypedValue));
  for (size_t k = 0; k < ft.params.size(); ++k) {
    args.push_back(b.CreateAlignedLoad(type(ft.params[k]), slot(k), align));
  }
  llvm::Value* ret = b.CreateCall(target, args);
  for (size_t k = 0; k < ft.results.size(); ++k) {
    llvm::Value* v = ft.results.size() == 1 ? ret : b.CreateExtractValue(ret, {static_cast<unsigned>(k)});
    b.CreateAlignedStore(v, slot(k), align);
  }
  b.CreateRetVoid();
  return entry;
}

void ModuleTranslator::emitAddressArray(const std::string& name, const std::vector<llvm::Function*>& fns) {
  auto* type = llvm::ArrayType::get(ptr, fns.size());
  std::vector<llvm::Constant*> items(fns.begin(), fns.end());
  new llvm::GlobalVariable(ir, type, true, llvm::GlobalValue::ExternalLinkage,
                           llvm::ConstantArray::get(type, items), name);
}

void ModuleTranslator::emitRange() {
  auto* type = llvm::ArrayType::get(i32, 2);
  llvm::Constant* bounds[] = {llvm::ConstantInt::get(i32, part_.first), llvm::ConstantInt::get(i32, part_.last)};
  new llvm::GlobalVariable(ir, type, true, llvm::GlobalValue::ExternalLinkage,
                           llvm::ConstantArray::get(type, bounds), partitionSymbol("range", part_.index));
}

Result<void> translatePartition(const Module& wasm, llvm::Module& ir, Partition part,
                                const std::vector<bool>& sharedBodies) {
  ModuleTranslator mt(wasm, ir, part, sharedBodies);
  return mt.run();
}

}  // namespace tw::jit
