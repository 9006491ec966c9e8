#include "tensorwasm/service/code_cache.h"

#include <cstring>

#include "tensorwasm/storage/store_env.h"

namespace tw::service {
namespace {

constexpr char kMagic[] = "twasm-codecache1";
constexpr size_t kMagicSize = sizeof kMagic - 1;

storage::Digest cacheKey(const CodeIdentity& id) {
  storage::Digest module = storage::sha256(id.module);
  storage::Sha256 h;
  h.update(module.bytes);
  h.update({reinterpret_cast<const uint8_t*>(id.compiler.data()), id.compiler.size()});
  return h.finish();
}

}  // namespace

ArtifactCodeCache::ArtifactCodeCache(std::shared_ptr<storage::ArtifactStore> store, storage::RefStore refs)
    : store_(std::move(store)), refs_(std::move(refs)) {}

Result<std::shared_ptr<ArtifactCodeCache>> ArtifactCodeCache::openFromEnvironment() {
  TW_ASSIGN(std::filesystem::path dataDir, storage::dataDirFromEnvironment());
  TW_ASSIGN(storage::StoreOptions options, storage::storeOptionsFromEnvironment(dataDir));
  TW_ASSIGN(storage::ArtifactStore store, storage::ArtifactStore::open(std::move(options)));
  TW_ASSIGN(storage::RefStore refs, storage::RefStore::open(dataDir / "code-refs"));
  return std::make_shared<ArtifactCodeCache>(std::make_shared<storage::ArtifactStore>(std::move(store)),
                                             std::move(refs));
}

std::optional<std::vector<uint8_t>> ArtifactCodeCache::load(const CodeIdentity& id) {
  storage::Digest key = cacheKey(id);
  Result<std::optional<storage::Digest>> ref = refs_.get(key.hex());
  if (!ref.ok() || !ref.value()) {
    if (!ref.ok()) ++rejected_;
    ++misses_;
    return std::nullopt;
  }
  Result<std::vector<uint8_t>> payload = store_->get(*ref.value());
  bool usable = payload.ok() && payload.value().size() >= kMagicSize + key.bytes.size() &&
                std::memcmp(payload.value().data(), kMagic, kMagicSize) == 0 &&
                std::memcmp(payload.value().data() + kMagicSize, key.bytes.data(), key.bytes.size()) == 0;
  if (!usable) {
    ++rejected_;
    ++misses_;
    return std::nullopt;
  }
  ++hits_;
  std::vector<uint8_t>& bytes = payload.value();
  bytes.erase(bytes.begin(), bytes.begin() + kMagicSize + key.bytes.size());
  return std::move(bytes);
}

void ArtifactCodeCache::store(const CodeIdentity& id, std::span<const uint8_t> code) {
  storage::Digest key = cacheKey(id);
  std::vector<uint8_t> payload(kMagic, kMagic + kMagicSize);
  payload.insert(payload.end(), key.bytes.begin(), key.bytes.end());
  payload.insert(payload.end(), code.begin(), code.end());
  Result<storage::Digest> digest = store_->put(payload, storage::ArtifactKind::Code);
  if (!digest.ok() || !refs_.set(key.hex(), digest.value()).ok()) ++storeFailures_;
}

ArtifactCodeCache::Stats ArtifactCodeCache::stats() const {
  return {hits_.load(), misses_.load(), rejected_.load(), storeFailures_.load()};
}

}  // namespace tw::service
