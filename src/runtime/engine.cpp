// Engine (compile entry point) and Instance's call / export API.
#include <cstring>

#include "tensorwasm/runtime/instance.h"

namespace tw {

CompiledModule::CompiledModule(std::shared_ptr<const Module> module, std::unique_ptr<TierCode> code)
    : module_(std::move(module)), code_(std::move(code)) {
  typeIds_.reserve(module_->types.size());
  for (const FuncType& t : module_->types) typeIds_.push_back(canonicalTypeId(t));
}

Engine::Engine(EngineConfig config, std::unique_ptr<ExecutionTier> tier)
    : config_(std::move(config)), tier_(std::move(tier)) {}

Result<std::shared_ptr<CompiledModule>> Engine::compile(std::span<const uint8_t> bytes) const {
  TW_ASSIGN(Module module, loadModule(bytes, config_.decode));
  auto shared = std::make_shared<const Module>(std::move(module));
  TW_ASSIGN(std::unique_ptr<TierCode> code, tier_->compile(*shared));
  return std::make_shared<CompiledModule>(std::move(shared), std::move(code));
}

std::optional<Extern> Instance::getExport(std::string_view name) const {
  const Export* exp = module().findExport(name);
  if (!exp) return std::nullopt;
  // Aliasing shared_ptrs: holding an export keeps this instance alive.
  auto self = std::const_pointer_cast<Instance>(shared_from_this());
  Extern ext;
  ext.kind = exp->kind;
  switch (exp->kind) {
    case ExternKind::Func: {
      uint32_t i = exp->index;
      if (i < module().numImportedFuncs) {
        ext.func = importedFunction(i);
      } else {
        ext.func = std::shared_ptr<Function>(self, funcs[i]);
      }
      break;
    }
    case ExternKind::Table: ext.table = tables[exp->index]; break;
    case ExternKind::Memory: ext.memory = memory; break;
    case ExternKind::Global: ext.global = globals[exp->index]; break;
  }
  return ext;
}

std::shared_ptr<Function> Instance::importedFunction(uint32_t funcIndex) const {
  uint32_t seen = 0;
  for (const Extern& ext : imports) {
    if (ext.kind != ExternKind::Func) continue;
    if (seen++ == funcIndex) return ext.func;
  }
  return nullptr;
}

Result<std::vector<Value>> Instance::call(std::string_view exportName,
                                          std::span<const Value> args,
                                          const CallOptions& options) {
  const Export* exp = module().findExport(exportName);
  if (!exp || exp->kind != ExternKind::Func) {
    return makeError(ErrorKind::Usage, "no exported function named '" + std::string(exportName) + "'");
  }
  return call(*funcs[exp->index], args, options);
}

Result<std::vector<Value>> Instance::call(Function& fn, std::span<const Value> args,
                                          const CallOptions& options) {
  const FuncType& type = fn.type;
  if (args.size() != type.params.size()) {
    return makeError(ErrorKind::Usage, "function expects " + std::to_string(type.params.size()) +
                                           " arguments, got " + std::to_string(args.size()));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].type != type.params[i]) {
      return makeError(ErrorKind::Usage, "argument " + std::to_string(i) + " must be " +
                                             valTypeName(type.params[i]) + ", got " +
                                             valTypeName(args[i].type));
    }
  }
  std::vector<Value> results(type.results.size());
  for (size_t i = 0; i < results.size(); ++i) results[i].type = type.results[i];
  if (fn.isHost()) {
    HostCall hc{*this, memory.get()};
    TW_TRY(fn.host(hc, args, results));
  } else {
    Instance& owner = *fn.instance;
    TW_TRY(owner.compiled().code().invoke(owner, fn, args, results, options));
  }
  return results;
}

}  // namespace tw
