// SHA-256 digests as the project writes them: "sha256:<64 lowercase hex>" (OCI style).
// Digest is a plain value; Sha256 is a streaming hasher (one per thread, not shared).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "tensorwasm/support/result.h"

namespace tw::storage {

struct Digest {
  std::array<uint8_t, 32> bytes{};

  // 64 lowercase hex characters.
  std::string hex() const;
  // "sha256:" + hex().
  std::string str() const;
  // Accepts exactly "sha256:" + 64 lowercase hex; anything else is BadDigest.
  static Result<Digest> parse(std::string_view text);
  // Accepts exactly 64 lowercase hex characters (the form used in file names).
  static Result<Digest> fromHex(std::string_view hex);

  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;
};

// Incremental SHA-256 (OpenSSL EVP, hardware-accelerated where the CPU has SHA extensions).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(std::span<const uint8_t> bytes);
  // Ends the hash; the hasher must not be updated afterwards.
  Digest finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

Digest sha256(std::span<const uint8_t> bytes);

// Lowercase hex of arbitrary bytes.
std::string toHex(std::span<const uint8_t> bytes);

}  // namespace tw::storage
