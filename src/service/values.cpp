// The value codec of the API and the command line. Integers keep their bits: an i32 argument may be written signed or
// unsigned (-2^31 .. 2^32-1), results are written signed. Floats go through double, so f32
// arguments are rounded to nearest from the JSON number's double value.
#include "tensorwasm/service/values.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>

#include "tensorwasm/service/errors.h"

namespace tw::service {
namespace {

using nlohmann::json;

Error invalid(size_t index, const std::string& why) {
  return serviceError(ServiceErrc::InvalidArgs, "argument " + std::to_string(index) + ": " + why);
}

// The digits of an integer string after its sign: decimal, or with ArgSyntax::Command also
// 0x-hex and '_' separators. False when they do not parse.
bool magnitudeOf(std::string_view text, ArgSyntax syntax, uint64_t& magnitude) {
  int base = 10;
  std::string digits(text);
  if (syntax == ArgSyntax::Command) {
    std::erase(digits, '_');
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
      base = 16;
      digits.erase(0, 2);
    }
  }
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, magnitude, base);
  return !digits.empty() && ec == std::errc() && ptr == end;
}

// A JSON integer, or an integer string, as a 128-bit-safe pair (negative flag, magnitude).
Result<std::pair<bool, uint64_t>> integerOf(const json& j, size_t index, ArgSyntax syntax) {
  if (j.is_number_unsigned()) return std::make_pair(false, j.get<uint64_t>());
  if (j.is_number_integer()) {
    int64_t v = j.get<int64_t>();
    return std::make_pair(v < 0, v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v));
  }
  if (j.is_number_float()) {
    double d = j.get<double>();
    if (std::trunc(d) != d || std::fabs(d) > 9007199254740992.0) {
      return invalid(index, "expected an integer, got " + j.dump());
    }
    return std::make_pair(d < 0, static_cast<uint64_t>(std::fabs(d)));
  }
  if (!j.is_string()) return invalid(index, "expected an integer, got " + j.dump());
  const std::string& s = j.get_ref<const std::string&>();
  bool negative = !s.empty() && s[0] == '-';
  bool signed_ = negative || (!s.empty() && s[0] == '+');
  uint64_t magnitude = 0;
  if (!magnitudeOf(std::string_view(s).substr(signed_ ? 1 : 0), syntax, magnitude)) {
    return invalid(index, "\"" + s + "\" is not " +
                              (syntax == ArgSyntax::Api ? "a decimal integer" : "an integer"));
  }
  return std::make_pair(negative, magnitude);
}

// Checks the pair against [-2^(bits-1), 2^bits - 1] and returns the two's-complement bits.
Result<uint64_t> integerBits(const json& j, size_t index, int bits, ArgSyntax syntax) {
  TW_ASSIGN(auto value, integerOf(j, index, syntax));
  auto [negative, magnitude] = value;
  uint64_t maxUnsigned = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
  uint64_t maxNegative = uint64_t{1} << (bits - 1);
  if ((negative && magnitude > maxNegative) || (!negative && magnitude > maxUnsigned)) {
    return invalid(index, j.dump() + " is out of range for i" + std::to_string(bits));
  }
  uint64_t v = negative ? 0 - magnitude : magnitude;
  return bits == 64 ? v : v & maxUnsigned;
}

// The command line's extra float spellings: "nan", "inf", "infinity" (signed), numeric text.
std::optional<double> commandFloat(const std::string& s) {
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (s == "nan" || s == "+nan") return kNan;
  if (s == "-nan") return -kNan;
  if (s == "inf" || s == "+inf" || s == "infinity" || s == "+infinity") return kInf;
  if (s == "-inf" || s == "-infinity") return -kInf;
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

Result<double> floatOf(const json& j, size_t index, ArgSyntax syntax) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    if (syntax == ArgSyntax::Command) {
      if (std::optional<double> d = commandFloat(s)) return *d;
    }
  }
  return invalid(index, "expected a number or \"NaN\"/\"Infinity\"/\"-Infinity\", got " + j.dump());
}

Result<Value> argFromJson(const json& j, ValType type, size_t index, ArgSyntax syntax) {
  switch (type) {
    case ValType::I32: {
      TW_ASSIGN(uint64_t bits, integerBits(j, index, 32, syntax));
      return Value::i32(static_cast<uint32_t>(bits));
    }
    case ValType::I64: {
      TW_ASSIGN(uint64_t bits, integerBits(j, index, 64, syntax));
      return Value::i64(bits);
    }
    case ValType::F32: {
      TW_ASSIGN(double d, floatOf(j, index, syntax));
      return Value::f32(static_cast<float>(d));
    }
    case ValType::F64: {
      TW_ASSIGN(double d, floatOf(j, index, syntax));
      return Value::f64(d);
    }
    case ValType::FuncRef:
    case ValType::ExternRef:
      if (syntax == ArgSyntax::Command && j.is_null()) return Value::zero(type);
      if (syntax == ArgSyntax::Command) return invalid(index, "only null can be passed for a reference");
      [[fallthrough]];
    default:
      return serviceError(ServiceErrc::InvalidArgs, "argument " + std::to_string(index) +
                                                        " has a type the API cannot pass (" +
                                                        valTypeName(type) + ")");
  }
}

json floatToJson(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return d;
}

}  // namespace

Result<std::vector<Value>> argsFromJson(const json& args, std::span<const ValType> params,
                                        ArgSyntax syntax) {
  if (!args.is_null() && !args.is_array()) {
    return serviceError(ServiceErrc::InvalidArgs, "\"args\" must be an array");
  }
  size_t n = args.is_array() ? args.size() : 0;
  if (n > kMaxArgs) {
    return serviceError(ServiceErrc::TooManyArgs, std::to_string(n) + " arguments (at most 256)");
  }
  if (n != params.size()) {
    return serviceError(ServiceErrc::InvalidArgs, "the export takes " +
                                                      std::to_string(params.size()) +
                                                      " arguments, got " + std::to_string(n));
  }
  std::vector<Value> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    TW_ASSIGN(Value v, argFromJson(args[i], params[i], i, syntax));
    out.push_back(v);
  }
  return out;
}

Result<json> resultsToJson(std::span<const Value> results) {
  if (results.empty()) return json("ok");
  json out = json::array();
  for (size_t i = 0; i < results.size(); ++i) {
    const Value& v = results[i];
    switch (v.type) {
      case ValType::I32:
        out.push_back(static_cast<int32_t>(v.v.i32));
        break;
      case ValType::I64: {
        int64_t x = static_cast<int64_t>(v.v.i64);
        constexpr int64_t kSafe = int64_t{1} << 53;
        if (x >= -kSafe && x <= kSafe) {
          out.push_back(x);
        } else {
          out.push_back(std::to_string(x));
        }
        break;
      }
      case ValType::F32:
        out.push_back(floatToJson(v.v.f32));
        break;
      case ValType::F64:
        out.push_back(floatToJson(v.v.f64));
        break;
      default:
        return serviceError(ServiceErrc::UnsupportedResultType,
                            "result " + std::to_string(i) + " is a " + valTypeName(v.type) +
                                ", which the API cannot return");
    }
  }
  return out;
}

}  // namespace tw::service
