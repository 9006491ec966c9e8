// validateModule, module level: index spaces, limits, constant expressions, segments,
// exports and the start function, with the spec suite's error wording. Function bodies
// are handed to validator_func.cpp once the module-wide facts they depend on (chiefly the
// set of functions a ref.func may name) are known.
#include <string>
#include <unordered_set>

#include "tensorwasm/binary/decoder.h"
#include "validator_internal.h"

namespace tw {
namespace {

Error invalid(std::string msg) { return makeError(ErrorKind::Invalid, std::move(msg)); }
Error unknown(const char* what, uint64_t idx) {
  return invalid(std::string("unknown ") + what + " " + std::to_string(idx));
}

Result<void> checkLimits(const Limits& l, uint64_t range, const char* rangeMsg) {
  if (l.min > range) return invalid(rangeMsg);
  if (l.max) {
    if (*l.max > range) return invalid(rangeMsg);
    if (l.min > *l.max) return invalid("size minimum must not be greater than maximum");
  }
  return {};
}

Result<void> checkTable(const TableType& t) {
  return checkLimits(t.limits, 0xFFFFFFFFull, "table size must be at most 2^32-1");
}

Result<void> checkMemory(const MemoryType& t) {
  return checkLimits(t.limits, 65536, "memory size must be at most 65536 pages (4GiB)");
}

// Type-checks a constant expression against `expected` (2.0 rules: global.get may only
// name an immutable imported global).
Result<void> checkConstExpr(const Module& m, const ConstExpr& e, ValType expected) {
  ValType actual = e.type;
  switch (e.kind) {
    case ConstExpr::Kind::GlobalGet:
      if (e.bits >= m.numImportedGlobals) return unknown("global", e.bits);
      if (m.globalTypes[e.bits].mut != Mut::Const)
        return invalid("constant expression required");
      actual = m.globalTypes[e.bits].type;
      break;
    case ConstExpr::Kind::RefFunc:
      if (e.bits >= m.funcs.size()) return unknown("function", e.bits);
      break;
    default:
      break;
  }
  if (actual != expected)
    return invalid(std::string("type mismatch: constant expression has type ") +
                   valTypeName(actual) + ", expected " + valTypeName(expected));
  return {};
}

}  // namespace

Result<void> validateModule(const Module& m) {
  for (const Import& im : m.imports) {
    switch (im.kind) {
      case ExternKind::Func:
        if (im.funcType.value >= m.types.size()) return unknown("type", im.funcType.value);
        break;
      case ExternKind::Table: TW_TRY(checkTable(im.table)); break;
      case ExternKind::Memory: TW_TRY(checkMemory(im.memory)); break;
      case ExternKind::Global: break;
    }
  }
  for (size_t i = m.numImportedFuncs; i < m.funcs.size(); ++i)
    if (m.funcs[i].value >= m.types.size()) return unknown("type", m.funcs[i].value);
  for (size_t i = m.numImportedTables; i < m.tables.size(); ++i) TW_TRY(checkTable(m.tables[i]));
  for (size_t i = m.numImportedMemories; i < m.memories.size(); ++i)
    TW_TRY(checkMemory(m.memories[i]));
  if (m.memories.size() > 1) return invalid("multiple memories");

  for (const GlobalDef& g : m.globals) TW_TRY(checkConstExpr(m, g.init, g.type.type));

  for (const ElemSegment& s : m.elems) {
    if (s.mode == SegmentMode::Active) {
      if (s.table.value >= m.tables.size()) return unknown("table", s.table.value);
      TW_TRY(checkConstExpr(m, s.offset, ValType::I32));
      if (m.tables[s.table.value].elem != s.type)
        return invalid("type mismatch: element segment type differs from the table's");
    }
    for (const ConstExpr& item : s.items) TW_TRY(checkConstExpr(m, item, s.type));
  }
  for (const DataSegment& d : m.datas) {
    if (d.mode == SegmentMode::Active) {
      if (d.memory.value >= m.memories.size()) return unknown("memory", d.memory.value);
      TW_TRY(checkConstExpr(m, d.offset, ValType::I32));
    }
  }

  if (m.start) {
    if (m.start->value >= m.funcs.size()) return unknown("function", m.start->value);
    const FuncType& ft = m.funcType(*m.start);
    if (!ft.params.empty() || !ft.results.empty())
      return invalid("start function must have type [] -> []");
  }

  std::unordered_set<std::string_view> names;
  names.reserve(m.exports.size());
  for (const Export& e : m.exports) {
    switch (e.kind) {
      case ExternKind::Func:
        if (e.index >= m.funcs.size()) return unknown("function", e.index);
        break;
      case ExternKind::Table:
        if (e.index >= m.tables.size()) return unknown("table", e.index);
        break;
      case ExternKind::Memory:
        if (e.index >= m.memories.size()) return unknown("memory", e.index);
        break;
      case ExternKind::Global:
        if (e.index >= m.globalTypes.size()) return unknown("global", e.index);
        break;
    }
    if (!names.insert(e.name).second) return invalid("duplicate export name \"" + e.name + "\"");
  }

  // C.refs: every function index named outside function bodies.
  detail::ModuleContext ctx{m, std::vector<bool>(m.funcs.size(), false)};
  auto declare = [&](const ConstExpr& e) {
    if (e.kind == ConstExpr::Kind::RefFunc && e.bits < m.funcs.size()) ctx.declaredRefs[e.bits] = true;
  };
  for (const GlobalDef& g : m.globals) declare(g.init);
  for (const ElemSegment& s : m.elems)
    for (const ConstExpr& item : s.items) declare(item);
  for (const Export& e : m.exports)
    if (e.kind == ExternKind::Func) ctx.declaredRefs[e.index] = true;

  return detail::validateFunctions(ctx);
}

}  // namespace tw
