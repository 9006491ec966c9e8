// SIMD floating-point handlers of the interpreter: f32x4/f64x2 comparisons, abs/neg (pure
// sign-bit operations, so NaN payloads pass through), sqrt and + - * /, ceil/floor/trunc/
// nearest (round half to even), min/max with Wasm's NaN and signed-zero rules, pmin/pmax,
// and the conversions (convert, trunc_sat, demote, promote). Arithmetic relies on the host's
// IEEE 754 behaviour in the default rounding mode, which yields the NaNs Wasm allows.
// Stateless; safe to use from any thread.
#include <cstdint>
#include <limits>

#include "simd_ops.h"

#if !__has_builtin(__builtin_elementwise_sqrt)
#error "clang 18 or newer is needed for the elementwise vector builtins"
#endif

namespace tw::interp::simd {
namespace {

// min: -0 < +0, and any NaN operand gives a NaN. Equal operands (which includes ±0) merge
// by OR of the bits, choosing -0; a NaN lane takes a + b, a quiet NaN from the operands.
template <typename F, typename U>
inline U fmin(F a, F b) {
  U ai = as<U>(a), bi = as<U>(b);
  U lt = as<U>(a < b), gt = as<U>(b < a), eq = as<U>(a == b);
  U nan = as<U>(a != a) | as<U>(b != b);
  return (lt & ai) | (gt & bi) | (eq & (ai | bi)) | (nan & as<U>(a + b));
}
// max: as fmin, with equal operands merging by AND (choosing +0).
template <typename F, typename U>
inline U fmax(F a, F b) {
  U ai = as<U>(a), bi = as<U>(b);
  U lt = as<U>(a < b), gt = as<U>(b < a), eq = as<U>(a == b);
  U nan = as<U>(a != a) | as<U>(b != b);
  return (gt & ai) | (lt & bi) | (eq & (ai & bi)) | (nan & as<U>(a + b));
}
// Pseudo-min/max: exactly `b < a ? b : a` and `a < b ? b : a`, NaNs included.
template <typename F, typename U>
inline U pmin(F a, F b) {
  U m = as<U>(b < a);
  return (m & as<U>(b)) | (~m & as<U>(a));
}
template <typename F, typename U>
inline U pmax(F a, F b) {
  U m = as<U>(a < b);
  return (m & as<U>(b)) | (~m & as<U>(a));
}

// Rounding to integral values without libm: baseline x86-64 has no vector round
// instruction, and per-lane libcalls would dominate. Layout facts per lane type: the sign
// bit, the quiet-NaN bit, and 2^mantissa_bits, the magnitude from which every value is
// integral.
template <typename F>
struct FloatBits;
template <>
struct FloatBits<f32x4> {
  using U = u32x4;
  static constexpr uint32_t kSign = 0x80000000u;
  static constexpr uint32_t kQuiet = 0x00400000u;
  static constexpr float kIntegral = 8388608.0f;  // 2^23
};
template <>
struct FloatBits<f64x2> {
  using U = u64x2;
  static constexpr uint64_t kSign = 0x8000000000000000ull;
  static constexpr uint64_t kQuiet = 0x0008000000000000ull;
  static constexpr double kIntegral = 4503599627370496.0;  // 2^52
};

// Round half to even. For |x| < 2^k, (|x| + 2^k) - 2^k rounds in the default rounding mode
// (round to nearest, ties to even); larger values and infinities are integral already.
// NaNs come back quieted, as an arithmetic NaN must be. The sign is x's, so -0.4 gives -0.
template <typename F>
inline F roundEven(F x) {
  using B = FloatBits<F>;
  using U = typename B::U;
  U xi = as<U>(x);
  F ax = as<F>(xi & ~B::kSign);
  U small = as<U>(ax < B::kIntegral);  // false for NaN
  U r = as<U>((ax + B::kIntegral) - B::kIntegral) | (xi & B::kSign);
  U nan = as<U>(x != x);
  return as<F>((small & r) | (~small & (xi | (nan & B::kQuiet))));
}
// floor/ceil/trunc from roundEven: adjust by one where it went the wrong way, then restore
// x's sign, which these functions always keep (ceil(-0.5) = -0).
template <typename F>
inline F withSignOf(F r, F x) {
  using B = FloatBits<F>;
  using U = typename B::U;
  return as<F>((as<U>(r) & ~B::kSign) | (as<U>(x) & B::kSign));
}
template <typename F>
inline F floorV(F x) {
  using U = typename FloatBits<F>::U;
  F r = roundEven(x);
  F one = F{} + 1;
  return withSignOf(r - as<F>(as<U>(r > x) & as<U>(one)), x);
}
template <typename F>
inline F ceilV(F x) {
  using U = typename FloatBits<F>::U;
  F r = roundEven(x);
  F one = F{} + 1;
  return withSignOf(r + as<F>(as<U>(r < x) & as<U>(one)), x);
}
template <typename F>
inline F truncV(F x) {
  using B = FloatBits<F>;
  using U = typename B::U;
  return withSignOf(floorV(as<F>(as<U>(x) & ~B::kSign)), x);
}

// Saturating truncation of one lane: NaN gives 0, out-of-range values the nearest bound.
template <typename I, typename F>
inline I truncSat(F x) {
  constexpr F kMaxPlusOne = static_cast<F>(std::numeric_limits<I>::max() / 2 + 1) * 2;
  if (!(x == x)) return 0;
  if (x >= kMaxPlusOne) return std::numeric_limits<I>::max();
  if constexpr (std::numeric_limits<I>::is_signed) {
    if (x < -kMaxPlusOne) return std::numeric_limits<I>::min();
  } else {
    if (!(x > F(-1))) return 0;
  }
  return static_cast<I>(x);
}

inline i32x4 truncSatF32S(f32x4 a) {
  i32x4 r;
  for (int i = 0; i < 4; ++i) r[i] = truncSat<int32_t>(a[i]);
  return r;
}
inline u32x4 truncSatF32U(f32x4 a) {
  u32x4 r;
  for (int i = 0; i < 4; ++i) r[i] = truncSat<uint32_t>(a[i]);
  return r;
}
// The f64x2 forms fill the two high lanes with zeros.
inline i32x4 truncSatF64SZero(f64x2 a) {
  i32x4 r = {truncSat<int32_t>(a[0]), truncSat<int32_t>(a[1]), 0, 0};
  return r;
}
inline u32x4 truncSatF64UZero(f64x2 a) {
  u32x4 r = {truncSat<uint32_t>(a[0]), truncSat<uint32_t>(a[1]), 0, 0};
  return r;
}

template <typename V>
inline f64x2 convertLow(V a) {
  auto lo = __builtin_shufflevector(a, a, 0, 1);
  return __builtin_convertvector(lo, f64x2);
}

inline f32x4 demoteZero(f64x2 a) {
  f32x2 d = __builtin_convertvector(a, f32x2);
  return __builtin_shufflevector(d, f32x2{}, 0, 1, 2, 3);
}

inline f64x2 promoteLow(f32x4 a) {
  f32x2 lo = __builtin_shufflevector(a, a, 0, 1);
  return __builtin_convertvector(lo, f64x2);
}

constexpr uint32_t kSign32 = 0x80000000u;
constexpr uint64_t kSign64 = 0x8000000000000000ull;

}  // namespace

void registerSimdFloatOps(Handler* t) {
  TW_SIMD_BINARY(t, VF32x4Eq, f32x4, a == b);
  TW_SIMD_BINARY(t, VF32x4Ne, f32x4, a != b);
  TW_SIMD_BINARY(t, VF32x4Lt, f32x4, a < b);
  TW_SIMD_BINARY(t, VF32x4Gt, f32x4, a > b);
  TW_SIMD_BINARY(t, VF32x4Le, f32x4, a <= b);
  TW_SIMD_BINARY(t, VF32x4Ge, f32x4, a >= b);
  TW_SIMD_BINARY(t, VF64x2Eq, f64x2, a == b);
  TW_SIMD_BINARY(t, VF64x2Ne, f64x2, a != b);
  TW_SIMD_BINARY(t, VF64x2Lt, f64x2, a < b);
  TW_SIMD_BINARY(t, VF64x2Gt, f64x2, a > b);
  TW_SIMD_BINARY(t, VF64x2Le, f64x2, a <= b);
  TW_SIMD_BINARY(t, VF64x2Ge, f64x2, a >= b);

  TW_SIMD_UNARY(t, VF32x4Abs, u32x4, a & ~kSign32);
  TW_SIMD_UNARY(t, VF32x4Neg, u32x4, a ^ kSign32);
  TW_SIMD_UNARY(t, VF64x2Abs, u64x2, a & ~kSign64);
  TW_SIMD_UNARY(t, VF64x2Neg, u64x2, a ^ kSign64);
  TW_SIMD_UNARY(t, VF32x4Sqrt, f32x4, __builtin_elementwise_sqrt(a));
  TW_SIMD_UNARY(t, VF64x2Sqrt, f64x2, __builtin_elementwise_sqrt(a));
  TW_SIMD_UNARY(t, VF32x4Ceil, f32x4, ceilV(a));
  TW_SIMD_UNARY(t, VF32x4Floor, f32x4, floorV(a));
  TW_SIMD_UNARY(t, VF32x4Trunc, f32x4, truncV(a));
  TW_SIMD_UNARY(t, VF32x4Nearest, f32x4, roundEven(a));
  TW_SIMD_UNARY(t, VF64x2Ceil, f64x2, ceilV(a));
  TW_SIMD_UNARY(t, VF64x2Floor, f64x2, floorV(a));
  TW_SIMD_UNARY(t, VF64x2Trunc, f64x2, truncV(a));
  TW_SIMD_UNARY(t, VF64x2Nearest, f64x2, roundEven(a));

  TW_SIMD_BINARY(t, VF32x4Add, f32x4, a + b);
  TW_SIMD_BINARY(t, VF32x4Sub, f32x4, a - b);
  TW_SIMD_BINARY(t, VF32x4Mul, f32x4, a * b);
  TW_SIMD_BINARY(t, VF32x4Div, f32x4, a / b);
  TW_SIMD_BINARY(t, VF64x2Add, f64x2, a + b);
  TW_SIMD_BINARY(t, VF64x2Sub, f64x2, a - b);
  TW_SIMD_BINARY(t, VF64x2Mul, f64x2, a * b);
  TW_SIMD_BINARY(t, VF64x2Div, f64x2, a / b);

  TW_SIMD_BINARY(t, VF32x4Min, f32x4, (fmin<f32x4, u32x4>(a, b)));
  TW_SIMD_BINARY(t, VF32x4Max, f32x4, (fmax<f32x4, u32x4>(a, b)));
  TW_SIMD_BINARY(t, VF32x4Pmin, f32x4, (pmin<f32x4, u32x4>(a, b)));
  TW_SIMD_BINARY(t, VF32x4Pmax, f32x4, (pmax<f32x4, u32x4>(a, b)));
  TW_SIMD_BINARY(t, VF64x2Min, f64x2, (fmin<f64x2, u64x2>(a, b)));
  TW_SIMD_BINARY(t, VF64x2Max, f64x2, (fmax<f64x2, u64x2>(a, b)));
  TW_SIMD_BINARY(t, VF64x2Pmin, f64x2, (pmin<f64x2, u64x2>(a, b)));
  TW_SIMD_BINARY(t, VF64x2Pmax, f64x2, (pmax<f64x2, u64x2>(a, b)));

  TW_SIMD_UNARY(t, VI32x4TruncSatF32x4S, f32x4, truncSatF32S(a));
  TW_SIMD_UNARY(t, VI32x4TruncSatF32x4U, f32x4, truncSatF32U(a));
  TW_SIMD_UNARY(t, VI32x4TruncSatF64x2SZero, f64x2, truncSatF64SZero(a));
  TW_SIMD_UNARY(t, VI32x4TruncSatF64x2UZero, f64x2, truncSatF64UZero(a));
  TW_SIMD_UNARY(t, VF32x4ConvertI32x4S, i32x4, __builtin_convertvector(a, f32x4));
  TW_SIMD_UNARY(t, VF32x4ConvertI32x4U, u32x4, __builtin_convertvector(a, f32x4));
  TW_SIMD_UNARY(t, VF64x2ConvertLowI32x4S, i32x4, convertLow(a));
  TW_SIMD_UNARY(t, VF64x2ConvertLowI32x4U, u32x4, convertLow(a));
  TW_SIMD_UNARY(t, VF32x4DemoteF64x2Zero, f64x2, demoteZero(a));
  TW_SIMD_UNARY(t, VF64x2PromoteLowF32x4, f32x4, promoteLow(a));
}

}  // namespace tw::interp::simd
