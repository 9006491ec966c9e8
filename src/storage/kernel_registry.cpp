// The signed kernel registry: an in-memory index of verified manifests over `kernel` blobs in
// an artifact store, each blob re-read and re-verified on every get().
#include "tensorwasm/storage/kernel_registry.h"

#include <algorithm>
#include <cstring>

#include "tensorwasm/storage/errors.h"

namespace tw::storage {
namespace {

void putU64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void putBlock(std::vector<uint8_t>& out, std::string_view bytes) {
  putU64(out, bytes.size());
  out.insert(out.end(), bytes.begin(), bytes.end());
}

std::vector<uint8_t> encodeEntry(const KernelManifest& manifest, std::string_view ptx) {
  std::string json = kernelManifestJson(manifest);
  std::vector<uint8_t> out(kKernelEntryMagic.begin(), kKernelEntryMagic.end());
  out.reserve(out.size() + 16 + json.size() + ptx.size());
  putBlock(out, json);
  putBlock(out, ptx);
  return out;
}

// Reads one length-prefixed block from `in`, advancing it; nullopt when it does not fit.
std::optional<std::string_view> takeBlock(std::string_view& in) {
  if (in.size() < 8) return std::nullopt;
  uint64_t len = 0;
  for (int i = 0; i < 8; ++i) len |= uint64_t{static_cast<uint8_t>(in[i])} << (8 * i);
  in.remove_prefix(8);
  if (len > in.size()) return std::nullopt;
  std::string_view block = in.substr(0, len);
  in.remove_prefix(len);
  return block;
}

// Decodes a blob payload and verifies what it holds under the registry key.
Result<KernelEntry> decodeEntry(std::span<const uint8_t> payload, const Key& key) {
  std::string_view in(reinterpret_cast<const char*>(payload.data()), payload.size());
  if (!in.starts_with(kKernelEntryMagic)) {
    return kernelError(KernelErrc::BadSignature, "not a kernel registry entry");
  }
  in.remove_prefix(kKernelEntryMagic.size());
  std::optional<std::string_view> json = takeBlock(in), ptx = takeBlock(in);
  if (!json || !ptx || !in.empty()) {
    return kernelError(KernelErrc::BadSignature, "truncated or oversized kernel registry entry");
  }
  TW_ASSIGN(KernelManifest manifest, parseKernelManifest(*json));
  TW_TRY(verifyKernelSignature(manifest, key));
  TW_TRY(checkKernelDigest(manifest, *ptx));
  return KernelEntry{std::move(manifest), std::string(*ptx)};
}

// A stored blob that no longer verifies is reported as a bad signature; I/O failures and a
// missing blob keep their own codes.
Error fromStore(Error e, const Digest& blob) {
  switch (storageErrc(e)) {
    case StorageErrc::TooShort:
    case StorageErrc::BadMagic:
    case StorageErrc::BadVersion:
    case StorageErrc::BadHmac:
    case StorageErrc::Decompression:
    case StorageErrc::DigestMismatch:
      return kernelError(KernelErrc::BadSignature, "stored entry " + blob.str() + " fails verification: " + e.message);
    default:
      return e;
  }
}

std::string label(std::string_view name, std::string_view version) {
  return isKernelName(name) && isSemver(version) ? std::string(name) + "@" + std::string(version)
                                                 : std::string("(invalid name or version)");
}

}  // namespace

Result<std::shared_ptr<KernelRegistry>> KernelRegistry::open(KernelRegistryOptions options) {
  std::shared_ptr<KernelRegistry> registry(new KernelRegistry(std::move(options)));
  TW_TRY(registry->load());
  return registry;
}

Result<void> KernelRegistry::load() {
  TW_ASSIGN(std::vector<ArtifactEntry> blobs, options_.store.list());
  auto warn = [this](const Digest& blob, const std::string& why) {
    if (options_.warn) options_.warn("kernel registry: skipping " + blob.str() + ": " + why);
  };
  for (const ArtifactEntry& blob : blobs) {
    Result<std::optional<ArtifactMeta>> meta = options_.store.meta(blob.digest);
    // The sidecar is only a hint, enough to avoid reading blobs of other kinds.
    if (meta.ok() && meta.value() && meta.value()->kind != ArtifactKind::Kernel) continue;
    Result<KernelEntry> entry = readEntry(blob.digest);
    if (!entry.ok()) {
      warn(blob.digest, entry.error().message);
      continue;
    }
    const KernelManifest& m = entry->manifest;
    IndexKey key{m.name, m.version, m.smVersion};
    auto [it, fresh] = index_.try_emplace(key, Indexed{m, blob.digest});
    if (!fresh && it->second.blob != blob.digest) {
      warn(blob.digest, m.name + "@" + m.version + " sm_" + std::to_string(m.smVersion) +
                            " is already served from " + it->second.blob.str());
    }
  }
  return {};
}

Result<KernelEntry> KernelRegistry::readEntry(const Digest& blob) const {
  Result<std::vector<uint8_t>> payload = options_.store.get(blob);
  if (!payload.ok()) return fromStore(payload.takeError(), blob);
  return decodeEntry(payload.value(), options_.key);
}

Result<void> KernelRegistry::checkPublish(const KernelManifest& m, std::string_view ptx) const {
  TW_TRY(checkKernelManifest(m));
  if (ptx.size() > kMaxKernelPtx) {
    return kernelError(KernelErrc::PtxTooLarge, "PTX of " + std::to_string(ptx.size()) + " bytes is over the 8 MiB limit");
  }
  const std::vector<std::string>& allowed = options_.publishers;
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), m.publisher) == allowed.end()) {
    return kernelError(KernelErrc::PublisherNotAllowed, "publisher '" + m.publisher + "' is not allowed to publish kernels");
  }
  TW_TRY(checkKernelDigest(m, ptx));
  TW_TRY(verifyKernelSignature(m, options_.key));
  std::shared_lock lock(mutex_);
  if (index_.count({m.name, m.version, m.smVersion})) {
    return kernelError(KernelErrc::AlreadyRegistered,
                       m.name + "@" + m.version + " sm_" + std::to_string(m.smVersion) + " is already registered");
  }
  return {};
}

