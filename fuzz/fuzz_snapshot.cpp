// libFuzzer target: the snapshot readers of src/snapshot. The first input byte picks a mode:
//   even: the rest is a snapshot payload (FORMAT.md). One that parses and embeds a module
//         whose digest it names is also restored into a fresh instance of that module, so
//         the checks against the module's shape and the image building are reached too;
//   odd:  the rest is a decompressed legacy record, then the same bytes as a legacy file
//         (zstd frame, optional trailer) opened with a fixed key.
// Any crash, sanitizer report, leak or hang is a finding; scripts/test.sh seeds the corpus
// from the golden files in tests/data/snapshots.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "tensorwasm/exec/interpreter.h"
#include "tensorwasm/snapshot/legacy.h"
#include "tensorwasm/snapshot/snapshot.h"

namespace {

using namespace tw;

const Engine& fuzzEngine() {
  static const Engine engine = [] {
    EngineConfig config;
    config.maxMemoryBytes = 16u << 20;  // keeps restores cheap; larger memories are refused
    return Engine(config, makeInterpreterTier());
  }();
  return engine;
}

// Modules compiled so far, by digest: the fuzzer mutates state far more often than modules.
std::shared_ptr<CompiledModule> compiledFor(const snapshot::Snapshot& snap) {
  static std::map<storage::Digest, std::shared_ptr<CompiledModule>> cache;
  auto it = cache.find(snap.meta().moduleDigest);
  if (it != cache.end()) return it->second;
  auto compiled = fuzzEngine().compile(snap.module());
  std::shared_ptr<CompiledModule> result = compiled.ok() ? compiled.value() : nullptr;
  if (cache.size() < 64) cache[snap.meta().moduleDigest] = result;
  return result;
}

void restoreIfPossible(const snapshot::Snapshot& snap) {
  if (snap.module().empty() || storage::sha256(snap.module()) != snap.meta().moduleDigest) return;
  std::shared_ptr<CompiledModule> compiled = compiledFor(snap);
  if (!compiled || !compiled->module().imports.empty() || compiled->module().start) return;
  auto instance = Linker().instantiate(fuzzEngine(), compiled);
  if (instance.ok()) (void)snapshot::restoreSnapshot(snap, *instance.value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::span<const uint8_t> rest(data + 1, size - 1);
  if (data[0] & 1) {
    snapshot::LegacyLimits limits;
    limits.maxDecompressedBytes = 1 << 20;
    (void)snapshot::parseLegacyRecord(rest, limits);
    static const storage::Key key = storage::Key::fromBytes(std::array<uint8_t, 32>{1, 2, 3});
    (void)snapshot::openLegacyFile(rest, key, limits);
    return 0;
  }
  snapshot::SnapshotLimits limits;
  limits.maxGpuBytes = 1 << 20;
  auto snap = snapshot::Snapshot::parse(std::vector<uint8_t>(rest.begin(), rest.end()), limits);
  if (snap.ok()) restoreIfPossible(snap.value());
  return 0;
}
