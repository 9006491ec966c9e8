// InstrReader: decodes one instruction at a time (opcode plus immediates) from a function
// body. It is the one body decoder shared by the validator and every tier, so they cannot
// disagree about encodings. It checks encoding only (malformed), not typing (invalid).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tensorwasm/binary/opcodes.h"
#include "tensorwasm/binary/types.h"
#include "tensorwasm/support/result.h"

namespace tw {

struct BlockType {
  enum class Kind : uint8_t { Empty, Value, Index } kind = Kind::Empty;
  ValType value = ValType::I32;  // Kind::Value
  uint32_t index = 0;            // Kind::Index (type index)
};

struct Instr {
  Opcode op = Opcode::Nop;
  size_t offset = 0;  // byte offset of the opcode in the module
  // Generic immediates; meaning per opcode:
  //  br/br_if: a=depth; call/ref.func: a=func; call_indirect: a=type, b=table;
  //  local.*: a=local; global.*: a=global; table.get/set/grow/size/fill: a=table;
  //  memory.init: a=data; data.drop: a=data; table.init: a=elem, b=table; elem.drop: a=elem;
  //  table.copy: a=dst table, b=src table; memory ops: align (log2) in `align`, offset in `imm`;
  //  lane ops: lane in `lane`; consts: bit pattern in `imm` (or `v128`);
  //  i8x16.shuffle: lane indices in `v128`; select t / ref.null: `type`.
  uint32_t a = 0;
  uint32_t b = 0;
  uint64_t imm = 0;
  uint32_t align = 0;
  uint8_t lane = 0;
  ValType type = ValType::I32;
  BlockType block;
  V128 v128;
  // br_table: all targets, then the default as the last entry. Valid until the next read.
  std::span<const uint32_t> targets;
  // select with types: number of types given (the spec requires exactly 1).
  uint32_t selectTypeCount = 0;
};

class InstrReader {
 public:
  // Reads instructions from bytes[begin, end); offsets reported are absolute in `bytes`.
  InstrReader(std::span<const uint8_t> bytes, size_t begin, size_t end);

  bool atEnd() const { return pos_ >= end_; }
  size_t position() const { return pos_; }
  // Decodes the next instruction into `out`. Errors are Malformed with the spec's wording.
  Result<void> next(Instr& out);

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_;
  size_t end_;
  std::vector<uint32_t> targets_;
};

}  // namespace tw
