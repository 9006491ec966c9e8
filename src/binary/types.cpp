// Names and small lookups over the type and module structures: the text-format spellings
// used in error messages and tooling, and the export/name-section queries that the
// runtime and CLI use to report functions by the names a producer gave them.
#include <string>

#include "tensorwasm/binary/module.h"
#include "tensorwasm/binary/types.h"

namespace tw {

const char* valTypeName(ValType t) {
  switch (t) {
    case ValType::I32: return "i32";
    case ValType::I64: return "i64";
    case ValType::F32: return "f32";
    case ValType::F64: return "f64";
    case ValType::V128: return "v128";
    case ValType::FuncRef: return "funcref";
    case ValType::ExternRef: return "externref";
  }
  return "<invalid type>";
}

const char* externKindName(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return "func";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
  }
  return "<invalid kind>";
}

static void appendList(std::string& out, const std::vector<ValType>& ts) {
  out += '(';
  for (size_t i = 0; i < ts.size(); ++i) {
    if (i) out += ", ";
    out += valTypeName(ts[i]);
  }
  out += ')';
}

std::string FuncType::toString() const {
  std::string out;
  appendList(out, params);
  out += " -> ";
  appendList(out, results);
  return out;
}

const Export* Module::findExport(std::string_view name) const {
  // Export names are unique (validated), so the first match is the only one.
  for (const Export& e : exports)
    if (e.name == name) return &e;
  return nullptr;
}

std::string Module::functionName(FuncIdx f) const {
  auto it = functionNames.find(f.value);
  if (it != functionNames.end() && !it->second.empty()) return it->second;
  return "func[" + std::to_string(f.value) + "]";
}

}  // namespace tw
