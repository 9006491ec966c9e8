// Values in wabt's wast2json command files: {"type": "i32", "value": "4294967295"}, floats as
// bit patterns, "nan:canonical"/"nan:arithmetic" expectations, v128 with a lane_type and one
// string per lane, funcref/externref with "null" or a number. `ref.extern N` is represented as
// the host opaque pointer N+1 so that null stays distinct from `ref.extern 0`.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "tensorwasm/runtime/value.h"
#include "tensorwasm/support/result.h"

namespace tw::cli {

// A concrete value (an action argument). Errors: kind Usage, naming the bad field.
Result<Value> parseWastValue(const nlohmann::json& v);

// Whether `actual` satisfies the expectation `expected` (which may hold NaN patterns). On a
// mismatch `why` (if given) receives "expected ..., got ...".
bool matchWastValue(const nlohmann::json& expected, const Value& actual, std::string* why = nullptr);

// "i32:42", "f32:0x7fc00000 (nan)", "v128:i32x4 [1 2 3 4]", "externref:3" for messages.
std::string describeValue(const Value& value);

// NaN classes of the spec: canonical (only the quiet bit set in the payload) and arithmetic
// (quiet bit set). Sign is ignored.
bool isCanonicalNan32(uint32_t bits);
bool isArithmeticNan32(uint32_t bits);
bool isCanonicalNan64(uint64_t bits);
bool isArithmeticNan64(uint64_t bits);

}  // namespace tw::cli
