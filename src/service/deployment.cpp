// Deployment: the pool, the quotas and the host interfaces composed into invocations.
#include "tensorwasm/service/deployment.h"

#include "tensorwasm/service/errors.h"
#include "tensorwasm/service/values.h"

namespace tw::service {

using nlohmann::json;

namespace {

// Charges memory.grow to the tenant's CPU memory before the pages are committed; what an
// invocation grew is given back when the instance is reset (the reset undoes the growth).
class GrowthCharge final : public MemoryGrowthGate {
 public:
  GrowthCharge(std::shared_ptr<TenantQuotas> quotas, TenantId tenant) : quotas_(std::move(quotas)), tenant_(tenant) {}
  bool allowGrowth(uint64_t fromBytes, uint64_t toBytes) override {
    Result<Lease> lease = quotas_->acquire(tenant_, Resource::CpuMemory, toBytes - fromBytes);
    if (!lease.ok()) return false;
    grown_.push_back(std::move(lease).value());
    return true;
  }
  void giveBack() { grown_.clear(); }

 private:
  std::shared_ptr<TenantQuotas> quotas_;
  TenantId tenant_;
  std::vector<Lease> grown_;
};

}  // namespace

// What the pool keeps beside each instance: its host contexts and the quota it holds.
struct Deployment::Served : InstanceHost {
  std::shared_ptr<GuestHost> guest;
  std::shared_ptr<GrowthCharge> growth;
  Lease instance, memory;
  Result<void> reset() override {
    if (growth) growth->giveBack();
    return guest->reset();
  }
};

namespace {

constexpr uint64_t kWasmPage = 65536;

// The linear memory an instance of `module` allocates itself (imported memories are another's).
uint64_t initialMemoryBytes(const Module& module) {
  uint64_t total = 0;
  for (size_t i = module.numImportedMemories; i < module.memories.size(); ++i) {
    total += module.memories[i].limits.min * kWasmPage;
  }
  return total;
}

Result<InvokeOutcome> runInvocation(Instance& inst, GuestHost& guest, InvokeRequest request,
                                    const RunContext& run, bool keep) {
  std::string name = request.exportName.empty() ? "_start" : request.exportName;
  std::optional<Extern> target = inst.getExport(name);
  if (!target || target->kind != ExternKind::Func) {
    return serviceError(ServiceErrc::MissingExport, "the module exports no function '" + name + "'");
  }
  const FuncType& type = target->func->type;
  TW_ASSIGN(std::vector<Value> args, argsFromJson(request.args, type.params));
  guest.begin(std::move(request.io), run);
  Result<std::vector<Value>> results = inst.call(*target->func, args, run.callOptions());
  GuestOutput output = guest.finish(keep);
  InvokeOutcome out;
  if (!results.ok()) {
    if (results.error().kind != ErrorKind::Exit) return results.takeError();
    out.result = "ok";  // proc_exit ended the run; its status is the exit code
  } else {
    TW_ASSIGN(out.result, resultsToJson(results.value()));
  }
  out.output = std::move(output);
  return out;
}

}  // namespace

Deployment::Deployment(std::shared_ptr<const Engine> engine, std::shared_ptr<const CompiledModule> module,
                       DeploymentConfig config, std::shared_ptr<TenantQuotas> quotas)
    : engine_(std::move(engine)), module_(std::move(module)), config_(std::move(config)),
      quotas_(std::move(quotas)) {
  memoryBytes_ = initialMemoryBytes(module_->module());
}

Result<std::shared_ptr<Deployment>> Deployment::create(std::shared_ptr<const Engine> engine,
                                                       std::shared_ptr<const CompiledModule> module,
                                                       DeploymentConfig config,
                                                       std::shared_ptr<TenantQuotas> quotas) {
  Result<uint64_t> gpuCap = quotas->gpuCap(config.tenant);
  config.setup.cuda.enabled = config.setup.cuda.enabled && gpuCap.ok();
  if (gpuCap.ok()) config.setup.cuda.memoryCap = std::min(config.setup.cuda.memoryCap, gpuCap.value());
  std::shared_ptr<Deployment> d(
      new Deployment(std::move(engine), std::move(module), std::move(config), std::move(quotas)));
  TW_ASSIGN(d->imageLease_, d->quotas_->acquire(d->config_.tenant, Resource::CpuMemory, d->memoryBytes_));
  std::weak_ptr<Deployment> weak = d;
  auto factory = [weak](const InstanceImage* image) -> Result<FreshInstance> {
    std::shared_ptr<Deployment> self = weak.lock();
    if (!self) return makeError(ErrorKind::Invalid, "the deployment was deleted");
    return self->makeInstance(image);
  };
  TW_ASSIGN(d->pool_, InstancePool::create(std::move(factory), d->config_.pool));
  return d;
}

Result<FreshInstance> Deployment::makeInstance(const InstanceImage* image) {
  auto served = std::make_shared<Served>();
  TW_ASSIGN(served->instance, quotas_->acquire(config_.tenant, Resource::Instances));
  TW_ASSIGN(served->memory, quotas_->acquire(config_.tenant, Resource::CpuMemory, memoryBytes_));
  TW_ASSIGN(served->guest, GuestHost::create(config_.setup));
  Linker linker;
  served->guest->link(linker);
  if (image) {  // the pool's image already holds what instantiation and _initialize did
    TW_ASSIGN(std::shared_ptr<Instance> inst, linker.instantiateFromImage(*engine_, module_, *image));
    chargeGrowth(*inst, *served);
    return FreshInstance{std::move(inst), std::move(served)};
  }
  TW_ASSIGN(std::shared_ptr<Instance> inst, linker.instantiate(*engine_, module_));
  chargeGrowth(*inst, *served);
  if (std::optional<Extern> init = inst->getExport("_initialize"); init && init->kind == ExternKind::Func) {
    TW_TRY(inst->call(*init->func, {}));
    served->guest->finish(false);
  }
  return FreshInstance{std::move(inst), std::move(served)};
}

Result<void> Deployment::validate(const InvokeRequest& request) const {
  const Module& m = module_->module();
  std::string name = request.exportName.empty() ? "_start" : request.exportName;
  for (const Export& e : m.exports) {
    if (e.name != name || e.kind != ExternKind::Func) continue;
    const FuncType& type = m.types[m.funcs[e.index].value];
    TW_ASSIGN(std::vector<Value> args, argsFromJson(request.args, type.params));
    return {};
  }
  return serviceError(ServiceErrc::MissingExport, "the module exports no function '" + name + "'");
}

void Deployment::chargeGrowth(Instance& inst, Served& served) {
  const Module& m = module_->module();
  if (!inst.memory || m.numImportedMemories > 0) return;  // an imported memory is its owner's
  served.growth = std::make_shared<GrowthCharge>(quotas_, config_.tenant);
  inst.memory->setGrowthGate(served.growth);
}

Result<InvokeOutcome> Deployment::invoke(InvokeRequest request, const RunContext& run) {
  TW_ASSIGN(PooledInstance pooled, pool_->acquire());
  GuestHost& guest = *static_cast<Served*>(pooled.host())->guest;
  return runInvocation(*pooled, guest, std::move(request), run, /*keep=*/false);
}

Result<std::shared_ptr<KeptInstance>> Deployment::keep() {
  TW_ASSIGN(FreshInstance fresh, makeInstance(nullptr));
  return std::shared_ptr<KeptInstance>(new KeptInstance(std::move(fresh)));
}

GuestHost& KeptInstance::host() { return *static_cast<Deployment::Served*>(fresh_.host.get())->guest; }

Result<InvokeOutcome> KeptInstance::invoke(InvokeRequest request, const RunContext& run) {
  std::lock_guard<std::mutex> lock(mu_);
  return runInvocation(*fresh_.instance, host(), std::move(request), run, /*keep=*/true);
}

}  // namespace tw::service
