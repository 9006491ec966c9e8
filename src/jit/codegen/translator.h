// Wasm -> LLVM IR for one module. ModuleTranslator holds what every function shares (types,
// helper and function declarations, the tables handed to the runtime); FunctionTranslator
// translates one validated body. Its instruction groups live in translate_control.cpp
// (blocks, branches, calls), translate_numeric.cpp, translate_memory.cpp (memory,
// variables, tables, references) and translate_simd.cpp (v128). Internal to the jit layer.
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <vector>

#include "abi.h"
#include "loop_versioning.h"
#include "tensorwasm/binary/instr.h"

namespace tw::jit {

// The bodies one LLVM module defines, [first, last), and its number among the module's
// partitions (they compile in parallel and are loaded together).
struct Partition {
  uint32_t index = 0;
  uint32_t first = 0;
  uint32_t last = 0;
};

class ModuleTranslator {
 public:
  // `sharedBodies[i]` says body i is called from another partition, so it needs a symbol
  // the linker can see; the others stay internal to their partition.
  ModuleTranslator(const Module& wasm, llvm::Module& ir, Partition part,
                   const std::vector<bool>& sharedBodies);
  // Defines one LLVM function per Wasm function of the partition (named after it), an
  // entry trampoline for each, and the partition's symbols (partitionSymbol).
  Result<void> run();

  llvm::Type* type(ValType t) const;
  // R(thread, instance, params...): R is void, the one result, or a struct of the results.
  llvm::FunctionType* signature(const FuncType& ft) const;
  llvm::FunctionCallee helper(Helper h);
  // The body's function: defined here, or declared when another partition defines it.
  llvm::Function* function(uint32_t bodyIndex);

  const Module& wasm;
  llvm::Module& ir;
  llvm::LLVMContext& ctx;
  llvm::Type* voidTy;
  llvm::IntegerType* i1;
  llvm::IntegerType* i8;
  llvm::IntegerType* i16;
  llvm::IntegerType* i32;
  llvm::IntegerType* i64;
  llvm::Type* f32;
  llvm::Type* f64;
  llvm::PointerType* ptr;
  llvm::FixedVectorType* v128;  // <2 x i64>: v128 values between instructions

 private:
  llvm::FunctionType* helperType(Helper h) const;
  llvm::Function* declare(uint32_t bodyIndex, llvm::GlobalValue::LinkageTypes linkage);
  llvm::Function* makeEntry(uint32_t bodyIndex);
  void emitAddressArray(const std::string& name, const std::vector<llvm::Function*>& fns);
  void emitRange();

  Partition part_;
  const std::vector<bool>& sharedBodies_;
  std::vector<llvm::Function*> functions_;  // by body index; null until defined or declared
  llvm::FunctionCallee helpers_[static_cast<size_t>(Helper::Count)];
};

// One structured-control frame of the body being translated.
struct ControlFrame {
  Opcode kind = Opcode::Block;  // Block (also the function body), Loop or If
  std::vector<ValType> params, results;
  size_t height = 0;                      // operand stack height below the params
  llvm::BasicBlock* end = nullptr;        // continuation; the return block for the body
  std::vector<llvm::PHINode*> endPhis;    // the results arriving there
  llvm::BasicBlock* header = nullptr;     // Loop: its head, the target of branches
  std::vector<llvm::PHINode*> headerPhis; // Loop: the params arriving there
  llvm::BasicBlock* elseBlock = nullptr;  // If: the false edge, until `else` is seen
  std::vector<llvm::Value*> ifParams;     // If: the params, for the else arm
  bool unreachable = false;               // the rest of the frame is dead code
};

class FunctionTranslator {
 public:
  FunctionTranslator(ModuleTranslator& mt, uint32_t bodyIndex);
  Result<void> run();

 private:
  // --- translate_function.cpp: frame of the function, stack, traps ---
  void prologue();
  Result<void> step(const Instr& in);
  bool skipDead(const Instr& in);
  void finish();
  llvm::Value* pop();
  std::vector<llvm::Value*> popN(size_t n);
  void push(llvm::Value* v) { stack_.push_back(v); }
  llvm::AllocaInst* entryAlloca(llvm::Type* type, uint32_t count = 1);
  llvm::BasicBlock* newBlock(const char* name);
  llvm::BasicBlock* trapBlock(TrapKind kind);
  // Traps with `kind` when `cond` (an i1) holds; code continues on the other edge.
  void trapIf(llvm::Value* cond, TrapKind kind);
  void checkInterrupt();
  // Marks a linear-memory load or store for the loop versioning pass (loop_versioning.h).
  template <typename Access>
  Access* memoryAccessMarked(Access* access) {
    access->setMetadata(kMemoryAccessMetadata, llvm::MDNode::get(mt_.ctx, {}));
    return access;
  }
  // A load of a field that never changes while the instance lives.
  llvm::Value* invariantLoad(llvm::Type* type, llvm::Value* base, uint64_t byteOffset);
  llvm::Value* instanceArray(uint64_t fieldOffset, uint32_t index);
  llvm::Value* constant(ValType t, uint64_t bits);
  llvm::Value* toI32(llvm::Value* flag);
  // Loads and stores of a value in an UntypedValue (global cell or call slot): only
  // 8-aligned, which matters for v128.
  llvm::Value* loadCell(llvm::Type* type, llvm::Value* cell);
  void storeCell(llvm::Value* v, llvm::Value* cell);

