// The signed kernel registry (storage/kernel_registry.h): the publish checks and their order,
// uniqueness of (name, version, sm_version), persistence across reopening, entries that fail
// verification skipped with a warning at open and refused on get when changed afterwards,
// pagination in a stable order, sm selection, and concurrent publishers and readers.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "kernel_test_util.h"
#include "tensorwasm/storage/kernel_registry.h"

namespace {

using namespace tw;
using namespace tw::storage;
using namespace tw::storage::testing;

// Store sealed with key A, manifests signed with key B.
struct Fixture {
  TempDir dir;
  std::vector<std::string> warnings;

  ArtifactStore store() const { return ArtifactStore::open(StoreOptions(dir.path(), keyA())).value(); }

  std::shared_ptr<KernelRegistry> open(std::vector<std::string> publishers = {}, Key key = keyB()) {
    KernelRegistryOptions options(store(), key);
    options.publishers = std::move(publishers);
    options.warn = [this](const std::string& w) { warnings.push_back(w); };
    Result<std::shared_ptr<KernelRegistry>> r = KernelRegistry::open(std::move(options));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : nullptr;
  }

  // The one blob file in the store (tests that tamper publish a single entry).
  fs::path onlyBlob() const {
    std::vector<ArtifactEntry> blobs = store().list().value();
    EXPECT_EQ(blobs.size(), 1u);
    return dir.path() / (blobs.at(0).digest.hex() + "." + keyA().fingerprint() + ".bin");
  }
};

Result<void> publish(KernelRegistry& r, const std::string& name, const std::string& version, uint32_t sm,
                     const std::string& ptx, std::string publisher = "alice") {
  return r.publish(signedManifest(name, version, sm, ptx, keyB(), std::move(publisher)), ptx);
}

std::string id(const KernelManifest& m) {
  return m.name + "@" + m.version + "/" + std::to_string(m.smVersion);
}

std::vector<std::string> ids(const KernelPage& page) {
  std::vector<std::string> out;
  for (const KernelManifest& m : page.manifests) out.push_back(id(m));
  return out;
}

TEST(StorageKernelRegistry, PublishChecksRunInSpecOrder) {
  Fixture f;
  auto reg = f.open({"alice", "bob"});
  std::string ptx = ptxText("k");
  KernelManifest m = signedManifest("k", "1.0.0", 90, ptx, keyB(), "alice");

  KernelManifest everythingWrong = m;
  everythingWrong.publisher = "mallory";       // not allowed, and breaks the signature
  everythingWrong.digest.bytes[0] ^= 1;        // does not match the PTX
  EXPECT_EQ(kernelErrcOf(reg->publish(everythingWrong, ptx)), "publisher_not_allowed");

  KernelManifest badDigestAndSignature = m;
  badDigestAndSignature.digest.bytes[0] ^= 1;
  EXPECT_EQ(kernelErrcOf(reg->publish(badDigestAndSignature, ptx)), "digest_mismatch");
  EXPECT_EQ(kernelErrcOf(reg->publish(m, ptx + "\n")), "digest_mismatch");

  KernelManifest badSignature = m;
  badSignature.signature[5] ^= 1;
  EXPECT_EQ(kernelErrcOf(reg->publish(badSignature, ptx)), "bad_signature");
  KernelManifest otherKey = signedManifest("k", "1.0.0", 90, ptx, keyA(), "alice");
  EXPECT_EQ(kernelErrcOf(reg->publish(otherKey, ptx)), "bad_signature");

  EXPECT_EQ(reg->size(), 0u);
  EXPECT_EQ(kernelErrcOf(reg->publish(m, ptx)), "ok");
  EXPECT_EQ(kernelErrcOf(reg->publish(m, ptx)), "already_registered");
  KernelManifest bobsCopy = signedManifest("k", "1.0.0", 90, ptx, keyB(), "bob");
  EXPECT_EQ(kernelErrcOf(reg->publish(bobsCopy, ptx)), "already_registered");
  EXPECT_EQ(reg->size(), 1u);
}

TEST(StorageKernelRegistry, AnyPublisherWithoutAllowlistAndPtxCap) {
  Fixture f;
  auto reg = f.open();
  EXPECT_EQ(kernelErrcOf(publish(*reg, "k", "1.0.0", 90, ptxText("k"), "anyone")), "ok");
  EXPECT_EQ(kernelErrcOf(publish(*reg, "k", "1.0.0", 80, ptxText("k"), "")), "ok");
  std::string huge(kMaxKernelPtx + 1, ' ');
  EXPECT_EQ(kernelErrcOf(publish(*reg, "big", "1.0.0", 90, huge)), "ptx_too_large");
  KernelManifest invalid = signedManifest("k", "1.0.0", 70, "x", keyB());
  invalid.name = "bad name";
  EXPECT_EQ(kernelErrcOf(reg->publish(invalid, "x")), "invalid_manifest");
}

TEST(StorageKernelRegistry, UniquenessIsPerNameVersionAndSm) {
  Fixture f;
  auto reg = f.open();
  EXPECT_TRUE(publish(*reg, "k", "1.0.0", 90, ptxText("a")).ok());
  EXPECT_TRUE(publish(*reg, "k", "1.0.0", 80, ptxText("a")).ok());
  EXPECT_TRUE(publish(*reg, "k", "1.0.1", 90, ptxText("a")).ok());
  EXPECT_TRUE(publish(*reg, "K", "1.0.0", 90, ptxText("a")).ok());
  EXPECT_EQ(kernelErrcOf(publish(*reg, "k", "1.0.0", 90, ptxText("different"))), "already_registered");
  Result<KernelEntry> e = reg->get("k", "1.0.0", 90u);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->ptx, ptxText("a"));
  EXPECT_EQ(reg->size(), 4u);
}

