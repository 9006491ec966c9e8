// Kernel manifests (formats.md, "Kernel manifests"): the exact signed-bytes layout, signing and
// verification (every field changed, a flipped signature bit and another key all refused),
// the JSON form both ways including the legacy arrays of 32 integers, and the parser's typed
// refusals naming the field at fault.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "kernel_test_util.h"

namespace {

using namespace tw;
using namespace tw::storage;
using namespace tw::storage::testing;
using nlohmann::json;

const std::string kPtx = ptxText("vadd");

std::vector<uint8_t> le(uint64_t v, int n) {
  std::vector<uint8_t> out;
  for (int i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return out;
}

TEST(StorageKernelManifest, SignedBytesFollowTheSpecLayout) {
  KernelManifest m = signedManifest("mm", "1.0.0", 90, kPtx, keyB(), "pub");
  std::vector<uint8_t> want;
  auto add = [&](std::vector<uint8_t> b) { want.insert(want.end(), b.begin(), b.end()); };
  auto text = [](std::string_view s) { return std::vector<uint8_t>(s.begin(), s.end()); };
  add(text("twasm-kmf-v3"));
  add(le(2, 8)), add(text("mm"));
  add(le(5, 8)), add(text("1.0.0"));
  add(le(3, 8)), add(text("pub"));
  add(le(8, 8)), add(le(1700000000123, 8));
  add(le(4, 8)), add(le(90, 4));
  add(le(32, 8)), add(std::vector<uint8_t>(m.digest.bytes.begin(), m.digest.bytes.end()));
  EXPECT_EQ(kernelSignedBytes(m), want);
  EXPECT_EQ(m.signature, hmacSha256(keyB(), want));
  EXPECT_EQ(m.digest, sha256(std::span(reinterpret_cast<const uint8_t*>(kPtx.data()), kPtx.size())));
}

TEST(StorageKernelManifest, LengthPrefixesKeepFieldBoundaries) {
  KernelManifest a = signedManifest("ab", "1.0.0", 90, kPtx, keyB(), "c");
  KernelManifest b = a;
  b.name = "a";
  b.publisher = "bc";  // same concatenation "ab" + ... + "c" without prefixes
  EXPECT_NE(kernelSignedBytes(a), kernelSignedBytes(b));
}

TEST(StorageKernelManifest, EveryChangedFieldBreaksTheSignature) {
  const KernelManifest good = signedManifest("matmul.f32", "1.2.0", 90, kPtx, keyB());
  ASSERT_TRUE(verifyKernelSignature(good, keyB()).ok());
  std::vector<std::pair<const char*, std::function<void(KernelManifest&)>>> changes = {
      {"name", [](KernelManifest& m) { m.name = "matmul.f64"; }},
      {"version", [](KernelManifest& m) { m.version = "1.2.1"; }},
      {"sm_version", [](KernelManifest& m) { m.smVersion = 80; }},
      {"digest", [](KernelManifest& m) { m.digest.bytes[31] ^= 1; }},
      {"published_unix_ms", [](KernelManifest& m) { m.publishedUnixMs += 1; }},
      {"publisher", [](KernelManifest& m) { m.publisher = "mallory"; }},
      {"signature", [](KernelManifest& m) { m.signature[0] ^= 0x80; }},
  };
  for (auto& [field, change] : changes) {
    KernelManifest m = good;
    change(m);
    EXPECT_EQ(kernelErrcOf(verifyKernelSignature(m, keyB())), "bad_signature") << field;
  }
  EXPECT_EQ(kernelErrcOf(verifyKernelSignature(good, keyA())), "bad_signature") << "another key";
}

TEST(StorageKernelManifest, DigestMustMatchThePtx) {
  KernelManifest m = signedManifest("k", "1.0.0", 90, kPtx, keyB());
  EXPECT_EQ(kernelErrcOf(checkKernelDigest(m, kPtx)), "ok");
  EXPECT_EQ(kernelErrcOf(checkKernelDigest(m, kPtx + " ")), "digest_mismatch");
  EXPECT_EQ(kernelErrcOf(checkKernelDigest(m, "")), "digest_mismatch");
}

TEST(StorageKernelManifest, JsonRoundTripsInSpecFieldOrder) {
  KernelManifest m = signedManifest("matmul.f32", "2.0.0-rc.1+b7", 86, kPtx, keyB(), "Zoë");
  std::string text = kernelManifestJson(m);
  json doc = json::parse(text);
  std::vector<std::string> keys;
  for (auto& [k, v] : doc.items()) keys.push_back(k);
  // nlohmann's json sorts keys, so read the order from the text itself.
  std::vector<std::string> order = {"name", "version", "sm_version", "digest", "signature", "published_unix_ms", "publisher"};
  size_t at = 0;
  for (const std::string& k : order) {
    size_t pos = text.find("\"" + k + "\"");
    ASSERT_NE(pos, std::string::npos) << k;
    EXPECT_GE(pos, at) << k;
    at = pos;
  }
  EXPECT_EQ(keys.size(), 7u);
  EXPECT_EQ(doc["digest"], m.digest.str());
  EXPECT_EQ(doc["signature"], toHex(m.signature));
  Result<KernelManifest> back = parseKernelManifest(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back.value(), m);
  EXPECT_TRUE(verifyKernelSignature(back.value(), keyB()).ok());
}

TEST(StorageKernelManifest, LegacyArraysAndUppercaseSignatureAreAccepted) {
  KernelManifest m = signedManifest("legacy", "0.1.0", 75, kPtx, keyB());
  json doc = json::parse(kernelManifestJson(m));
  doc["digest"] = std::vector<int>(m.digest.bytes.begin(), m.digest.bytes.end());
  doc["signature"] = std::vector<int>(m.signature.begin(), m.signature.end());
  Result<KernelManifest> arrays = parseKernelManifest(doc.dump());
  ASSERT_TRUE(arrays.ok()) << arrays.error().message;
  EXPECT_EQ(arrays.value(), m);
  std::string upper = toHex(m.signature);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  doc["signature"] = upper;
  Result<KernelManifest> hex = parseKernelManifest(doc.dump());
  ASSERT_TRUE(hex.ok()) << hex.error().message;
  EXPECT_EQ(hex.value(), m);
}

TEST(StorageKernelManifest, MalformedFieldsAreTypedErrorsNamingTheField) {
  KernelManifest m = signedManifest("k", "1.0.0", 90, kPtx, keyB());
  const json good = json::parse(kernelManifestJson(m));
  std::vector<std::pair<std::string, json>> cases = {
      {"name", "has space"}, {"name", ""}, {"name", std::string(129, 'a')}, {"name", "a/b"}, {"name", 7},
      {"version", "1.0"}, {"version", "01.0.0"}, {"version", "1.0.0-01"}, {"version", "1.0.0+"},
      {"version", "1.0.0-"}, {"version", "v1.0.0"}, {"version", "1..0"}, {"version", "1.0.0.0"},
      {"sm_version", -1}, {"sm_version", 4294967296ull}, {"sm_version", 90.5}, {"sm_version", "90"},
      {"digest", "sha256:" + std::string(64, 'A')}, {"digest", std::string(64, 'a')}, {"digest", json::array()},
      {"digest", std::vector<int>(31, 1)}, {"digest", std::vector<int>(32, 256)},
      {"signature", std::string(63, 'a')}, {"signature", std::string(64, 'g')}, {"signature", 1},
      {"signature", std::vector<int>(33, 0)},
      {"published_unix_ms", -5}, {"published_unix_ms", 1.5}, {"published_unix_ms", nullptr},
      {"publisher", std::string(257, 'p')}, {"publisher", json::object()},
  };
  for (auto& [field, value] : cases) {
    json doc = good;
    doc[field] = value;
    Result<KernelManifest> r = parseKernelManifest(doc.dump());
    EXPECT_EQ(kernelErrcOf(r), "invalid_manifest") << field << " = " << value.dump();
    if (!r.ok()) EXPECT_NE(r.error().message.find("'" + field + "'"), std::string::npos) << r.error().message;
    doc.erase(field);
    r = parseKernelManifest(doc.dump());
    ASSERT_FALSE(r.ok()) << "missing " << field;
    EXPECT_NE(r.error().message.find("field '" + field + "': missing"), std::string::npos) << r.error().message;
  }
  for (std::string text : std::vector<std::string>{"", "{", "[]", "null", "\"x\"", std::string(kMaxManifestBytes + 1, ' ')}) {
    EXPECT_EQ(kernelErrcOf(parseKernelManifest(text)), "invalid_manifest") << text.substr(0, 10);
  }
}

TEST(StorageKernelManifest, SemverAndNameRules) {
  for (const char* v : {"0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7",
                        "1.0.0-x.7.z.92", "1.0.0-x-y-z.--", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85",
                        "1.0.0+21AF26D3----117B344092BD"}) {
    EXPECT_TRUE(isSemver(v)) << v;
  }
  for (const char* v : {"", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03", "1.2.3-", "1.2.3+", "1.2.3-a..b",
                        "1.2.3-01", "1.2.3-a_b", "a.b.c", " 1.2.3", "1.2.3 ", "-1.2.3"}) {
    EXPECT_FALSE(isSemver(v)) << v;
  }
  EXPECT_FALSE(isSemver("1.0.0-" + std::string(123, 'a')));
  EXPECT_TRUE(isSemver("1.0.0-" + std::string(122, 'a')));
  EXPECT_TRUE(isKernelName("matmul.f32"));
  EXPECT_TRUE(isKernelName("A-z_0.9"));
  EXPECT_TRUE(isKernelName(std::string(128, 'k')));
  EXPECT_FALSE(isKernelName(std::string(129, 'k')));
  EXPECT_FALSE(isKernelName("k@1"));
  EXPECT_FALSE(isKernelName("naïve"));
}

TEST(StorageKernelManifest, SignKernelRefusesBadClaims) {
  KernelClaim claim{"ok", "1.0.0", 90, "p", 1};
  EXPECT_EQ(kernelErrcOf(signKernel(claim, kPtx, keyB())), "ok");
  claim.name = "not ok";
  EXPECT_EQ(kernelErrcOf(signKernel(claim, kPtx, keyB())), "invalid_manifest");
  claim = {"ok", "1.0", 90, "p", 1};
  EXPECT_EQ(kernelErrcOf(signKernel(claim, kPtx, keyB())), "invalid_manifest");
  claim = {"ok", "1.0.0", 90, std::string("\xff\xfe", 2), 1};
  EXPECT_EQ(kernelErrcOf(signKernel(claim, kPtx, keyB())), "invalid_manifest");
  claim.publisher = "\xed\xa0\x80";  // a UTF-16 surrogate encoded in UTF-8
  EXPECT_EQ(kernelErrcOf(signKernel(claim, kPtx, keyB())), "invalid_manifest");
}

TEST(StorageKernelManifest, ErrorNamesMatchTheHttpApi) {
  EXPECT_STREQ(name(KernelErrc::PublisherNotAllowed), "publisher_not_allowed");
  EXPECT_STREQ(name(KernelErrc::DigestMismatch), "digest_mismatch");
  EXPECT_STREQ(name(KernelErrc::BadSignature), "bad_signature");
  EXPECT_STREQ(name(KernelErrc::AlreadyRegistered), "already_registered");
  EXPECT_FALSE(kernelErrc(storageError(StorageErrc::BadHmac, "x")).has_value());
  EXPECT_FALSE(kernelErrc(makeError(ErrorKind::Usage, "x")).has_value());
  Error e = kernelError(KernelErrc::BadSignature, "why");
  EXPECT_EQ(e.message, "bad_signature: why");
  EXPECT_EQ(kernelErrc(e), KernelErrc::BadSignature);
}

}  // namespace
