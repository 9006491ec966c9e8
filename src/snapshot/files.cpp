// Store-backed and exported snapshots, and the snapshot key.
#include "tensorwasm/snapshot/files.h"

#include <openssl/crypto.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "tensorwasm/storage/store_env.h"

namespace tw::snapshot {
namespace {

using storage::StorageErrc;

// The envelope's refusals in this layer's terms; I/O and NotFound keep their meaning.
Error fromStorage(const Error& e) {
  switch (storage::storageErrc(e)) {
    case StorageErrc::BadHmac: return snapshotError(SnapshotErrc::SignatureInvalid, e.message);
    case StorageErrc::TooLarge: return snapshotError(SnapshotErrc::TooLarge, e.message);
    case StorageErrc::NotFound: return snapshotError(SnapshotErrc::NotFound, e.message);
    case StorageErrc::TooShort:
    case StorageErrc::BadMagic:
    case StorageErrc::BadVersion:
    case StorageErrc::Decompression:
    case StorageErrc::DigestMismatch: return snapshotError(SnapshotErrc::Malformed, e.message);
    default: return e;
  }
}

bool isSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

Result<storage::Key> keyFromText(std::string text, const std::string& source) {
  if (text.size() == 32) {
    std::array<uint8_t, 32> raw;
    std::memcpy(raw.data(), text.data(), 32);
    storage::Key key = storage::Key::fromBytes(raw);
    OPENSSL_cleanse(raw.data(), raw.size());
    OPENSSL_cleanse(text.data(), text.size());
    return key;
  }
  size_t begin = 0, end = text.size();
  while (begin < end && isSpace(text[begin])) ++begin;
  while (end > begin && isSpace(text[end - 1])) --end;
  Result<storage::Key> key = storage::Key::fromHex(std::string_view(text).substr(begin, end - begin));
  OPENSSL_cleanse(text.data(), text.size());
  if (!key.ok()) {
    return snapshotError(SnapshotErrc::BadKey, source + ": expected 64 hex characters or 32 raw bytes");
  }
  return key;
}

}  // namespace

Result<storage::Key> readKeyFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return snapshotError(SnapshotErrc::BadKey, "cannot read key file '" + file.string() + "'");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return keyFromText(std::move(text), "key file '" + file.string() + "'");
}

Result<storage::Key> snapshotKey(const std::optional<std::filesystem::path>& keyFile) {
  if (keyFile) return readKeyFile(*keyFile);
  if (const char* hex = std::getenv("TENSOR_WASM_API_SNAPSHOT_HMAC_KEY"); hex && *hex) {
    Result<storage::Key> key = storage::Key::fromHex(hex);
    if (!key.ok()) return snapshotError(SnapshotErrc::BadKey, "TENSOR_WASM_API_SNAPSHOT_HMAC_KEY: expected 64 hex characters");
    return key;
  }
  TW_ASSIGN(std::filesystem::path dataDir, storage::dataDirFromEnvironment());
  TW_ASSIGN(storage::StoreOptions options, storage::storeOptionsFromEnvironment(dataDir));
  return options.writeKey;
}

Result<std::vector<uint8_t>> sealSnapshotFile(std::span<const uint8_t> payload, const storage::Key& key) {
  return storage::sealEnvelope(payload, key);
}

Result<Snapshot> openSnapshotEnvelope(std::span<const uint8_t> file, const storage::Key& key,
                                      const SnapshotLimits& limits) {
  storage::OpenOptions options;
  options.maxPayloadBytes = limits.maxPayloadBytes;
  Result<std::vector<uint8_t>> payload = storage::openEnvelope(file, key, options);
  if (!payload.ok()) return fromStorage(payload.error());
  return Snapshot::parse(std::move(payload).value(), limits);
}

Result<Snapshot> openSnapshotFile(std::span<const uint8_t> file, const storage::Key& key,
                                  const SnapshotLimits& limits) {
  TW_ASSIGN(Snapshot snapshot, openSnapshotEnvelope(file, key, limits));
  if (snapshot.module().empty()) {
    return snapshotError(SnapshotErrc::Malformed, "an exported snapshot must embed its module");
  }
  if (storage::sha256(snapshot.module()) != snapshot.meta().moduleDigest) {
    return snapshotError(SnapshotErrc::ModuleMismatch, "the embedded module's digest differs from the recorded one");
  }
  return snapshot;
}

Result<SnapshotStore> SnapshotStore::openInDataDir(const storage::Key& key) {
  TW_ASSIGN(std::filesystem::path dataDir, storage::dataDirFromEnvironment());
  TW_ASSIGN(storage::StoreOptions env, storage::storeOptionsFromEnvironment(dataDir));
  storage::StoreOptions options(env.dir, key);
  options.maxPayloadBytes = SnapshotLimits{}.maxPayloadBytes;
  TW_ASSIGN(storage::ArtifactStore store, storage::ArtifactStore::open(std::move(options)));
  return SnapshotStore(std::make_shared<storage::ArtifactStore>(std::move(store)));
}

Result<storage::Digest> SnapshotStore::save(const Instance& instance, const CaptureOptions& options) const {
  CaptureOptions withoutModule = options;
  withoutModule.embedModule = false;
  TW_ASSIGN(std::vector<uint8_t> payload, captureSnapshot(instance, withoutModule));
  return savePayload(payload, instance.module().bytes);
}

Result<storage::Digest> SnapshotStore::savePayload(std::span<const uint8_t> payload,
                                                   std::span<const uint8_t> module) const {
  TW_TRY(store_->put(module, storage::ArtifactKind::Module));
  return store_->put(payload, storage::ArtifactKind::Snapshot);
}

Result<Snapshot> SnapshotStore::load(const storage::Digest& digest, const SnapshotLimits& limits) const {
  Result<std::vector<uint8_t>> payload = store_->get(digest);
  if (!payload.ok()) return fromStorage(payload.error());
  return Snapshot::parse(std::move(payload).value(), limits);
}

Result<std::vector<uint8_t>> SnapshotStore::module(const Snapshot& snapshot) const {
  Result<std::vector<uint8_t>> bytes = store_->get(snapshot.meta().moduleDigest);
  if (!bytes.ok()) return fromStorage(bytes.error());
  return bytes;
}

}  // namespace tw::snapshot
