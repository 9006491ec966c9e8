// The optimizing tier's code cache kept in the artifact store (features.md #6): each entry is
// a blob of kind `code` whose payload is the magic "twasm-codecache1", the entry's 32-byte
// key and the code; a reference named after the key's hex points at the blob. The key is
// SHA-256(SHA-256(module) || compiler identity), so code made for another module, engine
// build, LLVM version or CPU is never found, and an entry whose blob does not verify (MAC,
// digest) or whose embedded key differs is counted as rejected and reported as a miss.
// Thread-safety: all methods may run concurrently.
#pragma once

#include <atomic>
#include <memory>

#include "tensorwasm/runtime/code_cache.h"
#include "tensorwasm/storage/artifact_store.h"
#include "tensorwasm/storage/refs.h"

namespace tw::service {

class ArtifactCodeCache final : public CodeCache {
 public:
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;          // includes rejected entries
    uint64_t rejected = 0;        // present but unusable: failed verification or wrong key
    uint64_t storeFailures = 0;
  };

  ArtifactCodeCache(std::shared_ptr<storage::ArtifactStore> store, storage::RefStore refs);

  // The store and references under a data directory (storage/store_env.h):
  // $DATA_DIR/artifacts and $DATA_DIR/code-refs, keys from the environment.
  static Result<std::shared_ptr<ArtifactCodeCache>> openFromEnvironment();

  std::optional<std::vector<uint8_t>> load(const CodeIdentity& id) override;
  void store(const CodeIdentity& id, std::span<const uint8_t> code) override;
  Stats stats() const;

 private:
  std::shared_ptr<storage::ArtifactStore> store_;
  storage::RefStore refs_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, rejected_{0}, storeFailures_{0};
};

}  // namespace tw::service
