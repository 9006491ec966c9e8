// Superinstructions the compiler forms from common pairs: a binary operation whose second
// operand is a constant (`x + 1`, `i << 3`), and a comparison feeding br_if / if (fused
// compare-and-branch, also with a constant). They remove a dispatch each. Backward
// branches poll the interrupt flag like every loop back-edge.
// Generated layout: imm binops dst, a, imm; branches a, b|imm, target (or a, target).
#include "fused.h"

namespace tw::interp {
namespace {

inline bool interrupted(const ExecState* st) {
  return st->interrupt && st->interrupt->load(std::memory_order_relaxed);
}

#define TW_TAKE(target)                                                  \
  do {                                                                   \
    int32_t rel_ = static_cast<int32_t>(target);                         \
    if (rel_ < 0 && interrupted(st)) TW_TRAP(Interrupted);               \
    TW_JUMP(ip + rel_);                                                  \
  } while (0)

TW_HANDLER(imm_I32Add) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = TW_OPC;
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a + b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32Sub) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = TW_OPC;
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a - b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32Mul) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = TW_OPC;
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a * b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32And) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = TW_OPC;
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a & b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32Or) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = TW_OPC;
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a | b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32Xor) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = TW_OPC;
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a ^ b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32Shl) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = TW_OPC;
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a << (b & 31)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32ShrU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = TW_OPC;
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a >> (b & 31)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32ShrS) {
  int32_t a = rd<int32_t>(fp, TW_OPB), b = static_cast<int32_t>(TW_OPC);
  wr<int32_t>(fp, TW_OPA, static_cast<int32_t>(a >> (b & 31)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64Add) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPC)));
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a + b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64Sub) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPC)));
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a - b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64Mul) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPC)));
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a * b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64And) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPC)));
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a & b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64Or) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPC)));
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a | b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64Xor) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPC)));
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a ^ b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64Shl) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPC)));
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a << (b & 63)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64ShrU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPC)));
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a >> (b & 63)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64ShrS) {
  int64_t a = rd<int64_t>(fp, TW_OPB), b = static_cast<int64_t>(static_cast<int32_t>(TW_OPC));
  wr<int64_t>(fp, TW_OPA, static_cast<int64_t>(a >> (b & 63)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I32Eq) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = rd<uint32_t>(fp, TW_OPB);
  if (a == b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I32Eq) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = TW_OPB;
  if (a == b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I32Eq) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = rd<uint32_t>(fp, TW_OPB);
  if (!(a == b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I32Eq) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = TW_OPB;
  if (!(a == b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32Eq) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = TW_OPC;
  wr<uint32_t>(fp, TW_OPA, (a == b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I32Ne) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = rd<uint32_t>(fp, TW_OPB);
  if (a != b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I32Ne) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = TW_OPB;
  if (a != b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I32Ne) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = rd<uint32_t>(fp, TW_OPB);
  if (!(a != b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I32Ne) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = TW_OPB;
  if (!(a != b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32Ne) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = TW_OPC;
  wr<uint32_t>(fp, TW_OPA, (a != b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I32LtS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = rd<int32_t>(fp, TW_OPB);
  if (a < b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I32LtS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = static_cast<int32_t>(TW_OPB);
  if (a < b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I32LtS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = rd<int32_t>(fp, TW_OPB);
  if (!(a < b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I32LtS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = static_cast<int32_t>(TW_OPB);
  if (!(a < b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32LtS) {
  int32_t a = rd<int32_t>(fp, TW_OPB), b = static_cast<int32_t>(TW_OPC);
  wr<uint32_t>(fp, TW_OPA, (a < b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I32LtU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = rd<uint32_t>(fp, TW_OPB);
  if (a < b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I32LtU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = TW_OPB;
  if (a < b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I32LtU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = rd<uint32_t>(fp, TW_OPB);
  if (!(a < b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I32LtU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = TW_OPB;
  if (!(a < b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32LtU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = TW_OPC;
  wr<uint32_t>(fp, TW_OPA, (a < b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I32GtS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = rd<int32_t>(fp, TW_OPB);
  if (a > b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I32GtS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = static_cast<int32_t>(TW_OPB);
  if (a > b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I32GtS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = rd<int32_t>(fp, TW_OPB);
  if (!(a > b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I32GtS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = static_cast<int32_t>(TW_OPB);
  if (!(a > b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32GtS) {
  int32_t a = rd<int32_t>(fp, TW_OPB), b = static_cast<int32_t>(TW_OPC);
  wr<uint32_t>(fp, TW_OPA, (a > b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I32GtU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = rd<uint32_t>(fp, TW_OPB);
  if (a > b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I32GtU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = TW_OPB;
  if (a > b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I32GtU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = rd<uint32_t>(fp, TW_OPB);
  if (!(a > b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I32GtU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = TW_OPB;
  if (!(a > b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32GtU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = TW_OPC;
  wr<uint32_t>(fp, TW_OPA, (a > b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I32LeS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = rd<int32_t>(fp, TW_OPB);
  if (a <= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I32LeS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = static_cast<int32_t>(TW_OPB);
  if (a <= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I32LeS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = rd<int32_t>(fp, TW_OPB);
  if (!(a <= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I32LeS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = static_cast<int32_t>(TW_OPB);
  if (!(a <= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32LeS) {
  int32_t a = rd<int32_t>(fp, TW_OPB), b = static_cast<int32_t>(TW_OPC);
  wr<uint32_t>(fp, TW_OPA, (a <= b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I32LeU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = rd<uint32_t>(fp, TW_OPB);
  if (a <= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I32LeU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = TW_OPB;
  if (a <= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I32LeU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = rd<uint32_t>(fp, TW_OPB);
  if (!(a <= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I32LeU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = TW_OPB;
  if (!(a <= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32LeU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = TW_OPC;
  wr<uint32_t>(fp, TW_OPA, (a <= b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I32GeS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = rd<int32_t>(fp, TW_OPB);
  if (a >= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I32GeS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = static_cast<int32_t>(TW_OPB);
  if (a >= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I32GeS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = rd<int32_t>(fp, TW_OPB);
  if (!(a >= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I32GeS) {
  int32_t a = rd<int32_t>(fp, TW_OPA), b = static_cast<int32_t>(TW_OPB);
  if (!(a >= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32GeS) {
  int32_t a = rd<int32_t>(fp, TW_OPB), b = static_cast<int32_t>(TW_OPC);
  wr<uint32_t>(fp, TW_OPA, (a >= b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I32GeU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = rd<uint32_t>(fp, TW_OPB);
  if (a >= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I32GeU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = TW_OPB;
  if (a >= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I32GeU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = rd<uint32_t>(fp, TW_OPB);
  if (!(a >= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I32GeU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA), b = TW_OPB;
  if (!(a >= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I32GeU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = TW_OPC;
  wr<uint32_t>(fp, TW_OPA, (a >= b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I64Eq) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = rd<uint64_t>(fp, TW_OPB);
  if (a == b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I64Eq) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPB)));
  if (a == b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I64Eq) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = rd<uint64_t>(fp, TW_OPB);
  if (!(a == b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I64Eq) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPB)));
  if (!(a == b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64Eq) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPC)));
  wr<uint32_t>(fp, TW_OPA, (a == b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I64Ne) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = rd<uint64_t>(fp, TW_OPB);
  if (a != b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I64Ne) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPB)));
  if (a != b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I64Ne) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = rd<uint64_t>(fp, TW_OPB);
  if (!(a != b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I64Ne) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPB)));
  if (!(a != b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64Ne) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPC)));
  wr<uint32_t>(fp, TW_OPA, (a != b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I64LtS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = rd<int64_t>(fp, TW_OPB);
  if (a < b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I64LtS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = static_cast<int64_t>(static_cast<int32_t>(TW_OPB));
  if (a < b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I64LtS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = rd<int64_t>(fp, TW_OPB);
  if (!(a < b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I64LtS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = static_cast<int64_t>(static_cast<int32_t>(TW_OPB));
  if (!(a < b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64LtS) {
  int64_t a = rd<int64_t>(fp, TW_OPB), b = static_cast<int64_t>(static_cast<int32_t>(TW_OPC));
  wr<uint32_t>(fp, TW_OPA, (a < b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I64LtU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = rd<uint64_t>(fp, TW_OPB);
  if (a < b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I64LtU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPB)));
  if (a < b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I64LtU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = rd<uint64_t>(fp, TW_OPB);
  if (!(a < b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I64LtU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPB)));
  if (!(a < b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64LtU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPC)));
  wr<uint32_t>(fp, TW_OPA, (a < b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I64GtS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = rd<int64_t>(fp, TW_OPB);
  if (a > b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I64GtS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = static_cast<int64_t>(static_cast<int32_t>(TW_OPB));
  if (a > b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I64GtS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = rd<int64_t>(fp, TW_OPB);
  if (!(a > b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I64GtS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = static_cast<int64_t>(static_cast<int32_t>(TW_OPB));
  if (!(a > b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64GtS) {
  int64_t a = rd<int64_t>(fp, TW_OPB), b = static_cast<int64_t>(static_cast<int32_t>(TW_OPC));
  wr<uint32_t>(fp, TW_OPA, (a > b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I64GtU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = rd<uint64_t>(fp, TW_OPB);
  if (a > b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I64GtU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPB)));
  if (a > b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I64GtU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = rd<uint64_t>(fp, TW_OPB);
  if (!(a > b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I64GtU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPB)));
  if (!(a > b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64GtU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPC)));
  wr<uint32_t>(fp, TW_OPA, (a > b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I64LeS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = rd<int64_t>(fp, TW_OPB);
  if (a <= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I64LeS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = static_cast<int64_t>(static_cast<int32_t>(TW_OPB));
  if (a <= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I64LeS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = rd<int64_t>(fp, TW_OPB);
  if (!(a <= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I64LeS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = static_cast<int64_t>(static_cast<int32_t>(TW_OPB));
  if (!(a <= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64LeS) {
  int64_t a = rd<int64_t>(fp, TW_OPB), b = static_cast<int64_t>(static_cast<int32_t>(TW_OPC));
  wr<uint32_t>(fp, TW_OPA, (a <= b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I64LeU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = rd<uint64_t>(fp, TW_OPB);
  if (a <= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I64LeU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPB)));
  if (a <= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I64LeU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = rd<uint64_t>(fp, TW_OPB);
  if (!(a <= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I64LeU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPB)));
  if (!(a <= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64LeU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPC)));
  wr<uint32_t>(fp, TW_OPA, (a <= b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I64GeS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = rd<int64_t>(fp, TW_OPB);
  if (a >= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I64GeS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = static_cast<int64_t>(static_cast<int32_t>(TW_OPB));
  if (a >= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I64GeS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = rd<int64_t>(fp, TW_OPB);
  if (!(a >= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I64GeS) {
  int64_t a = rd<int64_t>(fp, TW_OPA), b = static_cast<int64_t>(static_cast<int32_t>(TW_OPB));
  if (!(a >= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64GeS) {
  int64_t a = rd<int64_t>(fp, TW_OPB), b = static_cast<int64_t>(static_cast<int32_t>(TW_OPC));
  wr<uint32_t>(fp, TW_OPA, (a >= b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I64GeU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = rd<uint64_t>(fp, TW_OPB);
  if (a >= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIfImm_I64GeU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPB)));
  if (a >= b) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnless_I64GeU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = rd<uint64_t>(fp, TW_OPB);
  if (!(a >= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brUnlessImm_I64GeU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPB)));
  if (!(a >= b)) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(imm_I64GeU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(TW_OPC)));
  wr<uint32_t>(fp, TW_OPA, (a >= b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(brIf_I32Eqz) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA);
  if (a == 0) TW_TAKE(TW_OPB);
  TW_NEXT(instrWords(2));
}
TW_HANDLER(brUnless_I32Eqz) {
  uint32_t a = rd<uint32_t>(fp, TW_OPA);
  if (!(a == 0)) TW_TAKE(TW_OPB);
  TW_NEXT(instrWords(2));
}
TW_HANDLER(brIf_I64Eqz) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA);
  if (a == 0) TW_TAKE(TW_OPB);
  TW_NEXT(instrWords(2));
}
TW_HANDLER(brUnless_I64Eqz) {
  uint64_t a = rd<uint64_t>(fp, TW_OPA);
  if (!(a == 0)) TW_TAKE(TW_OPB);
  TW_NEXT(instrWords(2));
}

struct Table {
  FusedHandlers entries[static_cast<size_t>(Opcode::Count)];
  Table() {
    entries[static_cast<size_t>(Opcode::I32Add)].imm = imm_I32Add;
    entries[static_cast<size_t>(Opcode::I32Sub)].imm = imm_I32Sub;
    entries[static_cast<size_t>(Opcode::I32Mul)].imm = imm_I32Mul;
    entries[static_cast<size_t>(Opcode::I32And)].imm = imm_I32And;
    entries[static_cast<size_t>(Opcode::I32Or)].imm = imm_I32Or;
    entries[static_cast<size_t>(Opcode::I32Xor)].imm = imm_I32Xor;
    entries[static_cast<size_t>(Opcode::I32Shl)].imm = imm_I32Shl;
    entries[static_cast<size_t>(Opcode::I32ShrU)].imm = imm_I32ShrU;
    entries[static_cast<size_t>(Opcode::I32ShrS)].imm = imm_I32ShrS;
    entries[static_cast<size_t>(Opcode::I64Add)].imm = imm_I64Add;
    entries[static_cast<size_t>(Opcode::I64Sub)].imm = imm_I64Sub;
    entries[static_cast<size_t>(Opcode::I64Mul)].imm = imm_I64Mul;
    entries[static_cast<size_t>(Opcode::I64And)].imm = imm_I64And;
    entries[static_cast<size_t>(Opcode::I64Or)].imm = imm_I64Or;
    entries[static_cast<size_t>(Opcode::I64Xor)].imm = imm_I64Xor;
    entries[static_cast<size_t>(Opcode::I64Shl)].imm = imm_I64Shl;
    entries[static_cast<size_t>(Opcode::I64ShrU)].imm = imm_I64ShrU;
    entries[static_cast<size_t>(Opcode::I64ShrS)].imm = imm_I64ShrS;
    entries[static_cast<size_t>(Opcode::I32Eq)] = {imm_I32Eq, brIf_I32Eq, brUnless_I32Eq, brIfImm_I32Eq, brUnlessImm_I32Eq};
    entries[static_cast<size_t>(Opcode::I32Ne)] = {imm_I32Ne, brIf_I32Ne, brUnless_I32Ne, brIfImm_I32Ne, brUnlessImm_I32Ne};
    entries[static_cast<size_t>(Opcode::I32LtS)] = {imm_I32LtS, brIf_I32LtS, brUnless_I32LtS, brIfImm_I32LtS, brUnlessImm_I32LtS};
    entries[static_cast<size_t>(Opcode::I32LtU)] = {imm_I32LtU, brIf_I32LtU, brUnless_I32LtU, brIfImm_I32LtU, brUnlessImm_I32LtU};
    entries[static_cast<size_t>(Opcode::I32GtS)] = {imm_I32GtS, brIf_I32GtS, brUnless_I32GtS, brIfImm_I32GtS, brUnlessImm_I32GtS};
    entries[static_cast<size_t>(Opcode::I32GtU)] = {imm_I32GtU, brIf_I32GtU, brUnless_I32GtU, brIfImm_I32GtU, brUnlessImm_I32GtU};
    entries[static_cast<size_t>(Opcode::I32LeS)] = {imm_I32LeS, brIf_I32LeS, brUnless_I32LeS, brIfImm_I32LeS, brUnlessImm_I32LeS};
    entries[static_cast<size_t>(Opcode::I32LeU)] = {imm_I32LeU, brIf_I32LeU, brUnless_I32LeU, brIfImm_I32LeU, brUnlessImm_I32LeU};
    entries[static_cast<size_t>(Opcode::I32GeS)] = {imm_I32GeS, brIf_I32GeS, brUnless_I32GeS, brIfImm_I32GeS, brUnlessImm_I32GeS};
    entries[static_cast<size_t>(Opcode::I32GeU)] = {imm_I32GeU, brIf_I32GeU, brUnless_I32GeU, brIfImm_I32GeU, brUnlessImm_I32GeU};
    entries[static_cast<size_t>(Opcode::I64Eq)] = {imm_I64Eq, brIf_I64Eq, brUnless_I64Eq, brIfImm_I64Eq, brUnlessImm_I64Eq};
    entries[static_cast<size_t>(Opcode::I64Ne)] = {imm_I64Ne, brIf_I64Ne, brUnless_I64Ne, brIfImm_I64Ne, brUnlessImm_I64Ne};
    entries[static_cast<size_t>(Opcode::I64LtS)] = {imm_I64LtS, brIf_I64LtS, brUnless_I64LtS, brIfImm_I64LtS, brUnlessImm_I64LtS};
    entries[static_cast<size_t>(Opcode::I64LtU)] = {imm_I64LtU, brIf_I64LtU, brUnless_I64LtU, brIfImm_I64LtU, brUnlessImm_I64LtU};
    entries[static_cast<size_t>(Opcode::I64GtS)] = {imm_I64GtS, brIf_I64GtS, brUnless_I64GtS, brIfImm_I64GtS, brUnlessImm_I64GtS};
    entries[static_cast<size_t>(Opcode::I64GtU)] = {imm_I64GtU, brIf_I64GtU, brUnless_I64GtU, brIfImm_I64GtU, brUnlessImm_I64GtU};
    entries[static_cast<size_t>(Opcode::I64LeS)] = {imm_I64LeS, brIf_I64LeS, brUnless_I64LeS, brIfImm_I64LeS, brUnlessImm_I64LeS};
    entries[static_cast<size_t>(Opcode::I64LeU)] = {imm_I64LeU, brIf_I64LeU, brUnless_I64LeU, brIfImm_I64LeU, brUnlessImm_I64LeU};
    entries[static_cast<size_t>(Opcode::I64GeS)] = {imm_I64GeS, brIf_I64GeS, brUnless_I64GeS, brIfImm_I64GeS, brUnlessImm_I64GeS};
    entries[static_cast<size_t>(Opcode::I64GeU)] = {imm_I64GeU, brIf_I64GeU, brUnless_I64GeU, brIfImm_I64GeU, brUnlessImm_I64GeU};
    entries[static_cast<size_t>(Opcode::I32Eqz)].brIf = brIf_I32Eqz;
    entries[static_cast<size_t>(Opcode::I32Eqz)].brUnless = brUnless_I32Eqz;
    entries[static_cast<size_t>(Opcode::I64Eqz)].brIf = brIf_I64Eqz;
    entries[static_cast<size_t>(Opcode::I64Eqz)].brUnless = brUnless_I64Eqz;
  }
};

}  // namespace

const FusedHandlers& fusedHandlers(Opcode op) {
  static const Table table;
  return table.entries[static_cast<size_t>(op)];
}

}  // namespace tw::interp
