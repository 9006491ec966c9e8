// The C++ side of generated code: per-thread state, the guarded entry that turns a raised
// trap back into an Error, and the helpers generated code calls for traps, calls that leave
// the module's own code, memory growth, bulk memory and tables. A helper that traps stores
// the Error in the thread and siglongjmps; everything with a destructor lives in a frame
// that has returned before that.
#include <pthread.h>

#include <algorithm>
#include <cstring>

#include "abi.h"

namespace tw::jit {
namespace {

[[noreturn]] void raise(JitThread* th) { siglongjmp(*th->escape, 1); }

[[noreturn]] void hTrap(JitThread* th, int32_t kind) {
  th->error = makeTrap(static_cast<TrapKind>(kind));
  raise(th);
}

bool inBounds(uint64_t offset, uint64_t len, uint64_t size) {
  return offset <= size && len <= size - offset;
}

// Calls a host function or another tier's function with arguments in `slots` (one
// UntypedValue each) and writes the results there. False with th->error set on failure.
bool callBoxed(JitThread* th, JitInstance* caller, Function* fn, UntypedValue* slots) {
  const FuncType& type = fn->type;
  Value argStorage[16], resultStorage[8];
  std::vector<Value> bigArgs, bigResults;
  std::span<Value> args(argStorage, type.params.size()), results(resultStorage, type.results.size());
  if (type.params.size() > 16) args = bigArgs = std::vector<Value>(type.params.size());
  if (type.results.size() > 8) results = bigResults = std::vector<Value>(type.results.size());
  for (size_t i = 0; i < args.size(); ++i) {
    args[i].type = type.params[i];
    args[i].v = slots[i];
  }
  for (size_t i = 0; i < results.size(); ++i) results[i].type = type.results[i];
  Result<void> r;
  if (fn->isHost()) {
    HostCall call{*caller->instance, caller->instance->memory.get()};
    r = fn->host(call, args, results);
  } else {
    Instance& owner = *fn->instance;
    CallOptions options;
    options.interrupt = th->interrupt;
    r = owner.compiled().code().invoke(owner, *fn, args, results, options);
  }
  if (!r.ok()) {
    th->error = r.takeError();
    return false;
  }
  for (size_t i = 0; i < results.size(); ++i) slots[i] = results[i].v;
  return true;
}

void hCall(JitThread* th, JitInstance* caller, Function* fn, UntypedValue* slots) {
  if (fn->direct.fn) {  // a typed host function: no boxing
    HostCall call{*caller->instance, caller->instance->memory.get()};
    if (fn->direct.fn(fn->direct.target.get(), call, slots, &th->error)) return;
    raise(th);
  }
  if (const JitFunction* jf = jitFunctionOf(*fn)) return jf->entry(th, jf->owner, slots);
  if (!callBoxed(th, caller, fn, slots)) raise(th);
}

// call_indirect's checks. Returns the machine code when the callee is a function of this
// instance; otherwise null, with the callee in *other for hCall.
void* hIndirect(JitThread* th, JitInstance* inst, uint32_t table, uint32_t index,
                uint32_t typeIndex, Function** other) {
  const Table& t = *inst->tables[table];
  if (index >= t.elems.size()) hTrap(th, static_cast<int32_t>(TrapKind::UndefinedElement));
  auto* fn = static_cast<Function*>(t.elems[index]);
  if (!fn) hTrap(th, static_cast<int32_t>(TrapKind::UninitializedElement));
  if (fn->typeId != inst->typeIds[typeIndex]) hTrap(th, static_cast<int32_t>(TrapKind::IndirectCallTypeMismatch));
  if (fn->instance == inst->instance) {
    return inst->natives[fn->index - inst->instance->module().numImportedFuncs];
  }
  *other = fn;
  return nullptr;
}

uint32_t hMemoryGrow(JitInstance* inst, uint32_t delta) {
  return static_cast<uint32_t>(inst->instance->memory->grow(delta));
}

void hMemoryInit(JitThread* th, JitInstance* inst, uint32_t seg, uint32_t d, uint32_t s, uint32_t n) {
  const Module& m = inst->instance->module();
  const DataSegment& data = m.datas[seg];
  uint64_t segSize = inst->instance->droppedDatas[seg] ? 0 : data.size;
  if (!inBounds(d, n, *inst->memSize) || !inBounds(s, n, segSize)) {
    hTrap(th, static_cast<int32_t>(TrapKind::OutOfBoundsMemory));
  }
  if (n) std::memcpy(inst->memBase + d, m.bytes.data() + data.begin + s, n);
}

void hMemoryCopy(JitThread* th, JitInstance* inst, uint32_t d, uint32_t s, uint32_t n) {
  uint64_t size = *inst->memSize;
  if (!inBounds(d, n, size) || !inBounds(s, n, size)) {
    hTrap(th, static_cast<int32_t>(TrapKind::OutOfBoundsMemory));
  }
  if (n) std::memmove(inst->memBase + d, inst->memBase + s, n);
}

void hMemoryFill(JitThread* th, JitInstance* inst, uint32_t d, uint32_t v, uint32_t n) {
  if (!inBounds(d, n, *inst->memSize)) hTrap(th, static_cast<int32_t>(TrapKind::OutOfBoundsMemory));
  if (n) std::memset(inst->memBase + d, static_cast<uint8_t>(v), n);
}

void hDataDrop(JitInstance* inst, uint32_t seg) { inst->instance->droppedDatas[seg] = 1; }

void* hTableGet(JitThread* th, JitInstance* inst, uint32_t table, uint32_t i) {
  const Table& t = *inst->tables[table];
  if (i >= t.elems.size()) hTrap(th, static_cast<int32_t>(TrapKind::OutOfBoundsTable));
  return t.elems[i];
}

void hTableSet(JitThread* th, JitInstance* inst, uint32_t table, uint32_t i, void* v) {
  Table& t = *inst->tables[table];
  if (i >= t.elems.size()) hTrap(th, static_cast<int32_t>(TrapKind::OutOfBoundsTable));
  t.elems[i] = v;
}

uint32_t hTableSize(JitInstance* inst, uint32_t table) { return inst->tables[table]->size(); }

uint32_t hTableGrow(JitInstance* inst, uint32_t table, void* init, uint32_t n) {
  return static_cast<uint32_t>(inst->tables[table]->grow(n, init));
}

void hTableFill(JitThread* th, JitInstance* inst, uint32_t table, uint32_t i, void* v, uint32_t n) {
  Table& t = *inst->tables[table];
  if (!inBounds(i, n, t.elems.size())) hTrap(th, static_cast<int32_t>(TrapKind::OutOfBoundsTable));
  std::fill_n(t.elems.begin() + i, n, v);
}

void hTableCopy(JitThread* th, JitInstance* inst, uint32_t dstTable, uint32_t srcTable, uint32_t d,
                uint32_t s, uint32_t n) {
  Table& dt = *inst->tables[dstTable];
  Table& st = *inst->tables[srcTable];
  if (!inBounds(d, n, dt.elems.size()) || !inBounds(s, n, st.elems.size())) {
    hTrap(th, static_cast<int32_t>(TrapKind::OutOfBoundsTable));
  }
  if (n) std::memmove(dt.elems.data() + d, st.elems.data() + s, n * sizeof(void*));
}

void hTableInit(JitThread* th, JitInstance* inst, uint32_t elem, uint32_t table, uint32_t d,
                uint32_t s, uint32_t n) {
  Instance& instance = *inst->instance;
  Table& t = *inst->tables[table];
  const ElemSegment& seg = instance.module().elems[elem];
  uint64_t segSize = instance.droppedElems[elem] ? 0 : seg.items.size();
  if (!inBounds(d, n, t.elems.size()) || !inBounds(s, n, segSize)) {
    hTrap(th, static_cast<int32_t>(TrapKind::OutOfBoundsTable));
  }
  for (uint32_t k = 0; k < n; ++k) {
    const ConstExpr& e = seg.items[s + k];
    void* ref = nullptr;
    if (e.kind == ConstExpr::Kind::RefFunc) ref = instance.funcs[e.bits];
    else if (e.kind == ConstExpr::Kind::GlobalGet) ref = instance.globals[e.bits]->value.ref;
    t.elems[d + k] = ref;
  }
}

void hElemDrop(JitInstance* inst, uint32_t seg) { inst->instance->droppedElems[seg] = 1; }

}  // namespace

JitThread& currentThread() {
  thread_local JitThread thread;
  return thread;
}

bool runGuarded(JitThread& thread, EntryFn entry, JitInstance* instance, UntypedValue* slots) {
  sigjmp_buf buf;
  sigjmp_buf* const outer = thread.escape;
  thread.escape = &buf;
  // The signal mask is not saved: the fault handler unblocks its signal before jumping.
  if (sigsetjmp(buf, 0) != 0) {
    thread.escape = outer;
    if (thread.pendingTrap >= 0) {
      thread.error = makeTrap(static_cast<TrapKind>(thread.pendingTrap));
      thread.pendingTrap = -1;
    }
    return false;
  }
  entry(&thread, instance, slots);
  thread.escape = outer;
  return true;
}

void* helperAddress(Helper h) {
  static void* const addresses[] = {
#define TW_JIT_HELPER_ADDRESS(name, symbol) reinterpret_cast<void*>(&h##name),
      TW_JIT_HELPERS(TW_JIT_HELPER_ADDRESS)
#undef TW_JIT_HELPER_ADDRESS
  };
  return addresses[static_cast<size_t>(h)];
}

}  // namespace tw::jit
