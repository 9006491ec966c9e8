// InstrReader::next: the single decoder of instruction encodings. The validator, the
// decoder's body scan and every execution tier go through it, so a byte sequence means the
// same thing everywhere. It enforces encoding rules only (LEB forms, reserved zero bytes,
// known opcodes) and names proposals this engine refuses (threads, exception handling,
// tail calls, relaxed SIMD, multi-memory) as Unsupported so users see why, not "illegal".
#include "tensorwasm/binary/instr.h"

#include <string>

#include "leb.h"

namespace tw {

using detail::Cursor;
using detail::ReadErr;

namespace {

Error unsupported(const char* feature, size_t at, const char* prefix = nullptr) {
  std::string msg = prefix ? std::string(prefix) + ": " : std::string();
  msg += std::string(feature) + " proposal is not supported";
  return makeError(ErrorKind::Unsupported, std::move(msg), at);
}

std::string hexByte(uint32_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s = "0x";
  if (v > 0xff) s += std::to_string(v);  // sub-opcodes may be wide; decimal is unambiguous
  else {
    s += digits[v >> 4];
    s += digits[v & 15];
  }
  return s;
}

bool isValTypeByte(uint8_t b) {
  return b == 0x7F || b == 0x7E || b == 0x7D || b == 0x7C || b == 0x7B || b == 0x70 || b == 0x6F;
}

}  // namespace

InstrReader::InstrReader(std::span<const uint8_t> bytes, size_t begin, size_t end)
    : bytes_(bytes), pos_(begin), end_(end < bytes.size() ? end : bytes.size()) {}

Result<void> InstrReader::next(Instr& out) {
  Cursor c{bytes_.data(), pos_, end_};
  const size_t start = pos_;
  out.offset = start;
  auto malformed = [&](const char* msg, size_t at) {
    return makeError(ErrorKind::Malformed, msg, at);
  };
  auto leb = [&]() { return detail::cursorError(c); };

  uint8_t first;
  if (!c.u8(first)) return leb();
  std::optional<Opcode> op;
  uint32_t sub = first;
  if (first == 0xFC || first == 0xFD) {
    if (!c.u32(sub)) return leb();
    op = lookupOpcode(first, sub);
    if (!op) {
      if (first == 0xFD && sub >= 0x100 && sub <= 0x113)
        return unsupported("relaxed SIMD", start);
      return makeError(ErrorKind::Malformed,
                       "illegal opcode " + hexByte(first) + " " + hexByte(sub), start);
    }
  } else {
    op = lookupOpcode(0, first);
    if (!op) {
      switch (first) {
        case 0xFE: return unsupported("threads", start);
        case 0x06: case 0x07: case 0x08: case 0x09: case 0x0A: case 0x18: case 0x19:
        case 0x1F:
          // 0x0A (throw_ref) is also what the 2.0 suite uses as a plain illegal opcode.
          if (first == 0x0A) break;
          return unsupported("exception handling", start);
        case 0x12: case 0x13: return unsupported("tail calls", start);
        default: break;
      }
      return makeError(ErrorKind::Malformed, "illegal opcode " + hexByte(first), start);
    }
  }
  out.op = *op;
  const OpcodeInfo& info = opcodeInfo(out.op);

  auto memarg = [&]() -> Result<void> {
    uint32_t flags;
    size_t at = c.pos;
    if (!c.u32(flags)) return leb();
    if (flags >= 32) {
      // Bit 6 selects an explicit memory index in the multi-memory proposal.
      if (flags & 0x40) return unsupported("multi-memory", at, "malformed memop flags");
      return malformed("malformed memop flags", at);
    }
    out.align = flags;
    uint32_t offset;
    if (!c.u32(offset)) return leb();
    out.imm = offset;
    return {};
  };
  auto zeroByte = [&]() -> Result<void> {
    uint8_t b;
    size_t at = c.pos;
    if (!c.u8(b)) return leb();
    if (b != 0) {
      if (b < 0x80) return unsupported("multi-memory", at, "zero byte expected");
      return malformed("zero byte expected", at);
    }
    return {};
  };
  auto u32 = [&](uint32_t& v) -> bool { return c.u32(v); };

  switch (info.imm) {
    case ImmKind::None:
      break;
    case ImmKind::MemArg:
      TW_TRY(memarg());
      break;
    case ImmKind::Lane:
      if (!c.u8(out.lane)) return leb();
      break;
    case ImmKind::MemArgLane:
      TW_TRY(memarg());
      if (!c.u8(out.lane)) return leb();
      break;
    case ImmKind::Shuffle:
    case ImmKind::V128:
      if (!c.bytes(out.v128.bytes, 16)) return leb();
      break;
    case ImmKind::Special:
      switch (out.op) {
        case Opcode::Block: case Opcode::Loop: case Opcode::If: {
          if (c.eof()) return malformed(detail::readErrMessage(ReadErr::Eof), c.pos);
          uint8_t b = bytes_[c.pos];
          if (b == 0x40) {
            out.block.kind = BlockType::Kind::Empty;
            ++c.pos;
          } else if (isValTypeByte(b)) {
            out.block.kind = BlockType::Kind::Value;
            out.block.value = static_cast<ValType>(b);
            ++c.pos;
          } else {
            int64_t idx;
            size_t at = c.pos;
            if (!c.varS(33, idx)) return leb();
            if (idx < 0) return malformed("malformed value type", at);
            out.block.kind = BlockType::Kind::Index;
            out.block.index = static_cast<uint32_t>(idx);
          }
          break;
        }
        case Opcode::Br: case Opcode::BrIf: case Opcode::Call: case Opcode::LocalGet:
        case Opcode::LocalSet: case Opcode::LocalTee: case Opcode::GlobalGet:
        case Opcode::GlobalSet: case Opcode::TableGet: case Opcode::TableSet:
        case Opcode::RefFunc: case Opcode::DataDrop: case Opcode::ElemDrop:
        case Opcode::TableGrow: case Opcode::TableSize: case Opcode::TableFill:
          if (!u32(out.a)) return leb();
          break;
        case Opcode::BrTable: {
          uint32_t n;
          if (!u32(n)) return leb();
          // Every target takes at least one byte: refuse counts the input cannot hold
          // before reserving anything.
          if (n > c.remaining()) return malformed("unexpected end of section or function", c.pos);
          targets_.clear();
          targets_.reserve(n + 1);
          for (uint32_t i = 0; i <= n; ++i) {
            uint32_t t;
            if (!u32(t)) return leb();
            targets_.push_back(t);
          }
          out.targets = targets_;
          break;
        }
        case Opcode::CallIndirect: case Opcode::TableInit: case Opcode::TableCopy:
          if (!u32(out.a) || !u32(out.b)) return leb();
          break;
        case Opcode::SelectT: {
          uint32_t n;
          if (!u32(n)) return leb();
          if (n > c.remaining()) return malformed("unexpected end of section or function", c.pos);
          out.selectTypeCount = n;
          for (uint32_t i = 0; i < n; ++i) {
            uint8_t b;
            size_t at = c.pos;
            if (!c.u8(b)) return leb();
            if (!isValTypeByte(b)) return malformed("malformed value type", at);
            if (i == 0) out.type = static_cast<ValType>(b);
          }
          break;
        }
        case Opcode::MemorySize: case Opcode::MemoryGrow: case Opcode::MemoryFill:
          TW_TRY(zeroByte());
          break;
        case Opcode::MemoryCopy:
          TW_TRY(zeroByte());
          TW_TRY(zeroByte());
          break;
        case Opcode::MemoryInit:
          if (!u32(out.a)) return leb();
          TW_TRY(zeroByte());
          break;
        case Opcode::I32Const: {
          int32_t v;
          if (!c.s32(v)) return leb();
          out.imm = static_cast<uint32_t>(v);
          break;
        }
        case Opcode::I64Const: {
          int64_t v;
          if (!c.s64(v)) return leb();
          out.imm = static_cast<uint64_t>(v);
          break;
        }
        case Opcode::F32Const: {
          uint32_t bits;
          if (!c.bytes(&bits, 4)) return leb();
          out.imm = bits;
          break;
        }
        case Opcode::F64Const: {
          uint64_t bits;
          if (!c.bytes(&bits, 8)) return leb();
          out.imm = bits;
          break;
        }
        case Opcode::RefNull: {
          uint8_t b;
          size_t at = c.pos;
          if (!c.u8(b)) return leb();
          if (b != 0x70 && b != 0x6F) return malformed("malformed reference type", at);
          out.type = static_cast<ValType>(b);
          break;
        }
        default:
          break;  // no immediates: unreachable, nop, else, end, return, drop, select...
      }
      break;
  }
  pos_ = c.pos;
  return {};
}

}  // namespace tw
