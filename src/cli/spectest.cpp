// The `spectest` host module the spec tests import (the same definitions as the reference
// interpreter's): print functions that accept their arguments and do nothing visible,
// constant globals of value 666 / 666.6, a funcref table of 10 (max 20) and a memory of one
// page (max 2). A fresh one is made for every script.
#include <memory>

#include "tensorwasm/cli/wast.h"
#include "tensorwasm/runtime/memory.h"

namespace tw::cli {
namespace {

HostFunction ignoreArgs() {
  return [](HostCall&, std::span<const Value>, std::span<Value>) -> Result<void> { return {}; };
}

Extern constGlobal(ValType type, UntypedValue value) {
  Extern e;
  e.kind = ExternKind::Global;
  e.global = std::make_shared<Global>(Global{GlobalType{type, Mut::Const}, value});
  return e;
}

}  // namespace

Result<void> defineSpectest(Linker& linker, const EngineConfig& config) {
  using V = ValType;
  struct Print {
    const char* name;
    std::vector<ValType> params;
  };
  const Print prints[] = {
      {"print", {}},
      {"print_i32", {V::I32}},
      {"print_i64", {V::I64}},
      {"print_f32", {V::F32}},
      {"print_f64", {V::F64}},
      {"print_i32_f32", {V::I32, V::F32}},
      {"print_f64_f64", {V::F64, V::F64}},
  };
  for (const Print& p : prints) {
    linker.defineFunction("spectest", p.name, FuncType{p.params, {}}, ignoreArgs());
  }

  UntypedValue v;
  v.i32 = 666;
  linker.define("spectest", "global_i32", constGlobal(V::I32, v));
  v = UntypedValue();
  v.i64 = 666;
  linker.define("spectest", "global_i64", constGlobal(V::I64, v));
  v = UntypedValue();
  v.f32 = 666.6f;
  linker.define("spectest", "global_f32", constGlobal(V::F32, v));
  v = UntypedValue();
  v.f64 = 666.6;
  linker.define("spectest", "global_f64", constGlobal(V::F64, v));

  Extern table;
  table.kind = ExternKind::Table;
  table.table = std::make_shared<Table>(TableType{V::FuncRef, Limits{10, 20}},
                                        config.maxTableElements, nullptr);
  linker.define("spectest", "table", table);

  Extern memory;
  memory.kind = ExternKind::Memory;
  TW_ASSIGN(memory.memory, Memory::create(MemoryType{Limits{1, 2}}, config.maxMemoryBytes));
  linker.define("spectest", "memory", memory);
  return {};
}

}  // namespace tw::cli
