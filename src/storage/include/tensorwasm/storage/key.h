// Secret keys (32 bytes, given as 64 hex characters) and HMAC-SHA256 over them.
// A Key wipes its bytes when destroyed. HmacSha256 is one streaming MAC computation
// (one per thread, not shared); macEqual compares in constant time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "tensorwasm/support/result.h"

namespace tw::storage {

using Mac = std::array<uint8_t, 32>;

class Key {
 public:
  // Exactly 64 hex characters (either case); anything else is BadKey, and the message never
  // echoes the text (it may be a mistyped secret).
  static Result<Key> fromHex(std::string_view hex);
  static Key fromBytes(const std::array<uint8_t, 32>& bytes);

  Key(const Key&) = default;
  Key& operator=(const Key&) = default;
  ~Key();

  const std::array<uint8_t, 32>& bytes() const { return bytes_; }
  // 16 hex characters of SHA-256(key)[0..8): names the key in file names without revealing it.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  explicit Key(const std::array<uint8_t, 32>& bytes);
  std::array<uint8_t, 32> bytes_;
  std::string fingerprint_;
};

class HmacSha256 {
 public:
  explicit HmacSha256(const Key& key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  void update(std::span<const uint8_t> bytes);
  // Ends the computation; the object must not be updated afterwards.
  Mac finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

Mac hmacSha256(const Key& key, std::span<const uint8_t> bytes);

// Constant-time equality (CRYPTO_memcmp): the time taken does not depend on where they differ.
bool macEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace tw::storage
