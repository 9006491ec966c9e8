// The deployed functions of a server: modules kept as `module` blobs in the artifact store,
// indexed in SQLite (storage/function_index.h) under their UUID (and mirrored in memory, so a
// lookup on the invoke path is a map access), and served through one
// Deployment each, made on first use. A restarted process finds every function again under
// the same id; its first invocation compiles the module from the store (the optimizing tier
// finds its code in the code cache, so nothing is recompiled).
// Thread-safety: every method may be called from any thread.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "tensorwasm/service/deployment.h"
#include "tensorwasm/storage/artifact_store.h"
#include "tensorwasm/storage/function_index.h"

namespace tw::service {

using FunctionRecord = storage::FunctionRow;

struct CatalogConfig {
  std::shared_ptr<const Engine> engine;
  std::shared_ptr<storage::ArtifactStore> store;
  std::filesystem::path indexFile;
  std::shared_ptr<TenantQuotas> quotas;
  GuestSetup setup;                // the host side every deployment starts with
  // Resets run on each pool's thread, so an invocation's answer never waits for the reset of
  // the instance it used (1 MiB dirtied: ~2 us on the caller's side instead of 30-70 us).
  InstancePool::Config pool{1, 16, 2ull << 20, /*resetInBackground=*/true};
};

class FunctionCatalog {
 public:
  static Result<std::unique_ptr<FunctionCatalog>> open(CatalogConfig config);

  // Compiles `wasm` (its validation error, with the byte offset, when it is not a valid
  // module), stores it, and records a new function owned by `tenant`.
  Result<FunctionRecord> deploy(TenantId tenant, std::string name, std::span<const uint8_t> wasm);
  Result<std::vector<FunctionRecord>> list(TenantId tenant) const;
  Result<std::optional<FunctionRecord>> find(const std::string& id) const;
  // Forgets the function and its warm instances (the module blob stays: another function or
  // a snapshot may share it). False when there was no such function.
  Result<bool> remove(const std::string& id);
  // The deployment serving `record`, made (and its module compiled) on first use.
  Result<std::shared_ptr<Deployment>> deployment(const FunctionRecord& record);
  // A deployment of `wasm` for `tenant` that is not a deployed function (a module restored
  // from a snapshot file); nothing is recorded.
  Result<std::shared_ptr<Deployment>> unlistedDeployment(TenantId tenant, std::span<const uint8_t> wasm);
  // The deployment of function `id` if it was already made, else null (never compiles).
  std::shared_ptr<Deployment> cachedDeployment(const std::string& id) const;

 private:
  explicit FunctionCatalog(CatalogConfig config) : config_(std::move(config)) {}
  Result<std::shared_ptr<Deployment>> makeDeployment(TenantId tenant, const std::string& name,
                                                     std::span<const uint8_t> wasm);

  CatalogConfig config_;
  std::unique_ptr<storage::FunctionIndex> index_;
  mutable std::mutex mu_;
  std::map<std::string, FunctionRecord> records_;
  std::map<std::string, std::shared_ptr<Deployment>> deployments_;
};

}  // namespace tw::service
