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

// `args` must be a JSON array (or null for no arguments) matching `params`.
Result<std::vector<Value>> argsFromJson(const nlohmann::json& args, std::span<const ValType> params);
// The results as the API reports them: "ok", or an array of values.
Result<nlohmann::json> resultsToJson(std::span<const Value> results);

}  // namespace tw::service
