// zstd through its streaming interface, so decompression output can be capped chunk by chunk
// instead of trusting the content size a frame header claims.
#include "zstd_codec.h"

#include <zstd.h>

#include <algorithm>
#include <memory>
#include <string>

#include "tensorwasm/storage/errors.h"

namespace tw::storage {

namespace {

constexpr size_t kChunkBytes = 256 << 10;
constexpr size_t kMinChunkBytes = 4 << 10;
// The decoder refuses frames whose window is above 2^27 (128 MiB), zstd's own default limit,
// so a crafted frame header cannot make it allocate more.
constexpr int kMaxWindowLog = 27;

struct DctxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};
struct CctxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

Error zstdError(StorageErrc code, const char* what, size_t ret) {
  return storageError(code, std::string(what) + ": " + ZSTD_getErrorName(ret));
}

// Output buffer size: the frame's declared content size, untrusted and so only a hint, keeps
// small artifacts from paying for a large buffer.
size_t chunkBytesFor(std::span<const uint8_t> frame) {
  unsigned long long declared = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (declared == ZSTD_CONTENTSIZE_UNKNOWN || declared == ZSTD_CONTENTSIZE_ERROR) return kChunkBytes;
  return static_cast<size_t>(std::clamp<unsigned long long>(declared, kMinChunkBytes, kChunkBytes));
}

}  // namespace

uint64_t declaredContentBytes(std::span<const uint8_t> frame, uint64_t cap) {
  unsigned long long declared = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (declared == ZSTD_CONTENTSIZE_UNKNOWN || declared == ZSTD_CONTENTSIZE_ERROR) return 0;
  return std::min<uint64_t>(declared, cap);
}

uint64_t maxFrameBytes(uint64_t payloadBytes) {
  // ZSTD_compressBound's formula, in 64 bits: size + size/256 + a small margin for tiny inputs.
  return payloadBytes + (payloadBytes >> 8) + (128 << 10);
}

Result<std::vector<uint8_t>> compressFrame(std::span<const uint8_t> payload, int level) {
  std::unique_ptr<ZSTD_CCtx, CctxDeleter> cctx(ZSTD_createCCtx());
  if (!cctx) return storageError(StorageErrc::Internal, "zstd: cannot create a compressor");
  size_t ret = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  if (ZSTD_isError(ret)) return zstdError(StorageErrc::Internal, "zstd level", ret);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 0);  // the envelope has SHA-256
  std::vector<uint8_t> out(ZSTD_compressBound(payload.size()));
  ret = ZSTD_compress2(cctx.get(), out.data(), out.size(), payload.data(), payload.size());
  if (ZSTD_isError(ret)) return zstdError(StorageErrc::Internal, "zstd compress", ret);
  out.resize(ret);
  return out;
}

Result<uint64_t> decompressFrame(std::span<const uint8_t> frame, uint64_t cap,
                                 const PayloadSink& sink) {
  std::unique_ptr<ZSTD_DCtx, DctxDeleter> dctx(ZSTD_createDCtx());
  if (!dctx) return storageError(StorageErrc::Internal, "zstd: cannot create a decompressor");
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, kMaxWindowLog);
  const size_t chunkBytes = chunkBytesFor(frame);
  auto chunk = std::make_unique_for_overwrite<uint8_t[]>(chunkBytes);
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  uint64_t total = 0;
  for (;;) {
    uint64_t left = cap - total;  // total <= cap here; written so cap = UINT64_MAX cannot wrap
    size_t room = left >= chunkBytes ? chunkBytes : static_cast<size_t>(left + 1);
    ZSTD_outBuffer out{chunk.get(), room, 0};
    size_t ret = ZSTD_decompressStream(dctx.get(), &out, &in);
    if (ZSTD_isError(ret)) return zstdError(StorageErrc::Decompression, "corrupt frame", ret);
    total += out.pos;
    if (total > cap) {
      return storageError(StorageErrc::TooLarge,
                          "payload exceeds the cap of " + std::to_string(cap) + " bytes");
    }
    if (out.pos > 0) TW_TRY(sink(std::span<const uint8_t>(chunk.get(), out.pos)));
    if (ret == 0) break;  // the frame is complete and flushed
    if (in.pos == in.size && out.pos < room) {
      return storageError(StorageErrc::Decompression, "frame is truncated");
    }
  }
  if (in.pos != in.size) {
    return storageError(StorageErrc::Decompression,
                        std::to_string(in.size - in.pos) + " bytes after the zstd frame");
  }
  return total;
}

}  // namespace tw::storage
