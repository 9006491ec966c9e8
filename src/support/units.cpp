// Size and duration parsing for flags such as --max-memory and --deadline.
#include "tensorwasm/support/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace tw {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits "12.5MiB" into a non-negative number and a suffix; false if there is no number.
bool splitNumber(std::string_view text, double& number, std::string_view& suffix, bool& integral,
                 uint64_t& integer) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  std::string_view digits = text.substr(0, i);
  if (digits.empty() || digits == ".") return false;
  suffix = text.substr(i);
  integral = digits.find('.') == std::string_view::npos;
  if (integral) {
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), integer);
    if (ec != std::errc() || p != digits.data() + digits.size()) return false;
    number = static_cast<double>(integer);
    return true;
  }
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  return ec == std::errc() && p == digits.data() + digits.size() && std::isfinite(number);
}

}  // namespace

Result<uint64_t> parseSize(std::string_view text) {
  auto bad = [&](const char* why) {
    return makeError(ErrorKind::Usage, "invalid size '" + std::string(text) + "': " + why +
                                           " (examples: 4096, 64KiB, 256MiB, 1GiB)");
  };
  double number = 0;
  uint64_t integer = 0;
  bool integral = false;
  std::string_view suffix;
  if (!splitNumber(text, number, suffix, integral, integer)) return bad("expected a number");
  std::string unit = lower(suffix);
  uint64_t scale = 0;
  if (unit.empty() || unit == "b") scale = 1;
  else if (unit == "kib" || unit == "k") scale = 1ull << 10;
  else if (unit == "mib" || unit == "m") scale = 1ull << 20;
  else if (unit == "gib" || unit == "g") scale = 1ull << 30;
  else if (unit == "tib" || unit == "t") scale = 1ull << 40;
  else if (unit == "kb") scale = 1000ull;
  else if (unit == "mb") scale = 1000ull * 1000;
  else if (unit == "gb") scale = 1000ull * 1000 * 1000;
  else if (unit == "tb") scale = 1000ull * 1000 * 1000 * 1000;
  else return bad("unknown unit");
  if (integral) {
    if (integer != 0 && scale > UINT64_MAX / integer) return bad("too large");
    return integer * scale;
  }
  double bytes = number * static_cast<double>(scale);
  if (bytes >= 18446744073709551616.0) return bad("too large");
  if (bytes != std::floor(bytes)) return bad("not a whole number of bytes");
  return static_cast<uint64_t>(bytes);
}

Result<std::chrono::nanoseconds> parseDuration(std::string_view text) {
  auto bad = [&](const char* why) {
    return makeError(ErrorKind::Usage, "invalid duration '" + std::string(text) + "': " + why +
                                           " (examples: 250ms, 2s, 1m)");
  };
  double number = 0;
  uint64_t integer = 0;
  bool integral = false;
  std::string_view suffix;
  if (!splitNumber(text, number, suffix, integral, integer)) return bad("expected a number");
  std::string unit = lower(suffix);
  double nsPerUnit = 0;
  if (unit.empty() || unit == "ms") nsPerUnit = 1e6;
  else if (unit == "ns") nsPerUnit = 1;
  else if (unit == "us") nsPerUnit = 1e3;
  else if (unit == "s") nsPerUnit = 1e9;
  else if (unit == "m" || unit == "min") nsPerUnit = 60e9;
  else if (unit == "h") nsPerUnit = 3600e9;
  else return bad("unknown unit");
  double ns = number * nsPerUnit;
  if (ns > 9.2e18) return bad("too large");
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(ns)));
}

}  // namespace tw
