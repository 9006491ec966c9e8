// --args parsing and result printing (cli/values.h), and wast2json value matching
// (cli/wast_values.h), NaN classes included.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "tensorwasm/cli/values.h"
#include "tensorwasm/cli/wast_values.h"

using namespace tw;
using namespace tw::cli;
using nlohmann::json;

TEST(CliValues, ParseArgs) {
  std::vector<ValType> types{ValType::I32, ValType::I64, ValType::F32, ValType::F64};
  auto r = parseArgsJson("[-1, 9223372036854775807, 1.5, \"nan\"]", types);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at(0).v.i32, 0xffffffffu);
  EXPECT_EQ(r->at(1).v.i64, 0x7fffffffffffffffull);
  EXPECT_EQ(r->at(2).v.f32, 1.5f);
  EXPECT_TRUE(std::isnan(r->at(3).v.f64));

  auto big = parseArgsJson("[4294967295, \"18446744073709551615\"]", std::vector{ValType::I32, ValType::I64});
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->at(0).v.i32, 0xffffffffu);
  EXPECT_EQ(big->at(1).v.i64, ~0ull);

  auto hex = parseArgsJson("[\"0x10\", \"-inf\"]", std::vector{ValType::I32, ValType::F32});
  ASSERT_TRUE(hex.ok());
  EXPECT_EQ(hex->at(0).v.i32, 16u);
  EXPECT_TRUE(std::isinf(hex->at(1).v.f32));

  auto ref = parseArgsJson("[null]", std::vector{ValType::ExternRef});
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->at(0).v.ref, nullptr);
}

TEST(CliValues, BadArgs) {
  std::vector<ValType> one{ValType::I32};
  for (const char* s : {"", "[", "{}", "[1, 2]", "[]", "[4294967296]", "[-2147483649]", "[1.5]", "[\"x\"]", "[true]"}) {
    auto r = parseArgsJson(s, one);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().kind, ErrorKind::Usage);
  }
  EXPECT_FALSE(parseArgsJson("[0]", std::vector{ValType::V128}).ok());
}

TEST(CliValues, FormatResults) {
  EXPECT_EQ(formatResults({}).value(), "");
  std::vector<Value> one{Value::i32(0xffffffffu)};
  EXPECT_EQ(formatResults(one).value(), "-1");
  std::vector<Value> f{Value::f32(0.1f)};
  EXPECT_EQ(formatResults(f).value(), "0.1");
  std::vector<Value> many{Value::i32(7), Value::i64(1ull << 60), Value::f64(2.5),
                          Value::f64(std::numeric_limits<double>::quiet_NaN()), Value::i64(5)};
  std::string text = formatResults(many).value();
  EXPECT_EQ(text, "[7, \"1152921504606846976\", 2.5, \"nan\", 5]");
  EXPECT_TRUE(json::parse(text).is_array());
  std::vector<Value> inf{Value::f64(-HUGE_VAL)};
  EXPECT_EQ(formatResults(inf).value(), "-inf");
  std::vector<Value> v128{Value::zero(ValType::V128)};
  EXPECT_FALSE(formatResults(v128).ok());
  std::vector<Value> ref{Value::zero(ValType::FuncRef)};
  EXPECT_FALSE(formatResults(ref).ok());
}

TEST(CliWastValues, NanClasses) {
  EXPECT_TRUE(isCanonicalNan32(0x7fc00000u));
  EXPECT_TRUE(isCanonicalNan32(0xffc00000u));
  EXPECT_FALSE(isCanonicalNan32(0x7fc00001u));
  EXPECT_TRUE(isArithmeticNan32(0x7fc00001u));
  EXPECT_FALSE(isArithmeticNan32(0x7f800001u));  // signalling
  EXPECT_FALSE(isArithmeticNan32(0x7f800000u));  // infinity
  EXPECT_TRUE(isCanonicalNan64(0xfff8000000000000ull));
  EXPECT_FALSE(isCanonicalNan64(0x7ff8000000000001ull));
  EXPECT_TRUE(isArithmeticNan64(0x7ff8000000000001ull));
  EXPECT_FALSE(isArithmeticNan64(0x7ff0000000000001ull));
}

TEST(CliWastValues, ParseScalars) {
  auto i32 = parseWastValue(json{{"type", "i32"}, {"value", "4294967295"}});
  ASSERT_TRUE(i32.ok());
  EXPECT_EQ(i32->type, ValType::I32);
  EXPECT_EQ(i32->v.i32, 0xffffffffu);
  auto i64 = parseWastValue(json{{"type", "i64"}, {"value", "18446744073709551615"}});
  EXPECT_EQ(i64->v.i64, ~0ull);
  auto f32 = parseWastValue(json{{"type", "f32"}, {"value", "2139095041"}});  // sNaN bits kept
  EXPECT_EQ(f32->v.i32, 0x7f800001u);
  auto f64 = parseWastValue(json{{"type", "f64"}, {"value", "4607182418800017408"}});
  EXPECT_EQ(f64->v.f64, 1.0);
  auto ext = parseWastValue(json{{"type", "externref"}, {"value", "0"}});
  EXPECT_EQ(ext->v.ref, reinterpret_cast<void*>(1));
  auto null = parseWastValue(json{{"type", "externref"}, {"value", "null"}});
  EXPECT_EQ(null->v.ref, nullptr);
  auto fnull = parseWastValue(json{{"type", "funcref"}, {"value", "null"}});
  EXPECT_EQ(fnull->type, ValType::FuncRef);
  EXPECT_FALSE(parseWastValue(json{{"type", "i32"}, {"value", "x"}}).ok());
  EXPECT_FALSE(parseWastValue(json{{"type", "i31"}, {"value", "1"}}).ok());
}

