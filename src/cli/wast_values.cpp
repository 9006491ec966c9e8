// Conversion and comparison of wast2json values. Floats are compared by bits (the suite writes
// them as bit patterns), except the two NaN classes, which match any NaN of that class.
#include "tensorwasm/cli/wast_values.h"

#include <charconv>
#include <cstring>
#include <cstdio>

namespace tw::cli {
namespace {

using nlohmann::json;

Error bad(const std::string& what, const json& v) {
  return makeError(ErrorKind::Usage, what + ": " + v.dump());
}

// Decimal text of an unsigned (or, rarely, negative) integer, truncated to `bits` bits.
bool parseBits(const std::string& s, unsigned bits, uint64_t& out) {
  std::string_view t = s;
  bool negative = !t.empty() && t[0] == '-';
  if (negative) t.remove_prefix(1);
  uint64_t x = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), x);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size()) return false;
  if (negative) x = ~x + 1;
  out = bits == 64 ? x : (x & ((uint64_t{1} << bits) - 1));
  return true;
}

unsigned laneBits(const std::string& laneType) {
  if (laneType == "i8") return 8;
  if (laneType == "i16") return 16;
  if (laneType == "i32" || laneType == "f32") return 32;
  if (laneType == "i64" || laneType == "f64") return 64;
  return 0;
}

uint64_t readLane(const V128& v, unsigned bits, unsigned lane) {
  uint64_t x = 0;
  std::memcpy(&x, v.bytes + lane * (bits / 8), bits / 8);
  return x;
}

void writeLane(V128& v, unsigned bits, unsigned lane, uint64_t x) {
  std::memcpy(v.bytes + lane * (bits / 8), &x, bits / 8);
}

std::string hex(uint64_t x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(x));
  return buf;
}

// A scalar float expectation against bits: "nan:canonical", "nan:arithmetic" or exact bits.
bool matchFloatBits(const std::string& expected, uint64_t actual, bool is64) {
  if (expected == "nan:canonical") return is64 ? isCanonicalNan64(actual) : isCanonicalNan32(static_cast<uint32_t>(actual));
  if (expected == "nan:arithmetic") return is64 ? isArithmeticNan64(actual) : isArithmeticNan32(static_cast<uint32_t>(actual));
  uint64_t bits = 0;
  return parseBits(expected, is64 ? 64 : 32, bits) && bits == actual;
}

ValType typeByName(const std::string& t, bool& ok) {
  ok = true;
  if (t == "i32") return ValType::I32;
  if (t == "i64") return ValType::I64;
  if (t == "f32") return ValType::F32;
  if (t == "f64") return ValType::F64;
  if (t == "v128") return ValType::V128;
  if (t == "funcref") return ValType::FuncRef;
  if (t == "externref") return ValType::ExternRef;
  ok = false;
  return ValType::I32;
}

}  // namespace

