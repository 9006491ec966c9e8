// zstd compression for envelopes, and decompression that never produces more than cap + 1
// bytes. Internal to the storage layer. Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tensorwasm/storage/envelope.h"
#include "tensorwasm/support/result.h"

namespace tw::storage {

// One complete zstd frame holding `payload` (content size recorded in the frame header).
Result<std::vector<uint8_t>> compressFrame(std::span<const uint8_t> payload, int level);

// Decompresses exactly one zstd frame filling all of `frame` and passes the output to `sink`
// in chunks. Output past `cap` bytes is TooLarge (the decoder is never asked for more than
// cap + 1 bytes); a corrupt or truncated frame, or bytes after it, is Decompression.
Result<uint64_t> decompressFrame(std::span<const uint8_t> frame, uint64_t cap,
                                 const PayloadSink& sink);

// The content size a frame's header declares, clamped to `cap`; 0 when it declares none.
// Untrusted unless the frame has been authenticated: use it only to size buffers.
uint64_t declaredContentBytes(std::span<const uint8_t> frame, uint64_t cap);

// The largest frame a payload of `payloadBytes` can compress to.
uint64_t maxFrameBytes(uint64_t payloadBytes);

}  // namespace tw::storage
