// Crash safety of the artifact store: a forked writer stores blobs and reports each returned
// put through a pipe; the parent SIGKILLs it at a random moment, hundreds of times. After every
// kill each reported put must read back exactly, and at the end every listed blob must verify
// and match a payload that was really written, while temp files never list or read as blobs.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

#include "storage_test_util.h"

namespace tw::storage::testing {
namespace {

constexpr uint32_t kSeeds = 1000;  // payload identities; children revisit them, so re-puts happen

// Deterministic payload for a seed: some empty or tiny, most a few KiB to 96 KiB, half of them
// incompressible.
Bytes payloadFor(uint32_t seed) {
  if (seed % 50 == 0) return {};
  size_t size = seed % 7 == 0 ? 1 + seed % 3 : 1024 + (seed * 7919u) % (96 << 10);
  if (seed % 2) return randomBytes(size, seed);
  Bytes out = patternBytes(size);
  out[0] = static_cast<uint8_t>(seed);
  out[size - 1] = static_cast<uint8_t>(seed >> 8);
  return out;
}

uint32_t seedAt(uint32_t iteration, uint32_t index) { return (iteration * 13 + index) % kSeeds; }

// The child: put payloads in a loop, reporting each index after its put returned.
[[noreturn]] void runWriter(const fs::path& dir, uint32_t iteration, int reportFd) {
  auto store = ArtifactStore::open(StoreOptions(dir, keyA()));
  if (!store.ok()) ::_exit(3);
  for (uint32_t i = 0;; ++i) {
    if (!store->put(payloadFor(seedAt(iteration, i)), ArtifactKind::Module).ok()) ::_exit(2);
    if (::write(reportFd, &i, sizeof i) != sizeof i) ::_exit(4);
  }
}

std::vector<uint32_t> readReports(int fd) {
  std::vector<uint32_t> reports;
  uint32_t index;
  while (::read(fd, &index, sizeof index) == sizeof index) reports.push_back(index);
  return reports;
}

class StorageCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    for (uint32_t s = 0; s < kSeeds; ++s) seedOf_[sha256(payloadFor(s))] = s;
  }
  // Reads `d` and checks the bytes are exactly the payload that hashes to it.
  void expectReadable(const ArtifactStore& store, const Digest& d) {
    auto got = store.get(d);
    ASSERT_TRUE(got.ok()) << d.str() << ": " << got.error().message;
    auto seed = seedOf_.find(d);
    ASSERT_NE(seed, seedOf_.end()) << "a blob no writer stored: " << d.str();
    ASSERT_EQ(got.value(), payloadFor(seed->second));
  }
  std::map<Digest, uint32_t> seedOf_;
};

TEST_F(StorageCrash, SigkilledWritersLeaveOnlyCompleteBlobs) {
  TempDir tmp;
  ArtifactStore store = ArtifactStore::open(StoreOptions(tmp.path(), keyA())).value();
  std::mt19937 rng(20240606);
  auto start = std::chrono::steady_clock::now();
  int iterations = 0;
  size_t reportedPuts = 0;
  // Kill moments are drawn from [0, maxDelay); maxDelay adapts so that some puts complete and
  // some are cut, whether a put takes 5 ms here or 100 ms under a sanitizer.
  int64_t maxDelayUs = 40000;
  // At least 100 kills however slow the machine (a sanitizer build on a loaded machine needs
  // a minute), more while time allows.
  auto keepGoing = [&](uint32_t it) {
    auto elapsed = std::chrono::steady_clock::now() - start;
    return it < 400 && (elapsed < std::chrono::seconds(10) || (it < 100 && elapsed < std::chrono::seconds(90)));
  };
  for (uint32_t it = 0; keepGoing(it); ++it) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      runWriter(tmp.path(), it, fds[1]);
    }
    ::close(fds[1]);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % maxDelayUs));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer failed on its own, exit " << WEXITSTATUS(status);
    std::vector<uint32_t> reports = readReports(fds[0]);
    ::close(fds[0]);
    for (uint32_t index : reports) expectReadable(store, sha256(payloadFor(seedAt(it, index))));
    if (::testing::Test::HasFatalFailure()) return;
    reportedPuts += reports.size();
    ++iterations;
    if (reports.empty()) maxDelayUs = std::min<int64_t>(maxDelayUs * 5 / 4, 2000000);
    if (reports.size() > 4) maxDelayUs = std::max<int64_t>(maxDelayUs * 4 / 5, 5000);
  }
  auto killingDone = std::chrono::steady_clock::now();
  size_t temps = 0, tornTemps = 0, blobs = 0;
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    std::string name = e.path().filename();
    if (!name.starts_with(".tmp-")) continue;
    ++temps;
    if (name.find(".bin.") == std::string::npos) continue;  // a sidecar's temp file
    // A temp file read as an envelope either verifies completely (killed between fsync and
    // rename) or fails before handing out a byte.
    Bytes delivered;
    auto r = openEnvelopeFile(e.path(), keyA(), {}, [&](std::span<const uint8_t> c) -> Result<void> {
      delivered.insert(delivered.end(), c.begin(), c.end());
      return {};
    });
    if (r.ok()) {
      auto seed = seedOf_.find(sha256(delivered));
      ASSERT_NE(seed, seedOf_.end());
      EXPECT_EQ(delivered, payloadFor(seed->second));
    } else {
      StorageErrc code = storageErrc(r.error());
      EXPECT_TRUE(code == StorageErrc::TooShort || code == StorageErrc::BadHmac) << r.error().message;
      EXPECT_TRUE(delivered.empty());
      ++tornTemps;
    }
  }
  auto listed = store.list();
  ASSERT_TRUE(listed.ok());
  for (const ArtifactEntry& entry : listed.value()) {
    expectReadable(store, entry.digest);
    ++blobs;
  }
  std::cout << "[ crash    ] " << iterations << " writers SIGKILLed (kill delay now up to " << maxDelayUs / 1000 << " ms), "
            << reportedPuts << " reported puts, " << blobs << " blobs listed and verified, " << temps
            << " leftover temp files ignored (" << tornTemps << " torn); "
            << std::chrono::duration<double>(killingDone - start).count() << " s killing, "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - killingDone).count()
            << " s final check\n";
  EXPECT_GE(iterations, 100);
  EXPECT_GT(temps, 0u);  // some kills landed inside a put
  EXPECT_GT(reportedPuts, 0u);
  EXPECT_GT(blobs, 0u);
  // Sweeping the crashed writers' temp files leaves every blob in place.
  EXPECT_EQ(store.removeStaleTempFiles(std::chrono::seconds(0)).value(), temps);
  EXPECT_EQ(store.list()->size(), blobs);
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    EXPECT_FALSE(e.path().filename().string().starts_with(".tmp-"));
  }
}

}  // namespace
}  // namespace tw::storage::testing
