// Kernel manifests of the signed registry (formats.md, "Kernel manifests"): what a published
// kernel claims (name, semver version, target sm_version, the SHA-256 of its PTX text, who
// published it and when) and the HMAC-SHA256 signature binding those claims to the registry
// key. The signed bytes give every field a length prefix, so no two different manifests sign
// the same bytes:
//   "twasm-kmf-v3"  u64(len) name  u64(len) version  u64(len) publisher
//   u64(8) published_unix_ms(u64)  u64(4) sm_version(u32)  u64(32) digest(32 raw bytes)
// (integers little-endian). The JSON form has the fields name, version, sm_version, digest
// ("sha256:<hex>"), signature (64 hex), published_unix_ms and publisher; readers also accept
// digest and signature as arrays of 32 integers (the earlier implementation's encoding).
// Every refusal is a KernelErrc (kernel_errors.h) whose message names the field at fault.
// Thread-safety: plain functions over caller-owned values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tensorwasm/storage/digest.h"
#include "tensorwasm/storage/kernel_errors.h"
#include "tensorwasm/storage/key.h"
#include "tensorwasm/support/result.h"

namespace tw::storage {

inline constexpr std::string_view kKernelManifestMagic = "twasm-kmf-v3";
// Registry names and versions are at most this long; publishers at most kMaxPublisher.
inline constexpr size_t kMaxKernelName = 128;
inline constexpr size_t kMaxKernelVersion = 128;
inline constexpr size_t kMaxPublisher = 256;
// A manifest document longer than this is refused before it is parsed.
inline constexpr size_t kMaxManifestBytes = 64u << 10;

struct KernelManifest {
  std::string name;              // [A-Za-z0-9._-]{1,128}, e.g. "matmul.f32"
  std::string version;           // semver 2.0.0, e.g. "1.2.0-rc.1"
  uint32_t smVersion = 0;        // target compute capability, e.g. 90
  Digest digest;                 // SHA-256 of the PTX text's UTF-8 bytes
  Mac signature{};               // HMAC-SHA256(registry key, kernelSignedBytes(*this))
  uint64_t publishedUnixMs = 0;
  std::string publisher;         // at most 256 bytes of UTF-8; may be empty

  friend bool operator==(const KernelManifest&, const KernelManifest&) = default;
};

// What a publisher states about a kernel; signKernel adds the digest and signature.
struct KernelClaim {
  std::string name;
  std::string version;
  uint32_t smVersion = 0;
  std::string publisher;
  uint64_t publishedUnixMs = 0;
};

// Whether `name` is a registry name: 1..128 characters of [A-Za-z0-9._-].
bool isKernelName(std::string_view name);
// Whether `version` is a semantic version (semver.org 2.0.0) of at most 128 characters.
bool isSemver(std::string_view version);

// Checks the fields a parser cannot (name, version, publisher text): InvalidManifest naming
// the field.
Result<void> checkKernelManifest(const KernelManifest& manifest);

// Parses an untrusted JSON manifest. InvalidManifest names the missing or malformed field;
// unknown fields are ignored (they are not signed). The signature is not checked here.
Result<KernelManifest> parseKernelManifest(std::string_view json);

// The manifest as JSON in the field order above, digest and signature as hex text.
std::string kernelManifestJson(const KernelManifest& manifest);

// The bytes the signature covers (layout above).
std::vector<uint8_t> kernelSignedBytes(const KernelManifest& manifest);

// BadSignature unless `manifest.signature` is the registry key's MAC of its signed bytes
// (constant-time comparison).
Result<void> verifyKernelSignature(const KernelManifest& manifest, const Key& key);

// DigestMismatch unless `ptx` hashes to `manifest.digest`.
Result<void> checkKernelDigest(const KernelManifest& manifest, std::string_view ptx);

// A signed manifest for `ptx`: the claim's fields, the PTX's digest, and the signature under
// `key`. InvalidManifest when the claim's name, version or publisher is not acceptable.
Result<KernelManifest> signKernel(const KernelClaim& claim, std::string_view ptx, const Key& key);

}  // namespace tw::storage
