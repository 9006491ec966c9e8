// `tensorwasm bench FILE.wasm [--invoke NAME] [--args JSON] [-n N]`: cold and warm latency of
// one export. Cold: a fresh instantiation (the module compiled once) plus the call. Warm: an
// instance taken from the service layer's pool, called, and given back (reset included in the
// next round's wait, not in the measured call). The guest's standard streams are discarded.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <iostream>

#include "common.h"
#include "tensorwasm/cli/app.h"
#include "tensorwasm/cli/values.h"
#include "tensorwasm/service/pool.h"
#include "tensorwasm/wasi/cuda.h"
#include "tensorwasm/wasi/guest_interfaces.h"
#include "tensorwasm/wasi/wasi.h"

namespace tw::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchArgs {
  std::string file, invoke = "_start", args = "[]", tier = "interp";
  int iterations = 100;
};

// A linker with every host interface, its WASI state discarding output.
Result<Linker> benchLinker(const std::string& file) {
  WasiConfig wasi;
  wasi.args.push_back(file);
  wasi.stdinConfig = WasiStdio::null();
  wasi.stdoutConfig = WasiStdio::null();
  wasi.stderrConfig = WasiStdio::null();
  TW_ASSIGN(auto context, WasiContext::create(std::move(wasi)));
  Linker linker;
  linkWasi(linker, context);
  linkCuda(linker, CudaGuestContext::create(nullptr, {}));
  linkGuestInterfaces(linker, {nullptr, nullptr});
  return linker;
}

std::string percentiles(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))]; };
  char text[160];
  std::snprintf(text, sizeof text, "p50 %10.1f us   p90 %10.1f us   p99 %10.1f us   (n=%zu)", at(0.5),
                at(0.9), at(0.99), us.size());
  return text;
}

// Runs the export once on `inst`; a WASI exit 0 counts as success.
Result<void> callOnce(Instance& inst, const std::string& name, std::span<const Value> args) {
  std::optional<Extern> fn = inst.getExport(name);
  if (!fn || fn->kind != ExternKind::Func) return makeError(ErrorKind::Usage, "no exported function '" + name + "'");
  auto r = inst.call(*fn->func, args);
  if (!r.ok() && !(r.error().kind == ErrorKind::Exit && r.error().code == 0)) return r.takeError();
  return {};
}

double since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

int runBench(const BenchArgs& a) {
  if (a.iterations < 1) return reportError("-n must be at least 1", kExitUsage);
  auto tier = makeTier(a.tier, /*codeCache=*/true);
  if (!tier.ok()) return reportTierError(tier.error());
  Result<std::vector<uint8_t>> bytes = readFileBytes(a.file);
  if (!bytes.ok()) return reportError(bytes.error());
  Engine engine(EngineConfig{}, std::move(tier).value());
  auto compiled = engine.compile(bytes.value());
  if (!compiled.ok()) return reportError(compiled.error());
  auto factory = [&](const InstanceImage* image) -> Result<service::FreshInstance> {
    TW_ASSIGN(Linker linker, benchLinker(a.file));
    std::shared_ptr<Instance> inst;
    if (image) {
      TW_ASSIGN(inst, linker.instantiateFromImage(engine, compiled.value(), *image));
    } else {
      TW_ASSIGN(inst, linker.instantiate(engine, compiled.value()));
    }
    return service::FreshInstance{std::move(inst), nullptr};
  };
  auto probe = factory(nullptr);
  if (!probe.ok()) return reportError(probe.error());
  std::optional<Extern> target = probe.value().instance->getExport(a.invoke);
  if (!target || target->kind != ExternKind::Func) {
    return reportError("'" + a.file + "' exports no function '" + a.invoke + "'", kExitUsage);
  }
  auto args = parseArgsJson(a.args, target->func->type.params);
  if (!args.ok()) return reportError(args.error());

  std::vector<double> cold, warm;
  for (int i = 0; i < a.iterations; ++i) {
    Clock::time_point t0 = Clock::now();
    auto fresh = factory(nullptr);
    if (!fresh.ok()) return reportError(fresh.error());
    if (auto r = callOnce(*fresh.value().instance, a.invoke, args.value()); !r.ok()) return reportError(r.error());
    cold.push_back(since(t0));
  }
  auto pool = service::InstancePool::create(factory, {1, 4});
  if (!pool.ok()) return reportError(pool.error());
  for (int i = 0; i < a.iterations; ++i) {
    Clock::time_point t0 = Clock::now();
    auto inst = pool.value()->acquire();
    if (!inst.ok()) return reportError(inst.error());
    if (auto r = callOnce(*inst.value(), a.invoke, args.value()); !r.ok()) return reportError(r.error());
    warm.push_back(since(t0));
  }
  std::cout << a.file << " " << a.invoke << " (" << a.tier << " tier)\n";
  std::cout << "cold (instantiate + call): " << percentiles(cold) << "\n";
  std::cout << "warm (pooled, reset between calls): " << percentiles(warm) << "\n";
  return kExitOk;
}

}  // namespace

void addBenchCommand(CLI::App& app, CommandAction& action) {
  auto a = std::make_shared<BenchArgs>();
  CLI::App* sub = app.add_subcommand("bench", "Cold and warm (pooled) latency percentiles of one export");
  sub->add_option("file", a->file, "The .wasm module")->required();
  sub->add_option("--invoke", a->invoke, "Export to call (default _start)");
  sub->add_option("--args", a->args, "JSON array of arguments");
  sub->add_option("-n", a->iterations, "Calls per measure (default 100)");
  sub->add_option("--tier", a->tier, "Execution tier: interp, jit or auto");
  sub->callback([a, &action] { action = [a] { return runBench(*a); }; });
}

}  // namespace tw::cli
