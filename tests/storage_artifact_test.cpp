// The artifact store on disk: round trips, idempotent puts, listing that ignores foreign and
// temp files, sidecars, key rotation, and tampered or truncated blob files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "storage_test_util.h"

namespace tw::storage::testing {
namespace {

StoreOptions optionsFor(const fs::path& dir, Key write, std::vector<Key> read = {}) {
  StoreOptions options(dir, std::move(write));
  options.readKeys = std::move(read);
  return options;
}

ArtifactStore openStore(StoreOptions options) {
  auto store = ArtifactStore::open(std::move(options));
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
  return std::move(store).value();
}

fs::path blobFile(const ArtifactStore& store, const Digest& d, const Key& k) {
  return store.dir() / (d.hex() + "." + k.fingerprint() + ".bin");
}

std::vector<std::string> fileNames(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(StorageStore, RoundTripsOfSeveralSizes) {
  TempDir tmp;
  ArtifactStore store = openStore(optionsFor(tmp.path() / "store", keyA()));
  for (const Bytes& payload : {Bytes{}, Bytes{0x42}, patternBytes(1 << 20), randomBytes((1 << 20) + 13, 9)}) {
    auto digest = store.put(payload, ArtifactKind::Module);
    ASSERT_TRUE(digest.ok()) << digest.error().message;
    EXPECT_EQ(digest.value(), sha256(payload));
    auto got = store.get(digest.value());
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got.value(), payload);
    EXPECT_TRUE(store.contains(digest.value()).value());
    EXPECT_TRUE(fs::exists(blobFile(store, digest.value(), keyA())));
  }
  EXPECT_EQ(store.list()->size(), 4u);
  EXPECT_STORAGE_ERRC(store.get(sha256(Bytes{1, 2, 3})), NotFound);
  EXPECT_FALSE(store.contains(sha256(Bytes{1, 2, 3})).value());
}

TEST(StorageStore, StreamingReadDeliversThePayloadInChunks) {
  TempDir tmp;
  ArtifactStore store = openStore(optionsFor(tmp.path(), keyA()));
  Bytes payload = randomBytes(3 << 20, 5);
  Digest d = store.put(payload, ArtifactKind::Snapshot).value();
  Bytes streamed;
  int chunks = 0;
  auto n = store.read(d, [&](std::span<const uint8_t> c) -> Result<void> {
    streamed.insert(streamed.end(), c.begin(), c.end());
    ++chunks;
    return {};
  });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), payload.size());
  EXPECT_EQ(streamed, payload);
  EXPECT_GT(chunks, 1);
}

TEST(StorageStore, PutIsIdempotent) {
  TempDir tmp;
  ArtifactStore store = openStore(optionsFor(tmp.path(), keyA()));
  Bytes payload = patternBytes(5000);
  Digest first = store.put(payload, ArtifactKind::Code).value();
  fs::path blob = blobFile(store, first, keyA());
  Bytes bytesBefore = readFile(blob);
  struct stat before{};
  ASSERT_EQ(::stat(blob.c_str(), &before), 0);
  auto metaBefore = store.meta(first).value();
  Digest second = store.put(payload, ArtifactKind::Code).value();
  struct stat after{};
  ASSERT_EQ(::stat(blob.c_str(), &after), 0);
  EXPECT_EQ(first, second);
  EXPECT_EQ(before.st_ino, after.st_ino);  // not rewritten
  EXPECT_EQ(readFile(blob), bytesBefore);
  EXPECT_EQ(store.meta(first).value()->createdUnixMs, metaBefore->createdUnixMs);
  EXPECT_EQ(fileNames(tmp.path()).size(), 2u);  // one blob, one sidecar, no leftovers
  // A re-put repairs a damaged blob and a missing sidecar.
  Bytes damaged = bytesBefore;
  damaged[60] ^= 1;
  writeFile(blob, damaged);
  fs::remove(tmp.path() / (first.hex() + "." + keyA().fingerprint() + ".meta.json"));
  EXPECT_STORAGE_ERRC(store.get(first), BadHmac);
  ASSERT_TRUE(store.put(payload, ArtifactKind::Code).ok());
  EXPECT_EQ(store.get(first).value(), payload);
  EXPECT_TRUE(store.meta(first).value().has_value());
}

