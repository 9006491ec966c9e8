// A content-addressed artifact store: payloads named by their SHA-256 digest, each kept as one
// MAC'd envelope file (envelope.h) in one directory.
//
// On disk: {dir}/{digest_hex}.{keyfp}.bin, keyfp = Key::fingerprint() of the key that sealed
// it, and an optional sidecar {digest_hex}.{keyfp}.meta.json with created_unix_ms, original_len
// and kind. Writes go to a temp file in the same directory, fsync, rename, fsync(dir): after a
// crash the directory holds the complete blob or none, never a torn one. Temp files are named
// ".tmp-*" and are never listed or read as blobs.
//
// Keys: one active key seals new blobs; reads accept it plus any number of older keys. A blob
// sealed under a key that is no longer accepted reads as NotFound.
//
// Thread-safety: an ArtifactStore is immutable after open(); its methods may run concurrently,
// from threads or processes, on the same directory.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tensorwasm/storage/digest.h"
#include "tensorwasm/storage/envelope.h"
#include "tensorwasm/storage/errors.h"
#include "tensorwasm/storage/key.h"
#include "tensorwasm/support/result.h"

namespace tw::storage {

// What a blob holds: deployed Wasm, optimizing-tier object code, an instance snapshot, a signed
// kernel registry entry, or cached PTX.
enum class ArtifactKind : uint8_t { Module, Code, Snapshot, Kernel, Ptx };

// "module", "code", "snapshot", "kernel", "ptx".
const char* artifactKindName(ArtifactKind kind);
std::optional<ArtifactKind> parseArtifactKind(std::string_view name);

struct StoreOptions {
  StoreOptions(std::filesystem::path dir, Key writeKey)
      : dir(std::move(dir)), writeKey(std::move(writeKey)) {}

  std::filesystem::path dir;               // created if missing
  Key writeKey;                            // seals new blobs; always accepted for reads
  std::vector<Key> readKeys;               // further keys accepted for reads (rotation)
  uint64_t maxPayloadBytes = kDefaultMaxPayloadBytes;
  int compressionLevel = kDefaultCompressionLevel;
  bool writeSidecar = true;
};

// The sidecar's content. It is not authenticated: treat it as a hint, never as a reason to
// trust the blob.
struct ArtifactMeta {
  int64_t createdUnixMs = 0;
  uint64_t originalLen = 0;
  ArtifactKind kind = ArtifactKind::Module;
};

// One blob found by list(): named well, under an accepted key. Not yet verified.
struct ArtifactEntry {
  Digest digest;
  std::string keyFingerprint;
  uint64_t storedBytes = 0;
};

class ArtifactStore {
 public:
  static Result<ArtifactStore> open(StoreOptions options);

  // Stores `payload` under the active key and returns its digest. When a blob with that digest
  // and key already verifies, nothing is written (idempotent). Returns only once the blob and
  // its directory entry are on disk.
  Result<Digest> put(std::span<const uint8_t> payload, ArtifactKind kind);

  // The verified payload with this digest, or NotFound / a named verification error.
  Result<std::vector<uint8_t>> get(const Digest& digest) const;

  // Streams the verified payload to `sink` (see PayloadSink); returns its length.
  Result<uint64_t> read(const Digest& digest, const PayloadSink& sink) const;

  // Whether a blob with this digest exists under an accepted key and its MAC verifies.
  Result<bool> contains(const Digest& digest) const;

  // The sidecar of the blob with this digest, if it exists and parses.
  Result<std::optional<ArtifactMeta>> meta(const Digest& digest) const;

  // Blobs under accepted keys, sorted by digest; foreign and temp files are skipped.
  Result<std::vector<ArtifactEntry>> list() const;

  // Removes temp files (left by writers that crashed) last modified more than `minAge` ago;
  // a younger one may belong to a put in progress. Returns how many were removed.
  Result<size_t> removeStaleTempFiles(std::chrono::seconds minAge) const;

  const std::filesystem::path& dir() const { return options_.dir; }
  const StoreOptions& options() const { return options_; }

 private:
  explicit ArtifactStore(StoreOptions options) : options_(std::move(options)) {}
  std::filesystem::path blobPath(const Digest& digest, const Key& key) const;
  std::filesystem::path sidecarPath(const Digest& digest, const Key& key) const;
  Result<void> writeSidecar(const Digest& digest, uint64_t originalLen, ArtifactKind kind) const;

  StoreOptions options_;
  std::vector<Key> accepted_;  // write key first, then read keys, without duplicates
};

}  // namespace tw::storage
