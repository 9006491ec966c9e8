// `tensorwasm compile FILE.wasm [-o FILE.twc]`: ahead-of-time compilation into the code cache
// of the data directory, so later `run`/`bench` processes (tier jit or auto) start with
// native code; with -o also into a sealed `.twc` file that `run` accepts (compiled_file.h).
// Prints what it did and how long it took; exits 2 for a bad module, 3 without the
// optimizing tier.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "common.h"
#include "tensorwasm/binary/decoder.h"
#include "tensorwasm/cli/app.h"
#ifdef TW_ENABLE_JIT
#include "tensorwasm/jit/jit.h"
#include "tensorwasm/service/code_cache.h"
#endif

namespace tw::cli {
namespace {

#ifdef TW_ENABLE_JIT
int runCompile(const std::string& file, const std::string& output) {
  Result<std::vector<uint8_t>> bytes = readFileBytes(file);
  if (!bytes.ok()) return reportError(bytes.error());
  Result<Module> module = loadModule(bytes.value());
  if (!module.ok()) return reportError(module.error());
  auto cache = service::ArtifactCodeCache::openFromEnvironment();
  if (!cache.ok()) return reportError(cache.error());
  JitOptions options;
  auto recording = std::make_shared<RecordingCodeCache>(cache.value());
  options.cache = recording;
  auto start = std::chrono::steady_clock::now();
  Result<bool> cached = precompile(module.value(), options);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!cached.ok()) return reportError(cached.error());
  if (cache.value()->stats().storeFailures > 0) {
    return reportError("compiled, but the code could not be stored in the code cache", kExitGeneric);
  }
  if (!output.empty()) {
    if (!recording->recorded()) return reportError("no code to write: the module compiled to none", kExitGeneric);
    Result<std::vector<uint8_t>> sealed = sealCompiledFile(*recording->recorded());
    if (!sealed.ok()) return reportError(sealed.error());
    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(sealed.value().data()), static_cast<std::streamsize>(sealed.value().size()));
    if (!out.flush()) return reportError("cannot write '" + output + "'", kExitUsage);
  }
  double kb = static_cast<double>(bytes.value().size()) / 1024.0;
  std::printf("%s: %zu functions, %.1f KB of wasm: %s in %.1f ms\n", file.c_str(),
              module.value().bodies.size(), kb,
              cached.value() ? "already in the code cache, loaded" : "compiled and stored in the code cache", ms);
  return kExitOk;
}
#else
int runCompile(const std::string&, const std::string&) {
  return reportTierError(makeError(ErrorKind::Unsupported, "optimizing tier not available in this build"));
}
#endif

}  // namespace

void addCompileCommand(CLI::App& app, CommandAction& action) {
  auto file = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("compile", "Compile a module ahead of time into the code cache");
  sub->add_option("file", *file, "The module (.wasm)")->required();
  sub->add_option("-o,--output", *output, "Also write the module and its code to this sealed .twc file");
  sub->callback([file, output, &action] { action = [file, output] { return runCompile(*file, *output); }; });
}

}  // namespace tw::cli
