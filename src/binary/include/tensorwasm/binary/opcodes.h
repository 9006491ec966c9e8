// Opcode enumeration and per-opcode facts, generated from opcodes.def.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tw {

enum class Opcode : uint16_t {
#define TW_OP(name, prefix, code, text, imm, sig) name,
#include "tensorwasm/binary/opcodes.def"
#undef TW_OP
  Count
};

// How an instruction's immediates are encoded (what follows the opcode).
enum class ImmKind : uint8_t { None, Special, MemArg, Lane, MemArgLane, Shuffle, V128 };

struct OpcodeInfo {
  uint8_t prefix;          // 0, 0xFC or 0xFD
  uint32_t code;           // byte, or sub-opcode after a prefix
  std::string_view name;   // text format name
  ImmKind imm;
  std::string_view sig;    // "ii:i" style, empty when typed by hand
};

const OpcodeInfo& opcodeInfo(Opcode op);
// Natural access size in bytes of a load/store (for alignment validation); 0 if not memory.
uint32_t memoryAccessSize(Opcode op);
// The opcode with this encoding (prefix 0 for single-byte opcodes), or nullopt when the
// table has none. Constant time: backed by dense per-prefix arrays.
std::optional<Opcode> lookupOpcode(uint8_t prefix, uint32_t code);

}  // namespace tw