TEST(StorageKernelRegistry, ReopenedRegistryServesEveryEntry) {
  Fixture f;
  {
    auto reg = f.open();
    ASSERT_TRUE(publish(*reg, "b", "1.0.0", 90, ptxText("b")).ok());
    ASSERT_TRUE(publish(*reg, "a", "2.0.0", 80, ptxText("a2")).ok());
    ASSERT_TRUE(publish(*reg, "a", "1.0.0", 90, ptxText("a1")).ok());
  }
  auto reg = f.open();
  EXPECT_TRUE(f.warnings.empty());
  EXPECT_EQ(ids(reg->list(0)), (std::vector<std::string>{"a@1.0.0/90", "a@2.0.0/80", "b@1.0.0/90"}));
  Result<KernelEntry> e = reg->get("a", "2.0.0", std::nullopt, 90u);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->ptx, ptxText("a2"));
  EXPECT_EQ(e->manifest, signedManifest("a", "2.0.0", 80, ptxText("a2"), keyB()));
  EXPECT_EQ(kernelErrcOf(publish(*reg, "b", "1.0.0", 90, ptxText("b"))), "already_registered");
}

TEST(StorageKernelRegistry, BadEntriesAreSkippedWithAWarningWhenOpening) {
  Fixture f;
  {
    auto reg = f.open();
    ASSERT_TRUE(publish(*reg, "good", "1.0.0", 90, ptxText("g")).ok());
  }
  ArtifactStore store = f.store();
  // A well-formed entry whose manifest another key signed.
  std::string ptx = ptxText("x");
  KernelManifest foreign = signedManifest("foreign", "1.0.0", 90, ptx, keyC());
  std::string json = kernelManifestJson(foreign);
  Bytes entry(kKernelEntryMagic.begin(), kKernelEntryMagic.end());
  auto block = [&](std::string_view s) {
    for (int i = 0; i < 8; ++i) entry.push_back(static_cast<uint8_t>(uint64_t(s.size()) >> (8 * i)));
    entry.insert(entry.end(), s.begin(), s.end());
  };
  block(json);
  block(ptx);
  ASSERT_TRUE(store.put(entry, ArtifactKind::Kernel).ok());
  Bytes truncated(entry.begin(), entry.end() - 3);
  ASSERT_TRUE(store.put(truncated, ArtifactKind::Kernel).ok());
  ASSERT_TRUE(store.put(patternBytes(100), ArtifactKind::Kernel).ok());
  // Blobs of other kinds are not the registry's: ignored without a warning.
  ASSERT_TRUE(store.put(patternBytes(200), ArtifactKind::Module).ok());
  // A kernel blob damaged on disk (its MAC no longer verifies).
  Result<Digest> damaged = store.put(randomBytes(300, 7), ArtifactKind::Kernel);
  ASSERT_TRUE(damaged.ok());
  fs::path file = f.dir.path() / (damaged->hex() + "." + keyA().fingerprint() + ".bin");
  Bytes bytes = readFile(file);
  bytes[60] ^= 1;
  writeFile(file, bytes);

  auto reg = f.open();
  EXPECT_EQ(ids(reg->list(0)), std::vector<std::string>{"good@1.0.0/90"});
  ASSERT_EQ(f.warnings.size(), 4u);
  auto warned = [&](std::string_view what) {
    return std::count_if(f.warnings.begin(), f.warnings.end(),
                         [&](const std::string& w) { return w.find(what) != std::string::npos; });
  };
  EXPECT_EQ(warned("bad_signature: the signature of foreign@1.0.0"), 1);
  EXPECT_EQ(warned("truncated or oversized"), 1);
  EXPECT_EQ(warned("not a kernel registry entry"), 1);
  EXPECT_EQ(warned("bad-hmac"), 1);
  EXPECT_EQ(warned(damaged->str()), 1);

  // Under another registry key every entry is skipped.
  f.warnings.clear();
  auto rotated = f.open({}, keyC());
  EXPECT_EQ(ids(rotated->list(0)), std::vector<std::string>{"foreign@1.0.0/90"});
  EXPECT_EQ(warned("the signature of good@1.0.0"), 1);
}