TEST(CliWastValues, ParseV128) {
  json j = {{"type", "v128"}, {"lane_type", "i16"}, {"value", {"256", "770", "1", "2", "3", "4", "5", "65535"}}};
  auto v = parseWastValue(j);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->v.v128.bytes[0], 0);
  EXPECT_EQ(v->v.v128.bytes[1], 1);
  EXPECT_EQ(v->v.v128.bytes[2], 2);
  EXPECT_EQ(v->v.v128.bytes[3], 3);
  EXPECT_EQ(v->v.v128.bytes[15], 0xff);
  EXPECT_TRUE(matchWastValue(j, v.value()));
  json wrongCount = {{"type", "v128"}, {"lane_type", "i32"}, {"value", {"1", "2"}}};
  EXPECT_FALSE(parseWastValue(wrongCount).ok());
}

TEST(CliWastValues, Match) {
  std::string why;
  EXPECT_TRUE(matchWastValue(json{{"type", "i32"}, {"value", "42"}}, Value::i32(42)));
  EXPECT_FALSE(matchWastValue(json{{"type", "i32"}, {"value", "42"}}, Value::i32(43), &why));
  EXPECT_NE(why.find("expected"), std::string::npos);
  EXPECT_FALSE(matchWastValue(json{{"type", "i64"}, {"value", "42"}}, Value::i32(42)));  // type
  // Floats compare by bits: -0 is not 0, and NaN payloads matter unless a class is given.
  EXPECT_FALSE(matchWastValue(json{{"type", "f32"}, {"value", "0"}}, Value::f32Bits(0x80000000u)));
  EXPECT_TRUE(matchWastValue(json{{"type", "f32"}, {"value", "2143289344"}}, Value::f32Bits(0x7fc00000u)));
  EXPECT_FALSE(matchWastValue(json{{"type", "f32"}, {"value", "2143289344"}}, Value::f32Bits(0xffc00000u)));
  EXPECT_TRUE(matchWastValue(json{{"type", "f32"}, {"value", "nan:canonical"}}, Value::f32Bits(0xffc00000u)));
  EXPECT_FALSE(matchWastValue(json{{"type", "f32"}, {"value", "nan:canonical"}}, Value::f32Bits(0x7fc00001u)));
  EXPECT_TRUE(matchWastValue(json{{"type", "f32"}, {"value", "nan:arithmetic"}}, Value::f32Bits(0x7fc00001u)));
  EXPECT_FALSE(matchWastValue(json{{"type", "f32"}, {"value", "nan:arithmetic"}}, Value::f32Bits(0x7f800001u)));
  EXPECT_TRUE(matchWastValue(json{{"type", "f64"}, {"value", "nan:canonical"}}, Value::f64Bits(0x7ff8000000000000ull)));
  EXPECT_FALSE(matchWastValue(json{{"type", "f64"}, {"value", "nan:canonical"}}, Value::f64(1.0)));
  EXPECT_TRUE(matchWastValue(json{{"type", "f64"}, {"value", "nan:arithmetic"}}, Value::f64Bits(0xfff8000000000123ull)));
  // v128 float lanes with NaN classes.
  V128 lanes;
  uint32_t f[4] = {0x7fc00000u, 0x3f800000u, 0xffc00000u, 0x7fc00001u};
  std::memcpy(lanes.bytes, f, 16);
  json vexp = {{"type", "v128"}, {"lane_type", "f32"},
               {"value", {"nan:canonical", "1065353216", "nan:canonical", "nan:arithmetic"}}};
  EXPECT_TRUE(matchWastValue(vexp, Value::v128(lanes)));
  vexp["value"][3] = "nan:canonical";
  EXPECT_FALSE(matchWastValue(vexp, Value::v128(lanes)));
  // References: null is distinct from ref.extern 0; any non-null funcref matches a non-null one.
  EXPECT_TRUE(matchWastValue(json{{"type", "externref"}, {"value", "null"}}, Value::externref(nullptr)));
  EXPECT_FALSE(matchWastValue(json{{"type", "externref"}, {"value", "0"}}, Value::externref(nullptr)));
  EXPECT_TRUE(matchWastValue(json{{"type", "externref"}, {"value", "0"}}, Value::externref(reinterpret_cast<void*>(1))));
  EXPECT_FALSE(matchWastValue(json{{"type", "funcref"}, {"value", "null"}}, Value::funcref(reinterpret_cast<Function*>(8))));
  // Only a type: anything of that type matches (assert_trap's "expected").
  EXPECT_TRUE(matchWastValue(json{{"type", "v128"}}, Value::v128(lanes)));
}
