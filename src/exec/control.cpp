// Control-flow and call handlers, plus the entry into interpreted code (runFunction) and
// calls that leave it (host functions, other instances).
#include <algorithm>

#include "compiler.h"

namespace tw::interp {

namespace {
inline const Word* rel(const Word* ip, uint32_t offset) {
  return ip + static_cast<int32_t>(offset);
}
inline bool interrupted(const ExecState* st) {
  return st->interrupt && st->interrupt->load(std::memory_order_relaxed);
}
const Word kExitCode[1] = {{.h = Ops::exitRun}};
constexpr uint32_t kMaxNesting = 256;
}  // namespace

TW_HANDLER(Ops::unreachable) { TW_TRAP(Unreachable); }

TW_HANDLER(Ops::br) { TW_JUMP(rel(ip, TW_OPA)); }

TW_HANDLER(Ops::brLoop) {
  if (interrupted(st)) TW_TRAP(Interrupted);
  TW_JUMP(rel(ip, TW_OPA));
}

TW_HANDLER(Ops::brIf) {
  if (rd<uint32_t>(fp, TW_OPA)) TW_JUMP(rel(ip, TW_OPB));
  TW_NEXT(2);
}

TW_HANDLER(Ops::brIfLoop) {
  if (rd<uint32_t>(fp, TW_OPA)) {
    if (interrupted(st)) TW_TRAP(Interrupted);
    TW_JUMP(rel(ip, TW_OPB));
  }
  TW_NEXT(2);
}

TW_HANDLER(Ops::brUnless) {
  if (!rd<uint32_t>(fp, TW_OPA)) TW_JUMP(rel(ip, TW_OPB));
  TW_NEXT(2);
}

// Operands: index slot, count of explicit targets n, then n+1 relative targets.
TW_HANDLER(Ops::brTable) {
  uint32_t index = rd<uint32_t>(fp, TW_OPA);
  uint32_t n = TW_OPB;
  uint32_t k = std::min(index, n) + 2;
  const Word& w = ip[1 + k / 2];
  TW_JUMP(rel(ip, k % 2 ? w.p.hi : w.p.lo));
}

TW_HANDLER(Ops::ret) {
  Frame f = *--st->frameTop;
  fp = f.fp;
  memSize = *st->memSize;  // the callee may have grown memory
  TW_JUMP(f.returnIp);
}

TW_HANDLER(Ops::exitRun) {}

TW_HANDLER(Ops::call) {
  auto* callee = static_cast<const CompiledFunc*>(ip[2].ptr);
  uint64_t* nfp = fp + TW_OPA;
  if (nfp + callee->frameSlots > st->stackEnd || st->frameTop == st->frameEnd) {
    TW_TRAP(CallStackExhausted);
  }
  if (interrupted(st)) TW_TRAP(Interrupted);
  *st->frameTop++ = {ip + 3, fp, callee};
  fp = nfp;
  TW_JUMP(callee->code.data());
}

TW_HANDLER(Ops::callImport) {
  if (!callExternal(st, st->instance->funcs[TW_OPB], fp + TW_OPA)) return;
  mem = st->memBase;
  memSize = *st->memSize;
  TW_NEXT(2);
}

// Operands: argument slot, index slot, table, canonical type id.
TW_HANDLER(Ops::callIndirect) {
  const Table& table = *st->instance->tables[TW_OPC];
  uint32_t index = rd<uint32_t>(fp, TW_OPB);
  if (index >= table.elems.size()) TW_TRAP(UndefinedElement);
  auto* fn = static_cast<const Function*>(table.elems[index]);
  if (!fn) TW_TRAP(UninitializedElement);
  if (fn->typeId != TW_OPD) TW_TRAP(IndirectCallTypeMismatch);
  uint64_t* nfp = fp + TW_OPA;
  if (fn->instance != st->instance) {
    if (!callExternal(st, fn, nfp)) return;
    mem = st->memBase;
    memSize = *st->memSize;
    TW_NEXT(3);
  }
  auto* callee = static_cast<const CompiledFunc*>(fn->code);
  if (nfp + callee->frameSlots > st->stackEnd || st->frameTop == st->frameEnd) {
    TW_TRAP(CallStackExhausted);
  }
  if (interrupted(st)) TW_TRAP(Interrupted);
  *st->frameTop++ = {ip + 3, fp, callee};
  fp = nfp;
  TW_JUMP(callee->code.data());
}

bool runFunction(ExecState* st, Instance& instance, const CompiledFunc* callee, uint64_t* fp) {
  if (st->nesting >= kMaxNesting || fp + callee->frameSlots > st->stackEnd ||
      st->frameTop == st->frameEnd) {
    raiseTrap(st, nullptr, TrapKind::CallStackExhausted);
    return false;
  }
  Instance* savedInstance = st->instance;
  uint8_t* savedBase = st->memBase;
  const uint64_t* savedSize = st->memSize;
  Frame* savedTop = st->frameTop;
  static const uint64_t kNoMemory = 0;
  st->instance = &instance;
  st->memBase = instance.memory ? instance.memory->base() : nullptr;
  st->memSize = instance.memory ? &instance.memory->size_ : &kNoMemory;
  ++st->nesting;
  *st->frameTop++ = {kExitCode, fp, callee};
  callee->code[0].h(callee->code.data(), fp, st, st->memBase, *st->memSize);
  --st->nesting;
  st->frameTop = savedTop;
  st->instance = savedInstance;
  st->memBase = savedBase;
  st->memSize = savedSize;
  return !st->failed;
}

bool callExternal(ExecState* st, const Function* fn, uint64_t* argSlots) {
  const FuncType& type = fn->type;
  if (!fn->isHost() && isInterpreted(*fn->instance)) {
    return runFunction(st, *fn->instance, static_cast<const CompiledFunc*>(fn->code), argSlots);
  }
  // Host calls are on the GPU launch path: no heap allocation for typical arities.
  Value args[16];
  std::vector<Value> bigArgs;
  Value* a = args;
  if (type.params.size() > 16) {
    bigArgs.resize(type.params.size());
    a = bigArgs.data();
  }
  uint32_t slot = 0;
  for (size_t i = 0; i < type.params.size(); ++i) {
    a[i].type = type.params[i];
    std::memcpy(&a[i].v, argSlots + slot, type.params[i] == ValType::V128 ? 16 : 8);
    slot += slotCount(type.params[i]);
  }
  Value resultStorage[4];
  std::vector<Value> bigResults;
  std::span<Value> results(resultStorage, type.results.size());
  if (type.results.size() > 4) {
    bigResults.resize(type.results.size());
    results = bigResults;
  }
  for (size_t i = 0; i < results.size(); ++i) results[i].type = type.results[i];
  uint32_t resultSlots = 0;
  for (ValType t : type.results) resultSlots += slotCount(t);
  uint64_t* savedNested = st->nestedBase;
  st->nestedBase = argSlots + std::max(slot, resultSlots);
  std::span<const Value> argSpan(a, type.params.size());
  Result<void> r;
  if (fn->isHost()) {
    HostCall call{*st->instance, st->instance->memory.get()};
    r = fn->host(call, argSpan, results);
  } else {  // a function compiled by another tier
    CallOptions options;
    options.interrupt = st->interrupt;
    r = fn->instance->compiled().code().invoke(*fn->instance, *fn, argSpan, results, options);
  }
  st->nestedBase = savedNested;
  if (!r.ok()) {
    raiseError(st, r.takeError());
    return false;
  }
  slot = 0;
  for (const Value& v : results) {
    std::memcpy(argSlots + slot, &v.v, v.type == ValType::V128 ? 16 : 8);
    slot += slotCount(v.type);
  }
  return true;
}

}  // namespace tw::interp
