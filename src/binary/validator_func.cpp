// Function-body validation: the operand-stack algorithm of the spec's validation appendix,
// run in one forward pass per body. The value stack holds ValType bytes with 0 standing
// for the "unknown" type of a polymorphic (unreachable) stack; control frames live in an
// explicit vector so nesting depth costs heap, never native stack. Opcodes whose typing
// is a fixed signature are checked from a table built once from opcodes.def; only
// control, variable, table, memory-management and reference instructions are hand-typed.
#include <array>
#include <string>
#include <vector>

#include "tensorwasm/binary/instr.h"
#include "tensorwasm/binary/opcodes.h"
#include "validator_internal.h"

namespace tw::detail {
namespace {

constexpr uint8_t kUnknown = 0;
// Bound on operand-stack height. Multi-value lets a 2-byte `call` push thousands of
// results, so without a cap a small module could make validation allocate gigabytes.
constexpr size_t kMaxStackHeight = size_t{1} << 20;

struct SigEntry {
  bool has = false;
  uint8_t np = 0, nr = 0;
  ValType p[3] = {};
  ValType r = ValType::I32;
  uint8_t lanes = 0;  // lane count for Lane / MemArgLane / Shuffle immediates
  uint32_t access = 0;
};

ValType letterType(char c) {
  switch (c) {
    case 'i': return ValType::I32;
    case 'I': return ValType::I64;
    case 'f': return ValType::F32;
    case 'F': return ValType::F64;
    default: return ValType::V128;
  }
}

std::array<SigEntry, static_cast<size_t>(Opcode::Count)> buildSigs() {
  std::array<SigEntry, static_cast<size_t>(Opcode::Count)> t{};
  for (size_t i = 0; i < t.size(); ++i) {
    const OpcodeInfo& info = opcodeInfo(static_cast<Opcode>(i));
    SigEntry& e = t[i];
    e.access = memoryAccessSize(static_cast<Opcode>(i));
    if (info.imm == ImmKind::Lane) {
      std::string_view n = info.name;
      e.lanes = n.starts_with("i8x16") ? 16 : n.starts_with("i16x8") ? 8
              : (n.starts_with("i32x4") || n.starts_with("f32x4")) ? 4 : 2;
    } else if (info.imm == ImmKind::MemArgLane) {
      e.lanes = static_cast<uint8_t>(16 / e.access);
    } else if (info.imm == ImmKind::Shuffle) {
      e.lanes = 32;
    }
    if (info.sig.empty()) continue;
    e.has = true;
    size_t colon = info.sig.find(':');
    for (size_t k = 0; k < colon; ++k) e.p[e.np++] = letterType(info.sig[k]);
    if (colon + 1 < info.sig.size()) {
      e.r = letterType(info.sig[colon + 1]);
      e.nr = 1;
    }
  }
  return t;
}

const std::array<SigEntry, static_cast<size_t>(Opcode::Count)>& sigs() {
  static const auto table = buildSigs();
  return table;
}

// Storage for one-value block types, so frames can point at a type without owning it.
constexpr ValType kSingle[] = {ValType::I32, ValType::I64, ValType::F32, ValType::F64,
                               ValType::V128, ValType::FuncRef, ValType::ExternRef};
const ValType* singleType(ValType t) {
  for (const ValType& s : kSingle)
    if (s == t) return &s;
  return &kSingle[0];
}

struct Frame {
  Opcode kind;  // Block (also the function frame), Loop, If, Else
  const ValType* params;
  uint32_t np;
  const ValType* results;
  uint32_t nr;
  uint32_t height;
  bool unreachable;
  const ValType* labelTypes() const { return kind == Opcode::Loop ? params : results; }
  uint32_t labelArity() const { return kind == Opcode::Loop ? np : nr; }
};

bool isNum(uint8_t t) {
  return t == kUnknown || t == uint8_t(ValType::I32) || t == uint8_t(ValType::I64) ||
         t == uint8_t(ValType::F32) || t == uint8_t(ValType::F64);
}
bool isVec(uint8_t t) { return t == kUnknown || t == uint8_t(ValType::V128); }
bool isRef(uint8_t t) {
  return t == kUnknown || t == uint8_t(ValType::FuncRef) || t == uint8_t(ValType::ExternRef);
}

class FuncChecker {
 public:
  explicit FuncChecker(const ModuleContext& ctx) : ctx_(ctx), m_(ctx.m) {}
  Result<void> check(const FunctionBody& body);

 private:
  Error fail(std::string msg) const { return makeError(ErrorKind::Invalid, std::move(msg), at_); }
  Error mismatch() const { return fail("type mismatch"); }
  Error unknown(const char* what, uint64_t idx) const {
    return fail(std::string("unknown ") + what + " " + std::to_string(idx));
  }