TEST(StorageKernelRegistry, BlobChangedAfterOpeningIsRefusedOnGet) {
  Fixture f;
  auto reg = f.open();
  ASSERT_TRUE(publish(*reg, "k", "1.0.0", 90, ptxText("k")).ok());
  ASSERT_TRUE(reg->get("k", "1.0.0", 90u).ok());
  fs::path blob = f.onlyBlob();
  Bytes bytes = readFile(blob);
  bytes[bytes.size() / 2] ^= 0x40;
  writeFile(blob, bytes);
  Result<KernelEntry> e = reg->get("k", "1.0.0", 90u);
  EXPECT_EQ(kernelErrcOf(e), "bad_signature");
  fs::remove(blob);
  EXPECT_STORAGE_ERRC(reg->get("k", "1.0.0", 90u), NotFound);
  EXPECT_EQ(reg->list(0).total, 1u);  // the index still lists what was verified at publish
}

TEST(StorageKernelRegistry, ListPagesInStableOrder) {
  Fixture f;
  auto reg = f.open();
  std::vector<std::string> want;
  for (std::string name : {"z", "a.b", "M", "a_b", "a-b"}) {
    for (std::string version : {"1.10.0", "1.9.0"}) {
      for (uint32_t sm : {90u, 100u, 80u}) {
        ASSERT_TRUE(publish(*reg, name, version, sm, ptxText(name)).ok());
        want.push_back(name + "@" + version + "/" + std::to_string(sm));
      }
    }
  }
  std::sort(want.begin(), want.end(), [](const std::string& x, const std::string& y) {
    auto key = [](const std::string& s) {
      size_t at = s.find('@'), slash = s.find('/');
      return std::make_tuple(s.substr(0, at), s.substr(at + 1, slash - at - 1), std::stoul(s.substr(slash + 1)));
    };
    return key(x) < key(y);
  });
  EXPECT_EQ(want.front(), "M@1.10.0/80");
  std::vector<std::string> got;
  for (uint64_t offset = 0; offset < 40; offset += 7) {
    KernelPage page = reg->list(offset, 7);
    EXPECT_EQ(page.total, 30u);
    EXPECT_EQ(page.offset, offset);
    EXPECT_EQ(page.limit, 7u);
    EXPECT_EQ(page.manifests.size(), offset >= 30 ? 0u : std::min<uint64_t>(7, 30 - offset));
    for (const std::string& s : ids(page)) got.push_back(s);
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(reg->list(0).limit, kDefaultKernelListLimit);
  EXPECT_EQ(reg->list(0).manifests.size(), 30u);
  EXPECT_EQ(reg->list(0, 5000).limit, kMaxKernelListLimit);
  EXPECT_TRUE(reg->list(0, 0).manifests.empty());
  EXPECT_TRUE(reg->list(UINT64_MAX, 10).manifests.empty());
  EXPECT_EQ(ids(f.open()->list(0, 1000)), want);  // the same order after reopening
}

TEST(StorageKernelRegistry, GetChoosesTheHighestSmTheDeviceRuns) {
  Fixture f;
  auto reg = f.open();
  for (uint32_t sm : {70u, 80u, 90u}) ASSERT_TRUE(publish(*reg, "k", "1.0.0", sm, ptxText("k", sm)).ok());
  ASSERT_TRUE(publish(*reg, "k", "1.0.1", 100, ptxText("k", 100)).ok());
  auto smOf = [&](std::optional<uint32_t> sm, std::optional<uint32_t> device) -> std::string {
    Result<KernelEntry> e = reg->get("k", "1.0.0", sm, device);
    return e.ok() ? std::to_string(e->manifest.smVersion) : kernelErrcOf(e);
  };
  EXPECT_EQ(smOf(std::nullopt, 86), "80");
  EXPECT_EQ(smOf(std::nullopt, 90), "90");
  EXPECT_EQ(smOf(std::nullopt, 120), "90");
  EXPECT_EQ(smOf(std::nullopt, 70), "70");
  EXPECT_EQ(smOf(std::nullopt, 61), "not_found");
  EXPECT_EQ(smOf(std::nullopt, std::nullopt), "90");
  EXPECT_EQ(smOf(70, 90), "70");
  EXPECT_EQ(smOf(75, std::nullopt), "not_found");
  EXPECT_EQ(reg->get("k", "1.0.0", std::nullopt, 80u)->ptx, ptxText("k", 80));
  EXPECT_EQ(kernelErrcOf(reg->get("k", "2.0.0", std::nullopt, 90u)), "not_found");
  EXPECT_EQ(kernelErrcOf(reg->get("j", "1.0.0", std::nullopt, 90u)), "not_found");
  Result<KernelEntry> hostile = reg->get("../../etc\n", "x", std::nullopt, 90u);
  EXPECT_EQ(kernelErrcOf(hostile), "not_found");
  EXPECT_EQ(hostile.error().message.find("etc"), std::string::npos);
}

TEST(StorageKernelRegistry, ConcurrentPublishersAndReaders) {
  Fixture f;
  auto reg = f.open();
  std::atomic<int> duplicatesWon{0}, readerFailures{0};
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done) {
      KernelPage page = reg->list(0, 1000);
      for (const KernelManifest& m : page.manifests) {
        if (!reg->get(m.name, m.version, m.smVersion).ok()) ++readerFailures;
      }
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(publish(*reg, "w" + std::to_string(t), "1.0." + std::to_string(i), 90, ptxText("w")).ok());
      }
      if (publish(*reg, "contested", "1.0.0", 90, ptxText("c" + std::to_string(t))).ok()) ++duplicatesWon;
    });
  }
  for (std::thread& w : writers) w.join();
  done = true;
  reader.join();
  EXPECT_EQ(duplicatesWon.load(), 1);
  EXPECT_EQ(readerFailures.load(), 0);
  EXPECT_EQ(reg->size(), 21u);
  EXPECT_EQ(f.open()->size(), 21u);
}

}  // namespace

