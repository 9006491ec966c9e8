// `--args` parsing (the service layer's value codec, in its command-line syntax) and result
// printing for `run --invoke`. Integers print signed (as most
// users write them); floats print in the shortest form that reads back to the same bits.
#include "tensorwasm/cli/values.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <nlohmann/json.hpp>

#include "tensorwasm/service/values.h"

namespace tw::cli {
namespace {

using nlohmann::json;

Error usage(std::string message) { return makeError(ErrorKind::Usage, std::move(message)); }

template <typename F>
std::string shortestFloat(F x) {
  if (std::isnan(x)) return std::signbit(x) ? "-nan" : "nan";
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, p);
}

}  // namespace

Result<std::vector<Value>> parseArgsJson(std::string_view text, std::span<const ValType> params) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return usage("--args is not valid JSON: " + std::string(text));
  if (!j.is_array()) return usage("--args must be a JSON array, e.g. [1, 2.5]");
  return service::argsFromJson(j, params, service::ArgSyntax::Command);
}

Result<std::string> formatScalar(const Value& value) {
  switch (value.type) {
    case ValType::I32: return std::to_string(static_cast<int32_t>(value.v.i32));
    case ValType::I64: return std::to_string(static_cast<int64_t>(value.v.i64));
    case ValType::F32: return shortestFloat(value.v.f32);
    case ValType::F64: return shortestFloat(value.v.f64);
    case ValType::V128:
      return usage("cannot print a v128 result (call an export returning numbers)");
    case ValType::FuncRef:
    case ValType::ExternRef:
      return usage(std::string("cannot print a ") + valTypeName(value.type) + " result");
  }
  return usage("cannot print result");
}

Result<std::string> formatResults(std::span<const Value> values) {
  if (values.empty()) return std::string();
  if (values.size() == 1) return formatScalar(values[0]);
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    TW_ASSIGN(std::string text, formatScalar(values[i]));
    const Value& v = values[i];
    bool quote = false;
    if (v.type == ValType::I64) {
      int64_t x = static_cast<int64_t>(v.v.i64);
      quote = x > (int64_t{1} << 53) || x < -(int64_t{1} << 53);
    } else if (v.type == ValType::F32) {
      quote = !std::isfinite(v.v.f32);
    } else if (v.type == ValType::F64) {
      quote = !std::isfinite(v.v.f64);
    }
    out += quote ? "\"" + text + "\"" : text;
  }
  return out + "]";
}

}  // namespace tw::cli
