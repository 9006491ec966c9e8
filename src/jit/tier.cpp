// The optimizing tier behind the engine's ExecutionTier/TierCode interface: compile() builds
// machine code (or hands SIMD modules to the interpreter), bind() gives each instance the
// records generated code reads, invoke() enters generated code from C++ and turns a raised
// trap back into an Error.
#include <pthread.h>

#include <algorithm>
#include <cstring>

#include "backend.h"
#include "guard.h"
#include "tensorwasm/binary/instr.h"
#include "tensorwasm/exec/interpreter.h"
#include "tensorwasm/jit/jit.h"

namespace tw::jit {
namespace {

// Room left on the native stack below the deepest wasm frame, for helpers, host functions
// and the interpreter's native frames when generated code calls them.
constexpr uintptr_t kStackReserve = 256 * 1024;
const std::atomic<bool> kNeverInterrupted{false};
const uint64_t kNoMemory = 0;

uintptr_t stackLimitOfThisThread() {
  thread_local uintptr_t limit = 0;
  if (limit == 0) {
    pthread_attr_t attr;
    void* low = nullptr;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      pthread_attr_getstack(&attr, &low, &size);
      pthread_attr_destroy(&attr);
    }
    limit = reinterpret_cast<uintptr_t>(low) + kStackReserve;
  }
  return limit;
}

// What bind() builds for one instance; Instance::tierData owns it.
struct InstanceRecords {
  JitInstance instance;
  std::vector<UntypedValue*> globals;
  std::vector<Table*> tables;
  std::vector<JitFunction> functions;
};

class JitCode final : public TierCode {
 public:
  JitCode(std::unique_ptr<MachineCode> code, size_t numFunctions)
      : code_(std::move(code)), numFunctions_(numFunctions) {}

  void bind(Instance& instance) override {
    auto records = std::make_shared<InstanceRecords>();
    for (auto& g : instance.globals) records->globals.push_back(&g->value);
    for (auto& t : instance.tables) records->tables.push_back(t.get());
    JitInstance& ji = records->instance;
    ji.memBase = instance.memory ? instance.memory->base() : nullptr;
    ji.memSize = instance.memory ? &instance.memory->size_ : &kNoMemory;
    ji.globals = records->globals.data();
    ji.tables = records->tables.data();
    ji.funcs = instance.funcs.data();
    ji.natives = code_->natives;
    ji.instance = &instance;
    uint32_t imported = instance.module().numImportedFuncs;
    for (size_t i = 0; i < numFunctions_; ++i) records->functions.push_back({code_->entries[i], &ji});
    for (size_t i = 0; i < numFunctions_; ++i) instance.funcs[imported + i]->code = &records->functions[i];
    instance.tierData = std::move(records);
  }

  Result<void> invoke(Instance& instance, const Function& fn, std::span<const Value> args,
                      std::span<Value> results, const CallOptions& options) override {
    JitThread& thread = currentThread();
    auto* target = static_cast<const JitFunction*>(fn.code);
    uint64_t slotStorage[16];
    std::vector<uint64_t> bigSlots;
    uint64_t* slots = slotStorage;
    if (std::max(args.size(), results.size()) > 16) {
      bigSlots.resize(std::max(args.size(), results.size()));
      slots = bigSlots.data();
    }
    for (size_t i = 0; i < args.size(); ++i) std::memcpy(slots + i, &args[i].v, 8);
    const std::atomic<bool>* outerInterrupt = thread.interrupt;
    if (thread.nesting == 0) {
      prepareThreadForFaults(thread);
      thread.stackLimit = stackLimitOfThisThread();
      thread.interrupt = options.interrupt ? options.interrupt : &kNeverInterrupted;
    } else if (options.interrupt) {
      thread.interrupt = options.interrupt;
    }
    ++thread.nesting;
    bool ok = runGuarded(thread, target->entry, target->owner, slots);
    --thread.nesting;
    thread.interrupt = outerInterrupt;
    if (!ok) return std::move(thread.error);
    for (size_t i = 0; i < results.size(); ++i) std::memcpy(&results[i].v, slots + i, 8);
    return {};
  }

 private:
  std::unique_ptr<MachineCode> code_;
  size_t numFunctions_;
};

bool usesSimd(const Module& m) {
  auto isV128 = [](ValType t) { return t == ValType::V128; };
  for (const FuncType& t : m.types) {
    if (std::ranges::any_of(t.params, isV128) || std::ranges::any_of(t.results, isV128)) return true;
  }
  for (const GlobalType& g : m.globalTypes) {
    if (isV128(g.type)) return true;
  }
  for (const FunctionBody& body : m.bodies) {
    if (std::ranges::any_of(body.locals, isV128)) return true;
    InstrReader reader(m.bytes, body.codeBegin, body.codeEnd);
    Instr in;
    while (!reader.atEnd()) {
      if (!reader.next(in).ok()) return true;  // not reached for a validated module
      if (opcodeInfo(in.op).prefix == 0xFD) return true;
    }
  }
  return false;
}

class JitTier final : public ExecutionTier {
 public:
  const char* name() const override { return "jit"; }
  Result<std::unique_ptr<TierCode>> compile(const Module& module) override {
    if (usesSimd(module)) return interpreter_->compile(module);
    installFaultHandler();
    TW_ASSIGN(std::unique_ptr<MachineCode> code, buildMachineCode(module));
    return std::unique_ptr<TierCode>(std::make_unique<JitCode>(std::move(code), module.bodies.size()));
  }

 private:
  std::unique_ptr<ExecutionTier> interpreter_ = makeInterpreterTier();
};

}  // namespace

const JitFunction* jitFunctionOf(const Function& fn) {
  if (fn.isHost() || !dynamic_cast<const JitCode*>(&fn.instance->compiled().code())) return nullptr;
  return static_cast<const JitFunction*>(fn.code);
}

}  // namespace tw::jit

namespace tw {
std::unique_ptr<ExecutionTier> makeJitTier() { return std::make_unique<jit::JitTier>(); }
}  // namespace tw