namespace {

struct ScopedEnv {
  ScopedEnv(const char* name, const std::string& value) : name(name) { ::setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { ::unsetenv(name); }
  const char* name;
};

TEST(StorageKernelRegistry, OptionsFromTheEnvironment) {
  TempDir data;
  StoreOptions store(data.path() / "artifacts", keyA());
  ::unsetenv("TENSOR_WASM_API_KERNEL_HMAC_KEY");
  Result<std::optional<KernelRegistryOptions>> none = kernelRegistryOptionsFromEnvironment(data.path(), store);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.value().has_value()) << "no key: no registry";
  {
    ScopedEnv key("TENSOR_WASM_API_KERNEL_HMAC_KEY", "abc-secret");
    Result<std::optional<KernelRegistryOptions>> bad = kernelRegistryOptionsFromEnvironment(data.path(), store);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("TENSOR_WASM_API_KERNEL_HMAC_KEY"), std::string::npos);
    EXPECT_EQ(bad.error().message.find("abc-secret"), std::string::npos);
  }
  ScopedEnv key("TENSOR_WASM_API_KERNEL_HMAC_KEY", kKeyHexB);
  {
    ScopedEnv publishers("TENSOR_WASM_API_KERNEL_PUBLISHERS", " alice, bob ,,");
    Result<std::optional<KernelRegistryOptions>> opts = kernelRegistryOptionsFromEnvironment(data.path(), store);
    ASSERT_TRUE(opts.ok() && opts.value().has_value());
    EXPECT_EQ(opts.value()->store.dir(), data.path() / "kernels");
    EXPECT_EQ(opts.value()->publishers, (std::vector<std::string>{"alice", "bob"}));
    EXPECT_EQ(opts.value()->key.bytes(), keyB().bytes());
    EXPECT_EQ(opts.value()->store.options().writeKey.bytes(), keyA().bytes());
  }
  ScopedEnv dir("TENSOR_WASM_API_KERNEL_REGISTRY_DIR", (data.path() / "elsewhere").string());
  Result<std::optional<KernelRegistryOptions>> opts = kernelRegistryOptionsFromEnvironment(data.path(), store);
  ASSERT_TRUE(opts.ok() && opts.value().has_value());
  EXPECT_EQ(opts.value()->store.dir(), data.path() / "elsewhere");
  EXPECT_TRUE(opts.value()->publishers.empty());
  EXPECT_TRUE(fs::is_directory(data.path() / "elsewhere"));
}

}  // namespace