bool isCanonicalNan32(uint32_t bits) { return (bits & 0x7fffffffu) == 0x7fc00000u; }
bool isArithmeticNan32(uint32_t bits) { return (bits & 0x7fc00000u) == 0x7fc00000u; }
bool isCanonicalNan64(uint64_t bits) {
  return (bits & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
}
bool isArithmeticNan64(uint64_t bits) {
  return (bits & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
}

Result<Value> parseWastValue(const json& v) {
  if (!v.is_object() || !v.contains("type") || !v["type"].is_string()) return bad("value without a type", v);
  bool known = false;
  ValType type = typeByName(v["type"].get<std::string>(), known);
  if (!known) return bad("unknown value type", v);
  if (!v.contains("value")) return bad("value without a value", v);
  const json& val = v["value"];
  if (type == ValType::V128) {
    std::string laneType = v.value("lane_type", "");
    unsigned bits = laneBits(laneType);
    if (!bits || !val.is_array() || val.size() != 128 / bits) return bad("bad v128 value", v);
    V128 out;
    for (unsigned i = 0; i < val.size(); ++i) {
      uint64_t x = 0;
      if (!val[i].is_string() || !parseBits(val[i].get<std::string>(), bits, x)) return bad("bad v128 lane", v);
      writeLane(out, bits, i, x);
    }
    return Value::v128(out);
  }
  if (!val.is_string()) return bad("value is not a string", v);
  std::string s = val.get<std::string>();
  if (isRefType(type)) {
    if (s == "null") return Value::zero(type);
    uint64_t n = 0;
    if (type == ValType::ExternRef && parseBits(s, 64, n)) {
      return Value::externref(reinterpret_cast<void*>(static_cast<uintptr_t>(n + 1)));
    }
    return bad("unsupported reference value", v);
  }
  uint64_t bits = 0;
  unsigned width = (type == ValType::I32 || type == ValType::F32) ? 32 : 64;
  if (!parseBits(s, width, bits)) return bad("bad number", v);
  switch (type) {
    case ValType::I32: return Value::i32(static_cast<uint32_t>(bits));
    case ValType::I64: return Value::i64(bits);
    case ValType::F32: return Value::f32Bits(static_cast<uint32_t>(bits));
    default: return Value::f64Bits(bits);
  }
}

bool matchWastValue(const json& expected, const Value& actual, std::string* why) {
  auto fail = [&](const std::string& detail = "") {
    if (why) {
      *why = "expected " + expected.dump() + ", got " + describeValue(actual);
      if (!detail.empty()) *why += " (" + detail + ")";
    }
    return false;
  };
  if (!expected.is_object() || !expected.contains("type")) return fail("bad expectation");
  bool known = false;
  ValType type = typeByName(expected["type"].get<std::string>(), known);
  if (!known) return fail("unknown type");
  if (type != actual.type) return fail("type differs");
  if (!expected.contains("value")) return true;  // only the type is given
  const json& val = expected["value"];
  switch (type) {
    case ValType::I32:
    case ValType::I64: {
      Result<Value> e = parseWastValue(expected);
      if (!e.ok()) return fail(e.error().message);
      bool same = type == ValType::I32 ? e->v.i32 == actual.v.i32 : e->v.i64 == actual.v.i64;
      return same ? true : fail();
    }
    case ValType::F32:
      return matchFloatBits(val.get<std::string>(), actual.v.i32, false) ? true : fail();
    case ValType::F64:
      return matchFloatBits(val.get<std::string>(), actual.v.i64, true) ? true : fail();
    case ValType::V128: {
      std::string laneType = expected.value("lane_type", "");
      unsigned bits = laneBits(laneType);
      if (!bits || !val.is_array() || val.size() != 128 / bits) return fail("bad v128 expectation");
      bool isFloat = laneType[0] == 'f';
      for (unsigned i = 0; i < val.size(); ++i) {
        uint64_t lane = readLane(actual.v.v128, bits, i);
        std::string text = val[i].get<std::string>();
        bool ok = false;
        if (isFloat) {
          ok = matchFloatBits(text, lane, bits == 64);
        } else {
          uint64_t x = 0;
          ok = parseBits(text, bits, x) && x == lane;
        }
        if (!ok) return fail("lane " + std::to_string(i));
      }
      return true;
    }
    case ValType::FuncRef:
    case ValType::ExternRef: {
      std::string s = val.get<std::string>();
      if (s == "null") return actual.v.ref == nullptr ? true : fail();
      if (type == ValType::FuncRef) return actual.v.ref != nullptr ? true : fail();  // any non-null
      Result<Value> e = parseWastValue(expected);
      if (!e.ok()) return fail(e.error().message);
      return e->v.ref == actual.v.ref ? true : fail();
    }
  }
  return fail();
}

std::string describeValue(const Value& value) {
  switch (value.type) {
    case ValType::I32: return "i32:" + std::to_string(value.v.i32);
    case ValType::I64: return "i64:" + std::to_string(value.v.i64);
    case ValType::F32: return "f32:" + hex(value.v.i32);
    case ValType::F64: return "f64:" + hex(value.v.i64);
    case ValType::V128: {
      std::string s = "v128:i32x4 [";
      for (unsigned i = 0; i < 4; ++i) s += (i ? " " : "") + hex(readLane(value.v.v128, 32, i));
      return s + "]";
    }
    case ValType::FuncRef:
      return value.v.ref ? "funcref:" + hex(reinterpret_cast<uintptr_t>(value.v.ref)) : "funcref:null";
    case ValType::ExternRef:
      return value.v.ref ? "externref:" + std::to_string(reinterpret_cast<uintptr_t>(value.v.ref) - 1)
                         : "externref:null";
  }
  return "?";
}

}  // namespace tw::cli
