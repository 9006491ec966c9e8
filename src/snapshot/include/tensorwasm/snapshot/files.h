// Where snapshots live: in the artifact store (kind `snapshot`, the default; restored by
// digest) or in an exported file, one artifact envelope whose payload also embeds the module,
// so it is self-contained and verifiable on any host holding the same key. The envelope's
// MAC is the snapshot's signature: nothing is parsed before it verifies.
// Keys (formats.md): --key-file, else TENSOR_WASM_API_SNAPSHOT_HMAC_KEY, else the data
// directory's store key.
// Thread-safety: plain functions; a SnapshotStore may be used from several threads.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "tensorwasm/snapshot/snapshot.h"
#include "tensorwasm/storage/artifact_store.h"

namespace tw::snapshot {

// A key file (cli.md): 64 hex characters, whitespace trimmed, or exactly 32 raw bytes;
// anything else is BadKey, naming the file but never echoing its content.
Result<storage::Key> readKeyFile(const std::filesystem::path& file);

// The snapshot key: `keyFile` when given, else TENSOR_WASM_API_SNAPSHOT_HMAC_KEY (64 hex),
// else the store key of the data directory (storage/store_env.h).
Result<storage::Key> snapshotKey(const std::optional<std::filesystem::path>& keyFile);

// An exported file: `payload` (which must embed its module) sealed in one envelope.
Result<std::vector<uint8_t>> sealSnapshotFile(std::span<const uint8_t> payload, const storage::Key& key);

// Verifies any snapshot envelope under `key` (an exported file, or a blob of the store) and
// parses its payload; the module need not be embedded.
Result<Snapshot> openSnapshotEnvelope(std::span<const uint8_t> file, const storage::Key& key,
                                      const SnapshotLimits& limits = {});

// Verifies an exported file under `key` (SignatureInvalid when the MAC does not verify; the
// envelope's other named errors as Malformed or TooLarge), then parses its payload, which
// must embed the module whose digest it names.
Result<Snapshot> openSnapshotFile(std::span<const uint8_t> file, const storage::Key& key,
                                  const SnapshotLimits& limits = {});

class SnapshotStore {
 public:
  explicit SnapshotStore(std::shared_ptr<storage::ArtifactStore> store) : store_(std::move(store)) {}
  // $DATA_DIR/artifacts (storage/store_env.h) with `key` sealing and verifying, its payload
  // cap raised to SnapshotLimits' so large memories fit.
  static Result<SnapshotStore> openInDataDir(const storage::Key& key);

  // Stores the instance's module (kind `module`) and its snapshot without the module bytes
  // (kind `snapshot`); returns the snapshot's digest.
  Result<storage::Digest> save(const Instance& instance, const CaptureOptions& options) const;
  // The same for a payload captured elsewhere (without its module) and the module's bytes.
  Result<storage::Digest> savePayload(std::span<const uint8_t> payload, std::span<const uint8_t> module) const;
  // The verified snapshot with this digest (NotFound when there is none under the key).
  Result<Snapshot> load(const storage::Digest& digest, const SnapshotLimits& limits = {}) const;
  // The module a snapshot was taken of, from the store, digest-checked.
  Result<std::vector<uint8_t>> module(const Snapshot& snapshot) const;

 private:
  std::shared_ptr<storage::ArtifactStore> store_;
};

}  // namespace tw::snapshot
