// A deployed function: one compiled module served for one tenant. Invocations take a warm
// instance from the deployment's pool, re-arm its host interfaces (GuestHost) with the
// invocation's input, stream and deadline, call the export with JSON arguments (values.h)
// and give the instance back, reset to the state right after instantiation (memory, globals,
// tables, WASI descriptors and output, GPU buffers and kernels). A kept instance (`/instances`,
// a restored snapshot) is never reset: its state, device buffers included, carries over.
//
// Quotas are taken before the resource: every instance holds one of the tenant's instances and
// its initial linear memory in CPU memory; the pool's image holds the memory once more. The GPU
// is enabled for the guest only when the tenant may use it, capped at its per-device limit.
// Memory a guest grows is charged to the tenant's CPU memory before it is committed (a refused
// memory.grow gives -1) and given back when the pooled instance is reset.
//
// Thread-safety: invoke() and keep() from any thread; a KeptInstance runs one invocation at a
// time (others wait for it).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/service/executor.h"
#include "tensorwasm/service/guest_host.h"
#include "tensorwasm/service/pool.h"
#include "tensorwasm/service/tenants.h"

namespace tw::service {

struct DeploymentConfig {
  TenantId tenant = 0;
  GuestSetup setup;              // setup.cuda's enabled flag and cap come from the tenant
  InstancePool::Config pool;
};

struct InvokeRequest {
  std::string exportName;        // empty: "_start"
  nlohmann::json args = nlohmann::json::array();
  InvocationIo io;
};

struct InvokeOutcome {
  nlohmann::json result;         // "ok", or the results as values.h writes them
  GuestOutput output;
};

class KeptInstance;

class Deployment : public std::enable_shared_from_this<Deployment> {
 public:
  // Makes the pool's first instance (running `_initialize` when the module exports it, so
  // reactors start initialized) and its image. Quota refusals come before instantiation.
  static Result<std::shared_ptr<Deployment>> create(std::shared_ptr<const Engine> engine,
                                                    std::shared_ptr<const CompiledModule> module,
                                                    DeploymentConfig config,
                                                    std::shared_ptr<TenantQuotas> quotas);
  // Runs one invocation on a pooled instance. MissingExport, InvalidArgs, TooManyArgs before
  // the call; the guest's trap (or the executor's deadline) as an error; a proc_exit is a
  // completed run whose exit code is in the output.
  Result<InvokeOutcome> invoke(InvokeRequest request, const RunContext& run);
  // The checks invoke() makes before calling (export exists, arguments fit its signature),
  // without taking an instance: lets a caller refuse a bad request before queueing it.
  Result<void> validate(const InvokeRequest& request) const;
  // A new instance outside the pool whose state persists across its invocations.
  Result<std::shared_ptr<KeptInstance>> keep();

  TenantId tenant() const { return config_.tenant; }
  const CompiledModule& module() const { return *module_; }
  InstancePool::Stats poolStats() const { return pool_->stats(); }

 private:
  friend class KeptInstance;
  struct Served;
  Deployment(std::shared_ptr<const Engine> engine, std::shared_ptr<const CompiledModule> module,
             DeploymentConfig config, std::shared_ptr<TenantQuotas> quotas);
  // A full instantiation without `image`; with it, an instance made from the pool's image.
  Result<FreshInstance> makeInstance(const InstanceImage* image);
  void chargeGrowth(Instance& instance, Served& served);

  std::shared_ptr<const Engine> engine_;
  std::shared_ptr<const CompiledModule> module_;
  DeploymentConfig config_;
  std::shared_ptr<TenantQuotas> quotas_;
  uint64_t memoryBytes_ = 0;     // one instance's initial linear memories
  Lease imageLease_;
  std::shared_ptr<InstancePool> pool_;
};

class KeptInstance {
 public:
  Result<InvokeOutcome> invoke(InvokeRequest request, const RunContext& run);
  // For snapshots: the instance and its host side (use whileIdle when invocations may run).
  Instance& instance() { return *fresh_.instance; }
  GuestHost& host();
  // Runs `f(instance, host)` while no invocation runs on this instance.
  template <typename F>
  auto whileIdle(F&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    return f(*fresh_.instance, host());
  }

 private:
  friend class Deployment;
  explicit KeptInstance(FreshInstance fresh) : fresh_(std::move(fresh)) {}
  std::mutex mu_;
  FreshInstance fresh_;
};

}  // namespace tw::service
