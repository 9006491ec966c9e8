// The artifact store: naming, put (idempotent, durable), get/read through the envelope
// reader, list, sidecars. See artifact_store.h for the on-disk layout and guarantees.
#include "tensorwasm/storage/artifact_store.h"

#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <system_error>

#include "envelope_parts.h"
#include "file_util.h"
#include "sidecar.h"

namespace tw::storage {

namespace {

constexpr std::string_view kBlobSuffix = ".bin";
constexpr std::string_view kSidecarSuffix = ".meta.json";
constexpr size_t kFingerprintChars = 16;
constexpr size_t kBlobNameChars = 64 + 1 + kFingerprintChars + kBlobSuffix.size();

bool isLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string blobName(const Digest& digest, const Key& key) {
  return digest.hex() + "." + key.fingerprint() + std::string(kBlobSuffix);
}

std::string sidecarName(const Digest& digest, const Key& key) {
  return digest.hex() + "." + key.fingerprint() + std::string(kSidecarSuffix);
}

// {digest_hex}.{keyfp}.bin exactly, else nothing (temp files start with '.' and never match).
std::optional<std::pair<Digest, std::string>> parseBlobName(std::string_view name) {
  if (name.size() != kBlobNameChars || name[64] != '.' || !name.ends_with(kBlobSuffix)) {
    return std::nullopt;
  }
  std::string_view fp = name.substr(65, kFingerprintChars);
  if (!isLowerHex(fp)) return std::nullopt;
  auto digest = Digest::fromHex(name.substr(0, 64));
  if (!digest.ok()) return std::nullopt;
  return std::pair{digest.value(), std::string(fp)};
}

int64_t nowUnixMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool pathExists(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

}  // namespace

const char* artifactKindName(ArtifactKind kind) {
  switch (kind) {
    case ArtifactKind::Module: return "module";
    case ArtifactKind::Code: return "code";
    case ArtifactKind::Snapshot: return "snapshot";
    case ArtifactKind::Kernel: return "kernel";
    case ArtifactKind::Ptx: return "ptx";
  }
  return "unknown";
}

std::optional<ArtifactKind> parseArtifactKind(std::string_view name) {
  for (ArtifactKind k : {ArtifactKind::Module, ArtifactKind::Code, ArtifactKind::Snapshot,
                         ArtifactKind::Kernel, ArtifactKind::Ptx}) {
    if (name == artifactKindName(k)) return k;
  }
  return std::nullopt;
}

Result<ArtifactStore> ArtifactStore::open(StoreOptions options) {
  if (options.compressionLevel < ZSTD_minCLevel() || options.compressionLevel > ZSTD_maxCLevel()) {
    return makeError(ErrorKind::Usage, "compression level " +
                                           std::to_string(options.compressionLevel) +
                                           " is outside zstd's range");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec || !std::filesystem::is_directory(options.dir, ec)) {
    return ioError("create store directory", options.dir, ec ? ec.value() : ENOTDIR);
  }
  ArtifactStore store(std::move(options));
  store.accepted_.push_back(store.options_.writeKey);
  for (const Key& k : store.options_.readKeys) {
    auto same = [&](const Key& a) { return a.fingerprint() == k.fingerprint(); };
    if (std::none_of(store.accepted_.begin(), store.accepted_.end(), same)) {
      store.accepted_.push_back(k);
    }
  }
  return store;
}

std::filesystem::path ArtifactStore::blobPath(const Digest& digest, const Key& key) const {
  return options_.dir / blobName(digest, key);
}

std::filesystem::path ArtifactStore::sidecarPath(const Digest& digest, const Key& key) const {
  return options_.dir / sidecarName(digest, key);
}

Result<Digest> ArtifactStore::put(std::span<const uint8_t> payload, ArtifactKind kind) {
  if (payload.size() > options_.maxPayloadBytes) {
    return storageError(StorageErrc::TooLarge, "payload of " + std::to_string(payload.size()) +
                                                   " bytes exceeds the store's cap");
  }
  const Key& key = options_.writeKey;
  Digest digest = sha256(payload);
  auto existing = verifyEnvelopeFile(blobPath(digest, key), key);
  bool blobPresent = existing.ok() && existing.value() == digest;
  if (!blobPresent) {
    TW_ASSIGN(std::vector<uint8_t> sealed,
              sealWithDigest(payload, digest, key, options_.compressionLevel));
    TW_TRY(replaceFile(options_.dir, blobName(digest, key), sealed));
  }
  bool sidecarNeeded = options_.writeSidecar && !pathExists(sidecarPath(digest, key));
  if (sidecarNeeded) TW_TRY(writeSidecar(digest, payload.size(), kind));
  if (!blobPresent || sidecarNeeded) TW_TRY(syncDirectory(options_.dir));
  return digest;
}

Result<void> ArtifactStore::writeSidecar(const Digest& digest, uint64_t originalLen,
                                         ArtifactKind kind) const {
  std::string text = formatSidecar(ArtifactMeta{nowUnixMs(), originalLen, kind});
  auto bytes = std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  return replaceFile(options_.dir, sidecarName(digest, options_.writeKey), bytes);
}

Result<uint64_t> ArtifactStore::read(const Digest& digest, const PayloadSink& sink) const {
  OpenOptions open{options_.maxPayloadBytes, digest};
  for (const Key& key : accepted_) {
    auto result = openEnvelopeFile(blobPath(digest, key), key, open, sink);
    if (result.ok() || storageErrc(result.error()) != StorageErrc::NotFound) return result;
  }
  return storageError(StorageErrc::NotFound, "no artifact " + digest.str() + " under an accepted key");
}

Result<std::vector<uint8_t>> ArtifactStore::get(const Digest& digest) const {
  std::vector<uint8_t> payload;
  auto append = [&](std::span<const uint8_t> chunk) -> Result<void> {
    payload.insert(payload.end(), chunk.begin(), chunk.end());
    return {};
  };
  TW_TRY(read(digest, append));
  return payload;
}

Result<bool> ArtifactStore::contains(const Digest& digest) const {
  for (const Key& key : accepted_) {
    auto found = verifyEnvelopeFile(blobPath(digest, key), key);
    if (found.ok() && found.value() == digest) return true;
    if (!found.ok() && storageErrc(found.error()) == StorageErrc::Io) return found.takeError();
  }
  return false;
}

Result<std::optional<ArtifactMeta>> ArtifactStore::meta(const Digest& digest) const {
  for (const Key& key : accepted_) {
    if (!pathExists(blobPath(digest, key))) continue;
    return readSidecar(sidecarPath(digest, key));
  }
  return storageError(StorageErrc::NotFound, "no artifact " + digest.str() + " under an accepted key");
}

Result<std::vector<ArtifactEntry>> ArtifactStore::list() const {
  std::error_code ec;
  std::filesystem::directory_iterator it(options_.dir, ec);
  if (ec) return ioError("list", options_.dir, ec.value());
  std::vector<ArtifactEntry> entries;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    auto parsed = parseBlobName(it->path().filename().native());
    if (!parsed) continue;
    auto accepted = [&](const Key& k) { return k.fingerprint() == parsed->second; };
    if (std::none_of(accepted_.begin(), accepted_.end(), accepted)) continue;
    std::error_code sizeEc;
    uint64_t size = it->is_regular_file(sizeEc) ? it->file_size(sizeEc) : 0;
    if (sizeEc || !it->is_regular_file(sizeEc)) continue;  // vanished or not a file
    entries.push_back(ArtifactEntry{parsed->first, parsed->second, size});
  }
  if (ec) return ioError("list", options_.dir, ec.value());
  std::sort(entries.begin(), entries.end(), [](const ArtifactEntry& a, const ArtifactEntry& b) {
    return std::tie(a.digest, a.keyFingerprint) < std::tie(b.digest, b.keyFingerprint);
  });
  return entries;
}

Result<size_t> ArtifactStore::removeStaleTempFiles(std::chrono::seconds minAge) const {
  std::error_code ec;
  std::filesystem::directory_iterator it(options_.dir, ec);
  if (ec) return ioError("list", options_.dir, ec.value());
  auto cutoff = std::filesystem::file_time_type::clock::now() - minAge;
  size_t removed = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (!it->path().filename().native().starts_with(kTempPrefix)) continue;
    std::error_code fileEc;
    auto modified = std::filesystem::last_write_time(it->path(), fileEc);
    if (fileEc || modified > cutoff) continue;
    if (std::filesystem::remove(it->path(), fileEc)) ++removed;
  }
  if (ec) return ioError("list", options_.dir, ec.value());
  return removed;
}

}  // namespace tw::storage
