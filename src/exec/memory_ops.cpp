// Scalar load and store handlers. Operands: loads dst, address slot, offset; stores
// address slot, value slot, offset. The effective address is computed in 64 bits, so
// address + offset cannot wrap, and checked against the live memory size.
#include "interp.h"

namespace tw::interp {
namespace {

TW_HANDLER(h_I32Load) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPB)) + TW_OPC;
  if (ea + sizeof(uint32_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint32_t v;
  std::memcpy(&v, mem + ea, sizeof v);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(v));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Load) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPB)) + TW_OPC;
  if (ea + sizeof(uint64_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint64_t v;
  std::memcpy(&v, mem + ea, sizeof v);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(v));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F32Load) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPB)) + TW_OPC;
  if (ea + sizeof(uint32_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint32_t v;
  std::memcpy(&v, mem + ea, sizeof v);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(v));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F64Load) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPB)) + TW_OPC;
  if (ea + sizeof(uint64_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint64_t v;
  std::memcpy(&v, mem + ea, sizeof v);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(v));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Load8S) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPB)) + TW_OPC;
  if (ea + sizeof(int8_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  int8_t v;
  std::memcpy(&v, mem + ea, sizeof v);
  wr<int32_t>(fp, TW_OPA, static_cast<int32_t>(v));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Load8U) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPB)) + TW_OPC;
  if (ea + sizeof(uint8_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint8_t v;
  std::memcpy(&v, mem + ea, sizeof v);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(v));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Load16S) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPB)) + TW_OPC;
  if (ea + sizeof(int16_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  int16_t v;
  std::memcpy(&v, mem + ea, sizeof v);
  wr<int32_t>(fp, TW_OPA, static_cast<int32_t>(v));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Load16U) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPB)) + TW_OPC;
  if (ea + sizeof(uint16_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint16_t v;
  std::memcpy(&v, mem + ea, sizeof v);
  wr<uint32_t>(fp, TW_OPA, static_cast<uint32_t>(v));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Load8S) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPB)) + TW_OPC;
  if (ea + sizeof(int8_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  int8_t v;
  std::memcpy(&v, mem + ea, sizeof v);
  wr<int64_t>(fp, TW_OPA, static_cast<int64_t>(v));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Load8U) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPB)) + TW_OPC;
  if (ea + sizeof(uint8_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint8_t v;
  std::memcpy(&v, mem + ea, sizeof v);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(v));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Load16S) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPB)) + TW_OPC;
  if (ea + sizeof(int16_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  int16_t v;
  std::memcpy(&v, mem + ea, sizeof v);
  wr<int64_t>(fp, TW_OPA, static_cast<int64_t>(v));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Load16U) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPB)) + TW_OPC;
  if (ea + sizeof(uint16_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint16_t v;
  std::memcpy(&v, mem + ea, sizeof v);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(v));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Load32S) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPB)) + TW_OPC;
  if (ea + sizeof(int32_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  int32_t v;
  std::memcpy(&v, mem + ea, sizeof v);
  wr<int64_t>(fp, TW_OPA, static_cast<int64_t>(v));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Load32U) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPB)) + TW_OPC;
  if (ea + sizeof(uint32_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint32_t v;
  std::memcpy(&v, mem + ea, sizeof v);
  wr<uint64_t>(fp, TW_OPA, static_cast<uint64_t>(v));
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Store) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPA)) + TW_OPC;
  if (ea + sizeof(uint32_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint32_t v = static_cast<uint32_t>(rd<uint32_t>(fp, TW_OPB));
  std::memcpy(mem + ea, &v, sizeof v);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Store) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPA)) + TW_OPC;
  if (ea + sizeof(uint64_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint64_t v = static_cast<uint64_t>(rd<uint64_t>(fp, TW_OPB));
  std::memcpy(mem + ea, &v, sizeof v);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F32Store) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPA)) + TW_OPC;
  if (ea + sizeof(uint32_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint32_t v = static_cast<uint32_t>(rd<uint32_t>(fp, TW_OPB));
  std::memcpy(mem + ea, &v, sizeof v);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_F64Store) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPA)) + TW_OPC;
  if (ea + sizeof(uint64_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint64_t v = static_cast<uint64_t>(rd<uint64_t>(fp, TW_OPB));
  std::memcpy(mem + ea, &v, sizeof v);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Store8) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPA)) + TW_OPC;
  if (ea + sizeof(uint8_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint8_t v = static_cast<uint8_t>(rd<uint32_t>(fp, TW_OPB));
  std::memcpy(mem + ea, &v, sizeof v);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I32Store16) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPA)) + TW_OPC;
  if (ea + sizeof(uint16_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint16_t v = static_cast<uint16_t>(rd<uint32_t>(fp, TW_OPB));
  std::memcpy(mem + ea, &v, sizeof v);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Store8) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPA)) + TW_OPC;
  if (ea + sizeof(uint8_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint8_t v = static_cast<uint8_t>(rd<uint64_t>(fp, TW_OPB));
  std::memcpy(mem + ea, &v, sizeof v);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Store16) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPA)) + TW_OPC;
  if (ea + sizeof(uint16_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint16_t v = static_cast<uint16_t>(rd<uint64_t>(fp, TW_OPB));
  std::memcpy(mem + ea, &v, sizeof v);
  TW_NEXT(instrWords(3));
}
TW_HANDLER(h_I64Store32) {
  uint64_t ea = static_cast<uint64_t>(rd<uint32_t>(fp, TW_OPA)) + TW_OPC;
  if (ea + sizeof(uint32_t) > memSize) [[unlikely]] TW_TRAP(OutOfBoundsMemory);
  uint32_t v = static_cast<uint32_t>(rd<uint64_t>(fp, TW_OPB));
  std::memcpy(mem + ea, &v, sizeof v);
  TW_NEXT(instrWords(3));
}
}  // namespace

