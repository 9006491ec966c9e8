// Function body -> internal code. A single pass over the validated body that tracks, for
// every operand-stack entry, the frame slot its value lives in. Values start in their
// "canonical" slot (locals first, then stack positions), but local.get pushes a reference
// to the local's own slot instead of copying, and local.set retargets the instruction that
// produced the value, so most Wasm stack traffic disappears (a register machine). Values
// are moved into canonical slots wherever control flow merges.
#include "compiler.h"
#include "fused.h"

#include "tensorwasm/binary/instr.h"

namespace tw::interp {
namespace {

struct Entry {
  ValType type;
  uint32_t slot;   // where the value is now
  uint32_t canon;  // its canonical stack slot
};

struct Fixup {
  size_t instr;     // word index of the instruction holding the target
  uint32_t operand; // operand index of the relative target
};

struct Control {
  Opcode kind = Opcode::Block;
  size_t height = 0;       // entries below the block's parameters
  uint32_t baseSlot = 0;   // canonical slot of the first parameter/result
  std::vector<ValType> params, results;
  size_t loopHead = 0;     // Loop: word index of the head
  std::vector<Fixup> endFixups;
  std::optional<Fixup> elseFixup;
  bool unreachable = false;
  const std::vector<ValType>& labelTypes() const { return kind == Opcode::Loop ? params : results; }
};

uint32_t slotsOf(const std::vector<ValType>& types) {
  uint32_t n = 0;
  for (ValType t : types) n += slotCount(t);
  return n;
}

ValType sigType(char c) {
  switch (c) {
    case 'i': return ValType::I32;
    case 'I': return ValType::I64;
    case 'f': return ValType::F32;
    case 'F': return ValType::F64;
    default: return ValType::V128;
  }
}

class FunctionCompiler {
 public:
  FunctionCompiler(const Module& m, uint32_t bodyIndex, std::vector<CompiledFunc>& funcs)
      : m_(m), body_(m.bodies[bodyIndex]), funcs_(funcs), out_(funcs[bodyIndex]),
        code_(out_.code) {}

  Result<void> run();

 private:
  // --- emission ---
  size_t emit(Handler h, std::initializer_list<uint32_t> ops, std::initializer_list<uint64_t> wide = {}) {
    size_t start = code_.size();
    Word w;
    w.h = h;
    code_.push_back(w);
    size_t n = ops.size();
    const uint32_t* o = ops.begin();
    for (size_t i = 0; i < n; i += 2) {
      Word x;
      x.p.lo = o[i];
      x.p.hi = i + 1 < n ? o[i + 1] : 0;
      code_.push_back(x);
    }
    for (uint64_t v : wide) {
      Word x;
      x.u = v;
      code_.push_back(x);
    }
    resetPeephole();
    return start;
  }
  void resetPeephole() {
    lastDstInstr_ = SIZE_MAX;
    lastConst_.start = SIZE_MAX;
    lastCmp_.start = SIZE_MAX;
  }
  void setOperand(size_t instr, uint32_t k, uint32_t value) {
    Word& w = code_[instr + 1 + k / 2];
    (k % 2 ? w.p.hi : w.p.lo) = value;
  }
  // Marks the instruction just emitted as writing its result to operand 0 (`dst`), which
  // local.set may retarget.
  void markDst(size_t instr, uint32_t dst) {
    lastDstInstr_ = instr;
    lastDst_ = dst;
  }
  void bindHere(const Fixup& f) {
    setOperand(f.instr, f.operand, static_cast<uint32_t>(code_.size() - f.instr));
  }
  void labelHere() { resetPeephole(); }
  // Emits a conditional jump on `cond` (taken when cond != 0 if whenTrue, else when 0),
  // fusing the comparison that produced `cond` when it is the previous instruction.
  // Returns the instruction start; *targetOperand is where the relative target goes.
  size_t emitCondJump(bool whenTrue, uint32_t cond, bool backward, uint32_t* targetOperand);
  void setTarget(size_t instr, uint32_t operand, size_t target) {
    setOperand(instr, operand, static_cast<uint32_t>(static_cast<int64_t>(target) - static_cast<int64_t>(instr)));
  }