Result<void> KernelRegistry::publish(const KernelManifest& manifest, std::string_view ptx) {
  std::lock_guard publishing(publishMutex_);
  TW_TRY(checkPublish(manifest, ptx));
  TW_ASSIGN(Digest blob, options_.store.put(encodeEntry(manifest, ptx), ArtifactKind::Kernel));
  std::unique_lock lock(mutex_);
  index_.try_emplace({manifest.name, manifest.version, manifest.smVersion}, Indexed{manifest, blob});
  return {};
}

KernelPage KernelRegistry::list(uint64_t offset, uint32_t limit) const {
  KernelPage page;
  page.offset = offset;
  page.limit = std::min(limit, kMaxKernelListLimit);
  std::shared_lock lock(mutex_);
  page.total = index_.size();
  if (offset >= index_.size()) return page;
  auto it = std::next(index_.begin(), static_cast<std::ptrdiff_t>(offset));
  for (uint32_t n = 0; n < page.limit && it != index_.end(); ++n, ++it) {
    page.manifests.push_back(it->second.manifest);
  }
  return page;
}

std::optional<KernelRegistry::Indexed> KernelRegistry::find(std::string_view name, std::string_view version,
                                                            std::optional<uint32_t> sm,
                                                            std::optional<uint32_t> deviceSm) const {
  std::shared_lock lock(mutex_);
  std::string n(name), v(version);
  if (sm) {
    auto it = index_.find({n, v, *sm});
    return it == index_.end() ? std::nullopt : std::optional(it->second);
  }
  // Entries of name@version in ascending sm order: take the last one the device can run.
  auto first = index_.lower_bound({n, v, 0});
  auto last = index_.upper_bound({n, v, deviceSm.value_or(UINT32_MAX)});
  if (first == last) return std::nullopt;
  return std::prev(last)->second;
}

Result<KernelEntry> KernelRegistry::get(std::string_view name, std::string_view version,
                                        std::optional<uint32_t> sm, std::optional<uint32_t> deviceSm) const {
  std::optional<Indexed> found = find(name, version, sm, deviceSm);
  if (!found) {
    std::string target = sm ? "sm_" + std::to_string(*sm)
                            : deviceSm ? "a device of sm_" + std::to_string(*deviceSm) : "any device";
    return kernelError(KernelErrc::NotFound, "no registered kernel " + label(name, version) + " for " + target);
  }
  return readEntry(found->blob);
}

size_t KernelRegistry::size() const {
  std::shared_lock lock(mutex_);
  return index_.size();
}

}  // namespace tw::storage
