// The `auto` tier: code the cache already holds runs natively at once; otherwise the
// interpreter runs the module while a background thread compiles it (and stores the code
// in the cache). Each instance moves to native code at the start of an invocation once the
// code is ready and none of the instance's calls is in progress, so no interpreter frame of
// the instance is live when its functions change tiers.
#include <atomic>
#include <mutex>
#include <thread>

#include "tensorwasm/exec/interpreter.h"
#include "tier_parts.h"

namespace tw::jit {
namespace {

// What the compile thread hands over. `ready` is set (release) after `code` or `failure`.
struct Background {
  std::unique_ptr<TierCode> code;
  std::optional<Error> failure;
  std::atomic<bool> ready{false};
};

// Instance::tierData of an instance of an AutoCode module.
struct AutoInstance {
  bool native = false;        // bound to the machine code
  uint32_t active = 0;        // invocations of this instance in progress
  std::shared_ptr<void> bound;  // what the bound tier keeps for the instance
};

class AutoCode final : public TierCode {
 public:
  AutoCode(std::unique_ptr<TierCode> interpreted, const Module& module, JitOptions options)
      : interpreted_(std::move(interpreted)), background_(std::make_shared<Background>()) {
    // The module outlives this TierCode (CompiledModule owns both), and the destructor joins.
    compiler_ = std::thread([&module, options = std::move(options), bg = background_] {
      Result<std::unique_ptr<MachineCode>> code = compileAndCache(module, options);
      if (code.ok()) bg->code = makeJitCode(std::move(code.value()), module);
      else bg->failure = code.error();
      bg->ready.store(true, std::memory_order_release);
    });
  }
  ~AutoCode() override { compiler_.join(); }

  void bind(Instance& instance) override {
    auto state = std::make_shared<AutoInstance>();
    instance.tierData = state;
    bindTo(instance, *state, nativeCode() != nullptr);
  }

  static bool runsNatively(const Instance& instance) {
    return static_cast<const AutoInstance*>(instance.tierData.get())->native;
  }

  Result<void> invoke(Instance& instance, const Function& fn, std::span<const Value> args,
                      std::span<Value> results, const CallOptions& options) override {
    auto& state = *static_cast<AutoInstance*>(instance.tierData.get());
    if (!state.native && state.active == 0 && nativeCode()) bindTo(instance, state, true);
    ++state.active;
    Result<void> r = (state.native ? *background_->code : *interpreted_).invoke(instance, fn, args, results, options);
    --state.active;
    return r;
  }

 private:
  TierCode* nativeCode() const {
    if (!background_->ready.load(std::memory_order_acquire)) return nullptr;
    return background_->code.get();  // null when compilation failed: stay interpreted
  }

  // The bound tier may put its own records in instance.tierData; keep them in `state`.
  // (tierData is cleared first: a tier that sets none must not leave `state` owning itself.)
  void bindTo(Instance& instance, AutoInstance& state, bool native) {
    std::shared_ptr<void> self = std::move(instance.tierData);
    (native ? *background_->code : *interpreted_).bind(instance);
    state.bound = std::move(instance.tierData);
    state.native = native;
    instance.tierData = std::move(self);
  }

  std::unique_ptr<TierCode> interpreted_;
  std::shared_ptr<Background> background_;
  std::thread compiler_;
};

class AutoTier final : public ExecutionTier {
 public:
  explicit AutoTier(JitOptions options) : options_(std::move(options)) {}
  const char* name() const override { return "auto"; }
  Result<std::unique_ptr<TierCode>> compile(const Module& module) override {
    Result<std::unique_ptr<MachineCode>> cached = loadCachedCode(module, options_);
    if (cached.ok()) return makeJitCode(std::move(cached.value()), module);
    TW_ASSIGN(std::unique_ptr<TierCode> interpreted, interpreter_->compile(module));
    return std::unique_ptr<TierCode>(std::make_unique<AutoCode>(std::move(interpreted), module, options_));
  }

 private:
  JitOptions options_;
  std::unique_ptr<ExecutionTier> interpreter_ = makeInterpreterTier();
};

}  // namespace
}  // namespace tw::jit

namespace tw {

std::unique_ptr<ExecutionTier> makeAutoTier(JitOptions options) {
  return std::make_unique<jit::AutoTier>(std::move(options));
}

const char* activeTier(const Instance& instance) {
  const TierCode& code = instance.compiled().code();
  bool native = jit::isJitCode(code);
  if (dynamic_cast<const jit::AutoCode*>(&code)) native = jit::AutoCode::runsNatively(instance);
  return native ? "jit" : "interpreter";
}

}  // namespace tw
