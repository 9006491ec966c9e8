// libFuzzer target: arbitrary bytes through decode, validate, compile (interpreter tier)
// and instantiate, with every import satisfied by a stub so instantiation really runs
// segment initialisation and the start function. A watchdog interrupts a start function
// that runs too long, so hangs surface as "interrupted" traps, not fuzzer timeouts.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "tensorwasm/exec/interpreter.h"
#include "tensorwasm/runtime/instance.h"

namespace {

std::atomic<bool> gInterrupt{false};
std::atomic<int64_t> gStartedAt{0};

int64_t nowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void startWatchdog() {
  // Detached: it runs until the process exits and must not be joined at exit.
  static const bool started = [] {
    std::thread([] {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      int64_t t = gStartedAt.load();
      if (t != 0 && nowMs() - t > 200) gInterrupt.store(true);
    }
    }).detach();
    return true;
  }();
  (void)started;
}

tw::Extern stubFor(const tw::Module& m, const tw::Import& imp) {
  tw::Extern ext;
  ext.kind = imp.kind;
  switch (imp.kind) {
    case tw::ExternKind::Func: {
      auto f = std::make_shared<tw::Function>();
      f->type = m.types[imp.funcType.value];
      f->typeId = tw::canonicalTypeId(f->type);
      f->host = [](tw::HostCall&, std::span<const tw::Value>, std::span<tw::Value>) {
        return tw::Result<void>();
      };
      ext.func = f;
      break;
    }
    case tw::ExternKind::Table:
      if (imp.table.limits.min <= 1000) {
        ext.table = std::make_shared<tw::Table>(imp.table, 1000, nullptr);
      }
      break;
    case tw::ExternKind::Memory: {
      auto mem = tw::Memory::create(imp.memory, 16u << 20);
      if (mem.ok()) ext.memory = mem.value();
      break;
    }
    case tw::ExternKind::Global:
      ext.global = std::make_shared<tw::Global>();
      ext.global->type = imp.global;
      break;
  }
  return ext;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  startWatchdog();
  tw::EngineConfig config;
  config.maxMemoryBytes = 16u << 20;
  config.maxTableElements = 100000;
  static tw::Engine engine(config, tw::makeInterpreterTier());
  auto compiled = engine.compile(std::span<const uint8_t>(data, size));
  if (!compiled.ok()) return 0;
  tw::Linker linker;
  const tw::Module& m = compiled.value()->module();
  for (const tw::Import& imp : m.imports) {
    tw::Extern ext = stubFor(m, imp);
    if (!ext.func && !ext.table && !ext.memory && !ext.global) return 0;
    linker.define(imp.module, imp.name, ext);
  }
  gInterrupt.store(false);
  gStartedAt.store(nowMs());
  tw::CallOptions options;
  options.interrupt = &gInterrupt;
  auto instance = linker.instantiate(engine, compiled.value(), options);
  gStartedAt.store(0);
  return 0;
}
