// Handlers for table instructions and bulk memory (memory.size/grow/init/copy/fill,
// data.drop). Bounds are checked before anything is written, as the spec requires.
#include "compiler.h"

namespace tw::interp {

namespace {
inline bool inBounds(uint64_t offset, uint64_t len, uint64_t size) {
  return offset <= size && len <= size - offset;
}
}  // namespace

// Operands: dst, index slot, table.
TW_HANDLER(Ops::tableGet) {
  const Table& t = *st->instance->tables[TW_OPC];
  uint32_t i = rd<uint32_t>(fp, TW_OPB);
  if (i >= t.elems.size()) TW_TRAP(OutOfBoundsTable);
  wr<void*>(fp, TW_OPA, t.elems[i]);
  TW_NEXT(instrWords(3));
}

// Operands: index slot, value slot, table.
TW_HANDLER(Ops::tableSet) {
  Table& t = *st->instance->tables[TW_OPC];
  uint32_t i = rd<uint32_t>(fp, TW_OPA);
  if (i >= t.elems.size()) TW_TRAP(OutOfBoundsTable);
  t.elems[i] = rd<void*>(fp, TW_OPB);
  TW_NEXT(instrWords(3));
}

TW_HANDLER(Ops::tableSize) {
  fp[TW_OPA] = st->instance->tables[TW_OPB]->size();
  TW_NEXT(instrWords(2));
}

// Operands: dst, init value slot, delta slot, table.
TW_HANDLER(Ops::tableGrow) {
  Table& t = *st->instance->tables[TW_OPD];
  int64_t old = t.grow(rd<uint32_t>(fp, TW_OPC), rd<void*>(fp, TW_OPB));
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(old));
  TW_NEXT(instrWords(4));
}

// Operands: index, value, count, table.
TW_HANDLER(Ops::tableFill) {
  Table& t = *st->instance->tables[TW_OPD];
  uint32_t i = rd<uint32_t>(fp, TW_OPA), n = rd<uint32_t>(fp, TW_OPC);
  if (!inBounds(i, n, t.elems.size())) TW_TRAP(OutOfBoundsTable);
  std::fill_n(t.elems.begin() + i, n, rd<void*>(fp, TW_OPB));
  TW_NEXT(instrWords(4));
}

// Operands: dst index, src index, count, dst table, src table.
TW_HANDLER(Ops::tableCopy) {
  Table& dt = *st->instance->tables[TW_OPD];
  Table& srcTable = *st->instance->tables[TW_OPE];
  uint32_t d = rd<uint32_t>(fp, TW_OPA), s = rd<uint32_t>(fp, TW_OPB), n = rd<uint32_t>(fp, TW_OPC);
  if (!inBounds(d, n, dt.elems.size()) || !inBounds(s, n, srcTable.elems.size())) {
    TW_TRAP(OutOfBoundsTable);
  }
  if (n) std::memmove(dt.elems.data() + d, srcTable.elems.data() + s, n * sizeof(void*));
  TW_NEXT(instrWords(5));
}

// Operands: dst index, segment offset, count, elem segment, table.
TW_HANDLER(Ops::tableInit) {
  Instance& inst = *st->instance;
  Table& t = *inst.tables[TW_OPE];
  const ElemSegment& seg = inst.module().elems[TW_OPD];
  uint64_t segSize = inst.droppedElems[TW_OPD] ? 0 : seg.items.size();
  uint32_t d = rd<uint32_t>(fp, TW_OPA), s = rd<uint32_t>(fp, TW_OPB), n = rd<uint32_t>(fp, TW_OPC);
  if (!inBounds(d, n, t.elems.size()) || !inBounds(s, n, segSize)) TW_TRAP(OutOfBoundsTable);
  for (uint32_t k = 0; k < n; ++k) {
    const ConstExpr& e = seg.items[s + k];
    void* ref = nullptr;
    if (e.kind == ConstExpr::Kind::RefFunc) ref = inst.funcs[e.bits];
    else if (e.kind == ConstExpr::Kind::GlobalGet) ref = inst.globals[e.bits]->value.ref;
    t.elems[d + k] = ref;
  }
  TW_NEXT(instrWords(5));
}

TW_HANDLER(Ops::elemDrop) {
  st->instance->droppedElems[TW_OPA] = 1;
  TW_NEXT(instrWords(1));
}

TW_HANDLER(Ops::memorySize) {
  fp[TW_OPA] = memSize / kWasmPageSize;
  TW_NEXT(instrWords(1));
}

// Operands: dst, delta slot.
TW_HANDLER(Ops::memoryGrow) {
  Memory* m = st->instance->memory.get();
  int64_t old = m->grow(rd<uint32_t>(fp, TW_OPB));
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(old));
  memSize = m->sizeBytes();
  TW_NEXT(instrWords(2));
}

// Operands: dst address, segment offset, count, data segment.
TW_HANDLER(Ops::memoryInit) {
  Instance& inst = *st->instance;
  const DataSegment& seg = inst.module().datas[TW_OPD];
  uint64_t segSize = inst.droppedDatas[TW_OPD] ? 0 : seg.size;
  uint32_t d = rd<uint32_t>(fp, TW_OPA), s = rd<uint32_t>(fp, TW_OPB), n = rd<uint32_t>(fp, TW_OPC);
  if (!inBounds(d, n, memSize) || !inBounds(s, n, segSize)) TW_TRAP(OutOfBoundsMemory);
  if (n) std::memcpy(mem + d, inst.module().bytes.data() + seg.begin + s, n);
  TW_NEXT(instrWords(4));
}

TW_HANDLER(Ops::dataDrop) {
  st->instance->droppedDatas[TW_OPA] = 1;
  TW_NEXT(instrWords(1));
}

// Operands: dst, src, count.
TW_HANDLER(Ops::memoryCopy) {
  uint32_t d = rd<uint32_t>(fp, TW_OPA), s = rd<uint32_t>(fp, TW_OPB), n = rd<uint32_t>(fp, TW_OPC);
  if (!inBounds(d, n, memSize) || !inBounds(s, n, memSize)) TW_TRAP(OutOfBoundsMemory);
  if (n) std::memmove(mem + d, mem + s, n);
  TW_NEXT(instrWords(3));
}

// Operands: dst, value, count.
TW_HANDLER(Ops::memoryFill) {
  uint32_t d = rd<uint32_t>(fp, TW_OPA), n = rd<uint32_t>(fp, TW_OPC);
  if (!inBounds(d, n, memSize)) TW_TRAP(OutOfBoundsMemory);
  if (n) std::memset(mem + d, static_cast<uint8_t>(rd<uint32_t>(fp, TW_OPB)), n);
  TW_NEXT(instrWords(3));
}

}  // namespace tw::interp
