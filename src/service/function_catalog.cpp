// FunctionCatalog: the index and the store behind deploy/list/delete, and lazily made
// deployments. Two first invocations racing may both compile; the first to finish is kept.
#include "tensorwasm/service/function_catalog.h"

#include <chrono>

#include "tensorwasm/support/uuid.h"

namespace tw::service {

namespace {

int64_t nowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Result<std::unique_ptr<FunctionCatalog>> FunctionCatalog::open(CatalogConfig config) {
  std::unique_ptr<FunctionCatalog> catalog(new FunctionCatalog(std::move(config)));
  TW_ASSIGN(catalog->index_, storage::FunctionIndex::open(catalog->config_.indexFile));
  TW_ASSIGN(std::vector<FunctionRecord> all, catalog->index_->list());
  for (FunctionRecord& f : all) catalog->records_.emplace(f.id, std::move(f));
  return catalog;
}

Result<FunctionRecord> FunctionCatalog::deploy(TenantId tenant, std::string name,
                                               std::span<const uint8_t> wasm) {
  TW_ASSIGN(std::shared_ptr<CompiledModule> compiled, config_.engine->compile(wasm));
  FunctionRecord record;
  TW_ASSIGN(record.digest, config_.store->put(wasm, storage::ArtifactKind::Module));
  record.id = randomUuid();
  record.tenant = tenant;
  record.name = std::move(name);
  record.sizeBytes = wasm.size();
  record.createdUnixMs = nowUnixMs();
  TW_TRY(index_->insert(record));
  std::lock_guard<std::mutex> lock(mu_);
  records_[record.id] = record;
  return record;
}

Result<std::vector<FunctionRecord>> FunctionCatalog::list(TenantId tenant) const {
  return index_->list(tenant);
}

Result<std::optional<FunctionRecord>> FunctionCatalog::find(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = records_.find(id);
  if (it == records_.end()) return std::optional<FunctionRecord>();
  return std::optional<FunctionRecord>(it->second);
}

std::shared_ptr<Deployment> FunctionCatalog::cachedDeployment(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = deployments_.find(id);
  return it == deployments_.end() ? nullptr : it->second;
}

Result<bool> FunctionCatalog::remove(const std::string& id) {
  TW_ASSIGN(bool removed, index_->remove(id));
  std::shared_ptr<Deployment> dropped;  // destroyed outside the lock
  {
    std::lock_guard<std::mutex> lock(mu_);
    records_.erase(id);
    if (auto it = deployments_.find(id); it != deployments_.end()) {
      dropped = std::move(it->second);
      deployments_.erase(it);
    }
  }
  return removed;
}

Result<std::shared_ptr<Deployment>> FunctionCatalog::deployment(const FunctionRecord& record) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = deployments_.find(record.id); it != deployments_.end()) return it->second;
  }
  TW_ASSIGN(std::vector<uint8_t> wasm, config_.store->get(record.digest));
  TW_ASSIGN(std::shared_ptr<Deployment> made, makeDeployment(record.tenant, record.name, wasm));
  std::lock_guard<std::mutex> lock(mu_);
  if (!records_.count(record.id)) return made;  // deleted meanwhile: serve this call, keep nothing
  auto [it, inserted] = deployments_.emplace(record.id, made);
  return it->second;
}

Result<std::shared_ptr<Deployment>> FunctionCatalog::unlistedDeployment(TenantId tenant,
                                                                       std::span<const uint8_t> wasm) {
  return makeDeployment(tenant, "restored", wasm);
}

Result<std::shared_ptr<Deployment>> FunctionCatalog::makeDeployment(TenantId tenant, const std::string& name,
                                                                   std::span<const uint8_t> wasm) {
  TW_ASSIGN(std::shared_ptr<CompiledModule> compiled, config_.engine->compile(wasm));
  DeploymentConfig dc;
  dc.tenant = tenant;
  dc.setup = config_.setup;
  dc.setup.args = {name};
  dc.setup.cuda.tenant = std::to_string(tenant);
  dc.pool = config_.pool;
  return Deployment::create(config_.engine, std::move(compiled), std::move(dc), config_.quotas);
}

}  // namespace tw::service
