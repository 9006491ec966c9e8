// SIMD (v128) instructions. A v128 travels between instructions as <2 x i64> (mt_.v128):
// each instruction bitcasts its operands to the lane shape it works on and its result back,
// so locals, phis, selects and calls see one type. Lane order is memory order (both Wasm
// and the supported hosts are little-endian). Where LLVM's defaults differ from Wasm the
// translation is explicit: shift counts are masked, swizzle zeroes out-of-range lanes,
// min/max and their NaNs follow Wasm, float->int conversions saturate.
#include <llvm/IR/Intrinsics.h>

#include <cstring>

#include "translator.h"

namespace tw::jit {

namespace {
using O = Opcode;
using P = llvm::CmpInst::Predicate;

std::string_view nameOf(Opcode op) { return opcodeInfo(op).name; }
bool isHigh(Opcode op) { return nameOf(op).find("high") != std::string_view::npos; }
// The widening and narrowing instructions end in _s or _u.
bool isSigned(Opcode op) { return nameOf(op).ends_with("_s"); }

// Comparisons come in runs of consecutive opcodes per lane shape (opcodes.def order).
constexpr P kIntCompare[] = {P::ICMP_EQ, P::ICMP_NE, P::ICMP_SLT, P::ICMP_ULT, P::ICMP_SGT,
                             P::ICMP_UGT, P::ICMP_SLE, P::ICMP_ULE, P::ICMP_SGE, P::ICMP_UGE};
constexpr P kI64Compare[] = {P::ICMP_EQ, P::ICMP_NE, P::ICMP_SLT, P::ICMP_SGT, P::ICMP_SLE, P::ICMP_SGE};
constexpr P kFloatCompare[] = {P::FCMP_OEQ, P::FCMP_UNE, P::FCMP_OLT, P::FCMP_OGT, P::FCMP_OLE, P::FCMP_OGE};

// The predicate of `op` if it lies in the run starting at `first`.
template <size_t N>
bool inRun(Opcode op, Opcode first, const P (&preds)[N], P& pred) {
  auto k = static_cast<size_t>(op) - static_cast<size_t>(first);
  if (static_cast<size_t>(op) < static_cast<size_t>(first) || k >= N) return false;
  pred = preds[k];
  return true;
}

// The lane-preserving integer instructions that map to one LLVM intrinsic.
llvm::Intrinsic::ID integerIntrinsic(Opcode op) {
  switch (op) {
    case O::VI8x16AddSatS: case O::VI16x8AddSatS: return llvm::Intrinsic::sadd_sat;
    case O::VI8x16AddSatU: case O::VI16x8AddSatU: return llvm::Intrinsic::uadd_sat;
    case O::VI8x16SubSatS: case O::VI16x8SubSatS: return llvm::Intrinsic::ssub_sat;
    case O::VI8x16SubSatU: case O::VI16x8SubSatU: return llvm::Intrinsic::usub_sat;
    case O::VI8x16MinS: case O::VI16x8MinS: case O::VI32x4MinS: return llvm::Intrinsic::smin;
    case O::VI8x16MinU: case O::VI16x8MinU: case O::VI32x4MinU: return llvm::Intrinsic::umin;
    case O::VI8x16MaxS: case O::VI16x8MaxS: case O::VI32x4MaxS: return llvm::Intrinsic::smax;
    case O::VI8x16MaxU: case O::VI16x8MaxU: case O::VI32x4MaxU: return llvm::Intrinsic::umax;
    default: return llvm::Intrinsic::not_intrinsic;
  }
}

llvm::Intrinsic::ID floatUnaryIntrinsic(Opcode op) {
  switch (op) {
    case O::VF32x4Abs: case O::VF64x2Abs: return llvm::Intrinsic::fabs;
    case O::VF32x4Sqrt: case O::VF64x2Sqrt: return llvm::Intrinsic::sqrt;
    case O::VF32x4Ceil: case O::VF64x2Ceil: return llvm::Intrinsic::ceil;
    case O::VF32x4Floor: case O::VF64x2Floor: return llvm::Intrinsic::floor;
    case O::VF32x4Trunc: case O::VF64x2Trunc: return llvm::Intrinsic::trunc;
    case O::VF32x4Nearest: case O::VF64x2Nearest: return llvm::Intrinsic::roundeven;
    default: return llvm::Intrinsic::not_intrinsic;
  }
}

// Lane indices [first, first + count) stepping by `step`, for shufflevector.
std::vector<int> laneRange(int first, int count, int step = 1) {
  std::vector<int> mask;
  for (int i = 0; i < count; ++i) mask.push_back(first + i * step);
  return mask;
}
}  // namespace

// --- lane shapes --------------------------------------------------------------------------

llvm::FixedVectorType* FunctionTranslator::vectorOf(llvm::Type* lane) {
  return llvm::FixedVectorType::get(lane, 128 / lane->getPrimitiveSizeInBits());
}

unsigned FunctionTranslator::lanesOf(llvm::Value* v) { return lanesOf(v->getType()); }

unsigned FunctionTranslator::lanesOf(llvm::Type* vector) {
  return llvm::cast<llvm::FixedVectorType>(vector)->getNumElements();
}

// The lane type named by the instruction's prefix ("i16x8.add": i16); null for "v128.".
llvm::Type* FunctionTranslator::laneOf(Opcode op) {
  std::string_view n = nameOf(op);
  if (n.starts_with("i8x16")) return mt_.i8;
  if (n.starts_with("i16x8")) return mt_.i16;
  if (n.starts_with("i32x4")) return mt_.i32;
  if (n.starts_with("i64x2")) return mt_.i64;
  if (n.starts_with("f32x4")) return mt_.f32;
  if (n.starts_with("f64x2")) return mt_.f64;
  return nullptr;
}

llvm::Type* FunctionTranslator::halfWidth(llvm::Type* lane) {
  return b_.getIntNTy(lane->getPrimitiveSizeInBits() / 2);
}

llvm::Value* FunctionTranslator::popLanes(llvm::Type* lane) { return b_.CreateBitCast(pop(), vectorOf(lane)); }

void FunctionTranslator::pushV128(llvm::Value* v) { push(b_.CreateBitCast(v, mt_.v128)); }

llvm::Value* FunctionTranslator::splat(llvm::Type* lane, uint64_t bits) {
  return llvm::ConstantVector::getSplat(vectorOf(lane)->getElementCount(), llvm::ConstantInt::get(lane, bits));
}

// The low or high half of a vector's lanes, as a vector of half as many lanes.
llvm::Value* FunctionTranslator::halfOf(llvm::Value* v, bool high) {
  int n = static_cast<int>(lanesOf(v));
  return b_.CreateShuffleVector(v, laneRange(high ? n / 2 : 0, n / 2));
}

llvm::Value* FunctionTranslator::extend(llvm::Value* v, llvm::Type* lane, bool isSigned) {
  auto* to = llvm::FixedVectorType::get(lane, lanesOf(v));
  return isSigned ? b_.CreateSExt(v, to) : b_.CreateZExt(v, to);
}

// A two-lane vector widened to four lanes with zeros above (the *_zero instructions).
llvm::Value* FunctionTranslator::zeroUpper(llvm::Value* pair) {
  return b_.CreateShuffleVector(pair, llvm::Constant::getNullValue(pair->getType()), laneRange(0, 4));
}

// --- dispatch -------------------------------------------------------------------------------

bool FunctionTranslator::simd(const Instr& in) {
  if (opcodeInfo(in.op).prefix != 0xFD) return false;
  return simdMemory(in) || simdLanes(in) || simdCompare(in.op) || simdInteger(in.op) ||
         simdWiden(in.op) || simdFloat(in.op);
}

// --- memory ---------------------------------------------------------------------------------

bool FunctionTranslator::simdMemory(const Instr& in) {
  // Pops the address: the instruction's other operand, if any, is popped before.
  // Volatile like the scalar accesses (translate_memory.cpp): an out-of-bounds one must fault.
  auto load = [&](llvm::Type* t) {
    return memoryAccessMarked(b_.CreateAlignedLoad(t, effectiveAddress(pop(), in.imm), llvm::Align(1), /*isVolatile=*/true));
  };
  auto store = [&](llvm::Value* v) {
    memoryAccessMarked(b_.CreateAlignedStore(v, effectiveAddress(pop(), in.imm), llvm::Align(1), /*isVolatile=*/true));
  };
  auto extendingLoad = [&](llvm::Type* lane) {  // 8 bytes, each lane widened
    unsigned bits = lane->getPrimitiveSizeInBits();
    pushV128(extend(load(llvm::FixedVectorType::get(lane, 64 / bits)), b_.getIntNTy(bits * 2), isSigned(in.op)));
  };
  auto splatLoad = [&](llvm::Type* lane) { pushV128(b_.CreateVectorSplat(lanesOf(vectorOf(lane)), load(lane))); };
  auto zeroLoad = [&](llvm::Type* lane) {
    pushV128(b_.CreateInsertElement(llvm::Constant::getNullValue(vectorOf(lane)), load(lane), uint64_t{0}));
  };
  auto loadLane = [&](llvm::Type* lane) {
    llvm::Value* v = popLanes(lane);
    pushV128(b_.CreateInsertElement(v, load(lane), uint64_t{in.lane}));
  };
  auto storeLane = [&](llvm::Type* lane) { store(b_.CreateExtractElement(popLanes(lane), uint64_t{in.lane})); };
  switch (in.op) {
    case O::VV128Load: push(load(mt_.v128)); return true;
    case O::VV128Store: store(pop()); return true;
    case O::VV128Load8x8S: case O::VV128Load8x8U: extendingLoad(mt_.i8); return true;
    case O::VV128Load16x4S: case O::VV128Load16x4U: extendingLoad(mt_.i16); return true;
    case O::VV128Load32x2S: case O::VV128Load32x2U: extendingLoad(mt_.i32); return true;
    case O::VV128Load8Splat: splatLoad(mt_.i8); return true;
    case O::VV128Load16Splat: splatLoad(mt_.i16); return true;
    case O::VV128Load32Splat: splatLoad(mt_.i32); return true;
    case O::VV128Load64Splat: splatLoad(mt_.i64); return true;
    case O::VV128Load32Zero: zeroLoad(mt_.i32); return true;
    case O::VV128Load64Zero: zeroLoad(mt_.i64); return true;
    case O::VV128Load8Lane: loadLane(mt_.i8); return true;
    case O::VV128Load16Lane: loadLane(mt_.i16); return true;
    case O::VV128Load32Lane: loadLane(mt_.i32); return true;
    case O::VV128Load64Lane: loadLane(mt_.i64); return true;
    case O::VV128Store8Lane: storeLane(mt_.i8); return true;
    case O::VV128Store16Lane: storeLane(mt_.i16); return true;
    case O::VV128Store32Lane: storeLane(mt_.i32); return true;
    case O::VV128Store64Lane: storeLane(mt_.i64); return true;
    default: return false;
  }
}

// --- constants, lane movement, bitwise ------------------------------------------------------

bool FunctionTranslator::simdLanes(const Instr& in) {
  switch (in.op) {
    case O::VV128Const: {
      uint64_t halves[2];
      std::memcpy(halves, in.v128.bytes, 16);
      push(llvm::ConstantDataVector::get(mt_.ctx, llvm::ArrayRef<uint64_t>(halves)));
      return true;
    }
    case O::VI8x16Shuffle: {
      llvm::Value* b = popLanes(mt_.i8);
      llvm::Value* a = popLanes(mt_.i8);
      std::vector<int> mask(in.v128.bytes, in.v128.bytes + 16);
      pushV128(b_.CreateShuffleVector(a, b, mask));
      return true;
    }
    case O::VI8x16Swizzle: {
      llvm::Value* idx = popLanes(mt_.i8);
      pushV128(swizzle(popLanes(mt_.i8), idx));
      return true;
    }
    case O::VI8x16Splat: case O::VI16x8Splat: case O::VI32x4Splat: case O::VI64x2Splat:
    case O::VF32x4Splat: case O::VF64x2Splat: {
      llvm::Type* lane = laneOf(in.op);
      llvm::Value* x = pop();
      if (x->getType() != lane) x = b_.CreateTrunc(x, lane);
      pushV128(b_.CreateVectorSplat(lanesOf(vectorOf(lane)), x));
      return true;
    }
    default: break;
  }
  return extractOrReplace(in) || bitwise(in.op);
}

bool FunctionTranslator::extractOrReplace(const Instr& in) {
  std::string_view n = nameOf(in.op);
  bool extract = n.find("extract_lane") != std::string_view::npos;
  if (!extract && n.find("replace_lane") == std::string_view::npos) return false;
  llvm::Type* lane = laneOf(in.op);
  if (extract) {
    llvm::Value* x = b_.CreateExtractElement(popLanes(lane), uint64_t{in.lane});
    if (lane == mt_.i8 || lane == mt_.i16) {
      x = n.ends_with("_s") ? b_.CreateSExt(x, mt_.i32) : b_.CreateZExt(x, mt_.i32);
    }
    push(x);
    return true;
  }
  llvm::Value* x = pop();
  if (x->getType() != lane) x = b_.CreateTrunc(x, lane);
  pushV128(b_.CreateInsertElement(popLanes(lane), x, uint64_t{in.lane}));
  return true;
}

// Lane i is a[idx[i]], or 0 when idx[i] >= 16 (the masked index keeps the extract defined).
llvm::Value* FunctionTranslator::swizzle(llvm::Value* a, llvm::Value* idx) {
  llvm::Value* masked = b_.CreateAnd(idx, splat(mt_.i8, 15));
  llvm::Value* out = llvm::PoisonValue::get(a->getType());
  for (uint64_t i = 0; i < 16; ++i) {
    out = b_.CreateInsertElement(out, b_.CreateExtractElement(a, b_.CreateExtractElement(masked, i)), i);
  }
  llvm::Value* inRange = b_.CreateICmpULT(idx, splat(mt_.i8, 16));
  return b_.CreateSelect(inRange, out, llvm::Constant::getNullValue(a->getType()));
}

bool FunctionTranslator::bitwise(Opcode op) {
  switch (op) {
    case O::VV128Not: push(b_.CreateNot(pop())); return true;
    case O::VV128AnyTrue: {
      llvm::Value* whole = b_.CreateBitCast(pop(), b_.getInt128Ty());
      push(toI32(b_.CreateICmpNE(whole, b_.getIntN(128, 0))));
      return true;
    }
    case O::VV128Bitselect: {
      llvm::Value* mask = pop();
      llvm::Value* b = pop();
      llvm::Value* a = pop();
      push(b_.CreateOr(b_.CreateAnd(a, mask), b_.CreateAnd(b, b_.CreateNot(mask))));
      return true;
    }
    case O::VV128And: case O::VV128Andnot: case O::VV128Or: case O::VV128Xor: break;
    default: return false;
  }
  llvm::Value* b = pop();
  llvm::Value* a = pop();
  switch (op) {
    case O::VV128And: push(b_.CreateAnd(a, b)); break;
    case O::VV128Andnot: push(b_.CreateAnd(a, b_.CreateNot(b))); break;
    case O::VV128Or: push(b_.CreateOr(a, b)); break;
    default: push(b_.CreateXor(a, b)); break;
  }
  return true;
}

// --- comparisons: lanes of all ones or all zeros --------------------------------------------

bool FunctionTranslator::simdCompare(Opcode op) {
  P pred;
  if (!inRun(op, O::VI8x16Eq, kIntCompare, pred) && !inRun(op, O::VI16x8Eq, kIntCompare, pred) &&
      !inRun(op, O::VI32x4Eq, kIntCompare, pred) && !inRun(op, O::VI64x2Eq, kI64Compare, pred) &&
      !inRun(op, O::VF32x4Eq, kFloatCompare, pred) && !inRun(op, O::VF64x2Eq, kFloatCompare, pred)) {
    return false;
  }
  llvm::Type* lane = laneOf(op);
  llvm::Value* b = popLanes(lane);
  llvm::Value* a = popLanes(lane);
  llvm::Value* flags = llvm::CmpInst::isIntPredicate(pred) ? b_.CreateICmp(pred, a, b) : b_.CreateFCmp(pred, a, b);
  pushV128(b_.CreateSExt(flags, vectorOf(b_.getIntNTy(lane->getPrimitiveSizeInBits()))));
  return true;
}

// --- integer lanes, same width in and out ---------------------------------------------------

bool FunctionTranslator::simdInteger(Opcode op) {
  llvm::Type* lane = laneOf(op);
  if (!lane || !lane->isIntegerTy()) return false;
  if (integerUnary(op, lane) || simdShift(op, lane)) return true;
  llvm::Intrinsic::ID id = integerIntrinsic(op);
  std::string_view n = nameOf(op);
  n.remove_prefix(n.find('.') + 1);
  if (id == llvm::Intrinsic::not_intrinsic && n != "add" && n != "sub" && n != "mul" && n != "avgr_u") {
    return false;
  }
  llvm::Value* b = popLanes(lane);
  llvm::Value* a = popLanes(lane);
  if (id != llvm::Intrinsic::not_intrinsic) pushV128(b_.CreateIntrinsic(id, {a->getType()}, {a, b}));
  else if (n == "add") pushV128(b_.CreateAdd(a, b));
  else if (n == "sub") pushV128(b_.CreateSub(a, b));
  else if (n == "mul") pushV128(b_.CreateMul(a, b));
  else pushV128(roundingAverage(a, b));
  return true;
}

// (a + b + 1) >> 1 in lanes twice as wide, so the sum cannot wrap.
llvm::Value* FunctionTranslator::roundingAverage(llvm::Value* a, llvm::Value* b) {
  auto* type = llvm::cast<llvm::FixedVectorType>(a->getType());
  llvm::Type* wideLane = b_.getIntNTy(type->getScalarSizeInBits() * 2);
  llvm::Value* sum = b_.CreateAdd(extend(a, wideLane, false), extend(b, wideLane, false));
  sum = b_.CreateAdd(sum, llvm::ConstantInt::get(sum->getType(), 1));
  return b_.CreateTrunc(b_.CreateLShr(sum, llvm::ConstantInt::get(sum->getType(), 1)), type);
}

bool FunctionTranslator::integerUnary(Opcode op, llvm::Type* lane) {
  std::string_view n = nameOf(op);
  n.remove_prefix(n.find('.') + 1);
  if (n == "abs") {
    llvm::Value* a = popLanes(lane);
    pushV128(b_.CreateIntrinsic(llvm::Intrinsic::abs, {a->getType()}, {a, b_.getFalse()}));  // abs(MIN) = MIN
  } else if (n == "neg") {
    pushV128(b_.CreateNeg(popLanes(lane)));
  } else if (n == "popcnt") {
    llvm::Value* a = popLanes(lane);
    pushV128(b_.CreateIntrinsic(llvm::Intrinsic::ctpop, {a->getType()}, {a}));
  } else if (n == "all_true") {
    llvm::Value* a = popLanes(lane);
    push(toI32(b_.CreateAndReduce(b_.CreateICmpNE(a, llvm::Constant::getNullValue(a->getType())))));
  } else if (n == "bitmask") {
    llvm::Value* a = popLanes(lane);
    llvm::Value* signs = b_.CreateICmpSLT(a, llvm::Constant::getNullValue(a->getType()));
    push(b_.CreateZExt(b_.CreateBitCast(signs, b_.getIntNTy(lanesOf(a))), mt_.i32));
  } else {
    return false;
  }
  return true;
}

// The count is taken modulo the lane width.
bool FunctionTranslator::simdShift(Opcode op, llvm::Type* lane) {
  std::string_view n = nameOf(op);
  n.remove_prefix(n.find('.') + 1);
  if (n != "shl" && n != "shr_s" && n != "shr_u") return false;
  unsigned bits = lane->getPrimitiveSizeInBits();
  llvm::Value* count = b_.CreateAnd(pop(), b_.getInt32(bits - 1));
  count = b_.CreateZExtOrTrunc(count, lane);
  count = b_.CreateVectorSplat(lanesOf(vectorOf(lane)), count);
  llvm::Value* a = popLanes(lane);
  if (n == "shl") pushV128(b_.CreateShl(a, count));
  else if (n == "shr_s") pushV128(b_.CreateAShr(a, count));
  else pushV128(b_.CreateLShr(a, count));
  return true;
}

// --- integer lanes that change width --------------------------------------------------------

bool FunctionTranslator::simdWiden(Opcode op) {
  llvm::Type* lane = laneOf(op);  // the result's lane
  if (!lane || !lane->isIntegerTy()) return false;
  std::string_view n = nameOf(op);
  n.remove_prefix(n.find('.') + 1);
  llvm::Type* narrowLane = halfWidth(lane);
  bool sign = isSigned(op);
  if (n.starts_with("narrow_")) {
    llvm::Type* wideLane = b_.getIntNTy(lane->getPrimitiveSizeInBits() * 2);
    llvm::Value* b = popLanes(wideLane);
    pushV128(narrow(popLanes(wideLane), b, lane, sign));
  } else if (n.starts_with("extend_")) {
    pushV128(extend(halfOf(popLanes(narrowLane), isHigh(op)), lane, sign));
  } else if (n.starts_with("extmul_")) {
    llvm::Value* b = extend(halfOf(popLanes(narrowLane), isHigh(op)), lane, sign);
    llvm::Value* a = extend(halfOf(popLanes(narrowLane), isHigh(op)), lane, sign);
    pushV128(b_.CreateMul(a, b));
  } else if (n.starts_with("extadd_pairwise_")) {
    pushV128(pairwiseSum(extend(popLanes(narrowLane), lane, sign)));
  } else if (n == "dot_i16x8_s") {
    llvm::Value* b = extend(popLanes(mt_.i16), mt_.i32, true);
    llvm::Value* a = extend(popLanes(mt_.i16), mt_.i32, true);
    pushV128(pairwiseSum(b_.CreateMul(a, b)));  // only 2 * (-32768)^2 wraps, as Wasm's sum does
  } else if (n == "q15mulr_sat_s") {
    llvm::Value* b = extend(popLanes(mt_.i16), mt_.i32, true);
    llvm::Value* a = extend(popLanes(mt_.i16), mt_.i32, true);
    llvm::Value* r = b_.CreateAdd(b_.CreateMul(a, b), splatN(mt_.i32, 8, 0x4000));
    r = b_.CreateAShr(r, splatN(mt_.i32, 8, 15));
    // Only (-32768)^2 exceeds the range, and only upwards.
    r = b_.CreateIntrinsic(llvm::Intrinsic::smin, {r->getType()}, {r, splatN(mt_.i32, 8, 0x7FFF)});
    pushV128(b_.CreateTrunc(r, vectorOf(mt_.i16)));
  } else {
    return false;
  }
  return true;
}

llvm::Value* FunctionTranslator::splatN(llvm::Type* lane, unsigned lanes, uint64_t bits) {
  return llvm::ConstantVector::getSplat(llvm::ElementCount::getFixed(lanes), llvm::ConstantInt::get(lane, bits));
}

// Adds adjacent lane pairs: lane i of the result is v[2i] + v[2i+1].
llvm::Value* FunctionTranslator::pairwiseSum(llvm::Value* v) {
  int n = static_cast<int>(lanesOf(v));
  return b_.CreateAdd(b_.CreateShuffleVector(v, laneRange(0, n / 2, 2)),
                      b_.CreateShuffleVector(v, laneRange(1, n / 2, 2)));
}

// The lanes of a then b, each saturated to the signed or unsigned range of `lane`.
llvm::Value* FunctionTranslator::narrow(llvm::Value* a, llvm::Value* b, llvm::Type* lane, bool isSigned) {
  llvm::Value* both = b_.CreateShuffleVector(a, b, laneRange(0, 2 * static_cast<int>(lanesOf(a))));
  auto* type = llvm::cast<llvm::FixedVectorType>(both->getType());
  unsigned bits = lane->getPrimitiveSizeInBits();
  unsigned wide = type->getScalarSizeInBits();
  llvm::APInt lo = isSigned ? llvm::APInt::getSignedMinValue(bits).sext(wide) : llvm::APInt(wide, 0);
  llvm::APInt hi = (isSigned ? llvm::APInt::getSignedMaxValue(bits) : llvm::APInt::getMaxValue(bits)).zext(wide);
  llvm::Value* clamped = b_.CreateIntrinsic(llvm::Intrinsic::smax, {type}, {both, llvm::ConstantInt::get(type, lo)});
  clamped = b_.CreateIntrinsic(llvm::Intrinsic::smin, {type}, {clamped, llvm::ConstantInt::get(type, hi)});
  return b_.CreateTrunc(clamped, llvm::FixedVectorType::get(lane, type->getNumElements()));
}

// --- float lanes ------------------------------------------------------------------------------

bool FunctionTranslator::simdFloat(Opcode op) {
  if (floatConversion(op)) return true;
  llvm::Type* lane = laneOf(op);
  if (!lane || !lane->isFloatingPointTy()) return false;
  llvm::Intrinsic::ID unary = floatUnaryIntrinsic(op);
  if (unary != llvm::Intrinsic::not_intrinsic) {
    llvm::Value* a = popLanes(lane);
    pushV128(b_.CreateIntrinsic(unary, {a->getType()}, {a}));
    return true;
  }
  std::string_view n = nameOf(op);
  n.remove_prefix(n.find('.') + 1);
  if (n == "neg") {
    pushV128(b_.CreateFNeg(popLanes(lane)));  // a sign flip: NaN payloads pass through
    return true;
  }
  if (n != "add" && n != "sub" && n != "mul" && n != "div" && n != "min" && n != "max" && n != "pmin" && n != "pmax") {
    return false;
  }
  llvm::Value* b = popLanes(lane);
  llvm::Value* a = popLanes(lane);
  if (n == "add") pushV128(quietNan(b_.CreateFAdd(a, b)));
  else if (n == "sub") pushV128(quietNan(b_.CreateFSub(a, b)));
  else if (n == "mul") pushV128(quietNan(b_.CreateFMul(a, b)));
  else if (n == "div") pushV128(quietNan(b_.CreateFDiv(a, b)));
  else if (n == "min" || n == "max") pushV128(vectorMinMax(n == "min", a, b));
  else if (n == "pmin") pushV128(b_.CreateSelect(b_.CreateFCmpOLT(b, a), b, a));  // exactly b < a ? b : a
  else pushV128(b_.CreateSelect(b_.CreateFCmpOLT(a, b), b, a));                   // exactly a < b ? b : a
  return true;
}

// llvm.minimum/maximum order -0 below +0 and propagate NaN, but may hand a signaling NaN
// operand back as it is; Wasm wants an arithmetic (quiet) NaN, which a + b gives.
llvm::Value* FunctionTranslator::vectorMinMax(bool isMin, llvm::Value* a, llvm::Value* b) {
  auto id = isMin ? llvm::Intrinsic::minimum : llvm::Intrinsic::maximum;
  llvm::Value* r = b_.CreateIntrinsic(id, {a->getType()}, {a, b});
  return b_.CreateSelect(b_.CreateFCmpUNO(a, b), b_.CreateFAdd(a, b), r);
}

bool FunctionTranslator::floatConversion(Opcode op) {
  auto truncSat = [&](llvm::Value* a, bool isSigned) {
    auto id = isSigned ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat;
    auto* to = llvm::FixedVectorType::get(mt_.i32, lanesOf(a));
    return b_.CreateIntrinsic(id, {to, a->getType()}, {a});  // NaN -> 0, clamps: as Wasm
  };
  switch (op) {
    case O::VI32x4TruncSatF32x4S: pushV128(truncSat(popLanes(mt_.f32), true)); return true;
    case O::VI32x4TruncSatF32x4U: pushV128(truncSat(popLanes(mt_.f32), false)); return true;
    case O::VI32x4TruncSatF64x2SZero: pushV128(zeroUpper(truncSat(popLanes(mt_.f64), true))); return true;
    case O::VI32x4TruncSatF64x2UZero: pushV128(zeroUpper(truncSat(popLanes(mt_.f64), false))); return true;
    case O::VF32x4ConvertI32x4S: pushV128(b_.CreateSIToFP(popLanes(mt_.i32), vectorOf(mt_.f32))); return true;
    case O::VF32x4ConvertI32x4U: pushV128(b_.CreateUIToFP(popLanes(mt_.i32), vectorOf(mt_.f32))); return true;
    case O::VF64x2ConvertLowI32x4S:
      pushV128(b_.CreateSIToFP(halfOf(popLanes(mt_.i32), false), vectorOf(mt_.f64)));
      return true;
    case O::VF64x2ConvertLowI32x4U:
      pushV128(b_.CreateUIToFP(halfOf(popLanes(mt_.i32), false), vectorOf(mt_.f64)));
      return true;
    case O::VF32x4DemoteF64x2Zero: {
      llvm::Value* a = popLanes(mt_.f64);
      // As for scalar demote: demote(promote(x)) folds to x, which would keep a signaling NaN.
      pushV128(zeroUpper(quietNan(b_.CreateFPTrunc(a, llvm::FixedVectorType::get(mt_.f32, 2)))));
      return true;
    }
    case O::VF64x2PromoteLowF32x4:
      pushV128(b_.CreateFPExt(halfOf(popLanes(mt_.f32), false), vectorOf(mt_.f64)));
      return true;
    default: return false;
  }
}

}  // namespace tw::jit
