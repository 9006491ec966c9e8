// `run --restore` and `run --save-snapshot`: key choice, loading, restoring and writing
// exported snapshot files.
#include "snapshot_run.h"

#include <filesystem>
#include <fstream>

#include "common.h"
#include "tensorwasm/service/guest_snapshot.h"
#include "tensorwasm/snapshot/files.h"

namespace tw::cli {
namespace {

Result<storage::Key> keyFor(const RunSnapshotFlags& flags) {
  std::optional<std::filesystem::path> keyFile;
  if (!flags.keyFile.empty()) keyFile = flags.keyFile;
  return snapshot::snapshotKey(keyFile);
}

// Writes `bytes` to `path` through a temp file and a rename, so a failed write leaves no torn
// snapshot behind.
Result<void> writeFileAtomically(const std::string& path, std::span<const uint8_t> bytes) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) return makeError(ErrorKind::Io, "cannot write '" + temp + "'");
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return makeError(ErrorKind::Io, "cannot write '" + path + "': " + ec.message());
  return {};
}

Result<void> checkTenant(const snapshot::Snapshot& snap, const RunSnapshotFlags& flags) {
  snapshot::RestoreChecks checks;
  checks.tenantId = flags.tenant;
  return snapshot::checkRestore(snap.meta(), checks, snapshot::unixNowMs());
}

Result<RestorePoint> fromStore(const RunSnapshotFlags& flags, const storage::Digest& digest,
                               const storage::Key& key, const std::string& moduleFile) {
  TW_ASSIGN(snapshot::SnapshotStore store, snapshot::SnapshotStore::openInDataDir(key));
  TW_ASSIGN(snapshot::Snapshot snap, store.load(digest));
  TW_TRY(checkTenant(snap, flags));
  if (!moduleFile.empty()) {
    TW_ASSIGN(std::vector<uint8_t> module, readFileBytes(moduleFile));
    return RestorePoint{std::move(snap), std::move(module)};
  }
  TW_ASSIGN(std::vector<uint8_t> module, store.module(snap));
  return RestorePoint{std::move(snap), std::move(module)};
}

}  // namespace

Result<RestorePoint> loadRestorePoint(const RunSnapshotFlags& flags, const std::string& moduleFile) {
  TW_ASSIGN(storage::Key key, keyFor(flags));
  if (flags.restore.starts_with("sha256:")) {
    Result<storage::Digest> digest = storage::Digest::parse(flags.restore);
    if (!digest.ok()) return makeError(ErrorKind::Usage, "--restore: " + digest.error().message);
    return fromStore(flags, digest.value(), key, moduleFile);
  }
  TW_ASSIGN(std::vector<uint8_t> file, readFileBytes(flags.restore));
  TW_ASSIGN(snapshot::Snapshot snap, snapshot::openSnapshotFile(file, key));
  TW_TRY(checkTenant(snap, flags));
  std::vector<uint8_t> module(snap.module().begin(), snap.module().end());
  if (!moduleFile.empty()) {
    TW_ASSIGN(module, readFileBytes(moduleFile));
  }
  return RestorePoint{std::move(snap), std::move(module)};
}

Result<void> restoreRun(const RestorePoint& point, Instance& fresh, CudaGuestContext& cuda) {
  return service::restoreGuest(point.snapshot, fresh, cuda);
}

Result<void> saveRunSnapshot(const Instance& instance, const RunSnapshotFlags& flags,
                             const RestorePoint* restoredFrom, CudaGuestContext& cuda) {
  TW_ASSIGN(storage::Key key, keyFor(flags));
  snapshot::CaptureOptions options;
  options.tenantId = flags.tenant;
  options.instanceId = restoredFrom ? restoredFrom->snapshot.meta().instanceId : snapshot::randomId();
  options.sequenceNo = restoredFrom ? restoredFrom->snapshot.meta().sequenceNo + 1 : 0;
  options.nonce = snapshot::randomId();
  options.embedModule = true;
  TW_ASSIGN(std::vector<uint8_t> payload, service::captureGuest(instance, cuda, options));
  TW_ASSIGN(std::vector<uint8_t> file, snapshot::sealSnapshotFile(payload, key));
  return writeFileAtomically(flags.save, file);
}

}  // namespace tw::cli
