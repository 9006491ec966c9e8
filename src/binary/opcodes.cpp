// The opcode table, expanded from opcodes.def, plus the reverse map from encodings to
// opcodes. The reverse map is built once into dense arrays indexed by the (sub-)opcode so
// the instruction decoder resolves an opcode with one load instead of a search; the arrays
// are sized to the largest code each prefix uses, so unknown codes fall out as "no entry".
#include "tensorwasm/binary/opcodes.h"

#include <array>

namespace tw {
namespace {

constexpr OpcodeInfo kInfo[] = {
#define TW_OP(name, prefix, code, text, imm, sig) {prefix, code, text, ImmKind::imm, sig},
#include "tensorwasm/binary/opcodes.def"
#undef TW_OP
};
static_assert(sizeof(kInfo) / sizeof(kInfo[0]) == static_cast<size_t>(Opcode::Count));

constexpr uint16_t kNone = static_cast<uint16_t>(Opcode::Count);

struct ReverseTables {
  std::array<uint16_t, 256> plain{};
  std::array<uint16_t, 32> fc{};
  std::array<uint16_t, 256> fd{};
  constexpr ReverseTables() {
    plain.fill(kNone);
    fc.fill(kNone);
    fd.fill(kNone);
    for (size_t i = 0; i < static_cast<size_t>(Opcode::Count); ++i) {
      const OpcodeInfo& info = kInfo[i];
      if (info.prefix == 0) plain[info.code] = static_cast<uint16_t>(i);
      else if (info.prefix == 0xFC && info.code < fc.size()) fc[info.code] = static_cast<uint16_t>(i);
      else if (info.prefix == 0xFD && info.code < fd.size()) fd[info.code] = static_cast<uint16_t>(i);
    }
  }
};

constexpr ReverseTables kReverse{};

}  // namespace

const OpcodeInfo& opcodeInfo(Opcode op) { return kInfo[static_cast<size_t>(op)]; }

std::optional<Opcode> lookupOpcode(uint8_t prefix, uint32_t code) {
  uint16_t v = kNone;
  if (prefix == 0) {
    if (code < 256) v = kReverse.plain[code];
  } else if (prefix == 0xFC) {
    if (code < kReverse.fc.size()) v = kReverse.fc[code];
  } else if (prefix == 0xFD) {
    if (code < kReverse.fd.size()) v = kReverse.fd[code];
  }
  if (v == kNone) return std::nullopt;
  return static_cast<Opcode>(v);
}

uint32_t memoryAccessSize(Opcode op) {
  switch (op) {
    case Opcode::I32Load8S: case Opcode::I32Load8U: case Opcode::I64Load8S:
    case Opcode::I64Load8U: case Opcode::I32Store8: case Opcode::I64Store8:
    case Opcode::VV128Load8Splat: case Opcode::VV128Load8Lane: case Opcode::VV128Store8Lane:
      return 1;
    case Opcode::I32Load16S: case Opcode::I32Load16U: case Opcode::I64Load16S:
    case Opcode::I64Load16U: case Opcode::I32Store16: case Opcode::I64Store16:
    case Opcode::VV128Load16Splat: case Opcode::VV128Load16Lane: case Opcode::VV128Store16Lane:
      return 2;
    case Opcode::I32Load: case Opcode::F32Load: case Opcode::I64Load32S:
    case Opcode::I64Load32U: case Opcode::I32Store: case Opcode::F32Store:
    case Opcode::I64Store32: case Opcode::VV128Load32Splat: case Opcode::VV128Load32Zero:
    case Opcode::VV128Load32Lane: case Opcode::VV128Store32Lane:
      return 4;
    case Opcode::I64Load: case Opcode::F64Load: case Opcode::I64Store: case Opcode::F64Store:
    case Opcode::VV128Load8x8S: case Opcode::VV128Load8x8U: case Opcode::VV128Load16x4S:
    case Opcode::VV128Load16x4U: case Opcode::VV128Load32x2S: case Opcode::VV128Load32x2U:
    case Opcode::VV128Load64Splat: case Opcode::VV128Load64Zero: case Opcode::VV128Load64Lane:
    case Opcode::VV128Store64Lane:
      return 8;
    case Opcode::VV128Load: case Opcode::VV128Store:
      return 16;
    default:
      return 0;
  }
}

}  // namespace tw
