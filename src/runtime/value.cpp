// Diagnostic formatting of runtime values.
#include "tensorwasm/runtime/value.h"

#include <cstdio>

namespace tw {

std::string Value::toString() const {
  char buf[96];
  switch (type) {
    case ValType::I32: std::snprintf(buf, sizeof buf, "i32:%u", v.i32); break;
    case ValType::I64: std::snprintf(buf, sizeof buf, "i64:%llu", (unsigned long long)v.i64); break;
    case ValType::F32: std::snprintf(buf, sizeof buf, "f32:%.9g", v.f32); break;
    case ValType::F64: std::snprintf(buf, sizeof buf, "f64:%.17g", v.f64); break;
    case ValType::V128: {
      std::string s = "v128:";
      for (int i = 0; i < 16; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", v.v128.bytes[i]);
        s += buf;
      }
      return s;
    }
    case ValType::FuncRef:
    case ValType::ExternRef:
      if (!v.ref) return std::string(valTypeName(type)) + ":null";
      std::snprintf(buf, sizeof buf, "%s:%p", valTypeName(type), v.ref);
      break;
  }
  return buf;
}

}  // namespace tw
