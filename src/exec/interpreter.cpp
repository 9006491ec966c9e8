// The interpreter tier: compiles every function of a module up front (a fast linear pass),
// and runs calls on a per-thread value stack and frame stack.
#include "tensorwasm/exec/interpreter.h"

#include <sys/mman.h>

#include "compiler.h"

namespace tw::interp {

namespace {

constexpr size_t kStackSlots = 8u << 20;     // 64 MiB of address space, committed lazily
constexpr size_t kFrameCapacity = 1u << 17;  // upper bound on EngineConfig::maxCallDepth

struct HandlerTable {
  Handler table[static_cast<size_t>(Opcode::Count)] = {};
  HandlerTable() {
    registerNumericHandlers(table);
    registerMemoryHandlers(table);
    registerSimdHandlers(table);
  }
};

void* reserve(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

ExecState* threadState() {
  thread_local ExecState state;
  thread_local bool ready = false;
  if (!ready) {
    state.stackBase = static_cast<uint64_t*>(reserve(kStackSlots * sizeof(uint64_t)));
    state.frames = static_cast<Frame*>(reserve(kFrameCapacity * sizeof(Frame)));
    if (!state.stackBase || !state.frames) return nullptr;
    state.stackEnd = state.stackBase + kStackSlots;
    state.frameTop = state.frames;
    state.frameEnd = state.frames + kFrameCapacity;
    ready = true;
  }
  return &state;
}

class InterpCode final : public TierCode {
 public:
  std::vector<CompiledFunc> funcs;

  void bind(Instance& instance) override {
    const Module& m = instance.module();
    for (size_t i = 0; i < funcs.size(); ++i) instance.funcs[m.numImportedFuncs + i]->code = &funcs[i];
  }

  Result<void> invoke(Instance& instance, const Function& fn, std::span<const Value> args,
                      std::span<Value> results, const CallOptions& options) override {
    ExecState* st = threadState();
    if (!st) return makeError(ErrorKind::Limit, "cannot allocate the interpreter stack");
    bool outermost = st->nesting == 0;
    uint64_t* fp = outermost ? st->stackBase : st->nestedBase;
    if (!fp) return makeTrap(TrapKind::CallStackExhausted);
    auto* callee = static_cast<const CompiledFunc*>(fn.code);
    if (fp + callee->frameSlots + 4 > st->stackEnd) return makeTrap(TrapKind::CallStackExhausted);
    uint32_t slot = 0;
    for (const Value& v : args) {
      std::memcpy(fp + slot, &v.v, v.type == ValType::V128 ? 16 : 8);
      slot += slotCount(v.type);
    }
    const std::atomic<bool>* savedInterrupt = st->interrupt;
    Frame* savedFrameEnd = st->frameEnd;
    if (outermost) {
      st->failed = false;
      st->interrupt = options.interrupt;
      uint32_t depth = std::min<uint32_t>(instance.engine().config().maxCallDepth, kFrameCapacity);
      st->frameEnd = st->frames + depth;
    } else if (options.interrupt) {
      st->interrupt = options.interrupt;
    }
    bool ok = runFunction(st, instance, callee, fp);
    st->interrupt = savedInterrupt;
    st->frameEnd = savedFrameEnd;
    if (!ok) {
      Error e = std::move(st->error);
      e.backtrace = std::move(st->trapFrames);
      if (outermost) st->failed = false;
      return e;
    }
    slot = 0;
    for (Value& v : results) {
      std::memcpy(&v.v, fp + slot, v.type == ValType::V128 ? 16 : 8);
      slot += slotCount(v.type);
    }
    return {};
  }
};

class InterpreterTier final : public ExecutionTier {
 public:
  const char* name() const override { return "interp"; }
  Result<std::unique_ptr<TierCode>> compile(const Module& module) override {
    auto code = std::make_unique<InterpCode>();
    code->funcs.resize(module.bodies.size());
    for (uint32_t i = 0; i < module.bodies.size(); ++i) {
      TW_TRY(compileFunction(module, i, code->funcs));
    }
    return std::unique_ptr<TierCode>(std::move(code));
  }
};

}  // namespace

bool isInterpreted(const Instance& instance) {
  return dynamic_cast<const InterpCode*>(&instance.compiled().code()) != nullptr;
}

Handler simpleHandler(Opcode op) {
  static const HandlerTable handlers;
  return handlers.table[static_cast<size_t>(op)];
}

void raiseError(ExecState* st, Error error) {
  st->failed = true;
  st->error = std::move(error);
  st->trapFrames.clear();
  if (!st->instance) return;  // refused before entering any function
  const Module& m = st->instance->module();
  // Innermost first; the entry sentinel frames carry the called function too. Runs of one
  // function (deep recursion) collapse into one line, so the outer frames stay visible.
  constexpr size_t kMaxLines = 64;
  uint32_t runFunc = UINT32_MAX;
  size_t runLength = 0;
  auto flush = [&] {
    if (runLength > 1) st->trapFrames.back() += " (repeated " + std::to_string(runLength) + " times)";
  };
  for (Frame* f = st->frameTop; f != st->frames && st->trapFrames.size() < kMaxLines;) {
    --f;
    uint32_t func = f->callee->funcIndex;
    if (func == runFunc) {
      ++runLength;
      continue;
    }
    flush();
    runFunc = func;
    runLength = 1;
    st->trapFrames.push_back(m.functionName(FuncIdx(func)));
  }
  flush();
}

void raiseTrap(ExecState* st, const Word* ip, TrapKind kind) {
  raiseError(st, makeTrap(kind));
}

}  // namespace tw::interp

namespace tw {
std::unique_ptr<ExecutionTier> makeInterpreterTier() {
  return std::make_unique<interp::InterpreterTier>();
}
}  // namespace tw
