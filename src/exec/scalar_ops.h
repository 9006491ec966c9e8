// Scalar (i32/i64/f32/f64) operations as the spec defines them, one functor per operation
// family, shared by the plain handlers (numeric.cpp) and the superinstructions (fused.cpp)
// so both compute exactly the same thing. Each functor is a template over the lane type;
// the handler templates choose signed or unsigned operand types.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "tensorwasm/runtime/trap.h"

namespace tw::interp::ops {

template <typename T>
using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
template <typename T>
constexpr Bits<T> kSignBit = Bits<T>{1} << (sizeof(T) * 8 - 1);

// --- integer arithmetic and bits (operands already of the right signedness) ---
struct Add { template <typename T> static T apply(T a, T b) { return a + b; } };
struct Sub { template <typename T> static T apply(T a, T b) { return a - b; } };
struct Mul { template <typename T> static T apply(T a, T b) { return a * b; } };
struct And { template <typename T> static T apply(T a, T b) { return a & b; } };
struct Or { template <typename T> static T apply(T a, T b) { return a | b; } };
struct Xor { template <typename T> static T apply(T a, T b) { return a ^ b; } };
// Shift counts are taken modulo the width, as Wasm requires.
struct Shl { template <typename T> static T apply(T a, T b) { return a << (b & (sizeof(T) * 8 - 1)); } };
struct Shr { template <typename T> static T apply(T a, T b) { return a >> (b & (sizeof(T) * 8 - 1)); } };
struct Rotl {
  template <typename T> static T apply(T a, T b) { return std::rotl(a, static_cast<int>(b & (sizeof(T) * 8 - 1))); }
};
struct Rotr {
  template <typename T> static T apply(T a, T b) { return std::rotr(a, static_cast<int>(b & (sizeof(T) * 8 - 1))); }
};
struct Clz { template <typename T> static T apply(T a) { return static_cast<T>(std::countl_zero(a)); } };
struct Ctz { template <typename T> static T apply(T a) { return static_cast<T>(std::countr_zero(a)); } };
struct Popcnt { template <typename T> static T apply(T a) { return static_cast<T>(std::popcount(a)); } };
struct Eqz { template <typename T> static bool apply(T a) { return a == 0; } };

// --- comparisons (result is a Wasm i32 boolean) ---
struct Eq { template <typename T> static bool apply(T a, T b) { return a == b; } };
struct Ne { template <typename T> static bool apply(T a, T b) { return a != b; } };
struct Lt { template <typename T> static bool apply(T a, T b) { return a < b; } };
struct Gt { template <typename T> static bool apply(T a, T b) { return a > b; } };
struct Le { template <typename T> static bool apply(T a, T b) { return a <= b; } };
struct Ge { template <typename T> static bool apply(T a, T b) { return a >= b; } };

// --- trapping integer division: false with `trap` set on a trap ---
struct Div {
  template <typename T>
  static bool apply(T a, T b, T& out, TrapKind& trap) {
    if (b == 0) return trap = TrapKind::IntegerDivideByZero, false;
    if constexpr (std::is_signed_v<T>) {
      if (a == std::numeric_limits<T>::min() && b == -1) return trap = TrapKind::IntegerOverflow, false;
    }
    out = a / b;
    return true;
  }
};
struct Rem {
  template <typename T>
  static bool apply(T a, T b, T& out, TrapKind& trap) {
    if (b == 0) return trap = TrapKind::IntegerDivideByZero, false;
    if constexpr (std::is_signed_v<T>) {
      if (b == -1) return out = 0, true;  // INT_MIN % -1 is 0 in Wasm, UB in C++
    }
    out = a % b;
    return true;
  }
};

// --- floating point: bit-exact sign operations, NaN/zero rules for min/max ---
struct FAbs { template <typename T> static T apply(T a) { return std::bit_cast<T>(std::bit_cast<Bits<T>>(a) & ~kSignBit<T>); } };
struct FNeg { template <typename T> static T apply(T a) { return std::bit_cast<T>(std::bit_cast<Bits<T>>(a) ^ kSignBit<T>); } };
struct FCopysign {
  template <typename T>
  static T apply(T a, T b) {
    Bits<T> x = std::bit_cast<Bits<T>>(a), y = std::bit_cast<Bits<T>>(b);
    return std::bit_cast<T>((x & ~kSignBit<T>) | (y & kSignBit<T>));
  }
};
struct FCeil { template <typename T> static T apply(T a) { return std::ceil(a); } };
struct FFloor { template <typename T> static T apply(T a) { return std::floor(a); } };
struct FTrunc { template <typename T> static T apply(T a) { return std::trunc(a); } };
struct FNearest { template <typename T> static T apply(T a) { return std::nearbyint(a); } };  // ties to even
struct FSqrt { template <typename T> static T apply(T a) { return std::sqrt(a); } };
struct FDiv { template <typename T> static T apply(T a, T b) { return a / b; } };
struct FMin {
  template <typename T>
  static T apply(T a, T b) {
    if (a != a || b != b) return a + b;  // a quiet NaN
    if (a == b) return std::signbit(a) ? a : b;
    return a < b ? a : b;
  }
};
struct FMax {
  template <typename T>
  static T apply(T a, T b) {
    if (a != a || b != b) return a + b;
    if (a == b) return std::signbit(a) ? b : a;
    return a > b ? a : b;
  }
};

// --- float -> integer conversions ---
// Exclusive bounds, in double, of the floats that truncate into T's range.
template <typename T>
constexpr double truncLowerBound() {
  if constexpr (std::is_unsigned_v<T>) return -1.0;
  else if constexpr (sizeof(T) == 4) return -2147483649.0;
  else return -9223372036854777856.0;  // the double below -2^63
}
template <typename T>
constexpr double truncUpperBound() {
  if constexpr (std::is_unsigned_v<T>) return sizeof(T) == 4 ? 4294967296.0 : 18446744073709551616.0;
  else return sizeof(T) == 4 ? 2147483648.0 : 9223372036854775808.0;
}
template <typename R>
struct Trunc {
  template <typename F>
  static bool apply(F a, R& out, TrapKind& trap) {
    double x = static_cast<double>(a);
    if (x != x) return trap = TrapKind::InvalidConversion, false;
    if (!(x > truncLowerBound<R>() && x < truncUpperBound<R>())) return trap = TrapKind::IntegerOverflow, false;
    out = static_cast<R>(a);
    return true;
  }
};
template <typename R>
struct TruncSat {
  template <typename F>
  static R apply(F a) {
    double x = static_cast<double>(a);
    if (x != x) return 0;
    if (!(x > truncLowerBound<R>())) return std::numeric_limits<R>::min();
    if (!(x < truncUpperBound<R>())) return std::numeric_limits<R>::max();
    return static_cast<R>(a);
  }
};
template <typename R>
struct Convert { template <typename A> static R apply(A a) { return static_cast<R>(a); } };
// Sign-extends the low N bits (extend8_s, extend16_s, extend32_s).
template <typename N>
struct SignExtend { template <typename T> static T apply(T a) { return static_cast<T>(static_cast<std::make_signed_t<T>>(static_cast<N>(a))); } };

}  // namespace tw::interp::ops
