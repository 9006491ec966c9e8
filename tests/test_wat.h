// Test helper: compiles WebAssembly text with wabt's wat2wasm (installed by
// scripts/install-deps.sh) and instantiates it on the interpreter tier.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "tensorwasm/exec/interpreter.h"
#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/runtime/trap.h"

namespace tw::testing {

// `features`: wat2wasm's feature flags; "" gives its defaults (WebAssembly 2.0), under which
// `ref.func` has type funcref (with --enable-all it gets a typed reference).
inline std::vector<uint8_t> watToWasm(const std::string& wat, const std::string& features = "--enable-all") {
  namespace fs = std::filesystem;
  static int counter = 0;
  fs::path dir = fs::temp_directory_path() /
                 ("tw-wat-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(dir);
  std::ofstream(dir / "m.wat") << wat;
  std::string cmd = "wat2wasm " + features + " --debug-names " + (dir / "m.wat").string() + " -o " +
                    (dir / "m.wasm").string();
  EXPECT_EQ(std::system(cmd.c_str()), 0) << wat;
  std::ifstream in(dir / "m.wasm", std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove_all(dir);
  return bytes;
}

inline Engine& testEngine() {
  static Engine engine(EngineConfig{}, makeInterpreterTier());
  return engine;
}

// Compiles `wasm` on `engine` and instantiates it; null (with a test failure) when either fails.
inline std::shared_ptr<Instance> instantiateOn(const Engine& engine, const std::vector<uint8_t>& wasm,
                                               const Linker& linker = Linker()) {
  auto compiled = engine.compile(wasm);
  EXPECT_TRUE(compiled.ok()) << (compiled.ok() ? "" : compiled.error().describe());
  if (!compiled.ok()) return nullptr;
  auto inst = linker.instantiate(engine, compiled.value());
  EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().describe());
  return inst.ok() ? inst.value() : nullptr;
}

// Calls `name` (an endless loop) and sets its interrupt flag from another thread after 50 ms:
// the call must end with the "interrupted" trap.
inline void expectInterruptStops(Instance& inst, const char* name) {
  std::atomic<bool> flag{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    flag.store(true);
  });
  CallOptions options;
  options.interrupt = &flag;
  auto r = inst.call(name, {}, options);
  stopper.join();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(isTrap(r.error(), TrapKind::Interrupted)) << r.error().describe();
}

inline std::shared_ptr<Instance> instantiateWat(const std::string& wat, const Linker& linker = Linker()) {
  return instantiateOn(testEngine(), watToWasm(wat), linker);
}

}  // namespace tw::testing
