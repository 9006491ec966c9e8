// Runtime values. UntypedValue is what tiers store; Value carries its type for the API.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "tensorwasm/binary/types.h"

namespace tw {

class Function;

union UntypedValue {
  uint32_t i32;
  uint64_t i64;
  float f32;
  double f64;
  V128 v128;
  void* ref;  // funcref: Function*, externref: opaque host pointer; nullptr is null
  UntypedValue() { std::memset(this, 0, sizeof *this); }
};

struct Value {
  ValType type = ValType::I32;
  UntypedValue v;

  static Value i32(uint32_t x) { Value r; r.type = ValType::I32; r.v.i32 = x; return r; }
  static Value i64(uint64_t x) { Value r; r.type = ValType::I64; r.v.i64 = x; return r; }
  static Value f32(float x) { Value r; r.type = ValType::F32; r.v.f32 = x; return r; }
  static Value f64(double x) { Value r; r.type = ValType::F64; r.v.f64 = x; return r; }
  static Value f32Bits(uint32_t b) { Value r; r.type = ValType::F32; r.v.i32 = b; return r; }
  static Value f64Bits(uint64_t b) { Value r; r.type = ValType::F64; r.v.i64 = b; return r; }
  static Value v128(const V128& x) { Value r; r.type = ValType::V128; r.v.v128 = x; return r; }
  static Value funcref(Function* f) { Value r; r.type = ValType::FuncRef; r.v.ref = f; return r; }
  static Value externref(void* p) { Value r; r.type = ValType::ExternRef; r.v.ref = p; return r; }
  static Value zero(ValType t) { Value r; r.type = t; return r; }

  // "i32:42", "f32:1.5", "funcref:null", for diagnostics.
  std::string toString() const;
};

}  // namespace tw
