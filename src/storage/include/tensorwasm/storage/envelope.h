// The artifact envelope (formats.md, "Artifact envelope"): one stored blob.
//   [0..16)    magic "twasm-artifact01"
//   [16..20)   u32 version = 2 (little-endian)
//   [20..52)   SHA-256 of the uncompressed payload
//   [52..N-32) zstd frame of the payload
//   [N-32..N)  HMAC-SHA256(key, bytes [0..N-32))
// Opening checks, in this order: length (TooShort), magic (BadMagic), version (BadVersion), the
// MAC over the whole body with a constant-time compare (BadHmac), the header digest against the
// requested one (DigestMismatch), decompression under an output cap (Decompression, TooLarge),
// and the payload's digest against the header (DigestMismatch). Nothing is decompressed or
// parsed, and no payload byte reaches a sink, before the MAC has verified.
// Thread-safety: plain functions over caller-owned bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "tensorwasm/storage/digest.h"
#include "tensorwasm/storage/key.h"
#include "tensorwasm/support/result.h"

namespace tw::storage {

inline constexpr std::string_view kEnvelopeMagic = "twasm-artifact01";
inline constexpr uint32_t kEnvelopeVersion = 2;
inline constexpr size_t kEnvelopeHeaderSize = 52;
inline constexpr size_t kEnvelopeMacSize = 32;
inline constexpr size_t kEnvelopeMinSize = kEnvelopeHeaderSize + kEnvelopeMacSize;  // 84
inline constexpr uint64_t kDefaultMaxPayloadBytes = (256ull << 20) + (8ull << 10);
inline constexpr int kDefaultCompressionLevel = 3;

// Receives an authenticated payload chunk by chunk; an error it returns stops the read.
// Chunks have passed the MAC but the payload digest is checked only at the end: a caller that
// streams must discard what it received when the read returns an error.
using PayloadSink = std::function<Result<void>(std::span<const uint8_t>)>;

struct OpenOptions {
  // A payload longer than this is TooLarge; at most maxPayloadBytes + 1 bytes are decompressed.
  uint64_t maxPayloadBytes = kDefaultMaxPayloadBytes;
  // When set, the header digest (and so the payload) must equal it, else DigestMismatch.
  std::optional<Digest> expected;
};

// Compresses `payload` with zstd at `level` and wraps it in a MAC'd envelope.
Result<std::vector<uint8_t>> sealEnvelope(std::span<const uint8_t> payload, const Key& key,
                                          int level = kDefaultCompressionLevel);

// Verifies an in-memory envelope and hands its payload to `sink`; returns the payload length.
Result<uint64_t> openEnvelope(std::span<const uint8_t> envelope, const Key& key,
                              const OpenOptions& options, const PayloadSink& sink);

// Verifies an in-memory envelope and returns its whole payload.
Result<std::vector<uint8_t>> openEnvelope(std::span<const uint8_t> envelope, const Key& key,
                                          const OpenOptions& options = {});

// Reads and verifies the envelope in a file. The compressed bytes are read once, into memory,
// while the MAC is computed over them, so a file changed during the read cannot slip
// unauthenticated bytes past the check. A file too large to hold a payload within the cap is
// still MAC-checked (streamed) so that BadHmac takes precedence over TooLarge.
Result<uint64_t> openEnvelopeFile(const std::filesystem::path& path, const Key& key,
                                  const OpenOptions& options, const PayloadSink& sink);

// The header digest of an envelope file, after checking its length, magic, version and MAC
// (streamed, in constant memory); nothing is decompressed.
Result<Digest> verifyEnvelopeFile(const std::filesystem::path& path, const Key& key);

}  // namespace tw::storage
