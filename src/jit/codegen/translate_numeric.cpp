// Numeric instructions. LLVM's poison-producing cases are made exact as Wasm requires:
// shift counts are masked, division and float->int conversion check their operands and
// trap, min/max follow Wasm's NaN and signed-zero rules.
#include <llvm/IR/Intrinsics.h>

#include "translator.h"

namespace tw::jit {

namespace {
using O = Opcode;
using P = llvm::CmpInst::Predicate;

// The comparison predicate of a comparison opcode, or BAD_ICMP_PREDICATE.
P comparePredicate(Opcode op) {
  switch (op) {
    case O::I32Eq: case O::I64Eq: return P::ICMP_EQ;
    case O::I32Ne: case O::I64Ne: return P::ICMP_NE;
    case O::I32LtS: case O::I64LtS: return P::ICMP_SLT;
    case O::I32LtU: case O::I64LtU: return P::ICMP_ULT;
    case O::I32GtS: case O::I64GtS: return P::ICMP_SGT;
    case O::I32GtU: case O::I64GtU: return P::ICMP_UGT;
    case O::I32LeS: case O::I64LeS: return P::ICMP_SLE;
    case O::I32LeU: case O::I64LeU: return P::ICMP_ULE;
    case O::I32GeS: case O::I64GeS: return P::ICMP_SGE;
    case O::I32GeU: case O::I64GeU: return P::ICMP_UGE;
    case O::F32Eq: case O::F64Eq: return P::FCMP_OEQ;
    case O::F32Ne: case O::F64Ne: return P::FCMP_UNE;  // true when either is NaN
    case O::F32Lt: case O::F64Lt: return P::FCMP_OLT;
    case O::F32Gt: case O::F64Gt: return P::FCMP_OGT;
    case O::F32Le: case O::F64Le: return P::FCMP_OLE;
    case O::F32Ge: case O::F64Ge: return P::FCMP_OGE;
    default: return P::BAD_ICMP_PREDICATE;
  }
}
}  // namespace

bool FunctionTranslator::numeric(Opcode op) {
  return compare(op) || integerArithmetic(op) || floatArithmetic(op) || conversion(op);
}

bool FunctionTranslator::compare(Opcode op) {
  if (op == O::I32Eqz || op == O::I64Eqz) {
    llvm::Value* a = pop();
    push(toI32(b_.CreateICmpEQ(a, llvm::ConstantInt::get(a->getType(), 0))));
    return true;
  }
  P pred = comparePredicate(op);
  if (pred == P::BAD_ICMP_PREDICATE) return false;
  llvm::Value* rhs = pop();
  llvm::Value* lhs = pop();
  push(toI32(llvm::CmpInst::isIntPredicate(pred) ? b_.CreateICmp(pred, lhs, rhs) : b_.CreateFCmp(pred, lhs, rhs)));
  return true;
}

bool FunctionTranslator::integerArithmetic(Opcode op) {
  switch (op) {
    case O::I32Clz: case O::I64Clz:
    case O::I32Ctz: case O::I64Ctz: {
      llvm::Value* a = pop();
      auto id = (op == O::I32Clz || op == O::I64Clz) ? llvm::Intrinsic::ctlz : llvm::Intrinsic::cttz;
      push(b_.CreateIntrinsic(id, {a->getType()}, {a, b_.getFalse()}));  // defined for 0
      return true;
    }
    case O::I32Popcnt: case O::I64Popcnt: {
      llvm::Value* a = pop();
      push(b_.CreateIntrinsic(llvm::Intrinsic::ctpop, {a->getType()}, {a}));
      return true;
    }
    case O::I32Extend8S: case O::I32Extend16S:
    case O::I64Extend8S: case O::I64Extend16S: case O::I64Extend32S: {
      llvm::Value* a = pop();
      unsigned bits = (op == O::I32Extend8S || op == O::I64Extend8S) ? 8 : (op == O::I64Extend32S ? 32 : 16);
      push(b_.CreateSExt(b_.CreateTrunc(a, b_.getIntNTy(bits)), a->getType()));
      return true;
    }
    default: break;
  }
  switch (op) {
    case O::I32Add: case O::I32Sub: case O::I32Mul: case O::I32DivS: case O::I32DivU:
    case O::I32RemS: case O::I32RemU: case O::I32And: case O::I32Or: case O::I32Xor:
    case O::I32Shl: case O::I32ShrS: case O::I32ShrU: case O::I32Rotl: case O::I32Rotr:
    case O::I64Add: case O::I64Sub: case O::I64Mul: case O::I64DivS: case O::I64DivU:
    case O::I64RemS: case O::I64RemU: case O::I64And: case O::I64Or: case O::I64Xor:
    case O::I64Shl: case O::I64ShrS: case O::I64ShrU: case O::I64Rotl: case O::I64Rotr: break;
    default: return false;
  }
  llvm::Value* rhs = pop();
  llvm::Value* lhs = pop();
  llvm::Type* t = lhs->getType();
  auto masked = [&] { return b_.CreateAnd(rhs, llvm::ConstantInt::get(t, t->getIntegerBitWidth() - 1)); };
  llvm::Value* r = nullptr;
  switch (op) {
    case O::I32Add: case O::I64Add: r = b_.CreateAdd(lhs, rhs); break;
    case O::I32Sub: case O::I64Sub: r = b_.CreateSub(lhs, rhs); break;
    case O::I32Mul: case O::I64Mul: r = b_.CreateMul(lhs, rhs); break;
    case O::I32And: case O::I64And: r = b_.CreateAnd(lhs, rhs); break;
    case O::I32Or: case O::I64Or: r = b_.CreateOr(lhs, rhs); break;
    case O::I32Xor: case O::I64Xor: r = b_.CreateXor(lhs, rhs); break;
    case O::I32Shl: case O::I64Shl: r = b_.CreateShl(lhs, masked()); break;
    case O::I32ShrS: case O::I64ShrS: r = b_.CreateAShr(lhs, masked()); break;
    case O::I32ShrU: case O::I64ShrU: r = b_.CreateLShr(lhs, masked()); break;
    case O::I32Rotl: case O::I64Rotl: r = b_.CreateIntrinsic(llvm::Intrinsic::fshl, {t}, {lhs, lhs, rhs}); break;
    case O::I32Rotr: case O::I64Rotr: r = b_.CreateIntrinsic(llvm::Intrinsic::fshr, {t}, {lhs, lhs, rhs}); break;
    default: r = divRem(op, lhs, rhs); break;
  }
  push(r);
  return true;
}

llvm::Value* FunctionTranslator::divRem(Opcode op, llvm::Value* a, llvm::Value* b) {
  llvm::Type* t = a->getType();
  trapIf(b_.CreateICmpEQ(b, llvm::ConstantInt::get(t, 0)), TrapKind::IntegerDivideByZero);
  llvm::Value* minusOne = llvm::ConstantInt::getSigned(t, -1);
  llvm::Value* minValue = llvm::ConstantInt::get(t, llvm::APInt::getSignedMinValue(t->getIntegerBitWidth()));
  switch (op) {
    case O::I32DivU: case O::I64DivU: return b_.CreateUDiv(a, b);
    case O::I32RemU: case O::I64RemU: return b_.CreateURem(a, b);
    case O::I32DivS: case O::I64DivS:
      trapIf(b_.CreateAnd(b_.CreateICmpEQ(a, minValue), b_.CreateICmpEQ(b, minusOne)), TrapKind::IntegerOverflow);
      return b_.CreateSDiv(a, b);
    default: {
      // MIN % -1 is 0 in Wasm but overflows in LLVM: any x % -1 is 0, so divide by 1.
      llvm::Value* safe = b_.CreateSelect(b_.CreateICmpEQ(b, minusOne), llvm::ConstantInt::get(t, 1), b);
      return b_.CreateSRem(a, safe);
    }
  }
}

// LLVM folds x+-0, x-0, x*1, x/1 to x and x*-1, x/-1 to -x, also when the constant arrives
// only after optimization (through a local, a global or an inlined call), which would hand a
// signaling NaN back unchanged; Wasm requires the arithmetic result, a quiet NaN. So every
// float arithmetic result is canonicalized here, and after optimization QuietNanPass drops
// each canonicalize whose operand is still a real arithmetic instruction (the hardware quiets
// those): only folded operations keep the extra multiply.
llvm::Value* FunctionTranslator::quietNan(llvm::Value* result) {
  return b_.CreateIntrinsic(llvm::Intrinsic::canonicalize, {result->getType()}, {result});
}

// Wasm min/max: NaN if either operand is NaN (a+b quiets it), -0 below +0.
llvm::Value* FunctionTranslator::floatMinMax(bool isMin, llvm::Value* a, llvm::Value* b) {
  llvm::Type* t = a->getType();
  llvm::Type* bits = b_.getIntNTy(t->getPrimitiveSizeInBits());
  llvm::Value* ab = b_.CreateBitCast(a, bits);
  llvm::Value* bb = b_.CreateBitCast(b, bits);
  // Equal operands differ at most in the sign of zero: or-ing the bits picks -0, and-ing +0.
  llvm::Value* equal = b_.CreateBitCast(isMin ? b_.CreateOr(ab, bb) : b_.CreateAnd(ab, bb), t);
  llvm::Value* ordered = b_.CreateSelect(isMin ? b_.CreateFCmpOLT(a, b) : b_.CreateFCmpOGT(a, b), a, b);
  llvm::Value* nonNan = b_.CreateSelect(b_.CreateFCmpOEQ(a, b), equal, ordered);
  return b_.CreateSelect(b_.CreateFCmpUNO(a, b), b_.CreateFAdd(a, b), nonNan);
}

bool FunctionTranslator::floatArithmetic(Opcode op) {
  llvm::Intrinsic::ID unary = llvm::Intrinsic::not_intrinsic;
  switch (op) {
    case O::F32Abs: case O::F64Abs: unary = llvm::Intrinsic::fabs; break;
    case O::F32Ceil: case O::F64Ceil: unary = llvm::Intrinsic::ceil; break;
    case O::F32Floor: case O::F64Floor: unary = llvm::Intrinsic::floor; break;
    case O::F32Trunc: case O::F64Trunc: unary = llvm::Intrinsic::trunc; break;
    case O::F32Nearest: case O::F64Nearest: unary = llvm::Intrinsic::roundeven; break;
    case O::F32Sqrt: case O::F64Sqrt: unary = llvm::Intrinsic::sqrt; break;
    case O::F32Neg: case O::F64Neg: push(b_.CreateFNeg(pop())); return true;
    default: break;
  }
  if (unary != llvm::Intrinsic::not_intrinsic) {
    llvm::Value* a = pop();
    push(b_.CreateIntrinsic(unary, {a->getType()}, {a}));
    return true;
  }
  switch (op) {
    case O::F32Add: case O::F32Sub: case O::F32Mul: case O::F32Div: case O::F32Min: case O::F32Max:
    case O::F32Copysign: case O::F64Add: case O::F64Sub: case O::F64Mul: case O::F64Div:
    case O::F64Min: case O::F64Max: case O::F64Copysign: break;
    default: return false;
  }
  llvm::Value* rhs = pop();
  llvm::Value* lhs = pop();
  switch (op) {
    case O::F32Add: case O::F64Add: push(quietNan(b_.CreateFAdd(lhs, rhs))); break;
    case O::F32Sub: case O::F64Sub: push(quietNan(b_.CreateFSub(lhs, rhs))); break;
    case O::F32Mul: case O::F64Mul: push(quietNan(b_.CreateFMul(lhs, rhs))); break;
    case O::F32Div: case O::F64Div: push(quietNan(b_.CreateFDiv(lhs, rhs))); break;
    case O::F32Min: case O::F64Min: push(floatMinMax(true, lhs, rhs)); break;
    case O::F32Max: case O::F64Max: push(floatMinMax(false, lhs, rhs)); break;
    default: push(b_.CreateIntrinsic(llvm::Intrinsic::copysign, {lhs->getType()}, {lhs, rhs})); break;
  }
  return true;
}

// Trapping float->int: NaN is an invalid conversion; values whose truncation falls outside
// the target range overflow. The exclusive bounds are exact in double.
llvm::Value* FunctionTranslator::truncChecked(llvm::Value* a, llvm::IntegerType* to, bool isSigned) {
  bool wide = to->getBitWidth() == 64;
  double lower = !isSigned ? -1.0 : (wide ? -9223372036854777856.0 : -2147483649.0);
  double upper = !isSigned ? (wide ? 18446744073709551616.0 : 4294967296.0)
                           : (wide ? 9223372036854775808.0 : 2147483648.0);
  llvm::Value* x = a->getType() == mt_.f64 ? a : b_.CreateFPExt(a, mt_.f64);
  trapIf(b_.CreateFCmpUNO(x, x), TrapKind::InvalidConversion);
  llvm::Value* inRange = b_.CreateAnd(b_.CreateFCmpOGT(x, llvm::ConstantFP::get(mt_.f64, lower)),
                                      b_.CreateFCmpOLT(x, llvm::ConstantFP::get(mt_.f64, upper)));
  trapIf(b_.CreateNot(inRange), TrapKind::IntegerOverflow);
  return isSigned ? b_.CreateFPToSI(a, to) : b_.CreateFPToUI(a, to);
}

bool FunctionTranslator::conversion(Opcode op) {
  auto sat = [&](llvm::IntegerType* to, bool isSigned) {
    llvm::Value* a = pop();
    auto id = isSigned ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat;
    push(b_.CreateIntrinsic(id, {to, a->getType()}, {a}));  // NaN -> 0, clamps: as Wasm
  };
  llvm::IntegerType* i32 = mt_.i32;
  llvm::IntegerType* i64 = mt_.i64;
  switch (op) {
    case O::I32WrapI64: push(b_.CreateTrunc(pop(), i32)); return true;
    case O::I64ExtendI32S: push(b_.CreateSExt(pop(), i64)); return true;
    case O::I64ExtendI32U: push(b_.CreateZExt(pop(), i64)); return true;
    case O::I32TruncF32S: case O::I32TruncF64S: push(truncChecked(pop(), i32, true)); return true;
    case O::I32TruncF32U: case O::I32TruncF64U: push(truncChecked(pop(), i32, false)); return true;
    case O::I64TruncF32S: case O::I64TruncF64S: push(truncChecked(pop(), i64, true)); return true;
    case O::I64TruncF32U: case O::I64TruncF64U: push(truncChecked(pop(), i64, false)); return true;
    case O::I32TruncSatF32S: case O::I32TruncSatF64S: sat(i32, true); return true;
    case O::I32TruncSatF32U: case O::I32TruncSatF64U: sat(i32, false); return true;
    case O::I64TruncSatF32S: case O::I64TruncSatF64S: sat(i64, true); return true;
    case O::I64TruncSatF32U: case O::I64TruncSatF64U: sat(i64, false); return true;
    case O::F32ConvertI32S: case O::F32ConvertI64S: push(b_.CreateSIToFP(pop(), mt_.f32)); return true;
    case O::F32ConvertI32U: case O::F32ConvertI64U: push(b_.CreateUIToFP(pop(), mt_.f32)); return true;
    case O::F64ConvertI32S: case O::F64ConvertI64S: push(b_.CreateSIToFP(pop(), mt_.f64)); return true;
    case O::F64ConvertI32U: case O::F64ConvertI64U: push(b_.CreateUIToFP(pop(), mt_.f64)); return true;
    case O::F32DemoteF64: {
      // demote(promote(x)) folds to x: canonicalized so a signaling NaN still comes out quiet.
      push(quietNan(b_.CreateFPTrunc(pop(), mt_.f32)));
      return true;
    }
    case O::F64PromoteF32: push(b_.CreateFPExt(pop(), mt_.f64)); return true;
    case O::I32ReinterpretF32: push(b_.CreateBitCast(pop(), i32)); return true;
    case O::I64ReinterpretF64: push(b_.CreateBitCast(pop(), i64)); return true;
    case O::F32ReinterpretI32: push(b_.CreateBitCast(pop(), mt_.f32)); return true;
    case O::F64ReinterpretI64: push(b_.CreateBitCast(pop(), mt_.f64)); return true;
    default: return false;
  }
}

}  // namespace tw::jit
