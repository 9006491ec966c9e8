// Kept instances (`/instances`, restored snapshots) and the snapshots of instances: what the
// server's instance and snapshot routes do, composed from the catalog's deployments, the
// snapshot layer and the guest's GPU buffers (guest_snapshot.h). A kept instance is never
// reset between invocations; it lives until deleted (not across a restart: its state survives
// only as a snapshot). Snapshots are signed with the snapshot key and kept in the artifact
// store under the data directory; each kept instance carries its snapshot history (instance id
// and next sequence number), and one restored from a snapshot continues that history.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tensorwasm/service/function_catalog.h"
#include "tensorwasm/snapshot/files.h"

namespace tw::service {

struct KeptEntry {
  std::string id;                 // UUID
  TenantId tenant = 0;
  std::string functionId;         // empty for an instance restored from a file
  std::shared_ptr<Deployment> deployment;
  std::shared_ptr<KeptInstance> instance;
  std::mutex historyMu;
  snapshot::InstanceId historyId{};
  uint64_t nextSequence = 0;
};

struct SavedSnapshot {
  storage::Digest id;
  uint64_t sizeBytes = 0;             // the stored payload
  std::vector<uint8_t> exportedFile;  // when asked for: the self-contained signed file
};

struct RestoreRequest {
  std::optional<storage::Digest> id;  // a snapshot in the store, or
  std::vector<uint8_t> file;          // an exported file
  snapshot::RestoreChecks checks;     // checks.tenantId is the restoring tenant
};

class InstanceRegistry {
 public:
  // `snapshotKey`: none means snapshots are not configured (SnapshotSigningNotConfigured);
  // with one, snapshots go to the artifact store of the data directory (the environment's).
  static Result<std::unique_ptr<InstanceRegistry>> open(std::shared_ptr<FunctionCatalog> catalog,
                                                        std::optional<storage::Key> snapshotKey);

  Result<std::shared_ptr<KeptEntry>> create(const FunctionRecord& function);
  std::shared_ptr<KeptEntry> find(const std::string& id) const;
  bool remove(const std::string& id);
  size_t size() const;

  bool snapshotsConfigured() const { return store_.has_value(); }
  Result<SavedSnapshot> save(KeptEntry& entry, bool exportFile);
  Result<std::shared_ptr<KeptEntry>> restore(const RestoreRequest& request);

 private:
  explicit InstanceRegistry(std::shared_ptr<FunctionCatalog> catalog) : catalog_(std::move(catalog)) {}
  Result<std::shared_ptr<KeptEntry>> keep(TenantId tenant, std::string functionId,
                                          std::shared_ptr<Deployment> deployment);

  std::shared_ptr<FunctionCatalog> catalog_;
  std::optional<storage::Key> key_;
  std::optional<snapshot::SnapshotStore> store_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<KeptEntry>> entries_;
};

}  // namespace tw::service
