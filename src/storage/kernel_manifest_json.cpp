// The JSON form of kernel manifests: a strict reader for untrusted documents (every field
// typed and range-checked, digest and signature as hex text or the legacy arrays of 32
// integers) and the writer of the canonical form.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>

#include "tensorwasm/storage/kernel_manifest.h"

namespace tw::storage {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

Error fieldError(std::string_view field, std::string_view problem) {
  return kernelError(KernelErrc::InvalidManifest,
                     "field '" + std::string(field) + "': " + std::string(problem));
}

Result<const json*> member(const json& doc, const char* field) {
  auto it = doc.find(field);
  if (it == doc.end()) return fieldError(field, "missing");
  return &*it;
}

Result<std::string> stringField(const json& doc, const char* field) {
  TW_ASSIGN(const json* v, member(doc, field));
  if (!v->is_string()) return fieldError(field, "expected a string");
  return v->get<std::string>();
}

Result<uint64_t> unsignedField(const json& doc, const char* field, uint64_t max) {
  TW_ASSIGN(const json* v, member(doc, field));
  if (!v->is_number_unsigned() || v->get<uint64_t>() > max) {
    return fieldError(field, max == std::numeric_limits<uint32_t>::max()
                                 ? "expected an unsigned 32-bit integer"
                                 : "expected an unsigned 64-bit integer");
  }
  return v->get<uint64_t>();
}

// The earlier implementation's encoding: exactly 32 integers 0..255.
std::optional<std::array<uint8_t, 32>> byteArray(const json& v) {
  if (!v.is_array() || v.size() != 32) return std::nullopt;
  std::array<uint8_t, 32> out{};
  for (size_t i = 0; i < 32; ++i) {
    if (!v[i].is_number_unsigned() || v[i].get<uint64_t>() > 255) return std::nullopt;
    out[i] = static_cast<uint8_t>(v[i].get<uint64_t>());
  }
  return out;
}

Result<Digest> digestField(const json& doc) {
  TW_ASSIGN(const json* v, member(doc, "digest"));
  if (auto raw = byteArray(*v)) return Digest{*raw};
  if (v->is_string()) {
    if (Result<Digest> d = Digest::parse(v->get<std::string>()); d.ok()) return d;
  }
  return fieldError("digest", "expected \"sha256:\" and 64 lowercase hex characters, or 32 integers 0..255");
}

Result<Mac> signatureField(const json& doc) {
  TW_ASSIGN(const json* v, member(doc, "signature"));
  if (auto raw = byteArray(*v)) return Mac(*raw);
  std::string hex = v->is_string() ? v->get<std::string>() : std::string();
  std::transform(hex.begin(), hex.end(), hex.begin(), [](unsigned char c) { return std::tolower(c); });
  Result<Digest> bytes = Digest::fromHex(hex);  // any 32 bytes in hex; not a digest
  if (!bytes.ok()) return fieldError("signature", "expected 64 hex characters or 32 integers 0..255");
  return Mac(bytes->bytes);
}

Result<KernelManifest> fromJson(const json& doc) {
  KernelManifest m;
  TW_ASSIGN(m.name, stringField(doc, "name"));
  TW_ASSIGN(m.version, stringField(doc, "version"));
  TW_ASSIGN(uint64_t sm, unsignedField(doc, "sm_version", std::numeric_limits<uint32_t>::max()));
  m.smVersion = static_cast<uint32_t>(sm);
  TW_ASSIGN(m.digest, digestField(doc));
  TW_ASSIGN(m.signature, signatureField(doc));
  TW_ASSIGN(m.publishedUnixMs, unsignedField(doc, "published_unix_ms", std::numeric_limits<uint64_t>::max()));
  TW_ASSIGN(m.publisher, stringField(doc, "publisher"));
  TW_TRY(checkKernelManifest(m));
  return m;
}

}  // namespace

Result<KernelManifest> parseKernelManifest(std::string_view text) {
  if (text.size() > kMaxManifestBytes) {
    return kernelError(KernelErrc::InvalidManifest, "manifest is longer than 64 KiB");
  }
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return kernelError(KernelErrc::InvalidManifest, "manifest is not valid JSON");
  if (!doc.is_object()) return kernelError(KernelErrc::InvalidManifest, "manifest is not a JSON object");
  return fromJson(doc);
}

std::string kernelManifestJson(const KernelManifest& m) {
  ordered_json doc = ordered_json::object();
  doc["name"] = m.name;
  doc["version"] = m.version;
  doc["sm_version"] = m.smVersion;
  doc["digest"] = m.digest.str();
  doc["signature"] = toHex(m.signature);
  doc["published_unix_ms"] = m.publishedUnixMs;
  doc["publisher"] = m.publisher;
  return doc.dump();
}

}  // namespace tw::storage
