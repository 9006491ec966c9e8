// Scalar load and store handlers. Operands: loads dst, address slot, offset; stores
// address slot, value slot, offset. The effective address is computed in 64 bits, so
// address + offset cannot wrap, and checked against the live memory size.
#include "interp.h"

namespace tw::interp {
namespace {

// Loads an M from memory and widens it (sign- or zero-extending by M's signedness) to R.
template <typename M, typename R>
TW_HANDLER(load) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPB)) + TW_OPC;
  if (ea + sizeof(M) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  M v;
  std::memcpy(&v, mem + ea, sizeof v);
  wr<R>(fp, TW_OPA, static_cast<R>(v));
  TW_NEXT(instrWords(3));
}

// Stores the low bytes (an M) of a V operand.
template <typename V, typename M>
TW_HANDLER(store) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPA)) + TW_OPC;
  if (ea + sizeof(M) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  M v = static_cast<M>(rd<V>(fp, TW_OPB));
  std::memcpy(mem + ea, &v, sizeof v);
  TW_NEXT(instrWords(3));
}

inline void set(Handler* table, Opcode op, Handler h) { table[static_cast<size_t>(op)] = h; }

}  // namespace

void registerMemoryHandlers(Handler* t) {
  using O = Opcode;
  set(t, O::I32Load, load<uint32_t, uint32_t>);
  set(t, O::I64Load, load<uint64_t, uint64_t>);
  set(t, O::F32Load, load<uint32_t, uint32_t>);  // floats move as bits
  set(t, O::F64Load, load<uint64_t, uint64_t>);
  set(t, O::I32Load8S, load<int8_t, int32_t>);
  set(t, O::I32Load8U, load<uint8_t, uint32_t>);
  set(t, O::I32Load16S, load<int16_t, int32_t>);
  set(t, O::I32Load16U, load<uint16_t, uint32_t>);
  set(t, O::I64Load8S, load<int8_t, int64_t>);
  set(t, O::I64Load8U, load<uint8_t, uint64_t>);
  set(t, O::I64Load16S, load<int16_t, int64_t>);
  set(t, O::I64Load16U, load<uint16_t, uint64_t>);
  set(t, O::I64Load32S, load<int32_t, int64_t>);
  set(t, O::I64Load32U, load<uint32_t, uint64_t>);
  set(t, O::I32Store, store<uint32_t, uint32_t>);
  set(t, O::I64Store, store<uint64_t, uint64_t>);
  set(t, O::F32Store, store<uint32_t, uint32_t>);
  set(t, O::F64Store, store<uint64_t, uint64_t>);
  set(t, O::I32Store8, store<uint32_t, uint8_t>);
  set(t, O::I32Store16, store<uint32_t, uint16_t>);
  set(t, O::I64Store8, store<uint64_t, uint8_t>);
  set(t, O::I64Store16, store<uint64_t, uint16_t>);
  set(t, O::I64Store32, store<uint64_t, uint32_t>);
}

}  // namespace tw::interp