  bool popAny(uint8_t& out) {
    const Frame& f = frames_.back();
    if (stack_.size() == f.height) {
      out = kUnknown;
      return f.unreachable;
    }
    out = stack_.back();
    stack_.pop_back();
    return true;
  }
  bool pop(ValType t) {
    uint8_t a;
    if (!popAny(a)) return false;
    return a == kUnknown || a == uint8_t(t);
  }
  bool popVals(const ValType* ts, uint32_t n) {
    for (uint32_t i = n; i-- > 0;)
      if (!pop(ts[i])) return false;
    return true;
  }
  // Checks the top n values against ts without consuming them (br_table targets).
  bool peekVals(const ValType* ts, uint32_t n) const {
    const Frame& f = frames_.back();
    for (uint32_t i = 0; i < n; ++i) {
      size_t avail = stack_.size() - f.height;
      if (i >= avail) return f.unreachable;
      uint8_t a = stack_[stack_.size() - 1 - i];
      if (a != kUnknown && a != uint8_t(ts[n - 1 - i])) return false;
    }
    return true;
  }
  void push(ValType t) { stack_.push_back(uint8_t(t)); }
  bool pushVals(const ValType* ts, uint32_t n) {
    if (stack_.size() + n > kMaxStackHeight) return false;
    for (uint32_t i = 0; i < n; ++i) stack_.push_back(uint8_t(ts[i]));
    return true;
  }
  Error stackLimit() const {
    return makeError(ErrorKind::Limit,
                     "operand stack exceeds " + std::to_string(kMaxStackHeight) + " values", at_);
  }
  void setUnreachable() {
    stack_.resize(frames_.back().height);
    frames_.back().unreachable = true;
  }
  Result<void> blockSig(const BlockType& bt, Frame& f) {
    f.params = f.results = nullptr;
    f.np = f.nr = 0;
    if (bt.kind == BlockType::Kind::Value) {
      f.results = singleType(bt.value);
      f.nr = 1;
    } else if (bt.kind == BlockType::Kind::Index) {
      if (bt.index >= m_.types.size()) return unknown("type", bt.index);
      const FuncType& ft = m_.types[bt.index];
      f.params = ft.params.data();
      f.np = static_cast<uint32_t>(ft.params.size());
      f.results = ft.results.data();
      f.nr = static_cast<uint32_t>(ft.results.size());
    }
    return {};
  }
  Result<void> needMemory() {
    if (m_.memories.empty()) return unknown("memory", 0);
    return {};
  }
  Result<void> needTable(uint32_t t) {
    if (t >= m_.tables.size()) return unknown("table", t);
    return {};
  }
  Result<void> checkSimple(const Instr& in, const SigEntry& s);
  Result<void> checkSpecial(const Instr& in);

