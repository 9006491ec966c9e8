// Private helpers shared by the interpreter's SIMD (v128) handler files: lane vector types,
// frame access for v128 slots, and handler templates for the common instruction shapes.
// Lanes are GCC/clang vector extensions, so plain lane-wise expressions compile to the host's
// vector instructions; Wasm lane order equals memory order because both the host and Wasm
// are little-endian. Every handler reads all of its inputs before writing its result, since
// the destination slot may alias an input. Stateless; safe to use from any thread.
#pragma once

#include <cstdint>
#include <cstring>

#include "interp.h"
#include "tensorwasm/binary/opcodes.h"
#include "tensorwasm/binary/types.h"

#if !defined(__clang__)
#error "the SIMD handlers use clang vector builtins (the interpreter already needs musttail)"
#endif
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "lane layout assumes little-endian");

namespace tw::interp::simd {

#define TW_VEC(type, bytes) __attribute__((vector_size(bytes))) type
typedef TW_VEC(int8_t, 16) i8x16;
typedef TW_VEC(uint8_t, 16) u8x16;
typedef TW_VEC(int16_t, 16) i16x8;
typedef TW_VEC(uint16_t, 16) u16x8;
typedef TW_VEC(int32_t, 16) i32x4;
typedef TW_VEC(uint32_t, 16) u32x4;
typedef TW_VEC(int64_t, 16) i64x2;
typedef TW_VEC(uint64_t, 16) u64x2;
typedef TW_VEC(float, 16) f32x4;
typedef TW_VEC(double, 16) f64x2;
// Half vectors (the low or high half of a v128) and double-width vectors, for widening and
// narrowing.
typedef TW_VEC(int8_t, 8) i8x8;
typedef TW_VEC(uint8_t, 8) u8x8;
typedef TW_VEC(int16_t, 8) i16x4;
typedef TW_VEC(uint16_t, 8) u16x4;
typedef TW_VEC(int32_t, 8) i32x2;
typedef TW_VEC(uint32_t, 8) u32x2;
typedef TW_VEC(float, 8) f32x2;
typedef TW_VEC(int16_t, 32) i16x16;
typedef TW_VEC(int32_t, 32) i32x8;
#undef TW_VEC

// Reinterprets the bits of a vector as another vector type of the same size.
template <typename To, typename From>
inline To as(From v) {
  static_assert(sizeof(To) == sizeof(From));
  return __builtin_bit_cast(To, v);
}

template <typename V>
inline V ldv(const uint64_t* fp, uint32_t slot) {
  static_assert(sizeof(V) == 16);
  V v;
  std::memcpy(&v, fp + slot, 16);
  return v;
}
template <typename V>
inline void stv(uint64_t* fp, uint32_t slot, V v) {
  static_assert(sizeof(V) == 16);
  std::memcpy(fp + slot, &v, 16);
}

// Stores a comparison mask / computed vector of any 16-byte type.
template <typename V>
inline u64x2 bits(V v) {
  return as<u64x2>(v);
}

inline bool anyBit(u64x2 v) { return (v[0] | v[1]) != 0; }

inline size_t slotIndex(Opcode op) { return static_cast<size_t>(op); }

// --- Handler shapes (operand order per interp.h) -------------------------------------------

// v:v  dst=A, a=B.
template <typename In, auto F>
TW_HANDLER(unaryOp) {
  In a = ldv<In>(fp, TW_OPB);
  stv(fp, TW_OPA, F(a));
  TW_NEXT(instrWords(2));
}

// vv:v  dst=A, a=B, b=C.
template <typename In, auto F>
TW_HANDLER(binaryOp) {
  In a = ldv<In>(fp, TW_OPB);
  In b = ldv<In>(fp, TW_OPC);
  stv(fp, TW_OPA, F(a, b));
  TW_NEXT(instrWords(3));
}

// v:i  dst=A, a=B (reductions: any_true, all_true, bitmask).
template <typename In, auto F>
TW_HANDLER(reduceOp) {
  In a = ldv<In>(fp, TW_OPB);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(F(a)));
  TW_NEXT(instrWords(2));
}

// vi:v  dst=A, a=B, count=C (shifts; F masks the count to the lane width).
template <typename In, auto F>
TW_HANDLER(shiftOp) {
  In a = ldv<In>(fp, TW_OPB);
  uint32_t n = rd<uint32_t>(fp, TW_OPC);
  stv(fp, TW_OPA, F(a, n));
  TW_NEXT(instrWords(3));
}

// Registration helpers, one per handler file; registerSimdHandlers calls them all.
void registerSimdMemoryOps(Handler* table);
void registerSimdLaneOps(Handler* table);
void registerSimdIntOps(Handler* table);
void registerSimdWidenOps(Handler* table);
void registerSimdFloatOps(Handler* table);

}  // namespace tw::interp::simd

// Table-fill shorthands for the handler files: the lambda body is the lane-wise expression.
#define TW_SIMD_UNARY(t, op, V, expr) \
  (t)[::tw::interp::simd::slotIndex(::tw::Opcode::op)] = &unaryOp<V, [](V a) { return expr; }>
#define TW_SIMD_BINARY(t, op, V, expr)                       \
  (t)[::tw::interp::simd::slotIndex(::tw::Opcode::op)] =     \
      &binaryOp<V, [](V a, V b) { return expr; }>
#define TW_SIMD_REDUCE(t, op, V, expr) \
  (t)[::tw::interp::simd::slotIndex(::tw::Opcode::op)] = &reduceOp<V, [](V a) { return expr; }>
#define TW_SIMD_SHIFT(t, op, V, expr)                        \
  (t)[::tw::interp::simd::slotIndex(::tw::Opcode::op)] =     \
      &shiftOp<V, [](V a, uint32_t n) { return expr; }>
