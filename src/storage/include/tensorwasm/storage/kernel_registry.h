// The signed kernel registry (formats.md, "Kernel manifests"): PTX kernels published under a
// (name, version, sm_version) with a manifest signed by the registry key, kept as `kernel`
// blobs in an artifact store so a reopened registry has them.
//
// Publishing checks, in order: the manifest's fields, the PTX size (8 MiB, what one
// wasi_cuda_load_* may load), the publisher allowlist (when configured), the PTX digest, the
// signature, and that (name, version, sm_version) is not taken; each refusal is its own
// KernelErrc. Opening reads every kernel blob and re-verifies it (the store's MAC, the
// manifest's signature, the PTX digest); an entry that fails is skipped and reported to the
// warning callback, never fatal. Every get() reads its blob again and verifies it the same way,
// so a blob changed on disk after opening is refused (BadSignature), not served.
//
// Entry blob payload (little-endian): magic "twasm-kentry-v01" (16 bytes), u64 length and the
// manifest's JSON (kernelManifestJson), u64 length and the PTX text; nothing after.
//
// Thread-safety: every method may be called from several threads at once. Publishes are
// serialized; reads never wait for a publish's disk writes. One process should own a store
// directory's registry: a second process's publishes are seen only after reopening.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "tensorwasm/storage/artifact_store.h"
#include "tensorwasm/storage/kernel_manifest.h"

namespace tw::storage {

inline constexpr std::string_view kKernelEntryMagic = "twasm-kentry-v01";
inline constexpr size_t kMaxKernelPtx = 8u << 20;
inline constexpr uint32_t kDefaultKernelListLimit = 100;
inline constexpr uint32_t kMaxKernelListLimit = 1000;

struct KernelRegistryOptions {
  KernelRegistryOptions(ArtifactStore store, Key key) : store(std::move(store)), key(std::move(key)) {}

  // Holds the entries. A store of its own is best (TENSOR_WASM_API_KERNEL_REGISTRY_DIR):
  // opening reads every blob whose sidecar does not name another kind.
  ArtifactStore store;
  Key key;                                     // signs manifests (TENSOR_WASM_API_KERNEL_HMAC_KEY)
  std::vector<std::string> publishers;         // allowed publishers; empty: any
  std::function<void(const std::string&)> warn;  // told of each entry skipped at open
};

// A verified registry entry.
struct KernelEntry {
  KernelManifest manifest;
  std::string ptx;
};

// One page of list(): manifests in (name, version, sm_version) byte order.
struct KernelPage {
  std::vector<KernelManifest> manifests;
  uint64_t offset = 0;
  uint32_t limit = 0;   // as applied (at most kMaxKernelListLimit)
  uint64_t total = 0;   // entries in the registry
};

class KernelRegistry {
 public:
  // Loads and verifies every entry of the store. Fails only when the store cannot be listed.
  static Result<std::shared_ptr<KernelRegistry>> open(KernelRegistryOptions options);

  KernelRegistry(const KernelRegistry&) = delete;
  KernelRegistry& operator=(const KernelRegistry&) = delete;

  // Checks (see above) and stores `manifest` with `ptx`; on success later reads and reopened
  // registries serve it.
  Result<void> publish(const KernelManifest& manifest, std::string_view ptx);

  // Entries [offset, offset + limit) of the stable order; a limit above kMaxKernelListLimit
  // is lowered to it. Serves the manifests verified at open or publish.
  KernelPage list(uint64_t offset, uint32_t limit = kDefaultKernelListLimit) const;

  // The entry name@version for `sm`; without `sm`, the one with the highest sm_version not
  // above `deviceSm` (any, when no device is known). NotFound when there is none; the blob is
  // read and verified again (BadSignature when it no longer verifies).
  Result<KernelEntry> get(std::string_view name, std::string_view version, std::optional<uint32_t> sm,
                          std::optional<uint32_t> deviceSm = std::nullopt) const;

  size_t size() const;

 private:
  using IndexKey = std::tuple<std::string, std::string, uint32_t>;
  struct Indexed {
    KernelManifest manifest;
    Digest blob;
  };

  explicit KernelRegistry(KernelRegistryOptions options) : options_(std::move(options)) {}
  Result<void> load();
  Result<KernelEntry> readEntry(const Digest& blob) const;
  Result<void> checkPublish(const KernelManifest& manifest, std::string_view ptx) const;
  std::optional<Indexed> find(std::string_view name, std::string_view version, std::optional<uint32_t> sm,
                              std::optional<uint32_t> deviceSm) const;

  KernelRegistryOptions options_;
  mutable std::shared_mutex mutex_;  // guards index_
  std::mutex publishMutex_;          // one publish at a time, held across its disk writes
  std::map<IndexKey, Indexed> index_;
};

// The registry's settings from the environment (http-api.md, "Environment variables"):
//   TENSOR_WASM_API_KERNEL_HMAC_KEY       64 hex; unset or empty: no registry (nullopt)
//   TENSOR_WASM_API_KERNEL_REGISTRY_DIR   its artifact store; default $DATA_DIR/kernels
//   TENSOR_WASM_API_KERNEL_PUBLISHERS     comma list of allowed publishers; empty: any
// The store is sealed with `store`'s keys (the data directory's store keys) and created when
// missing. A malformed value is an error naming the variable, never echoing a key.
Result<std::optional<KernelRegistryOptions>> kernelRegistryOptionsFromEnvironment(
    const std::filesystem::path& dataDir, const StoreOptions& store);

}  // namespace tw::storage
