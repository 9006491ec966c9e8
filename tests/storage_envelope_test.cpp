// The artifact envelope in memory: round trips, every tamper class (bit flips in header, body
// and MAC, every truncation length, wrong key, other magic/version, corrupt frames, a zip bomb)
// and the error precedence of formats.md. A sink records whether any payload byte escaped.
#include <gtest/gtest.h>

#include <cstring>

#include "storage_test_util.h"
#include "tensorwasm/storage/digest.h"
#include "tensorwasm/storage/envelope.h"

namespace tw::storage::testing {
namespace {

// Opens through the streaming reader; `delivered` counts payload bytes handed out.
Result<uint64_t> openCounting(const Bytes& envelope, const Key& key, uint64_t& delivered,
                              OpenOptions options = {}) {
  delivered = 0;
  return openEnvelope(envelope, key, options, [&](std::span<const uint8_t> chunk) -> Result<void> {
    delivered += chunk.size();
    return {};
  });
}

Bytes headerFor(const Bytes& payload, std::string_view magic = kEnvelopeMagic,
                uint32_t version = kEnvelopeVersion) {
  Bytes h(magic.begin(), magic.end());
  for (int i = 0; i < 4; ++i) h.push_back(static_cast<uint8_t>(version >> (8 * i)));
  Digest d = sha256(payload);
  h.insert(h.end(), d.bytes.begin(), d.bytes.end());
  return h;
}

TEST(StorageDigest, TextFormAndParsing) {
  Digest empty = sha256({});
  EXPECT_EQ(empty.str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  auto parsed = Digest::parse(empty.str());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.value(), empty);
  EXPECT_STORAGE_ERRC(Digest::parse(empty.hex()), BadDigest);
  EXPECT_STORAGE_ERRC(Digest::parse("sha256:" + std::string(63, 'a')), BadDigest);
  std::string upper = empty.str();
  upper[10] = 'C';
  EXPECT_STORAGE_ERRC(Digest::parse(upper), BadDigest);
}

TEST(StorageKey, HexParsingAndFingerprint) {
  EXPECT_STORAGE_ERRC(Key::fromHex("00"), BadKey);
  EXPECT_STORAGE_ERRC(Key::fromHex(std::string(63, '0') + "g"), BadKey);
  auto err = Key::fromHex(std::string(63, '0') + "g");
  EXPECT_EQ(err.error().message.find(std::string(63, '0')), std::string::npos);  // no echo
  Key a = keyA();
  EXPECT_EQ(a.fingerprint().size(), 16u);
  EXPECT_EQ(a.fingerprint(), sha256(a.bytes()).hex().substr(0, 16));
  EXPECT_NE(a.fingerprint(), keyB().fingerprint());
  EXPECT_EQ(Key::fromHex(kKeyHexC)->fingerprint(),
            Key::fromHex(std::string(kKeyHexC).replace(0, 2, "5a"))->fingerprint());
}

TEST(StorageKey, HmacMatchesRfc4231Case2) {
  // RFC 4231 test case 2 uses a 4-byte key; HMAC pads keys, so "Jefe" + 28 zero bytes is the
  // same key to HMAC-SHA256.
  std::array<uint8_t, 32> raw{'J', 'e', 'f', 'e'};
  Key key = Key::fromBytes(raw);
  std::string msg = "what do ya want for nothing?";
  Mac mac = hmacSha256(key, std::span(reinterpret_cast<const uint8_t*>(msg.data()), msg.size()));
  EXPECT_EQ(toHex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(StorageEnvelope, RoundTripsOfSeveralSizes) {
  for (const Bytes& payload : {Bytes{}, Bytes{0x42}, patternBytes(1 << 20), randomBytes((1 << 20) + 7, 1)}) {
    auto sealed = sealEnvelope(payload, keyA());
    ASSERT_TRUE(sealed.ok());
    EXPECT_GE(sealed->size(), kEnvelopeMinSize);
    EXPECT_EQ(0, std::memcmp(sealed->data(), "twasm-artifact01\x02\0\0\0", 20));
    auto opened = openEnvelope(*sealed, keyA(), OpenOptions{kDefaultMaxPayloadBytes, sha256(payload)});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(opened.value(), payload);
  }
  // Compressible data shrinks, incompressible data grows only by the envelope and frame overhead.
  EXPECT_LT(sealEnvelope(patternBytes(1 << 20), keyA())->size(), 100000u);
  EXPECT_LT(sealEnvelope(randomBytes(1 << 20, 2), keyA())->size(), (1u << 20) + 200);
}

TEST(StorageEnvelope, EveryBitFlipIsNamedAndDeliversNothing) {
  Bytes sealed = sealEnvelope(randomBytes(1000, 8), keyA()).value();
  ASSERT_GT(sealed.size(), 1000u);
  for (size_t i = 0; i < sealed.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = sealed;
      bad[i] ^= static_cast<uint8_t>(1 << bit);
      uint64_t delivered = 0;
      auto r = openCounting(bad, keyA(), delivered);
      StorageErrc want = i < 16 ? StorageErrc::BadMagic
                         : i < 20 ? StorageErrc::BadVersion
                                  : StorageErrc::BadHmac;
      ASSERT_EQ(errcName(errcOf(r)), errcName(want)) << "byte " << i << " bit " << bit;
      ASSERT_EQ(delivered, 0u);
    }
  }
}

TEST(StorageEnvelope, EveryTruncationIsNamed) {
  Bytes sealed = sealEnvelope(patternBytes(5000), keyA()).value();
  for (size_t len = 0; len < sealed.size(); ++len) {
    Bytes cut(sealed.begin(), sealed.begin() + static_cast<ptrdiff_t>(len));
    uint64_t delivered = 0;
    auto r = openCounting(cut, keyA(), delivered);
    // Below 84 bytes: too short. Otherwise the cut lands in the body or the MAC, and in both
    // cases the trailer no longer matches what precedes it.
    StorageErrc want = len < kEnvelopeMinSize ? StorageErrc::TooShort : StorageErrc::BadHmac;
    ASSERT_EQ(errcName(errcOf(r)), errcName(want)) << "length " << len;
    ASSERT_EQ(delivered, 0u);
  }
}

TEST(StorageEnvelope, WrongKeyIsBadHmac) {
  Bytes sealed = sealEnvelope(Bytes{1, 2, 3}, keyA()).value();
  uint64_t delivered = 0;
  EXPECT_STORAGE_ERRC(openCounting(sealed, keyB(), delivered), BadHmac);
  EXPECT_EQ(delivered, 0u);
}

TEST(StorageEnvelope, OtherMagicOrVersionIsNamedEvenWithAValidMac) {
  Bytes payload = patternBytes(100);
  Bytes frame = [&] {
    Bytes s = sealEnvelope(payload, keyA()).value();
    return Bytes(s.begin() + kEnvelopeHeaderSize, s.end() - kEnvelopeMacSize);
  }();
  uint64_t delivered = 0;
  EXPECT_STORAGE_ERRC(openCounting(envelopeFrom(headerFor(payload, kEnvelopeMagic, 1), frame, keyA()),
                                   keyA(), delivered), BadVersion);
  EXPECT_STORAGE_ERRC(openCounting(envelopeFrom(headerFor(payload, kEnvelopeMagic, 3), frame, keyA()),
                                   keyA(), delivered), BadVersion);
  EXPECT_STORAGE_ERRC(openCounting(envelopeFrom(headerFor(payload, "twasm-artifact02"), frame, keyA()),
                                   keyA(), delivered), BadMagic);
  EXPECT_STORAGE_ERRC(openCounting(Bytes(100, 0), keyA(), delivered), BadMagic);
  EXPECT_EQ(delivered, 0u);
  // The control: the same parts with the right magic and version open.
  auto ok = openCounting(envelopeFrom(headerFor(payload), frame, keyA()), keyA(), delivered);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(delivered, payload.size());
}

TEST(StorageEnvelope, CorruptFramesUnderAValidMacAreDecompressionErrors) {
  Bytes payload = patternBytes(70000);
  Bytes sealed = sealEnvelope(payload, keyA()).value();
  Bytes frame(sealed.begin() + kEnvelopeHeaderSize, sealed.end() - kEnvelopeMacSize);
  Bytes header = headerFor(payload);
  uint64_t delivered = 0;

  Bytes cutFrame(frame.begin(), frame.end() - 5);
  EXPECT_STORAGE_ERRC(openCounting(envelopeFrom(header, cutFrame, keyA()), keyA(), delivered),
                      Decompression);
  Bytes trailing = frame;
  trailing.push_back(0);
  EXPECT_STORAGE_ERRC(openCounting(envelopeFrom(header, trailing, keyA()), keyA(), delivered),
                      Decompression);
  EXPECT_STORAGE_ERRC(openCounting(envelopeFrom(header, Bytes{}, keyA()), keyA(), delivered),
                      Decompression);
  EXPECT_STORAGE_ERRC(openCounting(envelopeFrom(header, randomBytes(500, 3), keyA()), keyA(), delivered),
                      Decompression);
  // The same corruptions without a valid MAC are BadHmac: the MAC is checked first.
  Bytes tampered = envelopeFrom(header, trailing, keyA());
  tampered.back() ^= 1;
  EXPECT_STORAGE_ERRC(openCounting(tampered, keyA(), delivered), BadHmac);
  EXPECT_EQ(delivered, 0u);
}

TEST(StorageEnvelope, DigestMismatchAgainstHeaderOrRequest) {
  Bytes payload = patternBytes(1000);
  Bytes sealed = sealEnvelope(payload, keyA()).value();
  Bytes wrongHeader = sealed;
  wrongHeader[30] ^= 0xff;
  uint64_t delivered = 0;
  EXPECT_STORAGE_ERRC(openCounting(resealed(wrongHeader, keyA()), keyA(), delivered), DigestMismatch);
  EXPECT_STORAGE_ERRC(openCounting(sealed, keyA(), delivered, OpenOptions{kDefaultMaxPayloadBytes, sha256(Bytes{1})}),
                      DigestMismatch);
  EXPECT_EQ(delivered, 0u);  // a request for another digest hands out nothing
}

TEST(StorageEnvelope, ZipBombStopsAtTheCap) {
  Bytes zeros(16 << 20, 0);
  Bytes bomb = sealEnvelope(zeros, keyA()).value();
  ASSERT_LT(bomb.size(), 4u << 10);  // a small blob ...
  const uint64_t cap = 1 << 20;       // ... that decompresses far past the cap
  uint64_t delivered = 0;
  EXPECT_STORAGE_ERRC(openCounting(bomb, keyA(), delivered, OpenOptions{cap, std::nullopt}), TooLarge);
  EXPECT_LE(delivered, cap);
  Bytes tampered = bomb;
  tampered[kEnvelopeHeaderSize + 10] ^= 0x40;
  EXPECT_STORAGE_ERRC(openCounting(tampered, keyA(), delivered, OpenOptions{cap, std::nullopt}), BadHmac);
  EXPECT_EQ(delivered, 0u);
  // Exactly at the cap is allowed; one byte over is not.
  Bytes atCap = sealEnvelope(Bytes(cap, 7), keyA()).value();
  EXPECT_TRUE(openCounting(atCap, keyA(), delivered, OpenOptions{cap, std::nullopt}).ok());
  EXPECT_STORAGE_ERRC(openCounting(atCap, keyA(), delivered, OpenOptions{cap - 1, std::nullopt}), TooLarge);
}

TEST(StorageEnvelope, SinkErrorStopsTheRead) {
  Bytes sealed = sealEnvelope(randomBytes(1 << 20, 4), keyA()).value();
  int calls = 0;
  auto r = openEnvelope(sealed, keyA(), {}, [&](std::span<const uint8_t>) -> Result<void> {
    ++calls;
    return makeError(ErrorKind::Io, "consumer closed");
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "consumer closed");
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace tw::storage::testing
