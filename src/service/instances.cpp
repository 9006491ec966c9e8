// InstanceRegistry: kept instances, snapshot saves and restores.
#include "tensorwasm/service/instances.h"

#include "tensorwasm/service/errors.h"
#include "tensorwasm/service/guest_snapshot.h"
#include "tensorwasm/support/uuid.h"

namespace tw::service {

Result<std::unique_ptr<InstanceRegistry>> InstanceRegistry::open(std::shared_ptr<FunctionCatalog> catalog,
                                                                 std::optional<storage::Key> snapshotKey) {
  std::unique_ptr<InstanceRegistry> registry(new InstanceRegistry(std::move(catalog)));
  if (snapshotKey) {
    registry->key_ = snapshotKey;
    TW_ASSIGN(snapshot::SnapshotStore store, snapshot::SnapshotStore::openInDataDir(*snapshotKey));
    registry->store_.emplace(std::move(store));
  }
  return registry;
}

Result<std::shared_ptr<KeptEntry>> InstanceRegistry::keep(TenantId tenant, std::string functionId,
                                                          std::shared_ptr<Deployment> deployment) {
  TW_ASSIGN(std::shared_ptr<KeptInstance> instance, deployment->keep());
  auto entry = std::make_shared<KeptEntry>();
  entry->id = randomUuid();
  entry->tenant = tenant;
  entry->functionId = std::move(functionId);
  entry->deployment = std::move(deployment);
  entry->instance = std::move(instance);
  entry->historyId = snapshot::randomId();
  std::lock_guard<std::mutex> lock(mu_);
  entries_[entry->id] = entry;
  return entry;
}

Result<std::shared_ptr<KeptEntry>> InstanceRegistry::create(const FunctionRecord& function) {
  TW_ASSIGN(std::shared_ptr<Deployment> deployment, catalog_->deployment(function));
  return keep(function.tenant, function.id, std::move(deployment));
}

std::shared_ptr<KeptEntry> InstanceRegistry::find(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second;
}

size_t InstanceRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

bool InstanceRegistry::remove(const std::string& id) {
  std::shared_ptr<KeptEntry> dropped;  // destroyed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  dropped = std::move(it->second);
  entries_.erase(it);
  return true;
}

Result<SavedSnapshot> InstanceRegistry::save(KeptEntry& entry, bool exportFile) {
  if (!store_) {
    return serviceError(ServiceErrc::SnapshotSigningNotConfigured,
                        "snapshots need TENSOR_WASM_API_SNAPSHOT_HMAC_KEY on this server");
  }
  std::lock_guard<std::mutex> history(entry.historyMu);
  snapshot::CaptureOptions options;
  options.tenantId = entry.tenant;
  options.instanceId = entry.historyId;
  options.sequenceNo = entry.nextSequence;
  options.nonce = snapshot::randomId();
  SavedSnapshot saved;
  TW_TRY(entry.instance->whileIdle([&](Instance& instance, GuestHost& host) -> Result<void> {
    TW_ASSIGN(std::vector<uint8_t> payload, captureGuest(instance, host.cuda(), options));
    TW_ASSIGN(saved.id, store_->savePayload(payload, instance.module().bytes));
    saved.sizeBytes = payload.size();
    if (exportFile) {
      snapshot::CaptureOptions embedded = options;
      embedded.embedModule = true;
      TW_ASSIGN(std::vector<uint8_t> full, captureGuest(instance, host.cuda(), embedded));
      TW_ASSIGN(saved.exportedFile, snapshot::sealSnapshotFile(full, *key_));
    }
    return {};
  }));
  entry.nextSequence++;
  return saved;
}

Result<std::shared_ptr<KeptEntry>> InstanceRegistry::restore(const RestoreRequest& request) {
  if (!store_) {
    return serviceError(ServiceErrc::SnapshotSigningNotConfigured,
                        "snapshots need TENSOR_WASM_API_SNAPSHOT_HMAC_KEY on this server");
  }
  std::optional<snapshot::Snapshot> snap;
  std::vector<uint8_t> module;
  if (request.id) {
    TW_ASSIGN(snapshot::Snapshot loaded, store_->load(*request.id));
    snap.emplace(std::move(loaded));
  } else {
    TW_ASSIGN(snapshot::Snapshot opened, snapshot::openSnapshotFile(request.file, *key_));
    snap.emplace(std::move(opened));
  }
  TW_TRY(snapshot::checkRestore(snap->meta(), request.checks, snapshot::unixNowMs()));
  if (request.id) {
    TW_ASSIGN(module, store_->module(*snap));
  } else {
    module.assign(snap->module().begin(), snap->module().end());
  }
  TW_ASSIGN(std::shared_ptr<Deployment> deployment, catalog_->unlistedDeployment(request.checks.tenantId, module));
  TW_ASSIGN(std::shared_ptr<KeptEntry> entry, keep(request.checks.tenantId, "", std::move(deployment)));
  Result<void> restored = entry->instance->whileIdle([&](Instance& instance, GuestHost& host) {
    return restoreGuest(*snap, instance, host.cuda());
  });
  if (!restored.ok()) {
    remove(entry->id);
    return restored.takeError();
  }
  entry->historyId = snap->meta().instanceId;
  entry->nextSequence = snap->meta().sequenceNo + 1;
  return entry;
}

}  // namespace tw::service
