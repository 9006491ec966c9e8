// Scalar numeric handlers (i32/i64/f32/f64 arithmetic, comparisons, conversions). Each
// handler is an instance of a shape template (unary, binary, comparison, trapping) over an
// operation from scalar_ops.h. Operands: dst, inputs. Inputs are read before dst is written,
// since dst may alias an input.
#include "interp.h"
#include "scalar_ops.h"

namespace tw::interp {
namespace {

using namespace ops;

template <typename A, typename R, typename Op>
TW_HANDLER(unary) {
  wr<R>(fp, TW_OPA, static_cast<R>(Op::apply(rd<A>(fp, TW_OPB))));
  TW_NEXT(instrWords(2));
}

template <typename A, typename R, typename Op>
TW_HANDLER(binary) {
  A a = rd<A>(fp, TW_OPB), b = rd<A>(fp, TW_OPC);
  wr<R>(fp, TW_OPA, static_cast<R>(Op::apply(a, b)));
  TW_NEXT(instrWords(3));
}

template <typename A, typename Op>
TW_HANDLER(compare) {
  A a = rd<A>(fp, TW_OPB), b = rd<A>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, Op::apply(a, b) ? 1u : 0u);
  TW_NEXT(instrWords(3));
}

template <typename T, typename Op>
TW_HANDLER(binaryTrapping) {
  T a = rd<T>(fp, TW_OPB), b = rd<T>(fp, TW_OPC), r;
  TrapKind trap;
  if (!Op::apply(a, b, r, trap)) [[unlikely]] {
    raiseTrap(st, ip, trap);
    return;
  }
  wr<T>(fp, TW_OPA, r);
  TW_NEXT(instrWords(3));
}

template <typename A, typename R>
TW_HANDLER(truncTrapping) {
  R r;
  TrapKind trap;
  if (!Trunc<R>::apply(rd<A>(fp, TW_OPB), r, trap)) [[unlikely]] {
    raiseTrap(st, ip, trap);
    return;
  }
  wr<R>(fp, TW_OPA, r);
  TW_NEXT(instrWords(2));
}

// Opcodes of one integer width, so both widths register from one template.
struct IntOpcodes {
  Opcode eqz, eq, ne, ltS, ltU, gtS, gtU, leS, leU, geS, geU;
  Opcode clz, ctz, popcnt, add, sub, mul, divS, divU, remS, remU;
  Opcode and_, or_, xor_, shl, shrS, shrU, rotl, rotr;
  Opcode extend8, extend16;
};

struct FloatOpcodes {
  Opcode eq, ne, lt, gt, le, ge;
  Opcode abs, neg, ceil, floor, trunc, nearest, sqrt;
  Opcode add, sub, mul, div, min, max, copysign;
};

inline void set(Handler* table, Opcode op, Handler h) { table[static_cast<size_t>(op)] = h; }

template <typename U, typename S>
void registerInts(Handler* t, const IntOpcodes& o) {
  set(t, o.eqz, unary<U, uint32_t, Eqz>);
  set(t, o.eq, compare<U, Eq>);
  set(t, o.ne, compare<U, Ne>);
  set(t, o.ltS, compare<S, Lt>);
  set(t, o.ltU, compare<U, Lt>);
  set(t, o.gtS, compare<S, Gt>);
  set(t, o.gtU, compare<U, Gt>);
  set(t, o.leS, compare<S, Le>);
  set(t, o.leU, compare<U, Le>);
  set(t, o.geS, compare<S, Ge>);
  set(t, o.geU, compare<U, Ge>);
  set(t, o.clz, unary<U, U, Clz>);
  set(t, o.ctz, unary<U, U, Ctz>);
  set(t, o.popcnt, unary<U, U, Popcnt>);
  set(t, o.add, binary<U, U, Add>);
  set(t, o.sub, binary<U, U, Sub>);
  set(t, o.mul, binary<U, U, Mul>);
  set(t, o.divS, binaryTrapping<S, Div>);
  set(t, o.divU, binaryTrapping<U, Div>);
  set(t, o.remS, binaryTrapping<S, Rem>);
  set(t, o.remU, binaryTrapping<U, Rem>);
  set(t, o.and_, binary<U, U, And>);
  set(t, o.or_, binary<U, U, Or>);
  set(t, o.xor_, binary<U, U, Xor>);
  set(t, o.shl, binary<U, U, Shl>);
  set(t, o.shrS, binary<S, S, Shr>);
  set(t, o.shrU, binary<U, U, Shr>);
  set(t, o.rotl, binary<U, U, Rotl>);
  set(t, o.rotr, binary<U, U, Rotr>);
  set(t, o.extend8, unary<U, U, SignExtend<int8_t>>);
  set(t, o.extend16, unary<U, U, SignExtend<int16_t>>);
}

template <typename F>
void registerFloats(Handler* t, const FloatOpcodes& o) {
  set(t, o.eq, compare<F, Eq>);
  set(t, o.ne, compare<F, Ne>);
  set(t, o.lt, compare<F, Lt>);
  set(t, o.gt, compare<F, Gt>);
  set(t, o.le, compare<F, Le>);
  set(t, o.ge, compare<F, Ge>);
  set(t, o.abs, unary<F, F, FAbs>);
  set(t, o.neg, unary<F, F, FNeg>);
  set(t, o.ceil, unary<F, F, FCeil>);
  set(t, o.floor, unary<F, F, FFloor>);
  set(t, o.trunc, unary<F, F, FTrunc>);
  set(t, o.nearest, unary<F, F, FNearest>);
  set(t, o.sqrt, unary<F, F, FSqrt>);
  set(t, o.add, binary<F, F, Add>);
  set(t, o.sub, binary<F, F, Sub>);
  set(t, o.mul, binary<F, F, Mul>);
  set(t, o.div, binary<F, F, FDiv>);
  set(t, o.min, binary<F, F, FMin>);
  set(t, o.max, binary<F, F, FMax>);
  set(t, o.copysign, binary<F, F, FCopysign>);
}

void registerConversions(Handler* t) {
  using O = Opcode;
  set(t, O::I32WrapI64, unary<uint64_t, uint32_t, Convert<uint32_t>>);
  set(t, O::I32TruncF32S, truncTrapping<float, int32_t>);
  set(t, O::I32TruncF32U, truncTrapping<float, uint32_t>);
  set(t, O::I32TruncF64S, truncTrapping<double, int32_t>);
  set(t, O::I32TruncF64U, truncTrapping<double, uint32_t>);
  set(t, O::I64ExtendI32S, unary<int32_t, int64_t, Convert<int64_t>>);
  set(t, O::I64ExtendI32U, unary<uint32_t, uint64_t, Convert<uint64_t>>);
  set(t, O::I64TruncF32S, truncTrapping<float, int64_t>);
  set(t, O::I64TruncF32U, truncTrapping<float, uint64_t>);
  set(t, O::I64TruncF64S, truncTrapping<double, int64_t>);
  set(t, O::I64TruncF64U, truncTrapping<double, uint64_t>);
  set(t, O::F32ConvertI32S, unary<int32_t, float, Convert<float>>);
  set(t, O::F32ConvertI32U, unary<uint32_t, float, Convert<float>>);
  set(t, O::F32ConvertI64S, unary<int64_t, float, Convert<float>>);
  set(t, O::F32ConvertI64U, unary<uint64_t, float, Convert<float>>);
  set(t, O::F32DemoteF64, unary<double, float, Convert<float>>);
  set(t, O::F64ConvertI32S, unary<int32_t, double, Convert<double>>);
  set(t, O::F64ConvertI32U, unary<uint32_t, double, Convert<double>>);
  set(t, O::F64ConvertI64S, unary<int64_t, double, Convert<double>>);
  set(t, O::F64ConvertI64U, unary<uint64_t, double, Convert<double>>);
  set(t, O::F64PromoteF32, unary<float, double, Convert<double>>);
  // Reinterpretations move bits unchanged (a NaN payload included).
  set(t, O::I32ReinterpretF32, unary<uint32_t, uint32_t, Convert<uint32_t>>);
  set(t, O::I64ReinterpretF64, unary<uint64_t, uint64_t, Convert<uint64_t>>);
  set(t, O::F32ReinterpretI32, unary<uint32_t, uint32_t, Convert<uint32_t>>);
  set(t, O::F64ReinterpretI64, unary<uint64_t, uint64_t, Convert<uint64_t>>);
  set(t, O::I64Extend32S, unary<uint64_t, uint64_t, SignExtend<int32_t>>);
  set(t, O::I32TruncSatF32S, unary<float, int32_t, TruncSat<int32_t>>);
  set(t, O::I32TruncSatF32U, unary<float, uint32_t, TruncSat<uint32_t>>);
  set(t, O::I32TruncSatF64S, unary<double, int32_t, TruncSat<int32_t>>);
  set(t, O::I32TruncSatF64U, unary<double, uint32_t, TruncSat<uint32_t>>);
  set(t, O::I64TruncSatF32S, unary<float, int64_t, TruncSat<int64_t>>);
  set(t, O::I64TruncSatF32U, unary<float, uint64_t, TruncSat<uint64_t>>);
  set(t, O::I64TruncSatF64S, unary<double, int64_t, TruncSat<int64_t>>);
  set(t, O::I64TruncSatF64U, unary<double, uint64_t, TruncSat<uint64_t>>);
}

}  // namespace