  // --- operand stack ---
  uint32_t nextCanon() const { return localSlots_ + stackSlots_; }
  uint32_t push(ValType t) {
    uint32_t c = nextCanon();
    stack_.push_back({t, c, c});
    stackSlots_ += slotCount(t);
    maxStackSlots_ = std::max(maxStackSlots_, stackSlots_);
    return c;
  }
  Entry pop() {
    Entry e = stack_.back();
    stack_.pop_back();
    stackSlots_ -= slotCount(e.type);
    return e;
  }
  void copy(uint32_t dst, uint32_t src, ValType t) {
    if (dst == src) return;
    emit(t == ValType::V128 ? Ops::copy128 : Ops::copy64, {dst, src});
  }
  void materialize(Entry& e) {
    copy(e.canon, e.slot, e.type);
    e.slot = e.canon;
  }
  void materializeAll() {
    for (Entry& e : stack_) {
      if (e.slot != e.canon) materialize(e);
    }
  }
  void materializeLocal(uint32_t slot) {
    for (Entry& e : stack_) {
      if (e.slot == slot) materialize(e);
    }
  }
  // Makes the top `n` entries canonical (call arguments must be contiguous).
  void materializeTop(size_t n) {
    for (size_t i = stack_.size() - n; i < stack_.size(); ++i) {
      if (stack_[i].slot != stack_[i].canon) materialize(stack_[i]);
    }
  }
  // Copies the top `n` entries to slots starting at `dst` (a branch's label slots).
  void moveTopTo(size_t n, uint32_t dst) {
    for (size_t i = stack_.size() - n; i < stack_.size(); ++i) {
      copy(dst, stack_[i].slot, stack_[i].type);
      dst += slotCount(stack_[i].type);
    }
  }
  bool topNeedsMove(size_t n, uint32_t dst) const {
    for (size_t i = stack_.size() - n; i < stack_.size(); ++i) {
      if (stack_[i].slot != dst) return true;
      dst += slotCount(stack_[i].type);
    }
    return false;
  }
  void resetTo(Control& c, const std::vector<ValType>& types) {
    while (stack_.size() > c.height) pop();
    for (ValType t : types) push(t);
  }

  Result<void> blockTypes(const BlockType& bt, std::vector<ValType>& params, std::vector<ValType>& results) {
    params.clear();
    results.clear();
    if (bt.kind == BlockType::Kind::Value) results.push_back(bt.value);
    if (bt.kind == BlockType::Kind::Index) {
      params = m_.types[bt.index].params;
      results = m_.types[bt.index].results;
    }
    return {};
  }

  // --- instructions ---
  Result<void> step(const Instr& in);
  void enterBlock(Opcode kind, const BlockType& bt);
  void doElse();
  void doEnd();
  void branch(uint32_t depth);
  void branchIf(uint32_t depth, uint32_t cond);
  void branchTable(const Instr& in);
  // Unconditional jump to `target`'s label (backward jumps to loops poll the interrupt flag).
  void jumpTo(Control& target);
  void doReturn();
  void doCall(uint32_t funcIndex);
  void doCallIndirect(uint32_t typeIndex, uint32_t table);
  void localSet(uint32_t local, bool tee);
  void simple(const Instr& in);
  void markUnreachable() { ctrl_.back().unreachable = true; }

