// Keys and HMAC-SHA256 through OpenSSL 3's EVP_MAC interface.
#include "tensorwasm/storage/key.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>

#include "tensorwasm/storage/digest.h"
#include "tensorwasm/storage/errors.h"

namespace tw::storage {

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

EVP_MAC* hmacAlgorithm() {
  // Fetched once: EVP_MAC_fetch walks the provider tables and is not free.
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (!mac) std::abort();
  return mac;
}

}  // namespace

Key::Key(const std::array<uint8_t, 32>& bytes) : bytes_(bytes) {
  Digest d = sha256(bytes_);
  fingerprint_ = toHex(std::span(d.bytes).first(8));
}

Key::~Key() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

Key Key::fromBytes(const std::array<uint8_t, 32>& bytes) { return Key(bytes); }

Result<Key> Key::fromHex(std::string_view hex) {
  if (hex.size() != 64) {
    return storageError(StorageErrc::BadKey,
                        "key must be 64 hex characters, got " + std::to_string(hex.size()));
  }
  std::array<uint8_t, 32> bytes{};
  for (size_t i = 0; i < 32; ++i) {
    int hi = hexValue(hex[2 * i]), lo = hexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return storageError(StorageErrc::BadKey, "key has a non-hex character at position " +
                                                   std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    }
    bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  Key key(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return key;
}

struct HmacSha256::State {
  EVP_MAC_CTX* ctx = nullptr;
  ~State() { EVP_MAC_CTX_free(ctx); }
};

HmacSha256::HmacSha256(const Key& key) : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MAC_CTX_new(hmacAlgorithm());
  char digestName[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digestName, 0),
      OSSL_PARAM_construct_end(),
  };
  if (!state_->ctx ||
      EVP_MAC_init(state_->ctx, key.bytes().data(), key.bytes().size(), params) != 1) {
    std::abort();
  }
}

HmacSha256::~HmacSha256() = default;

void HmacSha256::update(std::span<const uint8_t> bytes) {
  if (!bytes.empty() && EVP_MAC_update(state_->ctx, bytes.data(), bytes.size()) != 1) std::abort();
}

Mac HmacSha256::finish() {
  Mac mac{};
  size_t len = 0;
  if (EVP_MAC_final(state_->ctx, mac.data(), &len, mac.size()) != 1 || len != mac.size()) {
    std::abort();
  }
  return mac;
}

Mac hmacSha256(const Key& key, std::span<const uint8_t> bytes) {
  HmacSha256 h(key);
  h.update(bytes);
  return h.finish();
}

bool macEqual(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tw::storage
