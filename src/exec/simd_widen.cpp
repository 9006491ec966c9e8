// SIMD integer handlers of the interpreter that change the lane width: narrow (saturating),
// extend_low/high, extmul_low/high, extadd_pairwise, i32x4.dot_i16x8_s and
// i16x8.q15mulr_sat_s. Lanes are split with __builtin_shufflevector and widened with
// __builtin_convertvector; products that may exceed the signed range are formed on unsigned
// lanes so that they wrap as Wasm requires. Stateless; safe to use from any thread.
#include "simd_ops.h"

namespace tw::interp::simd {
namespace {

// Half vector types and the widened result type for each source lane type.
template <typename V>
struct Widen;
template <>
struct Widen<i8x16> {
  using Half = i8x8;
  using Wide = i16x8;
  using WideU = u16x8;
};
template <>
struct Widen<u8x16> {
  using Half = u8x8;
  using Wide = u16x8;
  using WideU = u16x8;
};
template <>
struct Widen<i16x8> {
  using Half = i16x4;
  using Wide = i32x4;
  using WideU = u32x4;
};
template <>
struct Widen<u16x8> {
  using Half = u16x4;
  using Wide = u32x4;
  using WideU = u32x4;
};
template <>
struct Widen<i32x4> {
  using Half = i32x2;
  using Wide = i64x2;
  using WideU = u64x2;
};
template <>
struct Widen<u32x4> {
  using Half = u32x2;
  using Wide = u64x2;
  using WideU = u64x2;
};

template <typename V>
inline typename Widen<V>::Half lowHalf(V a) {
  typename Widen<V>::Half h;
  std::memcpy(&h, &a, 8);
  return h;
}
template <typename V>
inline typename Widen<V>::Half highHalf(V a) {
  typename Widen<V>::Half h;
  std::memcpy(&h, reinterpret_cast<const uint8_t*>(&a) + 8, 8);
  return h;
}

template <typename V>
inline typename Widen<V>::Wide extendLow(V a) {
  return __builtin_convertvector(lowHalf(a), typename Widen<V>::Wide);
}
template <typename V>
inline typename Widen<V>::Wide extendHigh(V a) {
  return __builtin_convertvector(highHalf(a), typename Widen<V>::Wide);
}

// The wide product is formed on unsigned lanes: the exact product always fits the wide lane
// as a bit pattern, and unsigned multiplication cannot overflow.
template <typename V>
inline typename Widen<V>::WideU extmulLow(V a, V b) {
  using WU = typename Widen<V>::WideU;
  return as<WU>(extendLow(a)) * as<WU>(extendLow(b));
}
template <typename V>
inline typename Widen<V>::WideU extmulHigh(V a, V b) {
  using WU = typename Widen<V>::WideU;
  return as<WU>(extendHigh(a)) * as<WU>(extendHigh(b));
}

// Sum of adjacent lane pairs, widened.
inline i16x8 pairwise(i8x16 a) {
  i8x8 even = __builtin_shufflevector(a, a, 0, 2, 4, 6, 8, 10, 12, 14);
  i8x8 odd = __builtin_shufflevector(a, a, 1, 3, 5, 7, 9, 11, 13, 15);
  return __builtin_convertvector(even, i16x8) + __builtin_convertvector(odd, i16x8);
}
inline u16x8 pairwise(u8x16 a) {
  u8x8 even = __builtin_shufflevector(a, a, 0, 2, 4, 6, 8, 10, 12, 14);
  u8x8 odd = __builtin_shufflevector(a, a, 1, 3, 5, 7, 9, 11, 13, 15);
  return __builtin_convertvector(even, u16x8) + __builtin_convertvector(odd, u16x8);
}
inline i32x4 pairwise(i16x8 a) {
  i16x4 even = __builtin_shufflevector(a, a, 0, 2, 4, 6);
  i16x4 odd = __builtin_shufflevector(a, a, 1, 3, 5, 7);
  return __builtin_convertvector(even, i32x4) + __builtin_convertvector(odd, i32x4);
}
inline u32x4 pairwise(u16x8 a) {
  u16x4 even = __builtin_shufflevector(a, a, 0, 2, 4, 6);
  u16x4 odd = __builtin_shufflevector(a, a, 1, 3, 5, 7);
  return __builtin_convertvector(even, u32x4) + __builtin_convertvector(odd, u32x4);
}

// Lanes of a then b, each clamped to [lo, hi] and narrowed to the output lane type.
template <typename Out>
inline Out narrow16(i16x8 a, i16x8 b, int16_t lo, int16_t hi) {
  i16x16 both = __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  i16x16 vlo = i16x16{} + lo;
  i16x16 vhi = i16x16{} + hi;
  both = __builtin_elementwise_min(__builtin_elementwise_max(both, vlo), vhi);
  return __builtin_convertvector(both, Out);
}
template <typename Out>
inline Out narrow32(i32x4 a, i32x4 b, int32_t lo, int32_t hi) {
  i32x8 both = __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7);
  i32x8 vlo = i32x8{} + lo;
  i32x8 vhi = i32x8{} + hi;
  both = __builtin_elementwise_min(__builtin_elementwise_max(both, vlo), vhi);
  return __builtin_convertvector(both, Out);
}

// Sum of the products of adjacent signed 16-bit lane pairs. The only overflowing case,
// 2 * (-32768)^2, wraps to INT32_MIN as the spec's modular sum says.
inline u32x4 dot(i16x8 a, i16x8 b) {
  i32x4 p0 = extendLow(a) * extendLow(b);    // |p| <= 2^30: no overflow
  i32x4 p1 = extendHigh(a) * extendHigh(b);
  i32x8 p = __builtin_shufflevector(p0, p1, 0, 1, 2, 3, 4, 5, 6, 7);
  i32x4 even = __builtin_shufflevector(p, p, 0, 2, 4, 6);
  i32x4 odd = __builtin_shufflevector(p, p, 1, 3, 5, 7);
  return as<u32x4>(even) + as<u32x4>(odd);
}

// (a * b + 2^14) >> 15, saturated; only (-32768) * (-32768) leaves the range.
inline i16x8 q15mulr(i16x8 a, i16x8 b) {
  i32x8 wa = __builtin_convertvector(a, i32x8);
  i32x8 wb = __builtin_convertvector(b, i32x8);
  i32x8 r = (wa * wb + 0x4000) >> 15;
  r = __builtin_elementwise_min(r, i32x8{} + 0x7FFF);
  return __builtin_convertvector(r, i16x8);
}

}  // namespace