void registerNumericHandlers(Handler* table) {
  using O = Opcode;
  registerInts<uint32_t, int32_t>(table, {O::I32Eqz, O::I32Eq, O::I32Ne, O::I32LtS, O::I32LtU,
      O::I32GtS, O::I32GtU, O::I32LeS, O::I32LeU, O::I32GeS, O::I32GeU, O::I32Clz, O::I32Ctz,
      O::I32Popcnt, O::I32Add, O::I32Sub, O::I32Mul, O::I32DivS, O::I32DivU, O::I32RemS,
      O::I32RemU, O::I32And, O::I32Or, O::I32Xor, O::I32Shl, O::I32ShrS, O::I32ShrU, O::I32Rotl,
      O::I32Rotr, O::I32Extend8S, O::I32Extend16S});
  registerInts<uint64_t, int64_t>(table, {O::I64Eqz, O::I64Eq, O::I64Ne, O::I64LtS, O::I64LtU,
      O::I64GtS, O::I64GtU, O::I64LeS, O::I64LeU, O::I64GeS, O::I64GeU, O::I64Clz, O::I64Ctz,
      O::I64Popcnt, O::I64Add, O::I64Sub, O::I64Mul, O::I64DivS, O::I64DivU, O::I64RemS,
      O::I64RemU, O::I64And, O::I64Or, O::I64Xor, O::I64Shl, O::I64ShrS, O::I64ShrU, O::I64Rotl,
      O::I64Rotr, O::I64Extend8S, O::I64Extend16S});
  registerFloats<float>(table, {O::F32Eq, O::F32Ne, O::F32Lt, O::F32Gt, O::F32Le, O::F32Ge,
      O::F32Abs, O::F32Neg, O::F32Ceil, O::F32Floor, O::F32Trunc, O::F32Nearest, O::F32Sqrt,
      O::F32Add, O::F32Sub, O::F32Mul, O::F32Div, O::F32Min, O::F32Max, O::F32Copysign});
  registerFloats<double>(table, {O::F64Eq, O::F64Ne, O::F64Lt, O::F64Gt, O::F64Le, O::F64Ge,
      O::F64Abs, O::F64Neg, O::F64Ceil, O::F64Floor, O::F64Trunc, O::F64Nearest, O::F64Sqrt,
      O::F64Add, O::F64Sub, O::F64Mul, O::F64Div, O::F64Min, O::F64Max, O::F64Copysign});
  registerConversions(table);
}

}  // namespace tw::interp
