// The kernel registry's settings from TENSOR_WASM_API_KERNEL_* variables.
#include <algorithm>
#include <cstdlib>

#include "tensorwasm/storage/errors.h"
#include "tensorwasm/storage/kernel_registry.h"

namespace tw::storage {
namespace {

std::string_view env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Comma-separated names, each trimmed; empty entries are dropped.
std::vector<std::string> splitList(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    size_t comma = std::min(list.find(','), list.size());
    if (std::string_view item = trimmed(list.substr(0, comma)); !item.empty()) out.emplace_back(item);
    list.remove_prefix(std::min(comma + 1, list.size()));
  }
  return out;
}

}  // namespace

Result<std::optional<KernelRegistryOptions>> kernelRegistryOptionsFromEnvironment(
    const std::filesystem::path& dataDir, const StoreOptions& store) {
  std::string_view hex = env("TENSOR_WASM_API_KERNEL_HMAC_KEY");
  if (hex.empty()) return std::optional<KernelRegistryOptions>();
  Result<Key> key = Key::fromHex(hex);
  if (!key.ok()) {
    return storageError(StorageErrc::BadKey, "TENSOR_WASM_API_KERNEL_HMAC_KEY: expected 64 hex characters");
  }
  std::string_view dir = env("TENSOR_WASM_API_KERNEL_REGISTRY_DIR");
  StoreOptions options = store;
  options.dir = dir.empty() ? dataDir / "kernels" : std::filesystem::path(dir);
  TW_ASSIGN(ArtifactStore kernels, ArtifactStore::open(std::move(options)));
  KernelRegistryOptions out(std::move(kernels), key.value());
  out.publishers = splitList(env("TENSOR_WASM_API_KERNEL_PUBLISHERS"));
  return std::optional(std::move(out));
}

}  // namespace tw::storage