  const ModuleContext& ctx_;
  const Module& m_;
  size_t at_ = 0;
  std::vector<uint8_t> stack_;
  std::vector<Frame> frames_;
  std::vector<ValType> locals_;
  const FuncType* fn_ = nullptr;
};

Result<void> FuncChecker::checkSimple(const Instr& in, const SigEntry& s) {
  const OpcodeInfo& info = opcodeInfo(in.op);
  switch (info.imm) {
    case ImmKind::MemArg:
    case ImmKind::MemArgLane:
      TW_TRY(needMemory());
      if ((uint64_t{1} << in.align) > s.access)
        return fail("alignment must not be larger than natural");
      if (info.imm == ImmKind::MemArgLane && in.lane >= s.lanes) return fail("invalid lane index");
      break;
    case ImmKind::Lane:
      if (in.lane >= s.lanes) return fail("invalid lane index");
      break;
    case ImmKind::Shuffle:
      for (uint8_t b : in.v128.bytes)
        if (b >= 32) return fail("invalid lane index");
      break;
    default:
      break;
  }
  if (!popVals(s.p, s.np)) return mismatch();
  if (s.nr) push(s.r);
  return {};
}

Result<void> FuncChecker::checkSpecial(const Instr& in) {
  switch (in.op) {
    case Opcode::Unreachable: setUnreachable(); break;
    case Opcode::Nop: break;
    case Opcode::Block: case Opcode::Loop: case Opcode::If: {
      Frame f{in.op, nullptr, 0, nullptr, 0, 0, false};
      TW_TRY(blockSig(in.block, f));
      if (in.op == Opcode::If && !pop(ValType::I32)) return mismatch();
      if (!popVals(f.params, f.np)) return mismatch();
      f.height = static_cast<uint32_t>(stack_.size());
      frames_.push_back(f);
      if (!pushVals(f.params, f.np)) return stackLimit();
      break;
    }
    case Opcode::Else: {
      Frame& f = frames_.back();
      if (f.kind != Opcode::If) return fail("else without matching if");
      if (!popVals(f.results, f.nr) || stack_.size() != f.height) return mismatch();
      f.kind = Opcode::Else;
      f.unreachable = false;
      if (!pushVals(f.params, f.np)) return stackLimit();
      break;
    }
    case Opcode::End: {
      Frame f = frames_.back();
      if (!popVals(f.results, f.nr) || stack_.size() != f.height) return mismatch();
      if (f.kind == Opcode::If) {
        // An `if` without `else` has an implicit else passing its parameters through.
        if (f.np != f.nr) return mismatch();
        for (uint32_t i = 0; i < f.np; ++i)
          if (f.params[i] != f.results[i]) return mismatch();
      }
      frames_.pop_back();
      if (!frames_.empty() && !pushVals(f.results, f.nr)) return stackLimit();
      break;
    }
    case Opcode::Br: case Opcode::BrIf: {
      if (in.a >= frames_.size()) return unknown("label", in.a);
      if (in.op == Opcode::BrIf && !pop(ValType::I32)) return mismatch();
      const Frame& t = frames_[frames_.size() - 1 - in.a];
      const ValType* ts = t.labelTypes();
      uint32_t n = t.labelArity();
      if (!popVals(ts, n)) return mismatch();
      if (in.op == Opcode::Br) setUnreachable();
      else if (!pushVals(ts, n)) return stackLimit();
      break;
    }
    case Opcode::BrTable: {
      if (!pop(ValType::I32)) return mismatch();
      uint32_t def = in.targets.back();
      if (def >= frames_.size()) return unknown("label", def);
      const Frame& d = frames_[frames_.size() - 1 - def];
      uint32_t arity = d.labelArity();
      for (size_t i = 0; i + 1 < in.targets.size(); ++i) {
        uint32_t l = in.targets[i];
        if (l >= frames_.size()) return unknown("label", l);
        const Frame& t = frames_[frames_.size() - 1 - l];
        if (t.labelArity() != arity) return mismatch();
        if (!peekVals(t.labelTypes(), arity)) return mismatch();
      }
      if (!popVals(d.labelTypes(), arity)) return mismatch();
      setUnreachable();
      break;
    }
    case Opcode::Return:
      if (!popVals(fn_->results.data(), uint32_t(fn_->results.size()))) return mismatch();
      setUnreachable();
      break;
    case Opcode::Call: case Opcode::CallIndirect: {
      const FuncType* ft;
      if (in.op == Opcode::Call) {
        if (in.a >= m_.funcs.size()) return unknown("function", in.a);
        ft = &m_.funcType(FuncIdx(in.a));
      } else {
        TW_TRY(needTable(in.b));
        if (m_.tables[in.b].elem != ValType::FuncRef) return mismatch();
        if (in.a >= m_.types.size()) return unknown("type", in.a);
        ft = &m_.types[in.a];
        if (!pop(ValType::I32)) return mismatch();
      }
      if (!popVals(ft->params.data(), uint32_t(ft->params.size()))) return mismatch();
      if (!pushVals(ft->results.data(), uint32_t(ft->results.size()))) return stackLimit();
      break;
    }
    case Opcode::Drop: {
      uint8_t t;
      if (!popAny(t)) return mismatch();
      break;
    }
    case Opcode::Select: {
      uint8_t t1, t2;
      if (!pop(ValType::I32) || !popAny(t1) || !popAny(t2)) return mismatch();
      if (!((isNum(t1) && isNum(t2)) || (isVec(t1) && isVec(t2)))) return mismatch();
      if (t1 != t2 && t1 != kUnknown && t2 != kUnknown) return mismatch();
      stack_.push_back(t1 == kUnknown ? t2 : t1);
      break;
    }
    case Opcode::SelectT:
      if (in.selectTypeCount != 1) return fail("invalid result arity");
      if (!pop(ValType::I32) || !pop(in.type) || !pop(in.type)) return mismatch();
      push(in.type);
      break;
    case Opcode::LocalGet: case Opcode::LocalSet: case Opcode::LocalTee: {
      if (in.a >= locals_.size()) return unknown("local", in.a);
      ValType t = locals_[in.a];
      if (in.op != Opcode::LocalGet && !pop(t)) return mismatch();
      if (in.op != Opcode::LocalSet) push(t);
      break;
    }
    case Opcode::GlobalGet: case Opcode::GlobalSet: {
      if (in.a >= m_.globalTypes.size()) return unknown("global", in.a);
      const GlobalType& g = m_.globalTypes[in.a];
      if (in.op == Opcode::GlobalGet) push(g.type);
      else {
        if (g.mut != Mut::Var) return fail("global is immutable");
        if (!pop(g.type)) return mismatch();
      }
      break;
    }
    case Opcode::TableGet: case Opcode::TableSet: case Opcode::TableSize:
    case Opcode::TableGrow: case Opcode::TableFill: {
      TW_TRY(needTable(in.a));
      ValType et = m_.tables[in.a].elem;
      bool ok = true;
      switch (in.op) {
        case Opcode::TableGet: ok = pop(ValType::I32); push(et); break;
        case Opcode::TableSet: ok = pop(et) && pop(ValType::I32); break;
        case Opcode::TableSize: push(ValType::I32); break;
        case Opcode::TableGrow: ok = pop(ValType::I32) && pop(et); push(ValType::I32); break;
        default: ok = pop(ValType::I32) && pop(et) && pop(ValType::I32); break;
      }
      if (!ok) return mismatch();
      break;
    }
    case Opcode::TableCopy: case Opcode::TableInit: {
      ValType dst, src;
      if (in.op == Opcode::TableCopy) {
        TW_TRY(needTable(in.a));
        TW_TRY(needTable(in.b));
        dst = m_.tables[in.a].elem;
        src = m_.tables[in.b].elem;
      } else {
        TW_TRY(needTable(in.b));
        if (in.a >= m_.elems.size()) return unknown("elem segment", in.a);
        dst = m_.tables[in.b].elem;
        src = m_.elems[in.a].type;
      }
      if (dst != src) return mismatch();
      if (!pop(ValType::I32) || !pop(ValType::I32) || !pop(ValType::I32)) return mismatch();
      break;
    }
    case Opcode::ElemDrop:
      if (in.a >= m_.elems.size()) return unknown("elem segment", in.a);
      break;
    case Opcode::MemorySize:
      TW_TRY(needMemory());
      push(ValType::I32);
      break;
    case Opcode::MemoryGrow:
      TW_TRY(needMemory());
      if (!pop(ValType::I32)) return mismatch();
      push(ValType::I32);
      break;
    case Opcode::MemoryInit: case Opcode::MemoryCopy: case Opcode::MemoryFill:
      TW_TRY(needMemory());
      if (in.op == Opcode::MemoryInit && in.a >= m_.datas.size())
        return unknown("data segment", in.a);
      if (!pop(ValType::I32) || !pop(ValType::I32) || !pop(ValType::I32)) return mismatch();
      break;
    case Opcode::DataDrop:
      if (in.a >= m_.datas.size()) return unknown("data segment", in.a);
      break;
    case Opcode::I32Const: push(ValType::I32); break;
    case Opcode::I64Const: push(ValType::I64); break;
    case Opcode::F32Const: push(ValType::F32); break;
    case Opcode::F64Const: push(ValType::F64); break;
    case Opcode::RefNull: push(in.type); break;
    case Opcode::RefIsNull: {
      uint8_t t;
      if (!popAny(t) || !isRef(t)) return mismatch();
      push(ValType::I32);
      break;
    }
    case Opcode::RefFunc:
      if (in.a >= m_.funcs.size()) return unknown("function", in.a);
      if (!ctx_.declaredRefs[in.a]) return fail("undeclared function reference");
      push(ValType::FuncRef);
      break;
    default:
      return fail(std::string("unhandled instruction ") + std::string(opcodeInfo(in.op).name));
  }
  return {};
}

Result<void> FuncChecker::check(const FunctionBody& body) {
  fn_ = &m_.types[body.type.value];
  locals_.assign(fn_->params.begin(), fn_->params.end());
  locals_.insert(locals_.end(), body.locals.begin(), body.locals.end());
  stack_.clear();
  frames_.clear();
  frames_.push_back(Frame{Opcode::Block, nullptr, 0, fn_->results.data(),
                          uint32_t(fn_->results.size()), 0, false});
  const auto& table = sigs();
  InstrReader r(m_.bytes, body.codeBegin, body.codeEnd);
  Instr in;
  while (!frames_.empty()) {
    if (r.atEnd()) return makeError(ErrorKind::Malformed, "unexpected end", body.codeEnd);
    TW_TRY(r.next(in));
    at_ = in.offset;
    const SigEntry& s = table[static_cast<size_t>(in.op)];
    if (s.has) TW_TRY(checkSimple(in, s));
    else TW_TRY(checkSpecial(in));
  }
  return {};
}

}  // namespace

Result<void> validateFunctions(const ModuleContext& ctx) {
  FuncChecker checker(ctx);
  for (const FunctionBody& body : ctx.m.bodies) TW_TRY(checker.check(body));
  return {};
}

}  // namespace tw::detail
