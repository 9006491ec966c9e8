// Opening envelopes stored in files. For reads that return a payload the file is read once:
// its bytes go into memory and into the MAC together, and only those same in-memory bytes are
// decompressed afterwards, so nothing read after the MAC check is ever trusted.
#include <algorithm>
#include <cstring>
#include <memory>

#include "envelope_parts.h"
#include "file_util.h"
#include "tensorwasm/storage/envelope.h"
#include "tensorwasm/storage/errors.h"
#include "zstd_codec.h"

namespace tw::storage {

namespace {

constexpr size_t kStreamChunk = 1 << 20;

struct OpenedEnvelope {
  FileHandle file;
  uint64_t size = 0;
};

// Opens the file and checks its length, magic and version.
Result<OpenedEnvelope> openChecked(const std::filesystem::path& path) {
  TW_ASSIGN(FileHandle file, openForReading(path));
  TW_ASSIGN(uint64_t size, regularFileSize(file.fd(), path));
  std::vector<uint8_t> prefix(std::min<uint64_t>(size, kEnvelopePrefixSize));
  TW_TRY(readExactlyAt(file.fd(), path, 0, prefix));
  TW_TRY(checkEnvelopePrefix(prefix, size));
  return OpenedEnvelope{std::move(file), size};
}

// Checks the MAC without holding the file in memory; returns the header digest it covered.
Result<Digest> streamedMacCheck(const OpenedEnvelope& env, const std::filesystem::path& path,
                                const Key& key) {
  HmacSha256 mac(key);
  std::vector<uint8_t> chunk(kStreamChunk);
  Digest claimed;
  uint64_t bodySize = env.size - kEnvelopeMacSize;
  for (uint64_t done = 0; done < bodySize;) {
    auto part = std::span(chunk).first(std::min<uint64_t>(chunk.size(), bodySize - done));
    TW_TRY(readExactlyAt(env.file.fd(), path, done, part));
    if (done == 0) claimed = headerDigest(part);  // the first chunk holds the whole header
    mac.update(part);
    done += part.size();
  }
  Mac trailer{};
  TW_TRY(readExactlyAt(env.file.fd(), path, bodySize, trailer));
  if (!macEqual(mac.finish(), trailer)) {
    return storageError(StorageErrc::BadHmac, "MAC does not verify under key " + key.fingerprint());
  }
  return claimed;
}

// File bytes, uninitialized before the read: zero-filling up to hundreds of MiB first would
// cost as much as the read itself.
struct FileBytes {
  std::unique_ptr<uint8_t[]> data;
  size_t size = 0;
  std::span<const uint8_t> span() const { return {data.get(), size}; }
};

// The whole file, after its prefix and MAC have been checked. A file too big to hold a payload
// within the cap is still MAC-checked, streamed, so that BadHmac takes precedence.
Result<FileBytes> readVerified(const std::filesystem::path& path, const Key& key,
                               uint64_t maxPayloadBytes) {
  TW_ASSIGN(OpenedEnvelope env, openChecked(path));
  if (env.size > kEnvelopeMinSize + maxFrameBytes(maxPayloadBytes)) {
    TW_TRY(streamedMacCheck(env, path, key));
    return storageError(StorageErrc::TooLarge, path.string() + " is " + std::to_string(env.size) +
                                                   " bytes, too large for the payload cap");
  }
  FileBytes bytes{std::make_unique_for_overwrite<uint8_t[]>(env.size), static_cast<size_t>(env.size)};
  TW_TRY(readExactlyAt(env.file.fd(), path, 0, {bytes.data.get(), bytes.size}));
  TW_TRY(checkEnvelopeMac(bytes.span(), key));
  return bytes;
}

}  // namespace

Result<uint64_t> openEnvelopeFile(const std::filesystem::path& path, const Key& key,
                                  const OpenOptions& options, const PayloadSink& sink) {
  TW_ASSIGN(FileBytes bytes, readVerified(path, key, options.maxPayloadBytes));
  return openAuthenticated(bytes.span(), options, sink);
}

Result<Digest> verifyEnvelopeFile(const std::filesystem::path& path, const Key& key) {
  TW_ASSIGN(OpenedEnvelope env, openChecked(path));
  return streamedMacCheck(env, path, key);
}

}  // namespace tw::storage
