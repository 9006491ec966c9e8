// Linker: import resolution and instantiation (spec 2.0 order: resolve imports, allocate
// functions, globals, tables and memory, apply element then data segments, run start), and
// instantiation from an image, which allocates the same way and takes the rest from the image.
#include <cstring>

#include "tensorwasm/runtime/image.h"
#include "tensorwasm/runtime/instance.h"

namespace tw {

void Linker::defineFunction(std::string module, std::string name, FuncType type, HostFunction fn,
                            DirectHost direct) {
  auto f = std::make_shared<Function>();
  f->typeId = canonicalTypeId(type);
  f->type = std::move(type);
  f->host = std::move(fn);
  f->direct = std::move(direct);
  Extern ext;
  ext.kind = ExternKind::Func;
  ext.func = std::move(f);
  define(std::move(module), std::move(name), std::move(ext));
}

void Linker::define(std::string module, std::string name, Extern ext) {
  defs_[{std::move(module), std::move(name)}] = std::move(ext);
}

void Linker::defineInstance(const std::string& module, const std::shared_ptr<Instance>& instance) {
  for (const Export& exp : instance->module().exports) {
    if (auto ext = instance->getExport(exp.name)) define(module, exp.name, std::move(*ext));
  }
}

namespace {

bool limitsMatch(uint64_t actualMin, std::optional<uint64_t> actualMax, const Limits& wanted) {
  if (actualMin < wanted.min) return false;
  if (!wanted.max) return true;
  return actualMax && *actualMax <= *wanted.max;
}

Error linkError(const Import& imp, const std::string& why) {
  return makeError(ErrorKind::Link, why + ": " + imp.module + "." + imp.name + " (" +
                                        externKindName(imp.kind) + ")");
}

Result<void> checkImport(const Module& m, const Import& imp, const Extern& ext) {
  if (ext.kind != imp.kind) return linkError(imp, "incompatible import type");
  switch (imp.kind) {
    case ExternKind::Func:
      if (ext.func->type != m.types[imp.funcType.value]) {
        return linkError(imp, "incompatible import type");
      }
      break;
    case ExternKind::Table: {
      const TableType& t = ext.table->type();
      if (t.elem != imp.table.elem ||
          !limitsMatch(ext.table->size(), t.limits.max, imp.table.limits)) {
        return linkError(imp, "incompatible import type");
      }
      break;
    }
    case ExternKind::Memory:
      if (!limitsMatch(ext.memory->pages(), ext.memory->type().limits.max, imp.memory.limits)) {
        return linkError(imp, "incompatible import type");
      }
      break;
    case ExternKind::Global:
      if (ext.global->type != imp.global) return linkError(imp, "incompatible import type");
      break;
  }
  return {};
}

UntypedValue evalConst(const Instance& inst, const ConstExpr& e) {
  UntypedValue v;
  switch (e.kind) {
    case ConstExpr::Kind::I32: v.i32 = static_cast<uint32_t>(e.bits); break;
    case ConstExpr::Kind::I64:
    case ConstExpr::Kind::F64: v.i64 = e.bits; break;
    case ConstExpr::Kind::F32: v.i32 = static_cast<uint32_t>(e.bits); break;
    case ConstExpr::Kind::V128: v.v128 = e.v128; break;
    case ConstExpr::Kind::RefNull: v.ref = nullptr; break;
    case ConstExpr::Kind::RefFunc: v.ref = inst.funcs[e.bits]; break;
    case ConstExpr::Kind::GlobalGet: v = inst.globals[e.bits]->value; break;
  }
  return v;
}

Result<void> applyElems(Instance& inst, const Module& m) {
  for (size_t i = 0; i < m.elems.size(); ++i) {
    const ElemSegment& seg = m.elems[i];
    if (seg.mode == SegmentMode::Passive) continue;
    inst.droppedElems[i] = 1;
    if (seg.mode == SegmentMode::Declarative) continue;
    Table& table = *inst.tables[seg.table.value];
    uint64_t offset = evalConst(inst, seg.offset).i32;
    if (offset + seg.items.size() > table.size()) return makeTrap(TrapKind::OutOfBoundsTable);
    for (size_t j = 0; j < seg.items.size(); ++j) {
      table.elems[offset + j] = evalConst(inst, seg.items[j]).ref;
    }
  }
  return {};
}

Result<void> applyDatas(Instance& inst, const Module& m) {
  for (size_t i = 0; i < m.datas.size(); ++i) {
    const DataSegment& seg = m.datas[i];
    if (seg.mode != SegmentMode::Active) continue;
    inst.droppedDatas[i] = 1;
    uint64_t offset = evalConst(inst, seg.offset).i32;
    uint8_t* dst = inst.memory ? inst.memory->range(offset, seg.size) : nullptr;
    if (!dst) return makeTrap(TrapKind::OutOfBoundsMemory);
    std::memcpy(dst, m.bytes.data() + seg.begin, seg.size);
  }
  return {};
}

}  // namespace

Result<std::shared_ptr<Instance>> Linker::allocate(const Engine& engine,
                                                   std::shared_ptr<const CompiledModule> compiled,
                                                   const MemoryImage* memoryImage) const {
  const Module& m = compiled->module();
  const EngineConfig& config = engine.config();
  auto inst = std::make_shared<Instance>();
  inst->compiled_ = compiled;
  inst->engine_ = &engine;

  for (const Import& imp : m.imports) {
    auto it = defs_.find({imp.module, imp.name});
    if (it == defs_.end()) return linkError(imp, "unknown import");
    TW_TRY(checkImport(m, imp, it->second));
    const Extern& ext = it->second;
    inst->imports.push_back(ext);
    switch (imp.kind) {
      case ExternKind::Func: inst->funcs.push_back(ext.func.get()); break;
      case ExternKind::Table: inst->tables.push_back(ext.table); break;
      case ExternKind::Memory: inst->memory = ext.memory; break;
      case ExternKind::Global: inst->globals.push_back(ext.global); break;
    }
  }

  // Never resized after this: funcs points into it.
  inst->ownFunctions.resize(m.bodies.size());
  inst->funcs.reserve(inst->funcs.size() + m.bodies.size());
  for (size_t i = 0; i < m.bodies.size(); ++i) {
    Function& f = inst->ownFunctions[i];
    uint32_t index = m.numImportedFuncs + static_cast<uint32_t>(i);
    uint32_t type = m.funcs[index].value;
    f.type = m.types[type];
    f.typeId = compiled->typeIds()[type];
    f.instance = inst.get();
    f.index = index;
    inst->funcs.push_back(&f);
  }
  for (const GlobalDef& g : m.globals) {
    auto cell = std::make_shared<Global>();
    cell->type = g.type;
    cell->value = evalConst(*inst, g.init);
    inst->globals.push_back(std::move(cell));
  }
  for (size_t i = m.numImportedTables; i < m.tables.size(); ++i) {
    const TableType& tt = m.tables[i];
    if (tt.limits.min > config.maxTableElements) {
      return makeError(ErrorKind::Limit, "table minimum of " + std::to_string(tt.limits.min) +
                                             " elements exceeds the limit");
    }
    inst->tables.push_back(std::make_shared<Table>(tt, config.maxTableElements, nullptr));
  }
  if (m.numImportedMemories < m.memories.size()) {
    TW_ASSIGN(inst->memory, Memory::create(m.memories.back(), config.maxMemoryBytes, memoryImage));
  }
  inst->droppedElems.assign(m.elems.size(), 0);
  inst->droppedDatas.assign(m.datas.size(), 0);
  compiled->code().bind(*inst);
  if (m.numImportedTables > 0) retained_.push_back(inst);
  return inst;
}

Result<std::shared_ptr<Instance>> Linker::instantiate(const Engine& engine,
                                                      std::shared_ptr<const CompiledModule> compiled,
                                                      const CallOptions& options) const {
  TW_ASSIGN(std::shared_ptr<Instance> inst, allocate(engine, compiled, nullptr));
  const Module& m = compiled->module();
  Result<void> segments = applyElems(*inst, m);
  if (segments.ok()) segments = applyDatas(*inst, m);
  if (!segments.ok()) {
    Error e = segments.takeError();
    if (e.kind == ErrorKind::Trap) e.kind = ErrorKind::Instantiate;
    return e;
  }
  if (m.start) {
    auto r = inst->call(*inst->funcs[m.start->value], {}, options);
    if (!r.ok()) return r.takeError();
  }
  return inst;
}

Result<std::shared_ptr<Instance>> Linker::instantiateFromImage(const Engine& engine,
                                                               std::shared_ptr<const CompiledModule> compiled,
                                                               const InstanceImage& image) const {
  const Module& m = compiled->module();
  bool ownMemory = m.numImportedMemories < m.memories.size();
  if (ownMemory != (image.memory() != nullptr)) {
    return makeError(ErrorKind::Instantiate, "the image belongs to another module (own memory)");
  }
  TW_ASSIGN(std::shared_ptr<Instance> inst, allocate(engine, compiled, image.memory()));
  TW_TRY(image.restoreObjects(*inst));
  return inst;
}

}  // namespace tw
