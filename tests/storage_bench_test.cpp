// Throughput of the artifact store for a 64 MiB payload, compressible and incompressible:
// SHA-256 alone, put (hash, compress, MAC, write, fsync, rename) and get (read, MAC,
// decompress, hash). Disabled by default; run with
//   tw_tests --gtest_filter='*StorageBench*' --gtest_also_run_disabled_tests
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "storage_test_util.h"

namespace tw::storage::testing {
namespace {

template <typename F>
double bestSeconds(int runs, F&& f) {
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

void report(const char* what, const char* data, size_t bytes, double seconds) {
  std::printf("[ bench    ] %-7s %-14s %8.1f MiB/s  (%.1f ms)\n", what, data,
              static_cast<double>(bytes) / (1 << 20) / seconds, seconds * 1e3);
}

TEST(StorageBench, DISABLED_PutGet64MiB) {
  constexpr size_t kSize = 64 << 20;
  struct Case { const char* name; Bytes payload; };
  Case cases[] = {{"compressible", patternBytes(kSize)}, {"incompressible", randomBytes(kSize, 11)}};
  for (Case& c : cases) {
    TempDir tmp;
    report("sha256", c.name, kSize, bestSeconds(3, [&] { (void)sha256(c.payload); }));
    Digest d;
    // Each put goes to a fresh directory so it really writes (a re-put would be a no-op).
    int round = 0;
    double put = bestSeconds(3, [&] {
      auto store = ArtifactStore::open(StoreOptions(tmp.path() / std::to_string(round++), keyA()));
      d = store->put(c.payload, ArtifactKind::Module).value();
    });
    report("put", c.name, kSize, put);
    ArtifactStore store = ArtifactStore::open(StoreOptions(tmp.path() / "0", keyA())).value();
    double reput = bestSeconds(3, [&] { ASSERT_TRUE(store.put(c.payload, ArtifactKind::Module).ok()); });
    report("re-put", c.name, kSize, reput);
    Bytes out;
    report("get", c.name, kSize, bestSeconds(3, [&] { out = store.get(d).value(); }));
    uint64_t streamed = 0;
    double read = bestSeconds(3, [&] {
      streamed = store.read(d, [](std::span<const uint8_t>) -> Result<void> { return {}; }).value();
    });
    report("read", c.name, kSize, read);
    EXPECT_EQ(out, c.payload);
    EXPECT_EQ(streamed, kSize);
    std::printf("[ bench    ] stored %s: %zu bytes on disk\n", c.name,
                static_cast<size_t>(store.list()->at(0).storedBytes));
  }
}

}  // namespace
}  // namespace tw::storage::testing