void registerMemoryHandlers(Handler* table) {
  table[static_cast<size_t>(Opcode::I32Load)] = h_I32Load;
  table[static_cast<size_t>(Opcode::I64Load)] = h_I64Load;
  table[static_cast<size_t>(Opcode::F32Load)] = h_F32Load;
  table[static_cast<size_t>(Opcode::F64Load)] = h_F64Load;
  table[static_cast<size_t>(Opcode::I32Load8S)] = h_I32Load8S;
  table[static_cast<size_t>(Opcode::I32Load8U)] = h_I32Load8U;
  table[static_cast<size_t>(Opcode::I32Load16S)] = h_I32Load16S;
  table[static_cast<size_t>(Opcode::I32Load16U)] = h_I32Load16U;
  table[static_cast<size_t>(Opcode::I64Load8S)] = h_I64Load8S;
  table[static_cast<size_t>(Opcode::I64Load8U)] = h_I64Load8U;
  table[static_cast<size_t>(Opcode::I64Load16S)] = h_I64Load16S;
  table[static_cast<size_t>(Opcode::I64Load16U)] = h_I64Load16U;
  table[static_cast<size_t>(Opcode::I64Load32S)] = h_I64Load32S;
  table[static_cast<size_t>(Opcode::I64Load32U)] = h_I64Load32U;
  table[static_cast<size_t>(Opcode::I32Store)] = h_I32Store;
  table[static_cast<size_t>(Opcode::I64Store)] = h_I64Store;
  table[static_cast<size_t>(Opcode::F32Store)] = h_F32Store;
  table[static_cast<size_t>(Opcode::F64Store)] = h_F64Store;
  table[static_cast<size_t>(Opcode::I32Store8)] = h_I32Store8;
  table[static_cast<size_t>(Opcode::I32Store16)] = h_I32Store16;
  table[static_cast<size_t>(Opcode::I64Store8)] = h_I64Store8;
  table[static_cast<size_t>(Opcode::I64Store16)] = h_I64Store16;
  table[static_cast<size_t>(Opcode::I64Store32)] = h_I64Store32;
}

}  // namespace tw::interp
