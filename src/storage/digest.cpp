// SHA-256 through OpenSSL's EVP interface, and the "sha256:<hex>" text form.
#include "tensorwasm/storage/digest.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "tensorwasm/storage/errors.h"

namespace tw::storage {

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string toHex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

std::string Digest::hex() const { return toHex(bytes); }

std::string Digest::str() const { return "sha256:" + hex(); }

Result<Digest> Digest::fromHex(std::string_view hex) {
  Digest d;
  if (hex.size() != 64) {
    return storageError(StorageErrc::BadDigest, "digest must be 64 lowercase hex characters");
  }
  for (size_t i = 0; i < 32; ++i) {
    int hi = hexValue(hex[2 * i]), lo = hexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return storageError(StorageErrc::BadDigest, "digest must be 64 lowercase hex characters");
    }
    d.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return d;
}

Result<Digest> Digest::parse(std::string_view text) {
  constexpr std::string_view kPrefix = "sha256:";
  if (!text.starts_with(kPrefix)) {
    return storageError(StorageErrc::BadDigest, "digest must start with \"sha256:\"");
  }
  return fromHex(text.substr(kPrefix.size()));
}

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
  ~State() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  // Failure here means OpenSSL could not allocate a few bytes: nothing sensible remains to do.
  if (!state_->ctx || EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr) != 1) std::abort();
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::span<const uint8_t> bytes) {
  if (!bytes.empty() && EVP_DigestUpdate(state_->ctx, bytes.data(), bytes.size()) != 1) std::abort();
}

Digest Sha256::finish() {
  Digest d;
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(state_->ctx, d.bytes.data(), &len) != 1 || len != 32) std::abort();
  return d;
}

Digest sha256(std::span<const uint8_t> bytes) {
  Sha256 h;
  h.update(bytes);
  return h.finish();
}

}  // namespace tw::storage