  // --- translate_control.cpp ---
  void enterBlock(const Instr& in);
  void enterLoop(const Instr& in);
  void enterIf(const Instr& in);
  void elseArm();
  void endFrame();
  ControlFrame& frameAt(uint32_t depth) { return ctrl_[ctrl_.size() - 1 - depth]; }
  void jumpTo(ControlFrame& target);  // a branch to the frame's label, carrying its values
  void jumpWith(llvm::BasicBlock* target, std::vector<llvm::PHINode*>& phis);
  void branch(uint32_t depth);
  void branchIf(uint32_t depth);
  void branchTable(const Instr& in);
  void callDirect(uint32_t funcIndex);
  void callIndirect(uint32_t typeIndex, uint32_t table);
  std::vector<llvm::Value*> callNative(llvm::FunctionCallee callee, const FuncType& ft,
                                       const std::vector<llvm::Value*>& args);
  std::vector<llvm::Value*> callThroughRuntime(llvm::Value* function, const FuncType& ft,
                                               const std::vector<llvm::Value*>& args);
  void blockTypes(const BlockType& bt, std::vector<ValType>& params, std::vector<ValType>& results);
  std::vector<llvm::PHINode*> makePhis(llvm::BasicBlock* block, const std::vector<ValType>& types);

  // --- translate_numeric.cpp: false when `op` is not a numeric instruction ---
  bool numeric(Opcode op);
  bool compare(Opcode op);
  bool integerArithmetic(Opcode op);
  bool floatArithmetic(Opcode op);
  bool conversion(Opcode op);
  llvm::Value* divRem(Opcode op, llvm::Value* a, llvm::Value* b);
  // `result` canonicalized (a signaling NaN quieted), see QuietNanPass.
  llvm::Value* quietNan(llvm::Value* result);
  llvm::Value* floatMinMax(bool isMin, llvm::Value* a, llvm::Value* b);
  llvm::Value* truncChecked(llvm::Value* a, llvm::IntegerType* to, bool isSigned);

  // --- translate_simd.cpp: v128 instructions; false when not in the group ---
  bool simd(const Instr& in);
  bool simdMemory(const Instr& in);
  bool simdLanes(const Instr& in);
  bool extractOrReplace(const Instr& in);
  bool bitwise(Opcode op);
  bool simdCompare(Opcode op);
  bool simdInteger(Opcode op);
  bool integerUnary(Opcode op, llvm::Type* lane);
  bool simdShift(Opcode op, llvm::Type* lane);
  bool simdWiden(Opcode op);
  bool simdFloat(Opcode op);
  bool floatConversion(Opcode op);
  llvm::FixedVectorType* vectorOf(llvm::Type* lane);  // the 128-bit vector of `lane`
  unsigned lanesOf(llvm::Value* v);
  unsigned lanesOf(llvm::Type* vector);
  llvm::Type* laneOf(Opcode op);
  llvm::Type* halfWidth(llvm::Type* lane);
  llvm::Value* popLanes(llvm::Type* lane);  // the top v128, as a vector of `lane`
  void pushV128(llvm::Value* v);            // any 128-bit vector, as <2 x i64>
  llvm::Value* splat(llvm::Type* lane, uint64_t bits);
  llvm::Value* splatN(llvm::Type* lane, unsigned lanes, uint64_t bits);
  llvm::Value* halfOf(llvm::Value* v, bool high);
  llvm::Value* extend(llvm::Value* v, llvm::Type* lane, bool isSigned);
  llvm::Value* zeroUpper(llvm::Value* pair);
  llvm::Value* swizzle(llvm::Value* a, llvm::Value* idx);
  llvm::Value* roundingAverage(llvm::Value* a, llvm::Value* b);
  llvm::Value* pairwiseSum(llvm::Value* v);
  llvm::Value* narrow(llvm::Value* a, llvm::Value* b, llvm::Type* lane, bool isSigned);
  llvm::Value* vectorMinMax(bool isMin, llvm::Value* a, llvm::Value* b);

  // --- translate_memory.cpp: false when the instruction is not in the group ---
  bool variableOrReference(const Instr& in);
  bool memoryAccess(const Instr& in);
  bool bulkOrTable(const Instr& in);
  llvm::Value* effectiveAddress(llvm::Value* addr, uint64_t offset);

  ModuleTranslator& mt_;
  const Module& m_;
  const FunctionBody& body_;
  const FuncType& type_;
  llvm::Function* fn_;
  llvm::IRBuilder<> b_;
  llvm::Value* thread_ = nullptr;
  llvm::Value* instance_ = nullptr;
  llvm::Value* interruptFlag_ = nullptr;
  llvm::Value* memBase_ = nullptr;      // null when the module has no memory
  llvm::Value* memSizePtr_ = nullptr;  // the live size in bytes, for memory.size
  std::vector<llvm::AllocaInst*> locals_;
  std::vector<ValType> localTypes_;
  std::vector<llvm::Value*> stack_;
  std::vector<ControlFrame> ctrl_;
  std::vector<llvm::BasicBlock*> trapBlocks_;
  uint32_t deadDepth_ = 0;  // blocks opened inside dead code
};

Result<void> translatePartition(const Module& wasm, llvm::Module& ir, Partition part,
                                const std::vector<bool>& sharedBodies);

}  // namespace tw::jit