  const Module& m_;
  const FunctionBody& body_;
  std::vector<CompiledFunc>& funcs_;
  CompiledFunc& out_;
  std::vector<Word>& code_;
  std::vector<ValType> localTypes_;
  std::vector<uint32_t> localSlot_;
  uint32_t localSlots_ = 0;
  uint32_t stackSlots_ = 0;
  uint32_t maxStackSlots_ = 0;
  std::vector<Entry> stack_;
  std::vector<Control> ctrl_;
  size_t lastDstInstr_ = SIZE_MAX;
  uint32_t lastDst_ = 0;
  // The previous instruction, when it was an integer constant (foldable into an
  // immediate operand) or a comparison (fusable into the branch that consumes it).
  struct {
    size_t start = SIZE_MAX;
    uint32_t dst = 0;
    uint64_t value = 0;
    bool is64 = false;
  } lastConst_;
  struct {
    size_t start = SIZE_MAX;
    Opcode op = Opcode::Nop;
    uint32_t dst = 0;
    bool imm = false;
    uint32_t a = 0, b = 0;
  } lastCmp_;
  uint32_t skipDepth_ = 0;  // nesting depth inside unreachable code
};

Result<void> FunctionCompiler::run() {
  const FuncType& type = m_.types[body_.type.value];
  localTypes_ = type.params;
  localTypes_.insert(localTypes_.end(), body_.locals.begin(), body_.locals.end());
  for (ValType t : localTypes_) {
    localSlot_.push_back(localSlots_);
    localSlots_ += slotCount(t);
  }
  out_.paramSlots = slotsOf(type.params);
  out_.resultSlots = slotsOf(type.results);
  if (localSlots_ > out_.paramSlots) {
    emit(Ops::zeroSlots, {out_.paramSlots, localSlots_ - out_.paramSlots});
  }
  Control fn;
  fn.kind = Opcode::Block;
  fn.results = type.results;
  fn.baseSlot = localSlots_;
  ctrl_.push_back(std::move(fn));

  InstrReader reader(m_.bytes, body_.codeBegin, body_.codeEnd);
  Instr in;
  while (!ctrl_.empty()) {
    if (reader.atEnd()) return makeError(ErrorKind::Malformed, "unexpected end", reader.position());
    TW_TRY(reader.next(in));
    TW_TRY(step(in));
  }
  out_.frameSlots = std::max(localSlots_ + maxStackSlots_, out_.resultSlots);
  return {};
}

void FunctionCompiler::enterBlock(Opcode kind, const BlockType& bt) {
  Control c;
  c.kind = kind;
  (void)blockTypes(bt, c.params, c.results);
  // Values below a block must live in their canonical slots: a local.set inside the
  // block would otherwise have to materialize them on only some paths.
  materializeAll();
  c.height = stack_.size() - c.params.size();
  c.baseSlot = c.height == stack_.size() ? nextCanon() : stack_[c.height].canon;
  if (kind == Opcode::Loop) {
    c.loopHead = code_.size();
    labelHere();
  }
  ctrl_.push_back(std::move(c));
}

void FunctionCompiler::doElse() {
  Control& c = ctrl_.back();
  if (!c.unreachable) {
    materializeAll();
    jumpTo(c);
  }
  bindHere(*c.elseFixup);
  c.elseFixup.reset();
  labelHere();
  resetTo(c, c.params);
  c.unreachable = false;
}

void FunctionCompiler::doEnd() {
  Control& c = ctrl_.back();
  if (!c.unreachable) materializeAll();
  if (ctrl_.size() == 1) {
    if (!c.unreachable) doReturn();
    ctrl_.pop_back();
    return;
  }
  if (c.elseFixup) {
    // An if without else passes its parameters through as results.
    bindHere(*c.elseFixup);
  }
  for (const Fixup& f : c.endFixups) bindHere(f);
  labelHere();
  resetTo(c, c.results);
  ctrl_.pop_back();
}

void FunctionCompiler::jumpTo(Control& target) {
  size_t at = target.kind == Opcode::Loop ? emit(Ops::brLoop, {0}) : emit(Ops::br, {0});
  if (target.kind == Opcode::Loop) setTarget(at, 0, target.loopHead);
  else target.endFixups.push_back({at, 0});
}

void FunctionCompiler::branch(uint32_t depth) {
  Control& target = ctrl_[ctrl_.size() - 1 - depth];
  if (depth == ctrl_.size() - 1) {
    doReturn();
    markUnreachable();
    return;
  }
  size_t arity = target.labelTypes().size();
  moveTopTo(arity, target.baseSlot);
  jumpTo(target);
  markUnreachable();
}

void FunctionCompiler::branchIf(uint32_t depth, uint32_t cond) {
  Control& target = ctrl_[ctrl_.size() - 1 - depth];
  bool toFunction = depth == ctrl_.size() - 1;
  size_t arity = target.labelTypes().size();
  if (!toFunction && !topNeedsMove(arity, target.baseSlot)) {
    bool backward = target.kind == Opcode::Loop;
    uint32_t operand = 0;
    size_t at = emitCondJump(true, cond, backward, &operand);
    if (backward) setTarget(at, operand, target.loopHead);
    else target.endFixups.push_back({at, operand});
    return;
  }
  uint32_t skipOperand = 0;
  size_t skip = emitCondJump(false, cond, false, &skipOperand);
  if (toFunction) {
    std::vector<Entry> saved = stack_;
    doReturn();
    stack_ = std::move(saved);
  } else {
    moveTopTo(arity, target.baseSlot);
    jumpTo(target);
  }
  bindHere({skip, skipOperand});
  labelHere();
}

size_t FunctionCompiler::emitCondJump(bool whenTrue, uint32_t cond, bool backward,
                                      uint32_t* targetOperand) {
  if (lastCmp_.start != SIZE_MAX && lastCmp_.dst == cond) {
    const FusedHandlers& fh = fusedHandlers(lastCmp_.op);
    bool eqz = lastCmp_.op == Opcode::I32Eqz || lastCmp_.op == Opcode::I64Eqz;
    Handler h = lastCmp_.imm ? (whenTrue ? fh.brIfImm : fh.brUnlessImm)
                             : (whenTrue ? fh.brIf : fh.brUnless);
    uint32_t a = lastCmp_.a, b = lastCmp_.b;
    code_.resize(lastCmp_.start);  // the comparison now happens inside the branch
    *targetOperand = eqz ? 1 : 2;
    return eqz ? emit(h, {a, 0}) : emit(h, {a, b, 0});
  }
  *targetOperand = 1;
  Handler h = whenTrue ? (backward ? Ops::brIfLoop : Ops::brIf) : Ops::brUnless;
  return emit(h, {cond, 0});
}

void FunctionCompiler::branchTable(const Instr& in) {
  uint32_t index = pop().slot;
  size_t n = in.targets.size();
  std::vector<uint32_t> ops = {index, static_cast<uint32_t>(n - 1)};
  ops.resize(2 + n, 0);
  size_t at = code_.size();
  {
    Word w;
    w.h = Ops::brTable;
    code_.push_back(w);
    for (size_t i = 0; i < ops.size(); i += 2) {
      Word x;
      x.p.lo = ops[i];
      x.p.hi = i + 1 < ops.size() ? ops[i + 1] : 0;
      code_.push_back(x);
    }
  }
  // Each target either jumps straight to its label or to a landing pad that first moves
  // the branch values (and, for loops, polls the interrupt flag).
  for (size_t i = 0; i < n; ++i) {
    uint32_t depth = in.targets[i];
    uint32_t operand = static_cast<uint32_t>(2 + i);
    if (depth == ctrl_.size() - 1) {
      bindHere({at, operand});
      std::vector<Entry> saved = stack_;
      doReturn();
      stack_ = std::move(saved);
      continue;
    }
    Control& target = ctrl_[ctrl_.size() - 1 - depth];
    size_t arity = target.labelTypes().size();
    if (target.kind != Opcode::Loop && !topNeedsMove(arity, target.baseSlot)) {
      target.endFixups.push_back({at, operand});
      continue;
    }
    bindHere({at, operand});
    moveTopTo(arity, target.baseSlot);
    jumpTo(target);
  }
  resetPeephole();
  markUnreachable();
}

void FunctionCompiler::doReturn() {
  const std::vector<ValType>& results = ctrl_.front().results;
  size_t n = results.size();
  // Results go to slots [0, n): first move any that still sit in a local slot, which the
  // copies below could overwrite, to their canonical slot.
  materializeTop(n);
  moveTopTo(n, 0);
  emit(Ops::ret, {});
}

void FunctionCompiler::doCall(uint32_t funcIndex) {
  const FuncType& ft = m_.funcType(FuncIdx(funcIndex));
  materializeTop(ft.params.size());
  uint32_t argSlot = ft.params.empty() ? nextCanon() : stack_[stack_.size() - ft.params.size()].canon;
  for (size_t i = 0; i < ft.params.size(); ++i) pop();
  // The callee's frame starts at argSlot; reserve room for its results.
  uint32_t resultSlots = slotsOf(ft.results);
  maxStackSlots_ = std::max(maxStackSlots_, argSlot - localSlots_ + resultSlots);
  if (funcIndex >= m_.numImportedFuncs) {
    Word target;
    target.ptr = &funcs_[funcIndex - m_.numImportedFuncs];
    emit(Ops::call, {argSlot}, {target.u});
  } else {
    emit(Ops::callImport, {argSlot, funcIndex});
  }
  for (ValType t : ft.results) push(t);
}

void FunctionCompiler::doCallIndirect(uint32_t typeIndex, uint32_t table) {
  const FuncType& ft = m_.types[typeIndex];
  uint32_t index = pop().slot;
  materializeTop(ft.params.size());
  uint32_t argSlot = ft.params.empty() ? nextCanon() : stack_[stack_.size() - ft.params.size()].canon;
  for (size_t i = 0; i < ft.params.size(); ++i) pop();
  uint32_t resultSlots = slotsOf(ft.results);
  maxStackSlots_ = std::max(maxStackSlots_, argSlot - localSlots_ + resultSlots);
  emit(Ops::callIndirect, {argSlot, index, table, canonicalTypeId(ft)});
  for (ValType t : ft.results) push(t);
}

void FunctionCompiler::localSet(uint32_t local, bool tee) {
  uint32_t slot = localSlot_[local];
  ValType t = localTypes_[local];
  Entry top = pop();
  bool othersUseLocal = false;
  for (const Entry& e : stack_) othersUseLocal |= e.slot == slot;
  if (lastDstInstr_ != SIZE_MAX && lastDst_ == top.canon && top.slot == top.canon && !othersUseLocal) {
    setOperand(lastDstInstr_, 0, slot);  // the producer writes straight into the local
  } else {
    if (othersUseLocal) materializeLocal(slot);
    copy(slot, top.slot, t);
  }
  resetPeephole();
  if (tee) {
    push(t);
    stack_.back().slot = slot;
  }
}

void FunctionCompiler::simple(const Instr& in) {
  const OpcodeInfo& info = opcodeInfo(in.op);
  std::string_view sig = info.sig;
  size_t colon = sig.find(':');
  std::string_view params = sig.substr(0, colon), results = sig.substr(colon + 1);
  uint32_t inputs[3] = {};
  for (size_t i = params.size(); i-- > 0;) inputs[i] = pop().slot;
  std::vector<uint32_t> ops;
  uint32_t dst = 0;
  if (!results.empty()) {
    dst = push(sigType(results[0]));
    ops.push_back(dst);
  }
  const FusedHandlers& fh = fusedHandlers(in.op);
  if (fh.imm && params.size() == 2 && lastConst_.start != SIZE_MAX && lastConst_.dst == inputs[1] &&
      (!lastConst_.is64 || static_cast<int64_t>(lastConst_.value) ==
                               static_cast<int32_t>(static_cast<uint32_t>(lastConst_.value)))) {
    uint32_t imm = static_cast<uint32_t>(lastConst_.value);
    code_.resize(lastConst_.start);  // the constant becomes an immediate operand
    size_t at = emit(fh.imm, {dst, inputs[0], imm});
    markDst(at, dst);
    if (fh.brIf) lastCmp_ = {at, in.op, dst, true, inputs[0], imm};
    return;
  }
  for (size_t i = 0; i < params.size(); ++i) ops.push_back(inputs[i]);
  if (info.imm == ImmKind::MemArg || info.imm == ImmKind::MemArgLane) {
    ops.push_back(static_cast<uint32_t>(in.imm));
  }
  if (info.imm == ImmKind::Lane || info.imm == ImmKind::MemArgLane) ops.push_back(in.lane);
  size_t start = code_.size();
  Word w;
  w.h = simpleHandler(in.op);
  code_.push_back(w);
  for (size_t i = 0; i < ops.size(); i += 2) {
    Word x;
    x.p.lo = ops[i];
    x.p.hi = i + 1 < ops.size() ? ops[i + 1] : 0;
    code_.push_back(x);
  }
  if (info.imm == ImmKind::Shuffle || info.imm == ImmKind::V128) {
    Word a, b;
    std::memcpy(&a.u, in.v128.bytes, 8);
    std::memcpy(&b.u, in.v128.bytes + 8, 8);
    code_.push_back(a);
    code_.push_back(b);
  }
  resetPeephole();
  if (!results.empty()) markDst(start, dst);
  if (fh.brIf) lastCmp_ = {start, in.op, dst, false, inputs[0], inputs[1]};
}

Result<void> FunctionCompiler::step(const Instr& in) {
  Opcode op = in.op;
  if (ctrl_.back().unreachable) {
    if (op == Opcode::Block || op == Opcode::Loop || op == Opcode::If) {
      ++skipDepth_;
      return {};
    }
    if (skipDepth_ > 0) {
      if (op == Opcode::End) --skipDepth_;
      return {};
    }
    if (op != Opcode::End && op != Opcode::Else) return {};
  }
  switch (op) {
    case Opcode::Unreachable: emit(Ops::unreachable, {}); markUnreachable(); return {};
    case Opcode::Nop: return {};
    case Opcode::Block:
    case Opcode::Loop: enterBlock(op, in.block); return {};
    case Opcode::If: {
      uint32_t cond = pop().slot;
      enterBlock(op, in.block);
      uint32_t operand = 0;
      size_t at = emitCondJump(false, cond, false, &operand);
      ctrl_.back().elseFixup = Fixup{at, operand};
      return {};
    }
    case Opcode::Else: doElse(); return {};
    case Opcode::End: doEnd(); return {};
    case Opcode::Br: branch(in.a); return {};
    case Opcode::BrIf: branchIf(in.a, pop().slot); return {};
    case Opcode::BrTable: branchTable(in); return {};
    case Opcode::Return: doReturn(); markUnreachable(); return {};
    case Opcode::Call: doCall(in.a); return {};
    case Opcode::CallIndirect: doCallIndirect(in.a, in.b); return {};
    case Opcode::Drop: pop(); return {};
    case Opcode::Select:
    case Opcode::SelectT: {
      uint32_t cond = pop().slot;
      Entry b = pop(), a = pop();
      uint32_t dst = push(a.type);
      size_t at = emit(a.type == ValType::V128 ? Ops::select128 : Ops::select64, {dst, a.slot, b.slot, cond});
      markDst(at, dst);
      return {};
    }
    case Opcode::LocalGet: {
      push(localTypes_[in.a]);
      stack_.back().slot = localSlot_[in.a];
      return {};
    }
    case Opcode::LocalSet: localSet(in.a, false); return {};
    case Opcode::LocalTee: localSet(in.a, true); return {};
    case Opcode::GlobalGet: {
      ValType t = m_.globalTypes[in.a].type;
      uint32_t dst = push(t);
      markDst(emit(t == ValType::V128 ? Ops::globalGet128 : Ops::globalGet64, {dst, in.a}), dst);
      return {};
    }
    case Opcode::GlobalSet: {
      Entry v = pop();
      emit(v.type == ValType::V128 ? Ops::globalSet128 : Ops::globalSet64, {in.a, v.slot});
      return {};
    }
    case Opcode::I32Const:
    case Opcode::F32Const: {
      uint32_t dst = push(op == Opcode::I32Const ? ValType::I32 : ValType::F32);
      size_t at = emit(Ops::const32, {dst, static_cast<uint32_t>(in.imm)});
      markDst(at, dst);
      if (op == Opcode::I32Const) lastConst_ = {at, dst, in.imm, false};
      return {};
    }
    case Opcode::I64Const:
    case Opcode::F64Const: {
      uint32_t dst = push(op == Opcode::I64Const ? ValType::I64 : ValType::F64);
      size_t at = emit(Ops::const64, {dst}, {in.imm});
      markDst(at, dst);
      if (op == Opcode::I64Const) lastConst_ = {at, dst, in.imm, true};
      return {};
    }
    case Opcode::RefNull: {
      uint32_t dst = push(in.type);
      markDst(emit(Ops::const64, {dst}, {0}), dst);
      return {};
    }
    case Opcode::RefIsNull: {
      uint32_t a = pop().slot;
      uint32_t dst = push(ValType::I32);
      markDst(emit(Ops::refIsNull, {dst, a}), dst);
      return {};
    }
    case Opcode::RefFunc: {
      uint32_t dst = push(ValType::FuncRef);
      markDst(emit(Ops::refFunc, {dst, in.a}), dst);
      return {};
    }
    case Opcode::TableGet: {
      uint32_t i = pop().slot;
      uint32_t dst = push(m_.tables[in.a].elem);
      markDst(emit(Ops::tableGet, {dst, i, in.a}), dst);
      return {};
    }
    case Opcode::TableSet: {
      uint32_t v = pop().slot, i = pop().slot;
      emit(Ops::tableSet, {i, v, in.a});
      return {};
    }
    case Opcode::TableSize: {
      uint32_t dst = push(ValType::I32);
      markDst(emit(Ops::tableSize, {dst, in.a}), dst);
      return {};
    }
    case Opcode::TableGrow: {
      uint32_t n = pop().slot, v = pop().slot;
      uint32_t dst = push(ValType::I32);
      markDst(emit(Ops::tableGrow, {dst, v, n, in.a}), dst);
      return {};
    }
    case Opcode::TableFill: {
      uint32_t n = pop().slot, v = pop().slot, i = pop().slot;
      emit(Ops::tableFill, {i, v, n, in.a});
      return {};
    }
    case Opcode::TableCopy: {
      uint32_t n = pop().slot, s = pop().slot, d = pop().slot;
      emit(Ops::tableCopy, {d, s, n, in.a, in.b});
      return {};
    }
    case Opcode::TableInit: {
      uint32_t n = pop().slot, s = pop().slot, d = pop().slot;
      emit(Ops::tableInit, {d, s, n, in.a, in.b});
      return {};
    }
    case Opcode::ElemDrop: emit(Ops::elemDrop, {in.a}); return {};
    case Opcode::MemorySize: {
      uint32_t dst = push(ValType::I32);
      markDst(emit(Ops::memorySize, {dst}), dst);
      return {};
    }
    case Opcode::MemoryGrow: {
      uint32_t n = pop().slot;
      uint32_t dst = push(ValType::I32);
      markDst(emit(Ops::memoryGrow, {dst, n}), dst);
      return {};
    }
    case Opcode::MemoryInit: {
      uint32_t n = pop().slot, s = pop().slot, d = pop().slot;
      emit(Ops::memoryInit, {d, s, n, in.a});
      return {};
    }
    case Opcode::DataDrop: emit(Ops::dataDrop, {in.a}); return {};
    case Opcode::MemoryCopy: {
      uint32_t n = pop().slot, s = pop().slot, d = pop().slot;
      emit(Ops::memoryCopy, {d, s, n});
      return {};
    }
    case Opcode::MemoryFill: {
      uint32_t n = pop().slot, v = pop().slot, d = pop().slot;
      emit(Ops::memoryFill, {d, v, n});
      return {};
    }
    default:
      break;
  }
  if (!simpleHandler(op)) {
    return makeError(ErrorKind::Unsupported,
                     std::string("interpreter has no handler for ") + std::string(opcodeInfo(op).name),
                     in.offset);
  }
  simple(in);
  return {};
}

}  // namespace

Result<void> compileFunction(const Module& module, uint32_t bodyIndex,
                             std::vector<CompiledFunc>& funcs) {
  funcs[bodyIndex].funcIndex = module.numImportedFuncs + bodyIndex;
  FunctionCompiler fc(module, bodyIndex, funcs);
  return fc.run();
}

}  // namespace tw::interp
