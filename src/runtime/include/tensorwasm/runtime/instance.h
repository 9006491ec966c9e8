// Module instances and the embedding API: Engine -> CompiledModule -> Linker -> Instance ->
// call. A CompiledModule is immutable and shareable across threads; an Instance is used by
// one thread at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tensorwasm/binary/decoder.h"
#include "tensorwasm/binary/module.h"
#include "tensorwasm/runtime/memory.h"
#include "tensorwasm/runtime/objects.h"
#include "tensorwasm/runtime/trap.h"
#include "tensorwasm/runtime/value.h"

namespace tw {

class Engine;
class Instance;
class InstanceImage;

// Per-call options: an interrupt flag the engine polls at function entries and loop
// back-edges (set it from another thread to stop the guest with an "interrupted" trap).
struct CallOptions {
  const std::atomic<bool>* interrupt = nullptr;
};

// What a tier produced for one module. Implementations: the interpreter (exec/) and the
// optimizing tier (jit/).
class TierCode {
 public:
  virtual ~TierCode() = default;
  // Called once per instance after its functions exist: sets Function::code for them.
  virtual void bind(Instance& instance) = 0;
  // Runs `fn` (a wasm function of `instance`). args/results match fn.type.
  virtual Result<void> invoke(Instance& instance, const Function& fn, std::span<const Value> args,
                              std::span<Value> results, const CallOptions& options) = 0;
};

class ExecutionTier {
 public:
  virtual ~ExecutionTier() = default;
  virtual const char* name() const = 0;
  virtual Result<std::unique_ptr<TierCode>> compile(const Module& module) = 0;
};

struct EngineConfig {
  uint64_t maxMemoryBytes = 256ull << 20;  // per-instance linear memory cap
  uint32_t maxTableElements = 10'000'000;
  uint32_t maxCallDepth = 20'000;          // wasm frames per invocation
  DecodeLimits decode;
};

class CompiledModule {
 public:
  CompiledModule(std::shared_ptr<const Module> module, std::unique_ptr<TierCode> code);
  const Module& module() const { return *module_; }
  std::shared_ptr<const Module> sharedModule() const { return module_; }
  TierCode& code() const { return *code_; }
  // canonicalTypeId of each of the module's types, found once for all its instances.
  const std::vector<uint32_t>& typeIds() const { return typeIds_; }

 private:
  std::shared_ptr<const Module> module_;
  std::unique_ptr<TierCode> code_;
  std::vector<uint32_t> typeIds_;
};

class Engine {
 public:
  Engine(EngineConfig config, std::unique_ptr<ExecutionTier> tier);
  const EngineConfig& config() const { return config_; }
  ExecutionTier& tier() const { return *tier_; }
  // Decodes, validates and compiles.
  Result<std::shared_ptr<CompiledModule>> compile(std::span<const uint8_t> bytes) const;

 private:
  EngineConfig config_;
  std::unique_ptr<ExecutionTier> tier_;
};

class Instance : public std::enable_shared_from_this<Instance> {
 public:
  const Module& module() const { return compiled_->module(); }
  const CompiledModule& compiled() const { return *compiled_; }
  const Engine& engine() const { return *engine_; }

  // The export named `name`, if any.
  std::optional<Extern> getExport(std::string_view name) const;
  // Calls an exported function by name, or any Function. Argument types are checked.
  Result<std::vector<Value>> call(std::string_view exportName, std::span<const Value> args,
                                  const CallOptions& options = {});
  Result<std::vector<Value>> call(Function& fn, std::span<const Value> args,
                                  const CallOptions& options = {});

  // Index spaces, imports first. Public for the tiers' fast paths.
  std::vector<Function*> funcs;
  // Functions this instance defines, sized once when it is made (funcs and tiers point into
  // it; one allocation for all). Exports hand them out as shared_ptrs that alias the
  // instance, so an importer keeps the exporting instance alive.
  std::vector<Function> ownFunctions;
  std::vector<Extern> imports;  // keeps imported objects (and their instances) alive
  std::vector<std::shared_ptr<Table>> tables;
  std::vector<std::shared_ptr<Global>> globals;
  std::shared_ptr<Memory> memory;  // null if the module has no memory
  std::vector<uint8_t> droppedElems;
  std::vector<uint8_t> droppedDatas;
  // Per-instance state of the tier that compiled the module (set by TierCode::bind).
  std::shared_ptr<void> tierData;

 private:
  friend class Linker;
  std::shared_ptr<Function> importedFunction(uint32_t funcIndex) const;
  std::shared_ptr<const CompiledModule> compiled_;
  const Engine* engine_ = nullptr;
};

// Resolves imports by (module, name) and instantiates modules.
class Linker {
 public:
  void defineFunction(std::string module, std::string name, FuncType type, HostFunction fn,
                      DirectHost direct = {});
  void define(std::string module, std::string name, Extern ext);
  // Makes every export of `instance` importable under `module`.
  void defineInstance(const std::string& module, const std::shared_ptr<Instance>& instance);

  // Resolves imports (Link errors name the missing or mistyped import), allocates memory,
  // tables and globals, applies segments, runs the start function.
  Result<std::shared_ptr<Instance>> instantiate(const Engine& engine,
                                                std::shared_ptr<const CompiledModule> module,
                                                const CallOptions& options = {}) const;
  // Instantiates from `image`, an image of an instance of the same module: imports resolve
  // as in instantiate() (so host functions are this linker's), but the own memory maps the
  // image's memory copy-on-write and own globals, tables and segment flags are the image's.
  // No segment is applied and the start function does not run: the image holds their
  // effects. Costs no copy of the memory; its pages fault in as the guest touches them.
  Result<std::shared_ptr<Instance>> instantiateFromImage(const Engine& engine,
                                                         std::shared_ptr<const CompiledModule> module,
                                                         const InstanceImage& image) const;

 private:
  // Resolves imports and makes the own functions, globals, tables and memory (the memory
  // from `memoryImage` when given, else zero pages), bound to the tier's code.
  Result<std::shared_ptr<Instance>> allocate(const Engine& engine,
                                             std::shared_ptr<const CompiledModule> module,
                                             const MemoryImage* memoryImage) const;
  std::map<std::pair<std::string, std::string>, Extern> defs_;
  // Instances that imported a table: their functions may sit in a table that outlives
  // them (even when instantiation failed part-way), so they live as long as the linker.
  mutable std::vector<std::shared_ptr<Instance>> retained_;
};

}  // namespace tw
