// Sealing and opening artifact envelopes held in memory (the file variants are in
// envelope_file.cpp). The order of checks is the contract's: see envelope.h.
#include "tensorwasm/storage/envelope.h"

#include <algorithm>
#include <cstring>

#include "envelope_parts.h"
#include "tensorwasm/storage/errors.h"
#include "zstd_codec.h"

namespace tw::storage {

Result<void> checkEnvelopePrefix(std::span<const uint8_t> prefix, uint64_t totalSize) {
  if (totalSize < kEnvelopeMinSize) {
    return storageError(StorageErrc::TooShort, "envelope is " + std::to_string(totalSize) +
                                                   " bytes, shorter than the minimum 84");
  }
  if (prefix.size() < kEnvelopePrefixSize ||
      std::memcmp(prefix.data(), kEnvelopeMagic.data(), kEnvelopeMagic.size()) != 0) {
    return storageError(StorageErrc::BadMagic, "not an artifact envelope (magic differs)");
  }
  uint32_t version = 0;
  for (int i = 3; i >= 0; --i) version = version << 8 | prefix[16 + i];
  if (version != kEnvelopeVersion) {
    return storageError(StorageErrc::BadVersion,
                        "envelope version " + std::to_string(version) + ", expected 2");
  }
  return {};
}

Result<void> checkEnvelopeMac(std::span<const uint8_t> envelope, const Key& key) {
  size_t bodySize = envelope.size() - kEnvelopeMacSize;
  Mac actual = hmacSha256(key, envelope.first(bodySize));
  if (!macEqual(actual, envelope.subspan(bodySize))) {
    return storageError(StorageErrc::BadHmac, "MAC does not verify under key " + key.fingerprint());
  }
  return {};
}

Digest headerDigest(std::span<const uint8_t> envelope) {
  Digest d;
  std::memcpy(d.bytes.data(), envelope.data() + kEnvelopePrefixSize, d.bytes.size());
  return d;
}

Result<uint64_t> openAuthenticated(std::span<const uint8_t> envelope, const OpenOptions& options,
                                   const PayloadSink& sink) {
  Digest claimed = headerDigest(envelope);
  // Checked before decompressing as well as after, so that a blob stored under the wrong name
  // hands no byte to a streaming caller.
  if (options.expected && *options.expected != claimed) {
    return storageError(StorageErrc::DigestMismatch, "envelope holds " + claimed.str() +
                                                         ", not the requested " +
                                                         options.expected->str());
  }
  std::span<const uint8_t> frame = envelope.subspan(
      kEnvelopeHeaderSize, envelope.size() - kEnvelopeHeaderSize - kEnvelopeMacSize);
  Sha256 hasher;
  auto hashThenSink = [&](std::span<const uint8_t> chunk) -> Result<void> {
    hasher.update(chunk);
    return sink(chunk);
  };
  TW_ASSIGN(uint64_t length, decompressFrame(frame, options.maxPayloadBytes, hashThenSink));
  Digest actual = hasher.finish();
  if (actual != claimed) {
    return storageError(StorageErrc::DigestMismatch,
                        "payload hashes to " + actual.str() + ", header says " + claimed.str());
  }
  return length;
}

Result<std::vector<uint8_t>> sealWithDigest(std::span<const uint8_t> payload, const Digest& digest,
                                            const Key& key, int level) {
  TW_ASSIGN(std::vector<uint8_t> frame, compressFrame(payload, level));
  std::vector<uint8_t> out;
  out.reserve(kEnvelopeMinSize + frame.size());
  out.insert(out.end(), kEnvelopeMagic.begin(), kEnvelopeMagic.end());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(kEnvelopeVersion >> (8 * i)));
  out.insert(out.end(), digest.bytes.begin(), digest.bytes.end());
  out.insert(out.end(), frame.begin(), frame.end());
  Mac mac = hmacSha256(key, out);
  out.insert(out.end(), mac.begin(), mac.end());
  return out;
}

Result<std::vector<uint8_t>> sealEnvelope(std::span<const uint8_t> payload, const Key& key,
                                          int level) {
  return sealWithDigest(payload, sha256(payload), key, level);
}

Result<uint64_t> openEnvelope(std::span<const uint8_t> envelope, const Key& key,
                              const OpenOptions& options, const PayloadSink& sink) {
  TW_TRY(checkEnvelopePrefix(envelope.first(std::min(envelope.size(), kEnvelopePrefixSize)),
                             envelope.size()));
  TW_TRY(checkEnvelopeMac(envelope, key));
  return openAuthenticated(envelope, options, sink);
}

Result<std::vector<uint8_t>> openEnvelope(std::span<const uint8_t> envelope, const Key& key,
                                          const OpenOptions& options) {
  std::vector<uint8_t> payload;
  auto append = [&](std::span<const uint8_t> chunk) -> Result<void> {
    // Sized once by the frame's declared content size (authenticated by now: chunks arrive
    // only after the MAC verified), since growing by doubling copies and faults in about
    // twice the payload.
    if (payload.empty()) {
      std::span<const uint8_t> frame = envelope.subspan(
          kEnvelopeHeaderSize, envelope.size() - kEnvelopeHeaderSize - kEnvelopeMacSize);
      payload.reserve(declaredContentBytes(frame, options.maxPayloadBytes));
    }
    payload.insert(payload.end(), chunk.begin(), chunk.end());
    return {};
  };
  TW_TRY(openEnvelope(envelope, key, options, append));
  return payload;
}

}  // namespace tw::storage
