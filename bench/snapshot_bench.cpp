// snapshot_bench: snapshot capture and restore of an instance with a 256 MiB memory of which
// 16 MiB is touched (64 KiB of pseudo-random bytes in every MiB: the worst case for zstd),
// each as p50 over many rounds:
//   capture               the instance's state into a payload (captureSnapshot)
//   capture + seal        and the payload into a signed, compressed envelope (an exported
//                         file, or what the store writes before its fsync)
//   restore               a parsed snapshot into a freshly instantiated instance
//                         (instantiation included); its memory is mapped copy-on-write
//   restore + first read  and one read of every restored page, where the page faults that
//                         mapping deferred are paid
//   open + restore        from the sealed envelope: MAC, decompression, parse, then restore
// The restored memory is compared with the original once. Run: build/bench/snapshot_bench
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "tensorwasm/exec/interpreter.h"
#include "tensorwasm/snapshot/files.h"
#include "wasm_bytes.h"

using namespace tw;
using namespace tw::snapshot;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint32_t kPages = 4096;  // 256 MiB
constexpr uint64_t kStride = 1u << 20, kTouched = 64u << 10;

// (module (memory 4096))
std::vector<uint8_t> module() {
  std::vector<uint8_t> m = {0, 'a', 's', 'm', 1, 0, 0, 0};
  std::vector<uint8_t> memory = {1, 0};
  bench::leb(memory, kPages);
  bench::section(m, 5, memory);
  return m;
}

void touch(Memory& memory) {
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (uint64_t at = 0; at < memory.sizeBytes(); at += kStride) {
    for (uint64_t i = 0; i < kTouched; i += 8) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      std::memcpy(memory.base() + at + i, &x, 8);
    }
  }
}

double p50(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

int fail(const Error& e) {
  std::fprintf(stderr, "snapshot_bench: %s\n", e.describe().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
  Engine engine(EngineConfig{}, makeInterpreterTier());
  auto compiled = engine.compile(module());
  if (!compiled.ok()) return fail(compiled.error());
  Linker linker;
  auto original = linker.instantiate(engine, compiled.value());
  if (!original.ok()) return fail(original.error());
  touch(*original.value()->memory);
  storage::Key key = storage::Key::fromBytes({7});

  std::vector<double> capture, seal, restore, restoreRead, openRestore;
  std::vector<uint8_t> payload, file;
  for (int i = 0; i < rounds; ++i) {
    auto t0 = Clock::now();
    auto p = captureSnapshot(*original.value(), {});
    auto t1 = Clock::now();
    if (!p.ok()) return fail(p.error());
    auto f = sealSnapshotFile(p.value(), key);
    auto t2 = Clock::now();
    if (!f.ok()) return fail(f.error());
    capture.push_back(ms(t0, t1));
    seal.push_back(ms(t0, t2));
    payload = std::move(p).value();
    file = std::move(f).value();
  }
  auto parsed = Snapshot::parse(payload);
  if (!parsed.ok()) return fail(parsed.error());
  for (int i = 0; i < rounds; ++i) {
    auto t0 = Clock::now();
    auto fresh = linker.instantiate(engine, compiled.value());
    if (!fresh.ok()) return fail(fresh.error());
    Result<void> r = restoreSnapshot(parsed.value(), *fresh.value());
    auto t1 = Clock::now();
    if (!r.ok()) return fail(r.error());
    restore.push_back(ms(t0, t1));
    const volatile uint8_t* base = fresh.value()->memory->base();
    for (uint64_t at = 0; at < kPages * kWasmPageSize; at += kStride) {
      for (uint64_t page = 0; page < kTouched; page += 4096) (void)base[at + page];
    }
    restoreRead.push_back(ms(t0, Clock::now()));
    if (i == 0 && std::memcmp(fresh.value()->memory->base(), original.value()->memory->base(), kPages * kWasmPageSize) != 0) {
      std::fprintf(stderr, "snapshot_bench: the restored memory differs\n");
      return 1;
    }
  }
  for (int i = 0; i < rounds; ++i) {
    auto t0 = Clock::now();
    auto snap = openSnapshotEnvelope(file, key);
    if (!snap.ok()) return fail(snap.error());
    auto fresh = linker.instantiate(engine, compiled.value());
    if (!fresh.ok()) return fail(fresh.error());
    Result<void> r = restoreSnapshot(snap.value(), *fresh.value());
    if (!r.ok()) return fail(r.error());
    openRestore.push_back(ms(t0, Clock::now()));
  }
  std::printf("memory: 256 MiB, 16 MiB touched (64 KiB per MiB, pseudo-random); %d rounds\n", rounds);
  std::printf("payload %.1f MiB, sealed file %.1f MiB\n", payload.size() / 1048576.0, file.size() / 1048576.0);
  std::printf("capture                  p50 %8.2f ms   (target < 50 ms)\n", p50(capture));
  std::printf("capture + seal           p50 %8.2f ms\n", p50(seal));
  std::printf("restore                  p50 %8.2f ms   (target < 20 ms)\n", p50(restore));
  std::printf("restore + first read     p50 %8.2f ms\n", p50(restoreRead));
  std::printf("open file + restore      p50 %8.2f ms\n", p50(openRestore));
  return 0;
}
