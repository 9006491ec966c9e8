// Scalar numeric handlers (i32/i64/f32/f64 arithmetic, comparisons, conversions) with
// the spec's exact semantics: trapping division and float-to-int conversion, NaN and
// signed-zero rules for min/max, bit-exact abs/neg/copysign. Operands: dst, inputs.
#include <bit>
#include <cmath>
#include <limits>

#include "interp.h"

namespace tw::interp {
namespace {

template <typename T>
inline T fAbs(T a) {
  if constexpr (sizeof(T) == 4) return std::bit_cast<T>(std::bit_cast<uint32_t>(a) & 0x7fffffffu);
  else return std::bit_cast<T>(std::bit_cast<uint64_t>(a) & 0x7fffffffffffffffull);
}
template <typename T>
inline T fNeg(T a) {
  if constexpr (sizeof(T) == 4) return std::bit_cast<T>(std::bit_cast<uint32_t>(a) ^ 0x80000000u);
  else return std::bit_cast<T>(std::bit_cast<uint64_t>(a) ^ 0x8000000000000000ull);
}
template <typename T>
inline T fCopysign(T a, T b) {
  if constexpr (sizeof(T) == 4) {
    uint32_t x = std::bit_cast<uint32_t>(a), y = std::bit_cast<uint32_t>(b);
    return std::bit_cast<T>((x & 0x7fffffffu) | (y & 0x80000000u));
  } else {
    uint64_t x = std::bit_cast<uint64_t>(a), y = std::bit_cast<uint64_t>(b);
    return std::bit_cast<T>((x & 0x7fffffffffffffffull) | (y & 0x8000000000000000ull));
  }
}
template <typename T>
inline T fMin(T a, T b) {
  if (a != a || b != b) return a + b;  // quiet NaN
  if (a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}
template <typename T>
inline T fMax(T a, T b) {
  if (a != a || b != b) return a + b;
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

// Integer division helpers: on a trap they record it and return 0; the handler checks
// st->failed afterwards (rare path).
template <typename S>
inline S divS(S a, S b, ExecState* st, const Word* ip) {
  if (b == 0) return raiseTrap(st, ip, TrapKind::IntegerDivideByZero), 0;
  if (a == std::numeric_limits<S>::min() && b == -1) return raiseTrap(st, ip, TrapKind::IntegerOverflow), 0;
  return a / b;
}
template <typename U>
inline U divU(U a, U b, ExecState* st, const Word* ip) {
  if (b == 0) return raiseTrap(st, ip, TrapKind::IntegerDivideByZero), 0;
  return a / b;
}
template <typename S>
inline S remS(S a, S b, ExecState* st, const Word* ip) {
  if (b == 0) return raiseTrap(st, ip, TrapKind::IntegerDivideByZero), 0;
  if (b == -1) return 0;
  return a % b;
}
template <typename U>
inline U remU(U a, U b, ExecState* st, const Word* ip) {
  if (b == 0) return raiseTrap(st, ip, TrapKind::IntegerDivideByZero), 0;
  return a % b;
}

// Exclusive bounds, in double, of the floats that truncate into T's range.
template <typename T>
constexpr double lowerBound() {
  if constexpr (std::is_unsigned_v<T>) return -1.0;
  else if constexpr (sizeof(T) == 4) return -2147483649.0;
  else return -9223372036854777856.0;  // next double below -2^63
}
template <typename T>
constexpr double upperBound() {
  if constexpr (std::is_unsigned_v<T>) return sizeof(T) == 4 ? 4294967296.0 : 18446744073709551616.0;
  else return sizeof(T) == 4 ? 2147483648.0 : 9223372036854775808.0;
}

template <typename T, typename F>
inline T truncChecked(F a, ExecState* st, const Word* ip) {
  double x = static_cast<double>(a);
  if (x != x) return raiseTrap(st, ip, TrapKind::InvalidConversion), 0;
  if (!(x > lowerBound<T>() && x < upperBound<T>())) return raiseTrap(st, ip, TrapKind::IntegerOverflow), 0;
  return static_cast<T>(a);
}

template <typename T, typename F>
inline T truncSat(F a) {
  double x = static_cast<double>(a);
  if (x != x) return 0;
  if (!(x > lowerBound<T>())) return std::numeric_limits<T>::min();
  if (!(x < upperBound<T>())) return std::numeric_limits<T>::max();
  return static_cast<T>(a);
}

TW_HANDLER(h_I32Eqz) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a == 0));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I32Eq) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a == b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Ne) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a != b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32LtS) {
  int32_t a = rd<int32_t>(fp, TW_OPB), b = rd<int32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a < b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32LtU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a < b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32GtS) {
  int32_t a = rd<int32_t>(fp, TW_OPB), b = rd<int32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a > b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32GtU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a > b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32LeS) {
  int32_t a = rd<int32_t>(fp, TW_OPB), b = rd<int32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a <= b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32LeU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a <= b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32GeS) {
  int32_t a = rd<int32_t>(fp, TW_OPB), b = rd<int32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a >= b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32GeU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a >= b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Eqz) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a == 0));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64Eq) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a == b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Ne) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a != b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64LtS) {
  int64_t a = rd<int64_t>(fp, TW_OPB), b = rd<int64_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a < b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64LtU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a < b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64GtS) {
  int64_t a = rd<int64_t>(fp, TW_OPB), b = rd<int64_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a > b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64GtU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a > b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64LeS) {
  int64_t a = rd<int64_t>(fp, TW_OPB), b = rd<int64_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a <= b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64LeU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a <= b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64GeS) {
  int64_t a = rd<int64_t>(fp, TW_OPB), b = rd<int64_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a >= b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64GeU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a >= b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F32Eq) {
  float a = rd<float>(fp, TW_OPB), b = rd<float>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a == b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F32Ne) {
  float a = rd<float>(fp, TW_OPB), b = rd<float>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a != b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F32Lt) {
  float a = rd<float>(fp, TW_OPB), b = rd<float>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a < b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F32Gt) {
  float a = rd<float>(fp, TW_OPB), b = rd<float>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a > b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F32Le) {
  float a = rd<float>(fp, TW_OPB), b = rd<float>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a <= b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F32Ge) {
  float a = rd<float>(fp, TW_OPB), b = rd<float>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a >= b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F64Eq) {
  double a = rd<double>(fp, TW_OPB), b = rd<double>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a == b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F64Ne) {
  double a = rd<double>(fp, TW_OPB), b = rd<double>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a != b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F64Lt) {
  double a = rd<double>(fp, TW_OPB), b = rd<double>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a < b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F64Gt) {
  double a = rd<double>(fp, TW_OPB), b = rd<double>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a > b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F64Le) {
  double a = rd<double>(fp, TW_OPB), b = rd<double>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a <= b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F64Ge) {
  double a = rd<double>(fp, TW_OPB), b = rd<double>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a >= b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Clz) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(std::countl_zero(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I32Ctz) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(std::countr_zero(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I32Popcnt) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(std::popcount(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I32Add) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a + b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Sub) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a - b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Mul) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a * b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32DivS) {
  int32_t a = rd<int32_t>(fp, TW_OPB), b = rd<int32_t>(fp, TW_OPC);
  int32_t r = divS<int32_t>(a, b, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<int32_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32DivU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  uint32_t r = divU<uint32_t>(a, b, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<uint32_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32RemS) {
  int32_t a = rd<int32_t>(fp, TW_OPB), b = rd<int32_t>(fp, TW_OPC);
  int32_t r = remS<int32_t>(a, b, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<int32_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32RemU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  uint32_t r = remU<uint32_t>(a, b, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<uint32_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32And) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a & b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Or) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a | b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Xor) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a ^ b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Shl) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a << (b & 31)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32ShrS) {
  int32_t a = rd<int32_t>(fp, TW_OPB), b = rd<int32_t>(fp, TW_OPC);
  wr<int32_t>(fp, TW_OPA, static_cast<int32_t>(a >> (static_cast<uint32_t>(b) & 31)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32ShrU) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a >> (b & 31)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Rotl) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(std::rotl(a, static_cast<int>(b & 31))));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Rotr) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB), b = rd<uint32_t>(fp, TW_OPC);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(std::rotr(a, static_cast<int>(b & 31))));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Clz) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(std::countl_zero(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64Ctz) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(std::countr_zero(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64Popcnt) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(std::popcount(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64Add) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a + b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Sub) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a - b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Mul) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a * b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64DivS) {
  int64_t a = rd<int64_t>(fp, TW_OPB), b = rd<int64_t>(fp, TW_OPC);
  int64_t r = divS<int64_t>(a, b, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<int64_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64DivU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  uint64_t r = divU<uint64_t>(a, b, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<uint64_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64RemS) {
  int64_t a = rd<int64_t>(fp, TW_OPB), b = rd<int64_t>(fp, TW_OPC);
  int64_t r = remS<int64_t>(a, b, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<int64_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64RemU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  uint64_t r = remU<uint64_t>(a, b, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<uint64_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64And) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a & b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Or) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a | b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Xor) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a ^ b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Shl) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a << (b & 63)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64ShrS) {
  int64_t a = rd<int64_t>(fp, TW_OPB), b = rd<int64_t>(fp, TW_OPC);
  wr<int64_t>(fp, TW_OPA, static_cast<int64_t>(a >> (static_cast<uint64_t>(b) & 63)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64ShrU) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a >> (b & 63)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Rotl) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(std::rotl(a, static_cast<int>(b & 63))));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Rotr) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB), b = rd<uint64_t>(fp, TW_OPC);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(std::rotr(a, static_cast<int>(b & 63))));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F32Abs) {
  float a = rd<float>(fp, TW_OPB);
  wr<float>(fp, TW_OPA, static_cast<float>(fAbs(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F32Neg) {
  float a = rd<float>(fp, TW_OPB);
  wr<float>(fp, TW_OPA, static_cast<float>(fNeg(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F32Ceil) {
  float a = rd<float>(fp, TW_OPB);
  wr<float>(fp, TW_OPA, static_cast<float>(std::ceil(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F32Floor) {
  float a = rd<float>(fp, TW_OPB);
  wr<float>(fp, TW_OPA, static_cast<float>(std::floor(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F32Trunc) {
  float a = rd<float>(fp, TW_OPB);
  wr<float>(fp, TW_OPA, static_cast<float>(std::trunc(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F32Nearest) {
  float a = rd<float>(fp, TW_OPB);
  wr<float>(fp, TW_OPA, static_cast<float>(std::nearbyint(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F32Sqrt) {
  float a = rd<float>(fp, TW_OPB);
  wr<float>(fp, TW_OPA, static_cast<float>(std::sqrt(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F32Add) {
  float a = rd<float>(fp, TW_OPB), b = rd<float>(fp, TW_OPC);
  wr<float>(fp, TW_OPA, static_cast<float>(a + b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F32Sub) {
  float a = rd<float>(fp, TW_OPB), b = rd<float>(fp, TW_OPC);
  wr<float>(fp, TW_OPA, static_cast<float>(a - b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F32Mul) {
  float a = rd<float>(fp, TW_OPB), b = rd<float>(fp, TW_OPC);
  wr<float>(fp, TW_OPA, static_cast<float>(a * b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F32Div) {
  float a = rd<float>(fp, TW_OPB), b = rd<float>(fp, TW_OPC);
  wr<float>(fp, TW_OPA, static_cast<float>(a / b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F32Min) {
  float a = rd<float>(fp, TW_OPB), b = rd<float>(fp, TW_OPC);
  wr<float>(fp, TW_OPA, static_cast<float>(fMin(a, b)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F32Max) {
  float a = rd<float>(fp, TW_OPB), b = rd<float>(fp, TW_OPC);
  wr<float>(fp, TW_OPA, static_cast<float>(fMax(a, b)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F32Copysign) {
  float a = rd<float>(fp, TW_OPB), b = rd<float>(fp, TW_OPC);
  wr<float>(fp, TW_OPA, static_cast<float>(fCopysign(a, b)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F64Abs) {
  double a = rd<double>(fp, TW_OPB);
  wr<double>(fp, TW_OPA, static_cast<double>(fAbs(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F64Neg) {
  double a = rd<double>(fp, TW_OPB);
  wr<double>(fp, TW_OPA, static_cast<double>(fNeg(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F64Ceil) {
  double a = rd<double>(fp, TW_OPB);
  wr<double>(fp, TW_OPA, static_cast<double>(std::ceil(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F64Floor) {
  double a = rd<double>(fp, TW_OPB);
  wr<double>(fp, TW_OPA, static_cast<double>(std::floor(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F64Trunc) {
  double a = rd<double>(fp, TW_OPB);
  wr<double>(fp, TW_OPA, static_cast<double>(std::trunc(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F64Nearest) {
  double a = rd<double>(fp, TW_OPB);
  wr<double>(fp, TW_OPA, static_cast<double>(std::nearbyint(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F64Sqrt) {
  double a = rd<double>(fp, TW_OPB);
  wr<double>(fp, TW_OPA, static_cast<double>(std::sqrt(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F64Add) {
  double a = rd<double>(fp, TW_OPB), b = rd<double>(fp, TW_OPC);
  wr<double>(fp, TW_OPA, static_cast<double>(a + b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F64Sub) {
  double a = rd<double>(fp, TW_OPB), b = rd<double>(fp, TW_OPC);
  wr<double>(fp, TW_OPA, static_cast<double>(a - b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F64Mul) {
  double a = rd<double>(fp, TW_OPB), b = rd<double>(fp, TW_OPC);
  wr<double>(fp, TW_OPA, static_cast<double>(a * b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F64Div) {
  double a = rd<double>(fp, TW_OPB), b = rd<double>(fp, TW_OPC);
  wr<double>(fp, TW_OPA, static_cast<double>(a / b));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F64Min) {
  double a = rd<double>(fp, TW_OPB), b = rd<double>(fp, TW_OPC);
  wr<double>(fp, TW_OPA, static_cast<double>(fMin(a, b)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F64Max) {
  double a = rd<double>(fp, TW_OPB), b = rd<double>(fp, TW_OPC);
  wr<double>(fp, TW_OPA, static_cast<double>(fMax(a, b)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F64Copysign) {
  double a = rd<double>(fp, TW_OPB), b = rd<double>(fp, TW_OPC);
  wr<double>(fp, TW_OPA, static_cast<double>(fCopysign(a, b)));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32WrapI64) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(static_cast<uint32_t>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I32TruncF32S) {
  float a = rd<float>(fp, TW_OPB);
  int32_t r = truncChecked<int32_t>(a, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<int32_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I32TruncF32U) {
  float a = rd<float>(fp, TW_OPB);
  uint32_t r = truncChecked<uint32_t>(a, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<uint32_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I32TruncF64S) {
  double a = rd<double>(fp, TW_OPB);
  int32_t r = truncChecked<int32_t>(a, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<int32_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I32TruncF64U) {
  double a = rd<double>(fp, TW_OPB);
  uint32_t r = truncChecked<uint32_t>(a, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<uint32_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64TruncF32S) {
  float a = rd<float>(fp, TW_OPB);
  int64_t r = truncChecked<int64_t>(a, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<int64_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64TruncF32U) {
  float a = rd<float>(fp, TW_OPB);
  uint64_t r = truncChecked<uint64_t>(a, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<uint64_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64TruncF64S) {
  double a = rd<double>(fp, TW_OPB);
  int64_t r = truncChecked<int64_t>(a, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<int64_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64TruncF64U) {
  double a = rd<double>(fp, TW_OPB);
  uint64_t r = truncChecked<uint64_t>(a, st, ip);
  if (st->failed) [[unlikely]] return;
  wr<uint64_t>(fp, TW_OPA, r);
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64ExtendI32S) {
  int32_t a = rd<int32_t>(fp, TW_OPB);
  wr<int64_t>(fp, TW_OPA, static_cast<int64_t>(static_cast<int64_t>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64ExtendI32U) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(static_cast<uint64_t>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F32ConvertI32S) {
  int32_t a = rd<int32_t>(fp, TW_OPB);
  wr<float>(fp, TW_OPA, static_cast<float>(static_cast<float>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F32ConvertI32U) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB);
  wr<float>(fp, TW_OPA, static_cast<float>(static_cast<float>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F32ConvertI64S) {
  int64_t a = rd<int64_t>(fp, TW_OPB);
  wr<float>(fp, TW_OPA, static_cast<float>(static_cast<float>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F32ConvertI64U) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB);
  wr<float>(fp, TW_OPA, static_cast<float>(static_cast<float>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F32DemoteF64) {
  double a = rd<double>(fp, TW_OPB);
  wr<float>(fp, TW_OPA, static_cast<float>(static_cast<float>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F64ConvertI32S) {
  int32_t a = rd<int32_t>(fp, TW_OPB);
  wr<double>(fp, TW_OPA, static_cast<double>(static_cast<double>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F64ConvertI32U) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB);
  wr<double>(fp, TW_OPA, static_cast<double>(static_cast<double>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F64ConvertI64S) {
  int64_t a = rd<int64_t>(fp, TW_OPB);
  wr<double>(fp, TW_OPA, static_cast<double>(static_cast<double>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F64ConvertI64U) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB);
  wr<double>(fp, TW_OPA, static_cast<double>(static_cast<double>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F64PromoteF32) {
  float a = rd<float>(fp, TW_OPB);
  wr<double>(fp, TW_OPA, static_cast<double>(static_cast<double>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I32ReinterpretF32) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64ReinterpretF64) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F32ReinterpretI32) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(a));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_F64ReinterpretI64) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(a));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I32Extend8S) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(a)))));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I32Extend16S) {
  uint32_t a = rd<uint32_t>(fp, TW_OPB);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(a)))));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64Extend8S) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(a)))));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64Extend16S) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(a)))));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64Extend32S) {
  uint64_t a = rd<uint64_t>(fp, TW_OPB);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(a)))));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I32TruncSatF32S) {
  float a = rd<float>(fp, TW_OPB);
  wr<int32_t>(fp, TW_OPA, static_cast<int32_t>(truncSat<int32_t>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I32TruncSatF32U) {
  float a = rd<float>(fp, TW_OPB);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(truncSat<uint32_t>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I32TruncSatF64S) {
  double a = rd<double>(fp, TW_OPB);
  wr<int32_t>(fp, TW_OPA, static_cast<int32_t>(truncSat<int32_t>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I32TruncSatF64U) {
  double a = rd<double>(fp, TW_OPB);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(truncSat<uint32_t>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64TruncSatF32S) {
  float a = rd<float>(fp, TW_OPB);
  wr<int64_t>(fp, TW_OPA, static_cast<int64_t>(truncSat<int64_t>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64TruncSatF32U) {
  float a = rd<float>(fp, TW_OPB);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(truncSat<uint64_t>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64TruncSatF64S) {
  double a = rd<double>(fp, TW_OPB);
  wr<int64_t>(fp, TW_OPA, static_cast<int64_t>(truncSat<int64_t>(a)));
  TW_NEXT(instrWords(2));
}
TW_HANDLER(h_I64TruncSatF64U) {
  double a = rd<double>(fp, TW_OPB);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(truncSat<uint64_t>(a)));
  TW_NEXT(instrWords(2));
}
}  // namespace

void registerNumericHandlers(Handler* table) {
  table[static_cast<size_t>(Opcode::I32Eqz)] = h_I32Eqz;
  table[static_cast<size_t>(Opcode::I32Eq)] = h_I32Eq;
  table[static_cast<size_t>(Opcode::I32Ne)] = h_I32Ne;
  table[static_cast<size_t>(Opcode::I32LtS)] = h_I32LtS;
  table[static_cast<size_t>(Opcode::I32LtU)] = h_I32LtU;
  table[static_cast<size_t>(Opcode::I32GtS)] = h_I32GtS;
  table[static_cast<size_t>(Opcode::I32GtU)] = h_I32GtU;
  table[static_cast<size_t>(Opcode::I32LeS)] = h_I32LeS;
  table[static_cast<size_t>(Opcode::I32LeU)] = h_I32LeU;
  table[static_cast<size_t>(Opcode::I32GeS)] = h_I32GeS;
  table[static_cast<size_t>(Opcode::I32GeU)] = h_I32GeU;
  table[static_cast<size_t>(Opcode::I64Eqz)] = h_I64Eqz;
  table[static_cast<size_t>(Opcode::I64Eq)] = h_I64Eq;
  table[static_cast<size_t>(Opcode::I64Ne)] = h_I64Ne;
  table[static_cast<size_t>(Opcode::I64LtS)] = h_I64LtS;
  table[static_cast<size_t>(Opcode::I64LtU)] = h_I64LtU;
  table[static_cast<size_t>(Opcode::I64GtS)] = h_I64GtS;
  table[static_cast<size_t>(Opcode::I64GtU)] = h_I64GtU;
  table[static_cast<size_t>(Opcode::I64LeS)] = h_I64LeS;
  table[static_cast<size_t>(Opcode::I64LeU)] = h_I64LeU;
  table[static_cast<size_t>(Opcode::I64GeS)] = h_I64GeS;
  table[static_cast<size_t>(Opcode::I64GeU)] = h_I64GeU;
  table[static_cast<size_t>(Opcode::F32Eq)] = h_F32Eq;
  table[static_cast<size_t>(Opcode::F32Ne)] = h_F32Ne;
  table[static_cast<size_t>(Opcode::F32Lt)] = h_F32Lt;
  table[static_cast<size_t>(Opcode::F32Gt)] = h_F32Gt;
  table[static_cast<size_t>(Opcode::F32Le)] = h_F32Le;
  table[static_cast<size_t>(Opcode::F32Ge)] = h_F32Ge;
  table[static_cast<size_t>(Opcode::F64Eq)] = h_F64Eq;
  table[static_cast<size_t>(Opcode::F64Ne)] = h_F64Ne;
  table[static_cast<size_t>(Opcode::F64Lt)] = h_F64Lt;
  table[static_cast<size_t>(Opcode::F64Gt)] = h_F64Gt;
  table[static_cast<size_t>(Opcode::F64Le)] = h_F64Le;
  table[static_cast<size_t>(Opcode::F64Ge)] = h_F64Ge;
  table[static_cast<size_t>(Opcode::I32Clz)] = h_I32Clz;
  table[static_cast<size_t>(Opcode::I32Ctz)] = h_I32Ctz;
  table[static_cast<size_t>(Opcode::I32Popcnt)] = h_I32Popcnt;
  table[static_cast<size_t>(Opcode::I32Add)] = h_I32Add;
  table[static_cast<size_t>(Opcode::I32Sub)] = h_I32Sub;
  table[static_cast<size_t>(Opcode::I32Mul)] = h_I32Mul;
  table[static_cast<size_t>(Opcode::I32DivS)] = h_I32DivS;
  table[static_cast<size_t>(Opcode::I32DivU)] = h_I32DivU;
  table[static_cast<size_t>(Opcode::I32RemS)] = h_I32RemS;
  table[static_cast<size_t>(Opcode::I32RemU)] = h_I32RemU;
  table[static_cast<size_t>(Opcode::I32And)] = h_I32And;
  table[static_cast<size_t>(Opcode::I32Or)] = h_I32Or;
  table[static_cast<size_t>(Opcode::I32Xor)] = h_I32Xor;
  table[static_cast<size_t>(Opcode::I32Shl)] = h_I32Shl;
  table[static_cast<size_t>(Opcode::I32ShrS)] = h_I32ShrS;
  table[static_cast<size_t>(Opcode::I32ShrU)] = h_I32ShrU;
  table[static_cast<size_t>(Opcode::I32Rotl)] = h_I32Rotl;
  table[static_cast<size_t>(Opcode::I32Rotr)] = h_I32Rotr;
  table[static_cast<size_t>(Opcode::I64Clz)] = h_I64Clz;
  table[static_cast<size_t>(Opcode::I64Ctz)] = h_I64Ctz;
  table[static_cast<size_t>(Opcode::I64Popcnt)] = h_I64Popcnt;
  table[static_cast<size_t>(Opcode::I64Add)] = h_I64Add;
  table[static_cast<size_t>(Opcode::I64Sub)] = h_I64Sub;
  table[static_cast<size_t>(Opcode::I64Mul)] = h_I64Mul;
  table[static_cast<size_t>(Opcode::I64DivS)] = h_I64DivS;
  table[static_cast<size_t>(Opcode::I64DivU)] = h_I64DivU;
  table[static_cast<size_t>(Opcode::I64RemS)] = h_I64RemS;
  table[static_cast<size_t>(Opcode::I64RemU)] = h_I64RemU;
  table[static_cast<size_t>(Opcode::I64And)] = h_I64And;
  table[static_cast<size_t>(Opcode::I64Or)] = h_I64Or;
  table[static_cast<size_t>(Opcode::I64Xor)] = h_I64Xor;
  table[static_cast<size_t>(Opcode::I64Shl)] = h_I64Shl;
  table[static_cast<size_t>(Opcode::I64ShrS)] = h_I64ShrS;
  table[static_cast<size_t>(Opcode::I64ShrU)] = h_I64ShrU;
  table[static_cast<size_t>(Opcode::I64Rotl)] = h_I64Rotl;
  table[static_cast<size_t>(Opcode::I64Rotr)] = h_I64Rotr;
  table[static_cast<size_t>(Opcode::F32Abs)] = h_F32Abs;
  table[static_cast<size_t>(Opcode::F32Neg)] = h_F32Neg;
  table[static_cast<size_t>(Opcode::F32Ceil)] = h_F32Ceil;
  table[static_cast<size_t>(Opcode::F32Floor)] = h_F32Floor;
  table[static_cast<size_t>(Opcode::F32Trunc)] = h_F32Trunc;
  table[static_cast<size_t>(Opcode::F32Nearest)] = h_F32Nearest;
  table[static_cast<size_t>(Opcode::F32Sqrt)] = h_F32Sqrt;
  table[static_cast<size_t>(Opcode::F32Add)] = h_F32Add;
  table[static_cast<size_t>(Opcode::F32Sub)] = h_F32Sub;
  table[static_cast<size_t>(Opcode::F32Mul)] = h_F32Mul;
  table[static_cast<size_t>(Opcode::F32Div)] = h_F32Div;
  table[static_cast<size_t>(Opcode::F32Min)] = h_F32Min;
  table[static_cast<size_t>(Opcode::F32Max)] = h_F32Max;
  table[static_cast<size_t>(Opcode::F32Copysign)] = h_F32Copysign;
  table[static_cast<size_t>(Opcode::F64Abs)] = h_F64Abs;
  table[static_cast<size_t>(Opcode::F64Neg)] = h_F64Neg;
  table[static_cast<size_t>(Opcode::F64Ceil)] = h_F64Ceil;
  table[static_cast<size_t>(Opcode::F64Floor)] = h_F64Floor;
  table[static_cast<size_t>(Opcode::F64Trunc)] = h_F64Trunc;
  table[static_cast<size_t>(Opcode::F64Nearest)] = h_F64Nearest;
  table[static_cast<size_t>(Opcode::F64Sqrt)] = h_F64Sqrt;
  table[static_cast<size_t>(Opcode::F64Add)] = h_F64Add;
  table[static_cast<size_t>(Opcode::F64Sub)] = h_F64Sub;
  table[static_cast<size_t>(Opcode::F64Mul)] = h_F64Mul;
  table[static_cast<size_t>(Opcode::F64Div)] = h_F64Div;
  table[static_cast<size_t>(Opcode::F64Min)] = h_F64Min;
  table[static_cast<size_t>(Opcode::F64Max)] = h_F64Max;
  table[static_cast<size_t>(Opcode::F64Copysign)] = h_F64Copysign;
  table[static_cast<size_t>(Opcode::I32WrapI64)] = h_I32WrapI64;
  table[static_cast<size_t>(Opcode::I32TruncF32S)] = h_I32TruncF32S;
  table[static_cast<size_t>(Opcode::I32TruncF32U)] = h_I32TruncF32U;
  table[static_cast<size_t>(Opcode::I32TruncF64S)] = h_I32TruncF64S;
  table[static_cast<size_t>(Opcode::I32TruncF64U)] = h_I32TruncF64U;
  table[static_cast<size_t>(Opcode::I64TruncF32S)] = h_I64TruncF32S;
  table[static_cast<size_t>(Opcode::I64TruncF32U)] = h_I64TruncF32U;
  table[static_cast<size_t>(Opcode::I64TruncF64S)] = h_I64TruncF64S;
  table[static_cast<size_t>(Opcode::I64TruncF64U)] = h_I64TruncF64U;
  table[static_cast<size_t>(Opcode::I64ExtendI32S)] = h_I64ExtendI32S;
  table[static_cast<size_t>(Opcode::I64ExtendI32U)] = h_I64ExtendI32U;
  table[static_cast<size_t>(Opcode::F32ConvertI32S)] = h_F32ConvertI32S;
  table[static_cast<size_t>(Opcode::F32ConvertI32U)] = h_F32ConvertI32U;
  table[static_cast<size_t>(Opcode::F32ConvertI64S)] = h_F32ConvertI64S;
  table[static_cast<size_t>(Opcode::F32ConvertI64U)] = h_F32ConvertI64U;
  table[static_cast<size_t>(Opcode::F32DemoteF64)] = h_F32DemoteF64;
  table[static_cast<size_t>(Opcode::F64ConvertI32S)] = h_F64ConvertI32S;
  table[static_cast<size_t>(Opcode::F64ConvertI32U)] = h_F64ConvertI32U;
  table[static_cast<size_t>(Opcode::F64ConvertI64S)] = h_F64ConvertI64S;
  table[static_cast<size_t>(Opcode::F64ConvertI64U)] = h_F64ConvertI64U;
  table[static_cast<size_t>(Opcode::F64PromoteF32)] = h_F64PromoteF32;
  table[static_cast<size_t>(Opcode::I32ReinterpretF32)] = h_I32ReinterpretF32;
  table[static_cast<size_t>(Opcode::I64ReinterpretF64)] = h_I64ReinterpretF64;
  table[static_cast<size_t>(Opcode::F32ReinterpretI32)] = h_F32ReinterpretI32;
  table[static_cast<size_t>(Opcode::F64ReinterpretI64)] = h_F64ReinterpretI64;
  table[static_cast<size_t>(Opcode::I32Extend8S)] = h_I32Extend8S;
  table[static_cast<size_t>(Opcode::I32Extend16S)] = h_I32Extend16S;
  table[static_cast<size_t>(Opcode::I64Extend8S)] = h_I64Extend8S;
  table[static_cast<size_t>(Opcode::I64Extend16S)] = h_I64Extend16S;
  table[static_cast<size_t>(Opcode::I64Extend32S)] = h_I64Extend32S;
  table[static_cast<size_t>(Opcode::I32TruncSatF32S)] = h_I32TruncSatF32S;
  table[static_cast<size_t>(Opcode::I32TruncSatF32U)] = h_I32TruncSatF32U;
  table[static_cast<size_t>(Opcode::I32TruncSatF64S)] = h_I32TruncSatF64S;
  table[static_cast<size_t>(Opcode::I32TruncSatF64U)] = h_I32TruncSatF64U;
  table[static_cast<size_t>(Opcode::I64TruncSatF32S)] = h_I64TruncSatF32S;
  table[static_cast<size_t>(Opcode::I64TruncSatF32U)] = h_I64TruncSatF32U;
  table[static_cast<size_t>(Opcode::I64TruncSatF64S)] = h_I64TruncSatF64S;
  table[static_cast<size_t>(Opcode::I64TruncSatF64U)] = h_I64TruncSatF64U;
}

}  // namespace tw::interp
