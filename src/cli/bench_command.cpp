// `tensorwasm bench FILE.wasm [--invoke NAME] [--args JSON] [-n N]`: cold and warm latency of
// one export through the service layer's Deployment, the path the server takes. Cold: a new
// instance (the module compiled once; instantiation and host interfaces included) plus the
// call. Warm: a pooled invocation, reset of the instance and its host state included. The
// guest's standard streams are captured and discarded.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <iostream>

#include "common.h"
#include "tensorwasm/cli/app.h"
#include "tensorwasm/cli/values.h"
#include "tensorwasm/service/deployment.h"

namespace tw::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchArgs {
  std::string file, invoke = "_start", args = "[]", tier = "interp";
  int iterations = 100;
};

std::string percentiles(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))]; };
  char text[160];
  std::snprintf(text, sizeof text, "p50 %10.1f us   p90 %10.1f us   p99 %10.1f us   (n=%zu)", at(0.5),
                at(0.9), at(0.99), us.size());
  return text;
}

double since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

// The export's results, or its error; a WASI exit 0 counts as success.
Result<void> succeeded(const Result<service::InvokeOutcome>& r) {
  if (!r.ok()) return r.error();
  if (r.value().output.exitCode.value_or(0) != 0) {
    return makeError(ErrorKind::Exit, "the guest exited with status " +
                                          std::to_string(*r.value().output.exitCode));
  }
  return {};
}

int runBench(const BenchArgs& a) {
  if (a.iterations < 1) return reportError("-n must be at least 1", kExitUsage);
  auto tier = makeTier(a.tier, /*codeCache=*/true);
  if (!tier.ok()) return reportTierError(tier.error());
  Result<std::vector<uint8_t>> bytes = readFileBytes(a.file);
  if (!bytes.ok()) return reportError(bytes.error());
  auto engine = std::make_shared<Engine>(EngineConfig{}, std::move(tier).value());
  auto compiled = engine->compile(bytes.value());
  if (!compiled.ok()) return reportError(compiled.error());
  nlohmann::json args = nlohmann::json::parse(a.args, nullptr, /*allow_exceptions=*/false);
  if (args.is_discarded()) return reportError("--args is not valid JSON: " + a.args, kExitUsage);

  // The server's path: a deployment of the module (every host interface linked, output
  // captured and discarded, no GPU) serving invocations from its pool.
  service::DeploymentConfig config;
  config.setup.args = {a.file};
  config.pool = {1, 4};
  auto deployment = service::Deployment::create(engine, compiled.value(), std::move(config),
                                                service::TenantQuotas::create(service::TenantTable()));
  if (!deployment.ok()) return reportError(deployment.error());
  service::InvokeRequest request{a.invoke, args, {}};
  service::RunContext run{nullptr, Clock::now() + std::chrono::hours(24)};
  if (Result<void> r = succeeded(deployment.value()->invoke(request, run)); !r.ok()) return reportError(r.error());

  std::vector<double> cold, warm;
  for (int i = 0; i < a.iterations; ++i) {
    Clock::time_point t0 = Clock::now();
    auto kept = deployment.value()->keep();
    if (!kept.ok()) return reportError(kept.error());
    if (Result<void> r = succeeded(kept.value()->invoke(request, run)); !r.ok()) return reportError(r.error());
    cold.push_back(since(t0));
  }
  for (int i = 0; i < a.iterations; ++i) {
    Clock::time_point t0 = Clock::now();
    if (Result<void> r = succeeded(deployment.value()->invoke(request, run)); !r.ok()) return reportError(r.error());
    warm.push_back(since(t0));
  }
  std::cout << a.file << " " << a.invoke << " (" << a.tier << " tier)\n";
  std::cout << "cold (instantiate + call): " << percentiles(cold) << "\n";
  std::cout << "warm (pooled: acquire + call + reset): " << percentiles(warm) << "\n";
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
