// SIMD lane-movement and bitwise handlers of the interpreter: v128.const, i8x16.shuffle and
// swizzle, the splats, extract_lane / replace_lane for every shape, the whole-vector bitwise
// ops (not, and, andnot, or, xor, bitselect, any_true), and registerSimdHandlers, which fills
// every 0xFD slot of the handler table from the per-group files. Stateless; safe to use
// from any thread.
#include "simd_ops.h"

namespace tw::interp::simd {
namespace {

// :v  dst=A; the 16 bytes follow the packed operands in two whole words.
TW_HANDLER(v128Const) {
  constexpr uint32_t kImm = instrWords(1);
  std::memcpy(fp + TW_OPA, &ip[kImm], 16);
  TW_NEXT(instrWords(1, 2));
}

// vv:v  dst=A, a=B, b=C; 16 lane indices (< 32, validated) in two words after the operands.
TW_HANDLER(i8x16Shuffle) {
  constexpr uint32_t kImm = instrWords(3);
  uint8_t src[32];
  std::memcpy(src, fp + TW_OPB, 16);
  std::memcpy(src + 16, fp + TW_OPC, 16);
  uint8_t lanes[16];
  std::memcpy(lanes, &ip[kImm], 16);
  uint8_t out[16];
  for (int i = 0; i < 16; ++i) out[i] = src[lanes[i] & 31];
  std::memcpy(fp + TW_OPA, out, 16);
  TW_NEXT(instrWords(3, 2));
}

// Lanes whose index is 16 or more select zero.
inline u8x16 swizzle(u8x16 a, u8x16 idx) {
  u8x16 out;
  for (int i = 0; i < 16; ++i) out[i] = idx[i] < 16 ? a[idx[i] & 15] : 0;
  return out;
}

// i:v / I:v / f:v / F:v  dst=A, x=B. The scalar T is truncated to lane type E. Floats
// splat as their bits, so -0.0 and NaN payloads are kept.
template <typename T, typename E, typename V>
TW_HANDLER(splat) {
  E x = static_cast<E>(rd<T>(fp, TW_OPB));
  V v = {};
  stv(fp, TW_OPA, v + x);
  TW_NEXT(instrWords(2));
}

// v:i etc.  dst=A, v=B, lane=C. Lane type L is widened to the result type R (sign or zero
// extension follows L's signedness).
template <typename L, typename R>
TW_HANDLER(extractLane) {
  constexpr uint32_t kLanes = 16 / sizeof(L);
  L x;
  std::memcpy(&x, reinterpret_cast<const uint8_t*>(fp + TW_OPB) + (TW_OPC & (kLanes - 1)) * sizeof(L),
              sizeof(L));
  wr<R>(fp, TW_OPA, static_cast<R>(x));
  TW_NEXT(instrWords(3));
}

// vi:v etc.  dst=A, v=B, x=C, lane=D. The scalar of type S is truncated to lane type L.
template <typename L, typename S>
TW_HANDLER(replaceLane) {
  constexpr uint32_t kLanes = 16 / sizeof(L);
  V128 v = rd<V128>(fp, TW_OPB);
  L x = static_cast<L>(rd<S>(fp, TW_OPC));
  std::memcpy(v.bytes + (TW_OPD & (kLanes - 1)) * sizeof(L), &x, sizeof(L));
  wr<V128>(fp, TW_OPA, v);
  TW_NEXT(instrWords(4));
}

// vvv:v  dst=A, a=B, b=C, mask=D: bits of a where mask is 1, of b where it is 0.
TW_HANDLER(bitselect) {
  u64x2 a = ldv<u64x2>(fp, TW_OPB);
  u64x2 b = ldv<u64x2>(fp, TW_OPC);
  u64x2 m = ldv<u64x2>(fp, TW_OPD);
  stv(fp, TW_OPA, (a & m) | (b & ~m));
  TW_NEXT(instrWords(4));
}

}  // namespace

void registerSimdLaneOps(Handler* t) {
  auto set = [t](Opcode op, Handler h) { t[slotIndex(op)] = h; };
  set(Opcode::VV128Const, &v128Const);
  set(Opcode::VI8x16Shuffle, &i8x16Shuffle);
  TW_SIMD_BINARY(t, VI8x16Swizzle, u8x16, swizzle(a, b));

  set(Opcode::VI8x16Splat, &splat<uint32_t, uint8_t, u8x16>);
  set(Opcode::VI16x8Splat, &splat<uint32_t, uint16_t, u16x8>);
  set(Opcode::VI32x4Splat, &splat<uint32_t, uint32_t, u32x4>);
  set(Opcode::VI64x2Splat, &splat<uint64_t, uint64_t, u64x2>);
  set(Opcode::VF32x4Splat, &splat<uint32_t, uint32_t, u32x4>);
  set(Opcode::VF64x2Splat, &splat<uint64_t, uint64_t, u64x2>);

  set(Opcode::VI8x16ExtractLaneS, &extractLane<int8_t, int32_t>);
  set(Opcode::VI8x16ExtractLaneU, &extractLane<uint8_t, uint32_t>);
  set(Opcode::VI16x8ExtractLaneS, &extractLane<int16_t, int32_t>);
  set(Opcode::VI16x8ExtractLaneU, &extractLane<uint16_t, uint32_t>);
  set(Opcode::VI32x4ExtractLane, &extractLane<uint32_t, uint32_t>);
  set(Opcode::VI64x2ExtractLane, &extractLane<uint64_t, uint64_t>);
  set(Opcode::VF32x4ExtractLane, &extractLane<uint32_t, uint32_t>);  // bits, not value:
  set(Opcode::VF64x2ExtractLane, &extractLane<uint64_t, uint64_t>);  // NaN payloads survive

  set(Opcode::VI8x16ReplaceLane, &replaceLane<uint8_t, uint32_t>);
  set(Opcode::VI16x8ReplaceLane, &replaceLane<uint16_t, uint32_t>);
  set(Opcode::VI32x4ReplaceLane, &replaceLane<uint32_t, uint32_t>);
  set(Opcode::VI64x2ReplaceLane, &replaceLane<uint64_t, uint64_t>);
  set(Opcode::VF32x4ReplaceLane, &replaceLane<uint32_t, uint32_t>);
  set(Opcode::VF64x2ReplaceLane, &replaceLane<uint64_t, uint64_t>);

  TW_SIMD_UNARY(t, VV128Not, u64x2, ~a);
  TW_SIMD_BINARY(t, VV128And, u64x2, a & b);
  TW_SIMD_BINARY(t, VV128Andnot, u64x2, a & ~b);
  TW_SIMD_BINARY(t, VV128Or, u64x2, a | b);
  TW_SIMD_BINARY(t, VV128Xor, u64x2, a ^ b);
  set(Opcode::VV128Bitselect, &bitselect);
  TW_SIMD_REDUCE(t, VV128AnyTrue, u64x2, anyBit(a));
}

}  // namespace tw::interp::simd

namespace tw::interp {

void registerSimdHandlers(Handler* table) {
  simd::registerSimdMemoryOps(table);
  simd::registerSimdLaneOps(table);
  simd::registerSimdIntOps(table);
  simd::registerSimdWidenOps(table);
  simd::registerSimdFloatOps(table);
}

}  // namespace tw::interp