TEST(StorageStore, ListIgnoresForeignAndTempFiles) {
  TempDir tmp;
  ArtifactStore store = openStore(optionsFor(tmp.path(), keyA()));
  Digest d = store.put(Bytes{1, 2, 3}, ArtifactKind::Module).value();
  std::string fp = keyA().fingerprint();
  std::string hex = sha256(Bytes{9}).hex();
  for (std::string name : {std::string("README"), std::string("notes.bin"),
                           ".tmp-" + hex + "." + fp + ".bin.123.0",
                           hex + "." + fp + ".bin.tmp", hex + "." + fp + ".BIN",
                           hex.substr(1) + "." + fp + ".bin", std::string(64, 'A') + "." + fp + ".bin",
                           hex + "." + fp.substr(1) + "x.bin", hex + "." + fp + ".meta.json"}) {
    writeFile(tmp.path() / name, Bytes{1, 2, 3});
  }
  fs::create_directory(tmp.path() / (sha256(Bytes{8}).hex() + "." + fp + ".bin"));  // not a file
  writeFile(tmp.path() / (hex + "." + keyB().fingerprint() + ".bin"), Bytes(100, 0));  // other key
  auto listed = store.list();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->at(0).digest, d);
  EXPECT_EQ(listed->at(0).keyFingerprint, fp);
  EXPECT_EQ(listed->at(0).storedBytes, fs::file_size(blobFile(store, d, keyA())));
  // Only names starting ".tmp-" are temp files, and only old ones are swept.
  size_t files = fileNames(tmp.path()).size();
  EXPECT_EQ(store.removeStaleTempFiles(std::chrono::hours(1)).value(), 0u);
  EXPECT_EQ(store.removeStaleTempFiles(std::chrono::seconds(0)).value(), 1u);
  EXPECT_EQ(fileNames(tmp.path()).size(), files - 1);
  EXPECT_EQ(store.get(d).value(), (Bytes{1, 2, 3}));
}

TEST(StorageStore, SidecarRecordsCreationLengthAndKind) {
  TempDir tmp;
  ArtifactStore store = openStore(optionsFor(tmp.path(), keyA()));
  int64_t before = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  Bytes payload = patternBytes(12345);
  Digest d = store.put(payload, ArtifactKind::Ptx).value();
  fs::path sidecar = tmp.path() / (d.hex() + "." + keyA().fingerprint() + ".meta.json");
  Bytes text = readFile(sidecar);
  auto json = nlohmann::json::parse(std::string(text.begin(), text.end()));
  EXPECT_EQ(json.at("original_len").get<uint64_t>(), 12345u);
  EXPECT_EQ(json.at("kind").get<std::string>(), "ptx");
  EXPECT_GE(json.at("created_unix_ms").get<int64_t>(), before);
  EXPECT_LE(json.at("created_unix_ms").get<int64_t>(), before + 60000);
  auto meta = store.meta(d).value();
  ASSERT_TRUE(meta.has_value());
  EXPECT_EQ(meta->kind, ArtifactKind::Ptx);
  EXPECT_EQ(meta->originalLen, 12345u);
  // Every kind's name round-trips; a garbled sidecar is no metadata, not an error.
  for (auto k : {ArtifactKind::Module, ArtifactKind::Code, ArtifactKind::Snapshot, ArtifactKind::Kernel, ArtifactKind::Ptx}) {
    EXPECT_EQ(parseArtifactKind(artifactKindName(k)), k);
  }
  writeFile(sidecar, Bytes{'{', '"'});
  EXPECT_FALSE(store.meta(d).value().has_value());
  EXPECT_EQ(store.get(d).value(), payload);  // the blob does not depend on its sidecar
  // Without sidecars nothing but the blob is written.
  TempDir bare;
  auto options = optionsFor(bare.path(), keyA());
  options.writeSidecar = false;
  ArtifactStore noMeta = openStore(options);
  ASSERT_TRUE(noMeta.put(payload, ArtifactKind::Module).ok());
  EXPECT_EQ(fileNames(bare.path()).size(), 1u);
  EXPECT_FALSE(noMeta.meta(d).value().has_value());
}

TEST(StorageStore, KeyRotation) {
  TempDir tmp;
  Bytes old = patternBytes(4000), fresh = randomBytes(4000, 6);
  Digest oldDigest = openStore(optionsFor(tmp.path(), keyA())).put(old, ArtifactKind::Module).value();
  // Rotated: B writes, A still read.
  ArtifactStore rotated = openStore(optionsFor(tmp.path(), keyB(), {keyA()}));
  EXPECT_EQ(rotated.get(oldDigest).value(), old);
  Digest freshDigest = rotated.put(fresh, ArtifactKind::Module).value();
  EXPECT_TRUE(fs::exists(blobFile(rotated, freshDigest, keyB())));
  EXPECT_EQ(rotated.list()->size(), 2u);
  // A re-put under the new key stores a second copy, sealed with B, beside A's.
  ASSERT_TRUE(rotated.put(old, ArtifactKind::Module).ok());
  EXPECT_TRUE(fs::exists(blobFile(rotated, oldDigest, keyB())));
  EXPECT_EQ(rotated.list()->size(), 3u);
  // A retired: its blobs read as not found and are not listed; B's blobs still read.
  fs::remove(blobFile(rotated, oldDigest, keyB()));
  ArtifactStore retired = openStore(optionsFor(tmp.path(), keyB()));
  EXPECT_STORAGE_ERRC(retired.get(oldDigest), NotFound);
  EXPECT_FALSE(retired.contains(oldDigest).value());
  EXPECT_STORAGE_ERRC(retired.meta(oldDigest), NotFound);
  EXPECT_EQ(retired.get(freshDigest).value(), fresh);
  ASSERT_EQ(retired.list()->size(), 1u);
  EXPECT_EQ(retired.list()->at(0).digest, freshDigest);
  // A key never accepted sees nothing at all.
  ArtifactStore stranger = openStore(optionsFor(tmp.path(), keyC()));
  EXPECT_TRUE(stranger.list()->empty());
  EXPECT_STORAGE_ERRC(stranger.get(freshDigest), NotFound);
}

