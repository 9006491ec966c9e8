// The optimizing tier behind the engine's ExecutionTier/TierCode interface: compile() builds
// machine code, bind() gives each instance the records generated code reads, invoke() enters
// generated code from C++ and turns a raised trap back into an Error.
#include <pthread.h>

#include <algorithm>
#include <optional>

#include "code_format.h"
#include "tier_parts.h"
#include "guard.h"
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
  JitCode(std::unique_ptr<MachineCode> code, const Module& module)
      : code_(std::move(code)), numFunctions_(module.bodies.size()) {
    for (const FuncType& t : module.types) typeIds_.push_back(canonicalTypeId(t));
  }

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
    ji.natives = code_->natives.data();
    ji.instance = &instance;
    ji.typeIds = typeIds_.data();
    uint32_t imported = instance.module().numImportedFuncs;
    for (size_t i = 0; i < numFunctions_; ++i) records->functions.push_back({code_->entries[i], &ji});
    for (size_t i = 0; i < numFunctions_; ++i) instance.funcs[imported + i]->code = &records->functions[i];
    instance.tierData = std::move(records);
  }

  Result<void> invoke(Instance& instance, const Function& fn, std::span<const Value> args,
                      std::span<Value> results, const CallOptions& options) override {
    JitThread& thread = currentThread();
    auto* target = static_cast<const JitFunction*>(fn.code);
    UntypedValue slotStorage[16];
    std::vector<UntypedValue> bigSlots;
    UntypedValue* slots = slotStorage;
    if (std::max(args.size(), results.size()) > 16) {
      bigSlots.resize(std::max(args.size(), results.size()));
      slots = bigSlots.data();
    }
    for (size_t i = 0; i < args.size(); ++i) slots[i] = args[i].v;
    const std::atomic<bool>* outerInterrupt = thread.interrupt;
    if (thread.nesting == 0) {
      prepareThreadForFaults(thread);
      thread.stackLimit = stackLimitOfThisThread();
      thread.interrupt = options.interrupt ? options.interrupt : &kNeverInterrupted;
    } else if (options.interrupt) {
      thread.interrupt = options.interrupt;
    }
    std::optional<InterruptWatch> watch;  // loop copies without polls stop by signal
    if (thread.nesting == 0 && options.interrupt) watch.emplace(options.interrupt);
    ++thread.nesting;
    bool ok = runGuarded(thread, target->entry, target->owner, slots);
    --thread.nesting;
    thread.interrupt = outerInterrupt;
    if (!ok) return std::move(thread.error);
    for (size_t i = 0; i < results.size(); ++i) results[i].v = slots[i];
    return {};
  }

 private:
  std::unique_ptr<MachineCode> code_;
  size_t numFunctions_;
  std::vector<uint32_t> typeIds_;  // by module type index
};

// A module without functions needs no objects loaded.
Result<std::unique_ptr<MachineCode>> loadModuleCode(std::span<const ObjectView> objects, size_t numBodies) {
  if (numBodies == 0) return std::make_unique<MachineCode>();
  return loadObjects(objects, numBodies);
}

}  // namespace

Result<std::unique_ptr<MachineCode>> loadCachedCode(const Module& m, const JitOptions& options) {
  if (!options.cache) return makeError(ErrorKind::Unsupported, "no code cache");
  TW_ASSIGN(std::string identity, compilerIdentity());
  std::optional<std::vector<uint8_t>> bytes = options.cache->load({m.bytes, identity});
  if (!bytes) return makeError(ErrorKind::Unsupported, "not in the code cache");
  TW_ASSIGN(std::vector<ObjectView> objects, decodeObjects(*bytes));
  return loadModuleCode(objects, m.bodies.size());
}

Result<std::unique_ptr<MachineCode>> compileAndCache(const Module& m, const JitOptions& options) {
  TW_ASSIGN(std::string identity, compilerIdentity());
  TW_ASSIGN(ObjectFiles objects, generateObjects(m.bytes, m.bytes.size(), options.threads, options.partitionBytes));
  if (options.cache) options.cache->store({m.bytes, identity}, encodeObjects(objects));
  std::vector<ObjectView> views;
  for (const std::string& o : objects) views.push_back({reinterpret_cast<const uint8_t*>(o.data()), o.size()});
  return loadModuleCode(views, m.bodies.size());
}

std::unique_ptr<TierCode> makeJitCode(std::unique_ptr<MachineCode> code, const Module& module) {
  installFaultHandler();  // before any of the code can run
  return std::make_unique<JitCode>(std::move(code), module);
}

namespace {

class JitTier final : public ExecutionTier {
 public:
  explicit JitTier(JitOptions options) : options_(std::move(options)) {}
  const char* name() const override { return "jit"; }
  Result<std::unique_ptr<TierCode>> compile(const Module& module) override {
    // A cached entry that does not decode or link is rebuilt, and replaced.
    Result<std::unique_ptr<MachineCode>> code = loadCachedCode(module, options_);
    if (!code.ok()) code = compileAndCache(module, options_);
    if (!code.ok()) return code.takeError();
    return makeJitCode(std::move(code.value()), module);
  }

 private:
  JitOptions options_;
};

}  // namespace

bool isJitCode(const TierCode& code) { return dynamic_cast<const JitCode*>(&code) != nullptr; }

const JitFunction* jitFunctionOf(const Function& fn) {
  if (fn.isHost() || !isJitCode(fn.instance->compiled().code())) return nullptr;
  return static_cast<const JitFunction*>(fn.code);
}

}  // namespace tw::jit

namespace tw {

std::unique_ptr<ExecutionTier> makeJitTier(JitOptions options) {
  return std::make_unique<jit::JitTier>(std::move(options));
}

Result<bool> precompile(const Module& module, const JitOptions& options) {
  if (jit::loadCachedCode(module, options).ok()) return true;
  TW_TRY(jit::compileAndCache(module, options));
  return false;
}

}  // namespace tw
