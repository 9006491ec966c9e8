// SIMD memory handlers of the interpreter: v128.load / v128.store, the extending loads
// (load8x8_s ... load32x2_u), the splat and zero-filling loads, and the single-lane
// load_lane / store_lane forms. Each computes the effective address as the 32-bit address
// operand plus the static offset in 64 bits, so it cannot wrap, and traps with
// OutOfBoundsMemory when the access does not fit the memory; unaligned accesses are fine
// (alignment is only a hint in Wasm). Stateless; safe to use from any thread.
#include "simd_ops.h"

namespace tw::interp::simd {
namespace {

template <typename T>
inline T loadLE(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// i:v  dst=A, addr=B, offset=C. Make builds the v128 from `Bytes` bytes at p.
template <uint32_t Bytes, auto Make>
TW_HANDLER(loadOp) {
  uint64_t ea = uint64_t{rd<uint32_t>(fp, TW_OPB)} + TW_OPC;
  if (ea + Bytes > memSize) TW_TRAP(OutOfBoundsMemory);
  stv(fp, TW_OPA, Make(mem + ea));
  TW_NEXT(instrWords(3));
}

// iv:  addr=A, value=B, offset=C.
TW_HANDLER(storeV128) {
  uint64_t ea = uint64_t{rd<uint32_t>(fp, TW_OPA)} + TW_OPC;
  if (ea + 16 > memSize) TW_TRAP(OutOfBoundsMemory);
  std::memcpy(mem + ea, fp + TW_OPB, 16);
  TW_NEXT(instrWords(3));
}

// iv:v  dst=A, addr=B, vec=C, offset=D, lane=E. Lanes are validated; the mask only keeps a
// corrupt instruction inside the vector.
template <typename T>
TW_HANDLER(loadLane) {
  constexpr uint32_t kLanes = 16 / sizeof(T);
  uint64_t ea = uint64_t{rd<uint32_t>(fp, TW_OPB)} + TW_OPD;
  if (ea + sizeof(T) > memSize) TW_TRAP(OutOfBoundsMemory);
  V128 v = rd<V128>(fp, TW_OPC);
  std::memcpy(v.bytes + (TW_OPE & (kLanes - 1)) * sizeof(T), mem + ea, sizeof(T));
  wr<V128>(fp, TW_OPA, v);
  TW_NEXT(instrWords(5));
}

// iv:  addr=A, vec=B, offset=C, lane=D.
template <typename T>
TW_HANDLER(storeLane) {
  constexpr uint32_t kLanes = 16 / sizeof(T);
  uint64_t ea = uint64_t{rd<uint32_t>(fp, TW_OPA)} + TW_OPC;
  if (ea + sizeof(T) > memSize) TW_TRAP(OutOfBoundsMemory);
  const uint8_t* src = reinterpret_cast<const uint8_t*>(fp + TW_OPB);
  std::memcpy(mem + ea, src + (TW_OPD & (kLanes - 1)) * sizeof(T), sizeof(T));
  TW_NEXT(instrWords(4));
}

// Extending loads: 8 bytes as a half vector, each lane widened to twice its size.
template <typename Half, typename Wide>
inline Wide loadExtend(const uint8_t* p) {
  return __builtin_convertvector(loadLE<Half>(p), Wide);
}

template <typename T, typename V>
inline V loadSplat(const uint8_t* p) {
  T x = loadLE<T>(p);
  V v = {};
  return v + x;  // scalar operands broadcast to every lane
}

template <typename T>
inline u64x2 loadZero(const uint8_t* p) {
  u64x2 r = {uint64_t{loadLE<T>(p)}, 0};
  return r;
}

}  // namespace

void registerSimdMemoryOps(Handler* t) {
  auto set = [t](Opcode op, Handler h) { t[slotIndex(op)] = h; };
  set(Opcode::VV128Load, &loadOp<16, loadLE<u64x2>>);
  set(Opcode::VV128Load8x8S, &loadOp<8, loadExtend<i8x8, i16x8>>);
  set(Opcode::VV128Load8x8U, &loadOp<8, loadExtend<u8x8, u16x8>>);
  set(Opcode::VV128Load16x4S, &loadOp<8, loadExtend<i16x4, i32x4>>);
  set(Opcode::VV128Load16x4U, &loadOp<8, loadExtend<u16x4, u32x4>>);
  set(Opcode::VV128Load32x2S, &loadOp<8, loadExtend<i32x2, i64x2>>);
  set(Opcode::VV128Load32x2U, &loadOp<8, loadExtend<u32x2, u64x2>>);
  set(Opcode::VV128Load8Splat, &loadOp<1, loadSplat<uint8_t, u8x16>>);
  set(Opcode::VV128Load16Splat, &loadOp<2, loadSplat<uint16_t, u16x8>>);
  set(Opcode::VV128Load32Splat, &loadOp<4, loadSplat<uint32_t, u32x4>>);
  set(Opcode::VV128Load64Splat, &loadOp<8, loadSplat<uint64_t, u64x2>>);
  set(Opcode::VV128Load32Zero, &loadOp<4, loadZero<uint32_t>>);
  set(Opcode::VV128Load64Zero, &loadOp<8, loadZero<uint64_t>>);
  set(Opcode::VV128Store, &storeV128);
  set(Opcode::VV128Load8Lane, &loadLane<uint8_t>);
  set(Opcode::VV128Load16Lane, &loadLane<uint16_t>);
  set(Opcode::VV128Load32Lane, &loadLane<uint32_t>);
  set(Opcode::VV128Load64Lane, &loadLane<uint64_t>);
  set(Opcode::VV128Store8Lane, &storeLane<uint8_t>);
  set(Opcode::VV128Store16Lane, &storeLane<uint16_t>);
  set(Opcode::VV128Store32Lane, &storeLane<uint32_t>);
  set(Opcode::VV128Store64Lane, &storeLane<uint64_t>);
}

}  // namespace tw::interp::simd
