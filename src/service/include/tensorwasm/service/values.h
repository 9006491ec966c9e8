// The JSON <-> Wasm value codec of the HTTP API (http-api.md, "Values"), driven by the
// export's signature: i32/i64 from JSON integers or decimal strings, f32/f64 from JSON
// numbers (rounded to nearest) or "NaN"/"Infinity"/"-Infinity"; results the same way, with
// an i64 outside +-2^53 written as a decimal string and an export without results as "ok".
// Errors are ServiceErrc InvalidArgs / TooManyArgs / UnsupportedResultType naming the
// argument. Shared by the server and the CLI.
#pragma once

#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "tensorwasm/binary/types.h"
#include "tensorwasm/runtime/value.h"
#include "tensorwasm/support/result.h"

namespace tw::service {

inline constexpr size_t kMaxArgs = 256;

// How an argument may be spelled.
enum class ArgSyntax : uint8_t {
  // http-api.md exactly: integers as JSON numbers or decimal strings, floats as JSON numbers or
  // "NaN", "Infinity", "-Infinity"; references cannot be passed.
  Api,
  // The command line's --args, a superset: also hex integer strings ("0x10") and '_' digit
  // separators, floats as numeric strings and "nan", "-nan", "inf", "-inf", "infinity", and
  // null for a reference parameter.
  Command,
};

// `args` must be a JSON array (or null for no arguments) matching `params`. InvalidArgs (kind
// Usage) names the argument and what was wrong; TooManyArgs past kMaxArgs.
Result<std::vector<Value>> argsFromJson(const nlohmann::json& args, std::span<const ValType> params,
                                        ArgSyntax syntax = ArgSyntax::Api);
// The results as the API reports them: "ok", or an array of values.
Result<nlohmann::json> resultsToJson(std::span<const Value> results);

}  // namespace tw::service
