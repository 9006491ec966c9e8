// Names and construction of the storage layer's typed errors.
#include "tensorwasm/storage/errors.h"

namespace tw::storage {

const char* storageErrcName(StorageErrc code) {
  switch (code) {
    case StorageErrc::NotFound: return "not-found";
    case StorageErrc::TooShort: return "too-short";
    case StorageErrc::BadMagic: return "bad-magic";
    case StorageErrc::BadVersion: return "bad-version";
    case StorageErrc::BadHmac: return "bad-hmac";
    case StorageErrc::Decompression: return "decompression";
    case StorageErrc::TooLarge: return "too-large";
    case StorageErrc::DigestMismatch: return "digest-mismatch";
    case StorageErrc::BadKey: return "bad-key";
    case StorageErrc::BadDigest: return "bad-digest";
    case StorageErrc::Io: return "io";
    case StorageErrc::Internal: return "internal";
  }
  return "unknown";
}

Error storageError(StorageErrc code, std::string message) {
  Error e = makeError(ErrorKind::Storage, std::string(storageErrcName(code)) + ": " + message);
  e.code = static_cast<int32_t>(code);
  return e;
}

StorageErrc storageErrc(const Error& error) {
  constexpr int32_t kFirst = static_cast<int32_t>(StorageErrc::NotFound);
  constexpr int32_t kLast = static_cast<int32_t>(StorageErrc::Internal);
  if (error.kind != ErrorKind::Storage || error.code < kFirst || error.code > kLast) {
    return StorageErrc::Internal;
  }
  return static_cast<StorageErrc>(error.code);
}

}  // namespace tw::storage
