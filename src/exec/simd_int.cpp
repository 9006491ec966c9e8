// SIMD integer handlers of the interpreter that keep the lane width: comparisons, abs, neg,
// popcnt, all_true, bitmask, shifts (count taken modulo the lane width), add/sub with and
// without saturation, mul, min/max and avgr_u. Wrapping arithmetic is done on unsigned lane
// types, where overflow is defined; comparisons yield all-ones / all-zeros lanes, as both
// Wasm and the vector extensions define them. Stateless; safe to use from any thread.
#include "simd_ops.h"

#if !__has_builtin(__builtin_elementwise_add_sat) || !__has_builtin(__builtin_elementwise_min)
#error "clang 17 or newer is needed for the elementwise vector builtins"
#endif

namespace tw::interp::simd {
namespace {

// Two's-complement abs that wraps for the minimum value (abs(-128) = -128), as Wasm says.
template <typename S, typename U>
inline U wrapAbs(S a) {
  U m = as<U>(a < 0);  // all ones where negative
  return (as<U>(a) ^ m) - m;
}

inline u8x16 popcnt8(u8x16 x) {
  x = x - ((x >> 1) & 0x55);
  x = (x & 0x33) + ((x >> 2) & 0x33);
  return (x + (x >> 4)) & 0x0F;
}

// True when every lane is nonzero.
template <typename V>
inline bool allTrue(V a) {
  return !anyBit(bits(a == 0));
}

// Bit i of the result is the sign bit of lane i.
template <typename S, int N>
inline uint32_t bitmask(S a) {
  uint32_t r = 0;
  for (int i = 0; i < N; ++i) r |= static_cast<uint32_t>(a[i] < 0) << i;
  return r;
}

// Rounding average (a + b + 1) >> 1 without widening.
template <typename U>
inline U avgr(U a, U b) {
  return (a | b) - ((a ^ b) >> 1);
}

}  // namespace

void registerSimdIntOps(Handler* t) {
  // Comparisons. Unsigned lanes compare unsigned; results are lane masks.
  TW_SIMD_BINARY(t, VI8x16Eq, u8x16, a == b);
  TW_SIMD_BINARY(t, VI8x16Ne, u8x16, a != b);
  TW_SIMD_BINARY(t, VI8x16LtS, i8x16, a < b);
  TW_SIMD_BINARY(t, VI8x16LtU, u8x16, a < b);
  TW_SIMD_BINARY(t, VI8x16GtS, i8x16, a > b);
  TW_SIMD_BINARY(t, VI8x16GtU, u8x16, a > b);
  TW_SIMD_BINARY(t, VI8x16LeS, i8x16, a <= b);
  TW_SIMD_BINARY(t, VI8x16LeU, u8x16, a <= b);
  TW_SIMD_BINARY(t, VI8x16GeS, i8x16, a >= b);
  TW_SIMD_BINARY(t, VI8x16GeU, u8x16, a >= b);
  TW_SIMD_BINARY(t, VI16x8Eq, u16x8, a == b);
  TW_SIMD_BINARY(t, VI16x8Ne, u16x8, a != b);
  TW_SIMD_BINARY(t, VI16x8LtS, i16x8, a < b);
  TW_SIMD_BINARY(t, VI16x8LtU, u16x8, a < b);
  TW_SIMD_BINARY(t, VI16x8GtS, i16x8, a > b);
  TW_SIMD_BINARY(t, VI16x8GtU, u16x8, a > b);
  TW_SIMD_BINARY(t, VI16x8LeS, i16x8, a <= b);
  TW_SIMD_BINARY(t, VI16x8LeU, u16x8, a <= b);
  TW_SIMD_BINARY(t, VI16x8GeS, i16x8, a >= b);
  TW_SIMD_BINARY(t, VI16x8GeU, u16x8, a >= b);
  TW_SIMD_BINARY(t, VI32x4Eq, u32x4, a == b);
  TW_SIMD_BINARY(t, VI32x4Ne, u32x4, a != b);
  TW_SIMD_BINARY(t, VI32x4LtS, i32x4, a < b);
  TW_SIMD_BINARY(t, VI32x4LtU, u32x4, a < b);
  TW_SIMD_BINARY(t, VI32x4GtS, i32x4, a > b);
  TW_SIMD_BINARY(t, VI32x4GtU, u32x4, a > b);
  TW_SIMD_BINARY(t, VI32x4LeS, i32x4, a <= b);
  TW_SIMD_BINARY(t, VI32x4LeU, u32x4, a <= b);
  TW_SIMD_BINARY(t, VI32x4GeS, i32x4, a >= b);
  TW_SIMD_BINARY(t, VI32x4GeU, u32x4, a >= b);
  TW_SIMD_BINARY(t, VI64x2Eq, u64x2, a == b);
  TW_SIMD_BINARY(t, VI64x2Ne, u64x2, a != b);
  TW_SIMD_BINARY(t, VI64x2LtS, i64x2, a < b);
  TW_SIMD_BINARY(t, VI64x2GtS, i64x2, a > b);
  TW_SIMD_BINARY(t, VI64x2LeS, i64x2, a <= b);
  TW_SIMD_BINARY(t, VI64x2GeS, i64x2, a >= b);

  // Lane-wise unary ops and reductions.
  TW_SIMD_UNARY(t, VI8x16Abs, i8x16, (wrapAbs<i8x16, u8x16>(a)));
  TW_SIMD_UNARY(t, VI16x8Abs, i16x8, (wrapAbs<i16x8, u16x8>(a)));
  TW_SIMD_UNARY(t, VI32x4Abs, i32x4, (wrapAbs<i32x4, u32x4>(a)));
  TW_SIMD_UNARY(t, VI64x2Abs, i64x2, (wrapAbs<i64x2, u64x2>(a)));
  TW_SIMD_UNARY(t, VI8x16Neg, u8x16, 0 - a);
  TW_SIMD_UNARY(t, VI16x8Neg, u16x8, 0 - a);
  TW_SIMD_UNARY(t, VI32x4Neg, u32x4, 0 - a);
  TW_SIMD_UNARY(t, VI64x2Neg, u64x2, 0 - a);
  TW_SIMD_UNARY(t, VI8x16Popcnt, u8x16, popcnt8(a));
  TW_SIMD_REDUCE(t, VI8x16AllTrue, u8x16, allTrue(a));
  TW_SIMD_REDUCE(t, VI16x8AllTrue, u16x8, allTrue(a));
  TW_SIMD_REDUCE(t, VI32x4AllTrue, u32x4, allTrue(a));
  TW_SIMD_REDUCE(t, VI64x2AllTrue, u64x2, allTrue(a));
  TW_SIMD_REDUCE(t, VI8x16Bitmask, i8x16, (bitmask<i8x16, 16>(a)));
  TW_SIMD_REDUCE(t, VI16x8Bitmask, i16x8, (bitmask<i16x8, 8>(a)));
  TW_SIMD_REDUCE(t, VI32x4Bitmask, i32x4, (bitmask<i32x4, 4>(a)));
  TW_SIMD_REDUCE(t, VI64x2Bitmask, i64x2, (bitmask<i64x2, 2>(a)));

  // Shifts: the count is taken modulo the lane width in bits.
  TW_SIMD_SHIFT(t, VI8x16Shl, u8x16, a << static_cast<uint8_t>(n & 7));
  TW_SIMD_SHIFT(t, VI8x16ShrS, i8x16, a >> static_cast<int8_t>(n & 7));
  TW_SIMD_SHIFT(t, VI8x16ShrU, u8x16, a >> static_cast<uint8_t>(n & 7));
  TW_SIMD_SHIFT(t, VI16x8Shl, u16x8, a << static_cast<uint16_t>(n & 15));
  TW_SIMD_SHIFT(t, VI16x8ShrS, i16x8, a >> static_cast<int16_t>(n & 15));
  TW_SIMD_SHIFT(t, VI16x8ShrU, u16x8, a >> static_cast<uint16_t>(n & 15));
  TW_SIMD_SHIFT(t, VI32x4Shl, u32x4, a << (n & 31));
  TW_SIMD_SHIFT(t, VI32x4ShrS, i32x4, a >> static_cast<int32_t>(n & 31));
  TW_SIMD_SHIFT(t, VI32x4ShrU, u32x4, a >> (n & 31));
  TW_SIMD_SHIFT(t, VI64x2Shl, u64x2, a << uint64_t{n & 63});
  TW_SIMD_SHIFT(t, VI64x2ShrS, i64x2, a >> int64_t{n & 63});
  TW_SIMD_SHIFT(t, VI64x2ShrU, u64x2, a >> uint64_t{n & 63});

  // Add / sub, wrapping and saturating.
  TW_SIMD_BINARY(t, VI8x16Add, u8x16, a + b);
  TW_SIMD_BINARY(t, VI16x8Add, u16x8, a + b);
  TW_SIMD_BINARY(t, VI32x4Add, u32x4, a + b);
  TW_SIMD_BINARY(t, VI64x2Add, u64x2, a + b);
  TW_SIMD_BINARY(t, VI8x16Sub, u8x16, a - b);
  TW_SIMD_BINARY(t, VI16x8Sub, u16x8, a - b);
  TW_SIMD_BINARY(t, VI32x4Sub, u32x4, a - b);
  TW_SIMD_BINARY(t, VI64x2Sub, u64x2, a - b);
  TW_SIMD_BINARY(t, VI8x16AddSatS, i8x16, __builtin_elementwise_add_sat(a, b));
  TW_SIMD_BINARY(t, VI8x16AddSatU, u8x16, __builtin_elementwise_add_sat(a, b));
  TW_SIMD_BINARY(t, VI8x16SubSatS, i8x16, __builtin_elementwise_sub_sat(a, b));
  TW_SIMD_BINARY(t, VI8x16SubSatU, u8x16, __builtin_elementwise_sub_sat(a, b));
  TW_SIMD_BINARY(t, VI16x8AddSatS, i16x8, __builtin_elementwise_add_sat(a, b));
  TW_SIMD_BINARY(t, VI16x8AddSatU, u16x8, __builtin_elementwise_add_sat(a, b));
  TW_SIMD_BINARY(t, VI16x8SubSatS, i16x8, __builtin_elementwise_sub_sat(a, b));
  TW_SIMD_BINARY(t, VI16x8SubSatU, u16x8, __builtin_elementwise_sub_sat(a, b));

  TW_SIMD_BINARY(t, VI16x8Mul, u16x8, a * b);
  TW_SIMD_BINARY(t, VI32x4Mul, u32x4, a * b);
  TW_SIMD_BINARY(t, VI64x2Mul, u64x2, a * b);

  TW_SIMD_BINARY(t, VI8x16MinS, i8x16, __builtin_elementwise_min(a, b));
  TW_SIMD_BINARY(t, VI8x16MinU, u8x16, __builtin_elementwise_min(a, b));
  TW_SIMD_BINARY(t, VI8x16MaxS, i8x16, __builtin_elementwise_max(a, b));
  TW_SIMD_BINARY(t, VI8x16MaxU, u8x16, __builtin_elementwise_max(a, b));
  TW_SIMD_BINARY(t, VI16x8MinS, i16x8, __builtin_elementwise_min(a, b));
  TW_SIMD_BINARY(t, VI16x8MinU, u16x8, __builtin_elementwise_min(a, b));
  TW_SIMD_BINARY(t, VI16x8MaxS, i16x8, __builtin_elementwise_max(a, b));
  TW_SIMD_BINARY(t, VI16x8MaxU, u16x8, __builtin_elementwise_max(a, b));
  TW_SIMD_BINARY(t, VI32x4MinS, i32x4, __builtin_elementwise_min(a, b));
  TW_SIMD_BINARY(t, VI32x4MinU, u32x4, __builtin_elementwise_min(a, b));
  TW_SIMD_BINARY(t, VI32x4MaxS, i32x4, __builtin_elementwise_max(a, b));
  TW_SIMD_BINARY(t, VI32x4MaxU, u32x4, __builtin_elementwise_max(a, b));

  TW_SIMD_BINARY(t, VI8x16AvgrU, u8x16, avgr(a, b));
  TW_SIMD_BINARY(t, VI16x8AvgrU, u16x8, avgr(a, b));
}

}  // namespace tw::interp::simd
