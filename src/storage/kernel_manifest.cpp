// Kernel manifest rules (names, semver), the signed-bytes layout, signing and verification.
// The JSON form is in kernel_manifest_json.cpp.
#include "tensorwasm/storage/kernel_manifest.h"

#include <algorithm>

namespace tw::storage {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlnum(char c) { return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// A numeric identifier of the version core: "0" or digits without a leading zero.
bool isNumber(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), isDigit) && (s.size() == 1 || s[0] != '0');
}

// Dot-separated identifiers of [0-9A-Za-z-]; in a pre-release, numeric ones have no leading 0.
bool isIdentifiers(std::string_view s, bool preRelease) {
  while (true) {
    size_t dot = s.find('.');
    std::string_view id = s.substr(0, dot);
    if (id.empty() || !std::all_of(id.begin(), id.end(), [](char c) { return isAlnum(c) || c == '-'; })) {
      return false;
    }
    if (preRelease && std::all_of(id.begin(), id.end(), isDigit) && !isNumber(id)) return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF): the JSON
// form must hold the publisher exactly as signed.
bool isUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
    uint8_t lead = byte(i);
    size_t len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = len == 1 ? lead : lead & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return false;
      cp = cp << 6 | (byte(i + k) & 0x3F);
    }
    constexpr uint32_t kMinOf[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinOf[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

void putU64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void putField(std::vector<uint8_t>& out, std::string_view bytes) {
  putU64(out, bytes.size());
  out.insert(out.end(), bytes.begin(), bytes.end());
}

std::span<const uint8_t> bytesOf(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

bool isKernelName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxKernelName &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return isAlnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool isSemver(std::string_view version) {
  if (version.empty() || version.size() > kMaxKernelVersion) return false;
  size_t plus = version.find('+');
  if (plus != std::string_view::npos && !isIdentifiers(version.substr(plus + 1), false)) return false;
  std::string_view rest = version.substr(0, plus);
  size_t dash = rest.find('-');
  if (dash != std::string_view::npos && !isIdentifiers(rest.substr(dash + 1), true)) return false;
  std::string_view core = rest.substr(0, dash);
  if (std::count(core.begin(), core.end(), '.') != 2) return false;
  size_t a = core.find('.'), b = core.find('.', a + 1);
  return isNumber(core.substr(0, a)) && isNumber(core.substr(a + 1, b - a - 1)) &&
         isNumber(core.substr(b + 1));
}

Result<void> checkKernelManifest(const KernelManifest& m) {
  if (!isKernelName(m.name)) {
    return kernelError(KernelErrc::InvalidManifest, "field 'name': expected 1..128 characters of [A-Za-z0-9._-]");
  }
  if (!isSemver(m.version)) {
    return kernelError(KernelErrc::InvalidManifest, "field 'version': expected a semantic version such as 1.2.0");
  }
  if (m.publisher.size() > kMaxPublisher || !isUtf8(m.publisher)) {
    return kernelError(KernelErrc::InvalidManifest, "field 'publisher': expected at most 256 bytes of UTF-8");
  }
  return {};
}

std::vector<uint8_t> kernelSignedBytes(const KernelManifest& m) {
  std::vector<uint8_t> out(kKernelManifestMagic.begin(), kKernelManifestMagic.end());
  out.reserve(out.size() + 6 * 8 + m.name.size() + m.version.size() + m.publisher.size() + 44);
  putField(out, m.name);
  putField(out, m.version);
  putField(out, m.publisher);
  putU64(out, 8);
  putU64(out, m.publishedUnixMs);
  putU64(out, 4);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(m.smVersion >> (8 * i)));
  putU64(out, 32);
  out.insert(out.end(), m.digest.bytes.begin(), m.digest.bytes.end());
  return out;
}

Result<void> verifyKernelSignature(const KernelManifest& m, const Key& key) {
  Mac expected = hmacSha256(key, kernelSignedBytes(m));
  if (!macEqual(expected, m.signature)) {
    return kernelError(KernelErrc::BadSignature,
                       "the signature of " + m.name + "@" + m.version + " does not verify under the registry key");
  }
  return {};
}

Result<void> checkKernelDigest(const KernelManifest& m, std::string_view ptx) {
  if (sha256(bytesOf(ptx)) != m.digest) {
    return kernelError(KernelErrc::DigestMismatch,
                       "the PTX text does not hash to the manifest's digest " + m.digest.str());
  }
  return {};
}

Result<KernelManifest> signKernel(const KernelClaim& claim, std::string_view ptx, const Key& key) {
  KernelManifest m;
  m.name = claim.name;
  m.version = claim.version;
  m.smVersion = claim.smVersion;
  m.publisher = claim.publisher;
  m.publishedUnixMs = claim.publishedUnixMs;
  TW_TRY(checkKernelManifest(m));
  m.digest = sha256(bytesOf(ptx));
  m.signature = hmacSha256(key, kernelSignedBytes(m));
  return m;
}

}  // namespace tw::storage
