// Readers for each section of a module, plus the function-body scan and the "name" custom
// section. The body scan walks every instruction once with InstrReader so that encoding
// errors (and "data count section required") are reported at decode time, as the spec
// classifies them, and so each body's end is known exactly before validation starts.
#include <algorithm>
#include <vector>

#include "decoder_internal.h"
#include "tensorwasm/binary/instr.h"

namespace tw::detail {

// Hard cap on declared locals per function. The spec allows up to 2^32-1, but locals are
// expanded one entry each, and real producers stay far below this.
constexpr uint64_t kMaxLocals = 50000;
// Module-wide cap on expanded locals: a body of a few bytes can declare kMaxLocals, so
// without it a small module could demand gigabytes of local-type vectors.
constexpr uint64_t kMaxTotalLocals = uint64_t{1} << 24;

bool isValidUtf8(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t b = p[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((b & 0xE0) == 0xC0) { len = 2; cp = b & 0x1F; }
    else if ((b & 0xF0) == 0xE0) { len = 3; cp = b & 0x0F; }
    else if ((b & 0xF8) == 0xF0) { len = 4; cp = b & 0x07; }
    else return false;
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are all malformed.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
      return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

Result<void> ModuleDecoder::customSection(size_t sectionEnd) {
  size_t begin = c.pos;
  TW_ASSIGN(std::string id, name());
  if (c.pos > sectionEnd || sectionEnd > c.end) return malformed("unexpected end", begin);
  if (id == "name") nameSection(c.pos, sectionEnd);
  c.pos = sectionEnd;
  return {};
}

// Best effort: the name section only feeds diagnostics, so any defect drops it silently.
void ModuleDecoder::nameSection(size_t begin, size_t end) {
  Cursor n{bytes.data(), begin, end};
  std::string moduleName;
  std::map<uint32_t, std::string> names;
  auto readName = [&](std::string& out) {
    uint32_t len;
    if (!n.u32(len) || len > n.remaining()) return false;
    if (!isValidUtf8(n.data + n.pos, len)) return false;
    out.assign(reinterpret_cast<const char*>(n.data + n.pos), len);
    n.pos += len;
    return true;
  };
  while (!n.eof()) {
    uint8_t sub;
    uint32_t size;
    if (!n.u8(sub) || !n.u32(size) || size > n.remaining()) return;
    size_t subEnd = n.pos + size;
    Cursor saved = n;
    n.end = subEnd;
    if (sub == 0) {
      if (!readName(moduleName)) return;
    } else if (sub == 1) {
      uint32_t count;
      if (!n.u32(count)) return;
      for (uint32_t i = 0; i < count; ++i) {
        uint32_t idx;
        std::string s;
        if (!n.u32(idx) || !readName(s)) return;
        names[idx] = std::move(s);
      }
    }
    if (sub <= 1 && n.pos != subEnd) return;
    n.end = saved.end;
    n.pos = subEnd;
  }
  m.moduleName = std::move(moduleName);
  m.functionNames = std::move(names);
}

Result<void> ModuleDecoder::typeSection() {
  TW_ASSIGN(uint32_t count, u32());
  m.types.reserve(reserveHint(count));
  for (uint32_t i = 0; i < count; ++i) {
    size_t at = c.pos;
    int64_t form;
    if (!c.varS(7, form)) return cursorError(c);
    if (form != -0x20) return malformed("malformed function type", at);
    FuncType ft;
    for (auto* list : {&ft.params, &ft.results}) {
      TW_ASSIGN(uint32_t n, u32());
      list->reserve(reserveHint(n));
      for (uint32_t k = 0; k < n; ++k) {
        TW_ASSIGN(ValType t, valType());
        list->push_back(t);
      }
    }
    m.types.push_back(std::move(ft));
  }
  return {};
}

Result<void> ModuleDecoder::importSection() {
  TW_ASSIGN(uint32_t count, u32());
  m.imports.reserve(reserveHint(count));
  for (uint32_t i = 0; i < count; ++i) {
    Import im;
    TW_ASSIGN(im.module, name());
    TW_ASSIGN(im.name, name());
    size_t at = c.pos;
    TW_ASSIGN(uint8_t kind, byte());
    switch (kind) {
      case 0: {
        TW_ASSIGN(uint32_t t, u32());
        im.funcType = TypeIdx(t);
        m.funcs.push_back(im.funcType);
        ++m.numImportedFuncs;
        break;
      }
      case 1: {
        TW_ASSIGN(im.table.elem, refType());
        TW_ASSIGN(im.table.limits, limits(false));
        m.tables.push_back(im.table);
        ++m.numImportedTables;
        break;
      }
      case 2: {
        TW_ASSIGN(im.memory.limits, limits(true));
        m.memories.push_back(im.memory);
        ++m.numImportedMemories;
        break;
      }
      case 3: {
        TW_ASSIGN(im.global, globalType());
        m.globalTypes.push_back(im.global);
        ++m.numImportedGlobals;
        break;
      }
      default:
        return malformed("malformed import kind", at);
    }
    im.kind = static_cast<ExternKind>(kind);
    m.imports.push_back(std::move(im));
  }
  return {};
}

Result<void> ModuleDecoder::functionSection() {
  TW_ASSIGN(uint32_t count, u32());
  m.funcs.reserve(m.funcs.size() + reserveHint(count));
  for (uint32_t i = 0; i < count; ++i) {
    TW_ASSIGN(uint32_t t, u32());
    m.funcs.push_back(TypeIdx(t));
  }
  return {};
}

Result<void> ModuleDecoder::tableSection() {
  TW_ASSIGN(uint32_t count, u32());
  for (uint32_t i = 0; i < count; ++i) {
    TableType t;
    TW_ASSIGN(t.elem, refType());
    TW_ASSIGN(t.limits, limits(false));
    m.tables.push_back(t);
  }
  return {};
}

Result<void> ModuleDecoder::memorySection() {
  TW_ASSIGN(uint32_t count, u32());
  for (uint32_t i = 0; i < count; ++i) {
    MemoryType t;
    TW_ASSIGN(t.limits, limits(true));
    m.memories.push_back(t);
  }
  return {};
}

Result<void> ModuleDecoder::globalSection() {
  TW_ASSIGN(uint32_t count, u32());
  m.globals.reserve(reserveHint(count));
  for (uint32_t i = 0; i < count; ++i) {
    GlobalDef g;
    TW_ASSIGN(g.type, globalType());
    TW_ASSIGN(g.init, constExpr());
    m.globals.push_back(g);
    m.globalTypes.push_back(g.type);
  }
  return {};
}

Result<void> ModuleDecoder::exportSection() {
  TW_ASSIGN(uint32_t count, u32());
  m.exports.reserve(reserveHint(count));
  for (uint32_t i = 0; i < count; ++i) {
    Export e;
    TW_ASSIGN(e.name, name());
    size_t at = c.pos;
    TW_ASSIGN(uint8_t kind, byte());
    if (kind > 3) return malformed("malformed export kind", at);
    e.kind = static_cast<ExternKind>(kind);
    TW_ASSIGN(e.index, u32());
    m.exports.push_back(std::move(e));
  }
  return {};
}

Result<void> ModuleDecoder::elemSection() {
  TW_ASSIGN(uint32_t count, u32());
  m.elems.reserve(reserveHint(count));
  for (uint32_t i = 0; i < count; ++i) {
    size_t at = c.pos;
    TW_ASSIGN(uint32_t flags, u32());
    if (flags > 7) return malformed("malformed elements segment kind", at);
    ElemSegment seg;
    // Bit 0: passive or declarative; bit 1: explicit table (active) or declarative;
    // bit 2: items are expressions rather than function indices.
    bool passiveOrDecl = flags & 1, explicitOrDecl = flags & 2, exprs = flags & 4;
    if (!passiveOrDecl) {
      seg.mode = SegmentMode::Active;
      if (explicitOrDecl) {
        TW_ASSIGN(uint32_t t, u32());
        seg.table = TableIdx(t);
      }
      TW_ASSIGN(seg.offset, constExpr());
    } else {
      seg.mode = explicitOrDecl ? SegmentMode::Declarative : SegmentMode::Passive;
    }
    if (passiveOrDecl || explicitOrDecl) {
      if (exprs) {
        TW_ASSIGN(seg.type, refType());
      } else {
        size_t kat = c.pos;
        TW_ASSIGN(uint8_t kind, byte());
        if (kind != 0) return malformed("malformed element kind", kat);
        seg.type = ValType::FuncRef;
      }
    }
    TW_ASSIGN(uint32_t n, u32());
    seg.items.reserve(reserveHint(n));
    for (uint32_t k = 0; k < n; ++k) {
      if (exprs) {
        TW_ASSIGN(ConstExpr e, constExpr());
        seg.items.push_back(e);
      } else {
        ConstExpr e;
        e.kind = ConstExpr::Kind::RefFunc;
        e.type = ValType::FuncRef;
        TW_ASSIGN(uint32_t f, u32());
        e.bits = f;
        seg.items.push_back(e);
      }
    }
    m.elems.push_back(std::move(seg));
  }
  return {};
}

Result<void> ModuleDecoder::codeSection() {
  TW_ASSIGN(uint32_t count, u32());
  m.bodies.reserve(reserveHint(count));
  for (uint32_t i = 0; i < count; ++i) {
    TW_ASSIGN(uint32_t size, len32());
    size_t bodyEnd = c.pos + size;
    FunctionBody body;
    TW_TRY(functionBody(body, bodyEnd));
    if (c.pos != bodyEnd) return malformed("section size mismatch", bodyEnd);
    m.bodies.push_back(std::move(body));
  }
  return {};
}

Result<void> ModuleDecoder::functionBody(FunctionBody& body, size_t bodyEnd) {
  size_t localsAt = c.pos;
  TW_ASSIGN(uint32_t groups, u32());
  uint64_t total = 0;
  // Two passes over the local groups: the first sums counts so a hostile total is refused
  // before anything is allocated.
  size_t groupsBegin = c.pos;
  for (uint32_t g = 0; g < groups; ++g) {
    TW_ASSIGN(uint32_t n, u32());
    TW_TRY(valType());
    total += n;
    if (total > 0xFFFFFFFFull) return malformed("too many locals", localsAt);
  }
  if (total > kMaxLocals)
    return makeError(ErrorKind::Malformed,
                     "too many locals: " + std::to_string(total) + " declared, the limit is " +
                         std::to_string(kMaxLocals),
                     localsAt);
  totalLocals += total;
  if (totalLocals > kMaxTotalLocals)
    return makeError(ErrorKind::Malformed,
                     "too many locals: the module declares more than " +
                         std::to_string(kMaxTotalLocals) + " in all",
                     localsAt);
  c.pos = groupsBegin;
  body.locals.reserve(total);
  for (uint32_t g = 0; g < groups; ++g) {
    TW_ASSIGN(uint32_t n, u32());
    TW_ASSIGN(ValType t, valType());
    body.locals.insert(body.locals.end(), n, t);
  }
  body.codeBegin = c.pos;

  // Structural scan. 0 = block/loop/function frame, 1 = `if` awaiting else, 2 = `if` past
  // its else. An explicit vector keeps deep nesting off the native stack.
  std::vector<uint8_t> frames{0};
  InstrReader r(bytes, c.pos, bytes.size());
  Instr in;
  while (!frames.empty()) {
    if (r.atEnd()) return malformed("unexpected end of section or function", r.position());
    TW_TRY(r.next(in));
    switch (in.op) {
      case Opcode::Block: case Opcode::Loop: frames.push_back(0); break;
      case Opcode::If: frames.push_back(1); break;
      case Opcode::Else:
        if (frames.back() != 1) return malformed("END opcode expected", in.offset);
        frames.back() = 2;
        break;
      case Opcode::End: frames.pop_back(); break;
      case Opcode::MemoryInit: case Opcode::DataDrop:
        if (!m.dataCount && !dataInstrAt) dataInstrAt = in.offset;
        break;
      default: break;
    }
  }
  c.pos = r.position();
  body.codeEnd = c.pos;
  (void)bodyEnd;
  return {};
}

Result<void> ModuleDecoder::dataSection() {
  TW_ASSIGN(uint32_t count, u32());
  m.datas.reserve(reserveHint(count));
  for (uint32_t i = 0; i < count; ++i) {
    size_t at = c.pos;
    TW_ASSIGN(uint32_t flags, u32());
    DataSegment seg;
    if (flags == 0 || flags == 2) {
      seg.mode = SegmentMode::Active;
      if (flags == 2) {
        TW_ASSIGN(uint32_t mem, u32());
        seg.memory = MemIdx(mem);
      }
      TW_ASSIGN(seg.offset, constExpr());
    } else if (flags == 1) {
      seg.mode = SegmentMode::Passive;
    } else {
      return malformed("malformed data segment kind", at);
    }
    TW_ASSIGN(uint32_t len, len32());
    if (len > c.remaining()) return malformed("unexpected end of section or function", c.end);
    seg.begin = c.pos;
    seg.size = len;
    c.pos += len;
    m.datas.push_back(seg);
  }
  return {};
}

}  // namespace tw::detail
