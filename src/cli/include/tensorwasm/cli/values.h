// Values on the command line: `run --invoke NAME --args JSON-array` arguments typed by the
// export's signature, and the printing of results (nothing, one scalar, or a JSON array).
// Thread-safety: pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tensorwasm/binary/types.h"
#include "tensorwasm/runtime/value.h"
#include "tensorwasm/support/result.h"

namespace tw::cli {

// Converts a JSON array to arguments of `params`. Integers accept JSON numbers or decimal/hex
// strings (signed or unsigned range); floats accept numbers or "nan", "inf", "-inf", numeric
// strings; references accept only null. v128 is refused. Errors are of kind Usage.
Result<std::vector<Value>> parseArgsJson(std::string_view json, std::span<const ValType> params);

// One value as printed on its own: i32/i64 signed decimal, floats in the shortest form that
// reads back exactly ("nan", "inf", "-inf" for the specials). v128/references: Usage error.
Result<std::string> formatScalar(const Value& value);

// Results as cli.md prints them: "" for none, formatScalar for one, else a JSON array (i64
// beyond 2^53 and non-finite floats as strings so the JSON stays exact and valid).
Result<std::string> formatResults(std::span<const Value> values);

}  // namespace tw::cli
