// Errors of the storage layer: tw::Error of kind Storage with a StorageErrc in `code`, so a
// caller can tell a missing artifact from a tampered one without parsing messages.
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <string>

#include "tensorwasm/support/result.h"

namespace tw::storage {

enum class StorageErrc : int32_t {
  NotFound = 1,       // no blob for this digest under any accepted key
  TooShort = 2,       // envelope shorter than 84 bytes
  BadMagic = 3,       // envelope does not start with "twasm-artifact01"
  BadVersion = 4,     // envelope version other than 2
  BadHmac = 5,        // the MAC trailer does not verify under the key
  Decompression = 6,  // the authenticated zstd frame is corrupt, truncated or has trailing bytes
  TooLarge = 7,       // the payload would exceed the store's output cap
  DigestMismatch = 8, // payload digest differs from the header's or from the requested one
  BadKey = 9,         // a key is not 64 hex characters
  BadDigest = 10,     // a digest string is not "sha256:" + 64 lowercase hex characters
  Io = 11,            // the file system refused (message names the path and errno text)
  Internal = 12,      // OpenSSL or zstd failed to set up (out of memory)
};

// "bad-hmac", "too-large", ...: stable names for logs and tests.
const char* storageErrcName(StorageErrc code);

// An Error of kind Storage; the message is prefixed with the code's name.
Error storageError(StorageErrc code, std::string message);

// The StorageErrc of an Error from this layer (Internal for errors of other kinds).
StorageErrc storageErrc(const Error& error);

}  // namespace tw::storage
