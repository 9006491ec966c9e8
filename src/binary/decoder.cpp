// decodeModule: bytes -> Module for every WebAssembly 2.0 section. Reading deliberately
// runs against the end of the whole input, not the end of the current section, and the
// declared section and body sizes are checked afterwards: that is how the reference
// interpreter reads, and it is what makes our error texts ("section size mismatch", "END
// opcode expected", "length out of bounds") agree with the spec suite. Counts taken from
// the input only bound loops; reservations are clamped to the bytes left, so a hostile
// count cannot trigger a large allocation.
#include "tensorwasm/binary/decoder.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "decoder_internal.h"
#include "leb.h"
#include "tensorwasm/binary/instr.h"

namespace tw {
namespace detail {

Error ModuleDecoder::malformed(std::string msg, size_t at) const {
  return makeError(ErrorKind::Malformed, std::move(msg), at);
}

Result<uint32_t> ModuleDecoder::u32() {
  uint32_t v;
  if (!c.u32(v)) return cursorError(c);
  return v;
}

Result<uint8_t> ModuleDecoder::byte() {
  uint8_t v;
  if (!c.u8(v)) return cursorError(c);
  return v;
}

Result<uint32_t> ModuleDecoder::len32() {
  // Measured from before the length's own bytes, as the reference interpreter does, so a
  // length overrunning by its LEB size surfaces later as "unexpected end".
  size_t at = c.pos;
  TW_ASSIGN(uint32_t n, u32());
  if (n > c.end - at) return malformed("length out of bounds", at);
  return n;
}

Result<std::string> ModuleDecoder::name() {
  TW_ASSIGN(uint32_t n, len32());
  if (n > c.remaining()) return malformed("unexpected end of section or function", c.end);
  const char* p = reinterpret_cast<const char*>(c.data + c.pos);
  if (!isValidUtf8(c.data + c.pos, n)) return malformed("malformed UTF-8 encoding", c.pos);
  c.pos += n;
  return std::string(p, n);
}

Result<ValType> ModuleDecoder::valType() {
  size_t at = c.pos;
  int64_t v;
  if (!c.varS(7, v)) return cursorError(c);
  switch (v) {
    case -0x01: return ValType::I32;
    case -0x02: return ValType::I64;
    case -0x03: return ValType::F32;
    case -0x04: return ValType::F64;
    case -0x05: return ValType::V128;
    case -0x10: return ValType::FuncRef;
    case -0x11: return ValType::ExternRef;
    default: return malformed("malformed value type", at);
  }
}

Result<ValType> ModuleDecoder::refType() {
  size_t at = c.pos;
  int64_t v;
  if (!c.varS(7, v)) return cursorError(c);
  if (v == -0x10) return ValType::FuncRef;
  if (v == -0x11) return ValType::ExternRef;
  return malformed("malformed reference type", at);
}

Result<Limits> ModuleDecoder::limits(bool memory) {
  size_t at = c.pos;
  if (!c.eof()) {
    uint8_t raw = c.data[c.pos];
    // Flag bits beyond "has max" belong to proposals we refuse; say which one, while the
    // message still starts the way the 2.0 suite expects for an out-of-range flag.
    if (raw >= 2 && raw < 0x80 && (raw & 0x02) && memory)
      return makeError(ErrorKind::Unsupported,
                       "integer too large: shared memory flag needs the threads proposal, "
                       "which is not supported", at);
    if (raw >= 4 && raw < 8)
      return makeError(ErrorKind::Unsupported,
                       "integer too large: 64-bit index flag needs the memory64 proposal, "
                       "which is not supported", at);
  }
  uint64_t flag;
  if (!c.varU(1, flag)) return cursorError(c);
  Limits l;
  TW_ASSIGN(uint32_t mn, u32());
  l.min = mn;
  if (flag) {
    TW_ASSIGN(uint32_t mx, u32());
    l.max = mx;
  }
  return l;
}

Result<GlobalType> ModuleDecoder::globalType() {
  GlobalType g;
  TW_ASSIGN(g.type, valType());
  size_t at = c.pos;
  TW_ASSIGN(uint8_t m, byte());
  if (m > 1) return malformed("malformed mutability", at);
  g.mut = static_cast<Mut>(m);
  return g;
}

// Reads an expression up to its `end` and checks it is one constant instruction. Constness
// and arity are validation rules, so they surface as Invalid errors, not Malformed.
Result<ConstExpr> ModuleDecoder::constExpr() {
  InstrReader r(bytes, c.pos, bytes.size());
  Instr in;
  ConstExpr e;
  int values = 0;
  for (;;) {
    TW_TRY(r.next(in));
    if (in.op == Opcode::End) break;
    ++values;
    switch (in.op) {
      case Opcode::I32Const: e.kind = ConstExpr::Kind::I32; e.type = ValType::I32; e.bits = in.imm; break;
      case Opcode::I64Const: e.kind = ConstExpr::Kind::I64; e.type = ValType::I64; e.bits = in.imm; break;
      case Opcode::F32Const: e.kind = ConstExpr::Kind::F32; e.type = ValType::F32; e.bits = in.imm; break;
      case Opcode::F64Const: e.kind = ConstExpr::Kind::F64; e.type = ValType::F64; e.bits = in.imm; break;
      case Opcode::VV128Const: e.kind = ConstExpr::Kind::V128; e.type = ValType::V128; e.v128 = in.v128; break;
      case Opcode::RefNull: e.kind = ConstExpr::Kind::RefNull; e.type = in.type; break;
      case Opcode::RefFunc: e.kind = ConstExpr::Kind::RefFunc; e.type = ValType::FuncRef; e.bits = in.a; break;
      case Opcode::GlobalGet:
        e.kind = ConstExpr::Kind::GlobalGet;
        e.bits = in.a;
        e.type = in.a < m.globalTypes.size() ? m.globalTypes[in.a].type : ValType::I32;
        break;
      default:
        return makeError(ErrorKind::Invalid, "constant expression required", in.offset);
    }
  }
  if (values != 1) return makeError(ErrorKind::Invalid, "type mismatch", in.offset);
  c.pos = r.position();
  return e;
}

Result<void> ModuleDecoder::header() {
  static const uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6D};
  if (bytes.size() < 4) return malformed("unexpected end", bytes.size());
  if (std::memcmp(bytes.data(), kMagic, 4) != 0) return malformed("magic header not detected", 0);
  if (bytes.size() < 8) return malformed("unexpected end", bytes.size());
  if (bytes[4] != 1 || bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0)
    return malformed("unknown binary version", 4);
  c.pos = 8;
  return {};
}

// Position of each known section id in the mandatory order (data count sits before code).
static int sectionRank(uint8_t id) {
  static const int kRank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
  return kRank[id];
}

Result<void> ModuleDecoder::run() {
  TW_TRY(header());
  int lastRank = 0;
  while (!c.eof()) {
    size_t idAt = c.pos;
    TW_ASSIGN(uint8_t id, byte());
    if (id > 12) return malformed("malformed section id", idAt);
    TW_ASSIGN(uint32_t size, len32());
    size_t begin = c.pos;
    size_t sectionEnd = begin + size;
    if (id != 0) {
      int rank = sectionRank(id);
      if (rank <= lastRank) return malformed("unexpected content after last section", idAt);
      lastRank = rank;
    }
    switch (id) {
      case 0: TW_TRY(customSection(sectionEnd)); break;
      case 1: TW_TRY(typeSection()); break;
      case 2: TW_TRY(importSection()); break;
      case 3: TW_TRY(functionSection()); break;
      case 4: TW_TRY(tableSection()); break;
      case 5: TW_TRY(memorySection()); break;
      case 6: TW_TRY(globalSection()); break;
      case 7: TW_TRY(exportSection()); break;
      case 8: {
        TW_ASSIGN(uint32_t f, u32());
        m.start = FuncIdx(f);
        break;
      }
      case 9: TW_TRY(elemSection()); break;
      case 10: TW_TRY(codeSection()); break;
      case 11: TW_TRY(dataSection()); break;
      case 12: {
        TW_ASSIGN(uint32_t n, u32());
        m.dataCount = n;
        break;
      }
    }
    if (c.pos != sectionEnd) return malformed("section size mismatch", begin);
  }
  uint32_t defined = static_cast<uint32_t>(m.funcs.size()) - m.numImportedFuncs;
  if (defined != m.bodies.size())
    return malformed("function and code section have inconsistent lengths", c.pos);
  for (size_t i = 0; i < m.bodies.size(); ++i) m.bodies[i].type = m.funcs[m.numImportedFuncs + i];
  if (!m.dataCount && dataInstrAt && !m.datas.empty())
    return malformed("data count section required", *dataInstrAt);
  if (m.dataCount && *m.dataCount != m.datas.size())
    return malformed("data count and data section have inconsistent lengths", c.pos);
  return {};
}

}  // namespace detail

Result<Module> decodeModule(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  if (bytes.size() > limits.maxModuleBytes)
    return makeError(ErrorKind::Limit,
                     "module is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                         std::to_string(limits.maxModuleBytes));
  Module m;
  m.bytes.assign(bytes.begin(), bytes.end());
  detail::ModuleDecoder d(m);
  TW_TRY(d.run());
  return m;
}

Result<Module> loadModule(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  TW_ASSIGN(Module m, decodeModule(bytes, limits));
  TW_TRY(validateModule(m));
  return m;
}

}  // namespace tw
