// `--args` parsing and result printing for `run --invoke`. Integers print signed (as most
// users write them); floats print in the shortest form that reads back to the same bits.
#include "tensorwasm/cli/values.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <nlohmann/json.hpp>

namespace tw::cli {
namespace {

using nlohmann::json;

Error usage(std::string message) { return makeError(ErrorKind::Usage, std::move(message)); }

// Parses a decimal or 0x-hex integer with an optional sign into [lo, hi] (lo may be negative).
bool parseIntegerText(std::string_view s, int64_t lo, uint64_t hi, uint64_t& out) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  std::string digits;
  for (char c : s) {
    if (c != '_') digits += c;
  }
  if (digits.empty()) return false;
  uint64_t magnitude = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
  if (ec != std::errc() || p != digits.data() + digits.size()) return false;
  if (negative) {
    if (magnitude > static_cast<uint64_t>(-(lo + 1)) + 1) return false;
    out = ~magnitude + 1;  // two's complement
    return true;
  }
  if (magnitude > hi) return false;
  out = magnitude;
  return true;
}

Result<Value> parseArg(const json& j, ValType type, size_t index) {
  std::string where = "argument " + std::to_string(index) + " (" + valTypeName(type) + ")";
  switch (type) {
    case ValType::I32:
    case ValType::I64: {
      bool is32 = type == ValType::I32;
      int64_t lo = is32 ? INT32_MIN : INT64_MIN;
      uint64_t hi = is32 ? UINT32_MAX : UINT64_MAX;
      uint64_t bits = 0;
      if (j.is_number_unsigned()) {
        bits = j.get<uint64_t>();
        if (bits > hi) return usage(where + ": out of range");
      } else if (j.is_number_integer()) {
        int64_t v = j.get<int64_t>();
        if (v < lo) return usage(where + ": out of range");
        bits = static_cast<uint64_t>(v);
      } else if (j.is_string()) {
        if (!parseIntegerText(j.get<std::string>(), lo, hi, bits)) {
          return usage(where + ": not an integer: " + j.dump());
        }
      } else {
        return usage(where + ": expected an integer, got " + j.dump());
      }
      return is32 ? Value::i32(static_cast<uint32_t>(bits)) : Value::i64(bits);
    }
    case ValType::F32:
    case ValType::F64: {
      double d = 0;
      if (j.is_number()) {
        d = j.get<double>();
      } else if (j.is_string()) {
        std::string s = j.get<std::string>();
        if (s == "nan" || s == "+nan") d = std::numeric_limits<double>::quiet_NaN();
        else if (s == "-nan") d = -std::numeric_limits<double>::quiet_NaN();
        else if (s == "inf" || s == "+inf" || s == "infinity") d = HUGE_VAL;
        else if (s == "-inf" || s == "-infinity") d = -HUGE_VAL;
        else {
          char* end = nullptr;
          d = std::strtod(s.c_str(), &end);
          if (s.empty() || end != s.c_str() + s.size()) return usage(where + ": not a number: " + j.dump());
        }
      } else {
        return usage(where + ": expected a number, got " + j.dump());
      }
      if (type == ValType::F32) return Value::f32(static_cast<float>(d));
      return Value::f64(d);
    }
    case ValType::FuncRef:
    case ValType::ExternRef:
      if (j.is_null()) return Value::zero(type);
      return usage(where + ": only null can be passed for a reference");
    case ValType::V128:
      return usage(where + ": v128 arguments cannot be passed on the command line");
  }
  return usage(where + ": unsupported type");
}

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
  if (j.size() != params.size()) {
    return usage("expected " + std::to_string(params.size()) + " argument(s), got " +
                 std::to_string(j.size()));
  }
  std::vector<Value> out;
  for (size_t i = 0; i < params.size(); ++i) {
    TW_ASSIGN(Value v, parseArg(j[i], params[i], i));
    out.push_back(v);
  }
  return out;
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
