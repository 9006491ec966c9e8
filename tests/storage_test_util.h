// Shared helpers for the storage tests: a temp directory, fixed keys, deterministic payloads,
// and envelope surgery (re-sealing altered bytes with a valid MAC).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "tensorwasm/storage/artifact_store.h"
#include "tensorwasm/storage/envelope.h"
#include "tensorwasm/storage/errors.h"

namespace tw::storage::testing {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

inline constexpr char kKeyHexA[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
inline constexpr char kKeyHexB[] =
    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
inline constexpr char kKeyHexC[] =
    "5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A";

inline Key keyA() { return Key::fromHex(kKeyHexA).value(); }
inline Key keyB() { return Key::fromHex(kKeyHexB).value(); }
inline Key keyC() { return Key::fromHex(kKeyHexC).value(); }

// A fresh directory under /tmp, removed with everything in it at destruction.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/tw_storage_XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Random bytes (incompressible) from a fixed seed.
inline Bytes randomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (size_t i = 0; i < n; i += 4) {
    uint32_t word = rng();
    std::memcpy(out.data() + i, &word, std::min<size_t>(4, n - i));
  }
  return out;
}

// Compressible bytes: a short repeating text with the index mixed in now and then.
inline Bytes patternBytes(size_t n) {
  Bytes out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>("tensorwasm "[i % 11] ^ (i >> 12));
  return out;
}

inline Bytes readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

inline void writeFile(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Replaces the MAC trailer with a valid one, so a test reaches the checks after the MAC.
inline Bytes resealed(Bytes envelope, const Key& key) {
  size_t body = envelope.size() - kEnvelopeMacSize;
  Mac mac = hmacSha256(key, std::span(envelope).first(body));
  std::copy(mac.begin(), mac.end(), envelope.begin() + static_cast<ptrdiff_t>(body));
  return envelope;
}

// Builds an envelope from raw parts with a valid MAC.
inline Bytes envelopeFrom(const Bytes& header, const Bytes& frame, const Key& key) {
  Bytes out = header;
  out.insert(out.end(), frame.begin(), frame.end());
  out.resize(out.size() + kEnvelopeMacSize);
  return resealed(out, key);
}

// The StorageErrc of a failed result, or a test failure if it succeeded.
template <typename T>
StorageErrc errcOf(const Result<T>& result) {
  if (result.ok()) {
    ADD_FAILURE() << "expected an error, got success";
    return StorageErrc::Internal;
  }
  EXPECT_EQ(result.error().kind, ErrorKind::Storage) << result.error().message;
  return storageErrc(result.error());
}

inline std::string errcName(StorageErrc code) { return storageErrcName(code); }

}  // namespace tw::storage::testing

// Expects `result` to have failed with exactly this StorageErrc (compared by name, so a
// failure prints "bad-hmac" vs "too-large" rather than numbers).
#define EXPECT_STORAGE_ERRC(result, errc)                                          \
  EXPECT_EQ(::tw::storage::testing::errcName(::tw::storage::testing::errcOf(result)), \
            ::tw::storage::storageErrcName(::tw::storage::StorageErrc::errc))
