// The steps of opening an envelope, shared by the in-memory and file readers. Internal to the
// storage layer. Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tensorwasm/storage/envelope.h"
#include "tensorwasm/support/result.h"

namespace tw::storage {

// Magic and version: the bytes checkEnvelopePrefix looks at.
inline constexpr size_t kEnvelopePrefixSize = 20;

// TooShort when totalSize < 84, else BadMagic / BadVersion from the first 20 bytes.
Result<void> checkEnvelopePrefix(std::span<const uint8_t> prefix, uint64_t totalSize);

// BadHmac unless the trailer is the MAC of everything before it (size >= 84 already checked).
Result<void> checkEnvelopeMac(std::span<const uint8_t> envelope, const Key& key);

// The payload digest recorded in the header of an envelope of at least 84 bytes.
Digest headerDigest(std::span<const uint8_t> envelope);

// sealEnvelope for a caller that already knows the payload's digest.
Result<std::vector<uint8_t>> sealWithDigest(std::span<const uint8_t> payload, const Digest& digest,
                                            const Key& key, int level);

// Everything after the MAC: requested digest, capped decompression, payload digest. Only for
// envelopes whose prefix and MAC have been checked.
Result<uint64_t> openAuthenticated(std::span<const uint8_t> envelope, const OpenOptions& options,
                                   const PayloadSink& sink);

}  // namespace tw::storage