void registerSimdWidenOps(Handler* t) {
  TW_SIMD_BINARY(t, VI8x16NarrowI16x8S, i16x8, narrow16<i8x16>(a, b, -128, 127));
  TW_SIMD_BINARY(t, VI8x16NarrowI16x8U, i16x8, narrow16<u8x16>(a, b, 0, 255));
  TW_SIMD_BINARY(t, VI16x8NarrowI32x4S, i32x4, narrow32<i16x8>(a, b, -32768, 32767));
  TW_SIMD_BINARY(t, VI16x8NarrowI32x4U, i32x4, narrow32<u16x8>(a, b, 0, 65535));

  TW_SIMD_UNARY(t, VI16x8ExtendLowI8x16S, i8x16, extendLow(a));
  TW_SIMD_UNARY(t, VI16x8ExtendHighI8x16S, i8x16, extendHigh(a));
  TW_SIMD_UNARY(t, VI16x8ExtendLowI8x16U, u8x16, extendLow(a));
  TW_SIMD_UNARY(t, VI16x8ExtendHighI8x16U, u8x16, extendHigh(a));
  TW_SIMD_UNARY(t, VI32x4ExtendLowI16x8S, i16x8, extendLow(a));
  TW_SIMD_UNARY(t, VI32x4ExtendHighI16x8S, i16x8, extendHigh(a));
  TW_SIMD_UNARY(t, VI32x4ExtendLowI16x8U, u16x8, extendLow(a));
  TW_SIMD_UNARY(t, VI32x4ExtendHighI16x8U, u16x8, extendHigh(a));
  TW_SIMD_UNARY(t, VI64x2ExtendLowI32x4S, i32x4, extendLow(a));
  TW_SIMD_UNARY(t, VI64x2ExtendHighI32x4S, i32x4, extendHigh(a));
  TW_SIMD_UNARY(t, VI64x2ExtendLowI32x4U, u32x4, extendLow(a));
  TW_SIMD_UNARY(t, VI64x2ExtendHighI32x4U, u32x4, extendHigh(a));

  TW_SIMD_BINARY(t, VI16x8ExtmulLowI8x16S, i8x16, extmulLow(a, b));
  TW_SIMD_BINARY(t, VI16x8ExtmulHighI8x16S, i8x16, extmulHigh(a, b));
  TW_SIMD_BINARY(t, VI16x8ExtmulLowI8x16U, u8x16, extmulLow(a, b));
  TW_SIMD_BINARY(t, VI16x8ExtmulHighI8x16U, u8x16, extmulHigh(a, b));
  TW_SIMD_BINARY(t, VI32x4ExtmulLowI16x8S, i16x8, extmulLow(a, b));
  TW_SIMD_BINARY(t, VI32x4ExtmulHighI16x8S, i16x8, extmulHigh(a, b));
  TW_SIMD_BINARY(t, VI32x4ExtmulLowI16x8U, u16x8, extmulLow(a, b));
  TW_SIMD_BINARY(t, VI32x4ExtmulHighI16x8U, u16x8, extmulHigh(a, b));
  TW_SIMD_BINARY(t, VI64x2ExtmulLowI32x4S, i32x4, extmulLow(a, b));
  TW_SIMD_BINARY(t, VI64x2ExtmulHighI32x4S, i32x4, extmulHigh(a, b));
  TW_SIMD_BINARY(t, VI64x2ExtmulLowI32x4U, u32x4, extmulLow(a, b));
  TW_SIMD_BINARY(t, VI64x2ExtmulHighI32x4U, u32x4, extmulHigh(a, b));

  TW_SIMD_UNARY(t, VI16x8ExtaddPairwiseI8x16S, i8x16, pairwise(a));
  TW_SIMD_UNARY(t, VI16x8ExtaddPairwiseI8x16U, u8x16, pairwise(a));
  TW_SIMD_UNARY(t, VI32x4ExtaddPairwiseI16x8S, i16x8, pairwise(a));
  TW_SIMD_UNARY(t, VI32x4ExtaddPairwiseI16x8U, u16x8, pairwise(a));

  TW_SIMD_BINARY(t, VI32x4DotI16x8S, i16x8, dot(a, b));
  TW_SIMD_BINARY(t, VI16x8Q15mulrSatS, i16x8, q15mulr(a, b));
}

}  // namespace tw::interp::simd