TEST(StorageStore, TamperedFilesGiveNamedErrors) {
  TempDir tmp;
  ArtifactStore store = openStore(optionsFor(tmp.path(), keyA()));
  Bytes payload = patternBytes(20000);
  Digest d = store.put(payload, ArtifactKind::Kernel).value();
  fs::path blob = blobFile(store, d, keyA());
  const Bytes good = readFile(blob);
  auto expectAfter = [&](Bytes bytes, StorageErrc want, const char* what) {
    writeFile(blob, bytes);
    Bytes delivered;
    auto r = store.read(d, [&](std::span<const uint8_t> c) -> Result<void> {
      delivered.insert(delivered.end(), c.begin(), c.end());
      return {};
    });
    EXPECT_EQ(errcName(errcOf(r)), errcName(want)) << what;
    EXPECT_TRUE(delivered.empty()) << what;
    EXPECT_FALSE(store.contains(d).value()) << what;
  };
  Bytes b = good;
  b[3] ^= 1;
  expectAfter(b, StorageErrc::BadMagic, "magic");
  b = good;
  b[16] = 1;
  expectAfter(b, StorageErrc::BadVersion, "version");
  b = good;
  b[25] ^= 0x80;
  expectAfter(b, StorageErrc::BadHmac, "header digest");
  b = good;
  b[good.size() / 2] ^= 4;
  expectAfter(b, StorageErrc::BadHmac, "body");
  b = good;
  b.back() ^= 1;
  expectAfter(b, StorageErrc::BadHmac, "mac");
  expectAfter(Bytes(good.begin(), good.begin() + 83), StorageErrc::TooShort, "83 bytes");
  expectAfter(Bytes{}, StorageErrc::TooShort, "empty");
  expectAfter(Bytes(good.begin(), good.end() - 40), StorageErrc::BadHmac, "cut body");
  expectAfter(Bytes(good.begin(), good.end() - 10), StorageErrc::BadHmac, "cut mac");
  expectAfter(resealed(good, keyB()), StorageErrc::BadHmac, "sealed with another key");
  // A valid blob of another digest renamed into place.
  expectAfter(sealEnvelope(Bytes{5}, keyA()).value(), StorageErrc::DigestMismatch, "renamed");
  writeFile(blob, good);
  EXPECT_EQ(store.get(d).value(), payload);
}

TEST(StorageStore, OversizedFilesAreMacCheckedBeforeTooLarge) {
  TempDir tmp;
  Bytes payload = randomBytes(1 << 20, 7);
  Digest d = openStore(optionsFor(tmp.path(), keyA())).put(payload, ArtifactKind::Module).value();
  auto small = optionsFor(tmp.path(), keyA());
  small.maxPayloadBytes = 4096;
  ArtifactStore capped = openStore(small);
  EXPECT_STORAGE_ERRC(capped.get(d), TooLarge);
  EXPECT_STORAGE_ERRC(capped.put(payload, ArtifactKind::Module), TooLarge);
  fs::path blob = blobFile(capped, d, keyA());
  Bytes bytes = readFile(blob);
  bytes[bytes.size() / 3] ^= 1;
  writeFile(blob, bytes);
  EXPECT_STORAGE_ERRC(capped.get(d), BadHmac);
  // A compressible bomb within the file-size bound is stopped by the decompression cap.
  Bytes zeros(8 << 20, 0);
  Digest bomb = openStore(optionsFor(tmp.path(), keyA())).put(zeros, ArtifactKind::Module).value();
  EXPECT_STORAGE_ERRC(capped.get(bomb), TooLarge);
}

TEST(StorageStore, OptionsAreChecked) {
  TempDir tmp;
  auto options = optionsFor(tmp.path(), keyA());
  options.compressionLevel = 1000;
  EXPECT_FALSE(ArtifactStore::open(options).ok());
  writeFile(tmp.path() / "file", Bytes{1});
  EXPECT_STORAGE_ERRC(ArtifactStore::open(optionsFor(tmp.path() / "file", keyA())), Io);
}

}  // namespace
}  // namespace tw::storage::testing
