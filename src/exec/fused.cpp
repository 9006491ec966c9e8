// Superinstructions the compiler forms from common pairs: a binary operation whose second
// operand is a constant (`x + 1`, `i << 3`), and a comparison feeding br_if / if (fused
// compare-and-branch, also against a constant). Each removes a dispatch. The operations
// are the ones the plain handlers use (scalar_ops.h). Backward branches poll the interrupt
// flag like every loop back-edge.
// Layouts: imm ops dst, a, imm; compare-branches a, b|imm, target; eqz-branches a, target.
// Immediates are 32-bit operands, sign-extended for 64-bit types.
#include "fused.h"

#include "scalar_ops.h"

namespace tw::interp {
namespace {

using namespace ops;

inline bool interrupted(const ExecState* st) {
  return st->interrupt && st->interrupt->load(std::memory_order_relaxed);
}

template <typename T>
inline T immediate(uint32_t raw) {
  return static_cast<T>(static_cast<std::make_signed_t<T>>(static_cast<int32_t>(raw)));
}

#define TW_TAKE(target)                                     \
  do {                                                      \
    int32_t rel_ = static_cast<int32_t>(target);            \
    if (rel_ < 0 && interrupted(st)) TW_TRAP(Interrupted);  \
    TW_JUMP(ip + rel_);                                     \
  } while (0)

template <typename T, typename Op>
TW_HANDLER(binaryImm) {
  T a = rd<T>(fp, TW_OPB), b = immediate<T>(TW_OPC);
  wr<T>(fp, TW_OPA, Op::apply(a, b));
  TW_NEXT(instrWords(3));
}

template <typename T, typename Op>
TW_HANDLER(compareImm) {
  T a = rd<T>(fp, TW_OPB), b = immediate<T>(TW_OPC);
  wr<uint32_t>(fp, TW_OPA, Op::apply(a, b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}

template <typename T, typename Op, bool WhenTrue>
TW_HANDLER(branchCompare) {
  T a = rd<T>(fp, TW_OPA), b = rd<T>(fp, TW_OPB);
  if (Op::apply(a, b) == WhenTrue) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}

template <typename T, typename Op, bool WhenTrue>
TW_HANDLER(branchCompareImm) {
  T a = rd<T>(fp, TW_OPA), b = immediate<T>(TW_OPB);
  if (Op::apply(a, b) == WhenTrue) TW_TAKE(TW_OPC);
  TW_NEXT(instrWords(3));
}

template <typename T, bool WhenTrue>
TW_HANDLER(branchEqz) {
  if ((rd<T>(fp, TW_OPA) == 0) == WhenTrue) TW_TAKE(TW_OPB);
  TW_NEXT(instrWords(2));
}

template <typename T, typename Op>
constexpr FusedHandlers compareFamily() {
  return {compareImm<T, Op>, branchCompare<T, Op, true>, branchCompare<T, Op, false>,
          branchCompareImm<T, Op, true>, branchCompareImm<T, Op, false>};
}

struct Table {
  FusedHandlers entries[static_cast<size_t>(Opcode::Count)];
  FusedHandlers& at(Opcode op) { return entries[static_cast<size_t>(op)]; }

  template <typename U, typename S>
  void integers(Opcode add, Opcode sub, Opcode mul, Opcode and_, Opcode or_, Opcode xor_,
                Opcode shl, Opcode shrS, Opcode shrU, Opcode eqz, Opcode eq, Opcode ne,
                Opcode ltS, Opcode ltU, Opcode gtS, Opcode gtU, Opcode leS, Opcode leU,
                Opcode geS, Opcode geU) {
    at(add).imm = binaryImm<U, Add>;
    at(sub).imm = binaryImm<U, Sub>;
    at(mul).imm = binaryImm<U, Mul>;
    at(and_).imm = binaryImm<U, And>;
    at(or_).imm = binaryImm<U, Or>;
    at(xor_).imm = binaryImm<U, Xor>;
    at(shl).imm = binaryImm<U, Shl>;
    at(shrS).imm = binaryImm<S, Shr>;
    at(shrU).imm = binaryImm<U, Shr>;
    at(eqz).brIf = branchEqz<U, true>;
    at(eqz).brUnless = branchEqz<U, false>;
    at(eq) = compareFamily<U, Eq>();
    at(ne) = compareFamily<U, Ne>();
    at(ltS) = compareFamily<S, Lt>();
    at(ltU) = compareFamily<U, Lt>();
    at(gtS) = compareFamily<S, Gt>();
    at(gtU) = compareFamily<U, Gt>();
    at(leS) = compareFamily<S, Le>();
    at(leU) = compareFamily<U, Le>();
    at(geS) = compareFamily<S, Ge>();
    at(geU) = compareFamily<U, Ge>();
  }

  Table() {
    using O = Opcode;
    integers<uint32_t, int32_t>(O::I32Add, O::I32Sub, O::I32Mul, O::I32And, O::I32Or, O::I32Xor,
                                O::I32Shl, O::I32ShrS, O::I32ShrU, O::I32Eqz, O::I32Eq, O::I32Ne,
                                O::I32LtS, O::I32LtU, O::I32GtS, O::I32GtU, O::I32LeS, O::I32LeU,
                                O::I32GeS, O::I32GeU);
    integers<uint64_t, int64_t>(O::I64Add, O::I64Sub, O::I64Mul, O::I64And, O::I64Or, O::I64Xor,
                                O::I64Shl, O::I64ShrS, O::I64ShrU, O::I64Eqz, O::I64Eq, O::I64Ne,
                                O::I64LtS, O::I64LtU, O::I64GtS, O::I64GtU, O::I64LeS, O::I64LeU,
                                O::I64GeS, O::I64GeU);
  }
};

}  // namespace

const FusedHandlers& fusedHandlers(Opcode op) {
  static const Table table;
  return table.entries[static_cast<size_t>(op)];
}

}  // namespace tw::interp
