// `tensorwasm run FILE.wasm [ARGS...]`: runs a WASI command's `_start` with ARGS, or with
// `--invoke NAME --args JSON` calls one export and prints its results. The guest's stdio is
// the terminal's. A `--deadline` timer sets the engine's interrupt flag (exit 124); a
// proc_exit code passes through as the exit code; a trap exits 4 with its kind and backtrace.
// `--input` is the guest's wasi:tensor input (and its stdin); wasi:tensor chunks stream to
// stdout, and wasi:scheduler sees the same deadline as the timer. `--restore` starts from a
// snapshot and `--save-snapshot` captures one after the call (snapshot_run.cpp).
#include <CLI/CLI.hpp>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "common.h"
#include "snapshot_run.h"
#include "tensorwasm/cli/app.h"
#include "tensorwasm/support/units.h"
#include "tensorwasm/cli/values.h"
#include "tensorwasm/wasi/guest_interfaces.h"
#include "tensorwasm/wasi/cuda.h"
#include "tensorwasm/wasi/wasi.h"

namespace tw::cli {
namespace {

struct RunArgs {
  std::string file;
  std::vector<std::string> guestArgs;
  std::string invoke;
  std::string args;
  std::vector<std::string> dirs;
  std::vector<std::string> env;
  std::string tier = "auto";
  std::string deadline;
  std::string maxMemory;
  std::string input;
  // Flags of features this build lacks: accepted so the error can say so (exit 3).
  bool gpu = true;  // --gpu/--no-gpu: on by default when a GPU is present
  std::string gpuMemoryCap;
  std::string offload;
  RunSnapshotFlags snapshot;
  std::vector<std::string> trailing;  // after "--"
};

// Sets `flag` after `timeout` unless destroyed first.
class DeadlineTimer {
 public:
  DeadlineTimer(std::atomic<bool>& flag, std::chrono::nanoseconds timeout)
      : thread_([this, &flag, timeout] {
          std::unique_lock<std::mutex> lock(mu_);
          if (!cv_.wait_for(lock, timeout, [this] { return done_; })) flag.store(true);
        }) {}
  ~DeadlineTimer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

Result<WasiPreopen> parseDir(const std::string& spec) {
  WasiPreopen p;
  size_t sep = spec.find("::");
  p.hostPath = spec.substr(0, sep);
  p.guestPath = sep == std::string::npos ? spec : spec.substr(sep + 2);
  if (p.hostPath.empty() || p.guestPath.empty()) {
    return makeError(ErrorKind::Usage, "--dir expects HOST[::GUEST], got '" + spec + "'");
  }
  return p;
}

Result<std::string> readInput(const std::string& input) {
  if (!input.starts_with("@")) return input;
  TW_ASSIGN(std::vector<uint8_t> bytes, readFileBytes(input.substr(1)));
  return std::string(bytes.begin(), bytes.end());
}

int runRun(const RunArgs& a) {
  CudaGuestConfig cudaConfig;
  cudaConfig.enabled = a.gpu;
  if (!a.gpuMemoryCap.empty()) {
    Result<uint64_t> cap = parseSize(a.gpuMemoryCap);
    if (!cap.ok()) return reportError(cap.error());
    cudaConfig.memoryCap = cap.value();
  }
  if (!a.offload.empty() && a.offload != "off") return reportError("--offload: GPU offload is not available in this build", kExitUnsupported);
  if (!a.args.empty() && a.invoke.empty()) return reportError("--args needs --invoke NAME", kExitUsage);
  if (a.file.empty() && a.snapshot.restore.empty()) return reportError("run needs FILE (or --restore SNAPSHOT)", kExitUsage);

  std::optional<RestorePoint> restorePoint;
  if (!a.snapshot.restore.empty()) {
    Result<RestorePoint> point = loadRestorePoint(a.snapshot, a.file);
    if (!point.ok()) return reportError(point.error());
    restorePoint = std::move(point).value();
  }
  Result<std::vector<uint8_t>> bytes = restorePoint ? Result<std::vector<uint8_t>>(restorePoint->module)
                                                       : readFileBytes(a.file);
  if (!bytes.ok()) return reportError(bytes.error());
  Result<std::optional<CompiledFile>> compiledFile = openCompiledFile(bytes.value());  // a .twc
  if (!compiledFile.ok()) return reportError(compiledFile.error());
  if (compiledFile.value()) bytes.value() = compiledFile.value()->module;
  auto tier = makeTier(a.tier, /*codeCache=*/true, std::move(compiledFile.value()));
  if (!tier.ok()) return reportTierError(tier.error());

  EngineConfig config;
  if (!a.maxMemory.empty()) {
    Result<uint64_t> size = parseSize(a.maxMemory);
    if (!size.ok()) return reportError(size.error());
    config.maxMemoryBytes = size.value();
  }
  std::optional<std::chrono::nanoseconds> deadline;
  if (!a.deadline.empty()) {
    auto d = parseDuration(a.deadline);
    if (!d.ok()) return reportError(d.error());
    deadline = d.value();
  }

  WasiConfig wasi;
  const std::string& source = a.file.empty() ? a.snapshot.restore : a.file;  // names the module
  wasi.args.push_back(source);
  wasi.args.insert(wasi.args.end(), a.guestArgs.begin(), a.guestArgs.end());
  wasi.args.insert(wasi.args.end(), a.trailing.begin(), a.trailing.end());
  for (const std::string& kv : a.env) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return reportError("--env expects K=V, got '" + kv + "'", kExitUsage);
    wasi.env.push_back(kv);
  }
  for (const std::string& d : a.dirs) {
    Result<WasiPreopen> p = parseDir(d);
    if (!p.ok()) return reportError(p.error());
    wasi.preopens.push_back(p.value());
  }
  std::string inputBytes;  // --input: wasi:tensor's input, and the guest's stdin too
  if (!a.input.empty()) {
    Result<std::string> in = readInput(a.input);
    if (!in.ok()) return reportError(in.error());
    inputBytes = in.value();
    wasi.stdinConfig = WasiStdio::fromBytes(inputBytes);
  } else {
    wasi.stdinConfig = WasiStdio::host(0);
  }
  wasi.stdoutConfig = WasiStdio::host(1);
  wasi.stderrConfig = WasiStdio::host(2);
  std::atomic<bool> interrupt{false};
  wasi.interrupt = &interrupt;

  Engine engine(config, std::move(tier).value());
  auto compiled = engine.compile(bytes.value());
  if (!compiled.ok()) {
    std::cerr << "error: " << source << ": " << compiled.error().describe() << "\n";
    return exitCodeFor(compiled.error());
  }
  auto context = WasiContext::create(std::move(wasi));
  if (!context.ok()) return reportError(context.error());
  Linker linker;
  linkWasi(linker, context.value());
  // wasi:cuda is linked for every guest; without a GPU (or with --no-gpu) its calls return -1.
  // The driver loads only at the guest's first GPU call; the context's destructor syncs and
  // frees the guest's device memory when the run ends.
  auto cuda = CudaGuestContext::create(a.gpu ? gpu::GpuRuntime::process() : nullptr, cudaConfig);
  linkCuda(linker, cuda);
  // wasi:tensor streams to stdout; both it and wasi:scheduler share the --deadline timer's
  // deadline and interrupt flag, so a guest yielding sees the same deadline the engine enforces.
  std::optional<SteadyTime> deadlineAt;
  if (deadline) deadlineAt = std::chrono::steady_clock::now() + *deadline;
  linkGuestInterfaces(linker, {std::make_shared<TensorStreamContext>(TensorConfig{
                                   std::move(inputBytes), {}, fdTensorSink(1), nullptr, &interrupt, deadlineAt}),
                               std::make_shared<SchedulerContext>(SchedulerConfig{deadlineAt, &interrupt, {}})});

  CallOptions options;
  options.interrupt = &interrupt;
  std::optional<DeadlineTimer> timer;
  if (deadline) timer.emplace(interrupt, *deadline);

  auto instance = linker.instantiate(engine, compiled.value(), options);
  if (!instance.ok()) return reportError(instance.error());
  Instance& inst = *instance.value();
  if (restorePoint) {
    Result<void> restored = restoreRun(*restorePoint, inst, *cuda);
    if (!restored.ok()) return reportError(restored.error());
  }
  auto saveSnapshot = [&]() -> int {
    if (a.snapshot.save.empty()) return kExitOk;
    Result<void> saved =
        saveRunSnapshot(inst, a.snapshot, restorePoint ? &*restorePoint : nullptr, *cuda);
    return saved.ok() ? kExitOk : reportError(saved.error());
  };

  if (a.invoke.empty()) {
    std::optional<Extern> start = inst.getExport("_start");
    if (!start || start->kind != ExternKind::Func) {
      return reportError("'" + source + "' has no _start export (a reactor module needs --invoke NAME)", kExitUsage);
    }
    auto r = inst.call(*start->func, {}, options);
    if (!r.ok()) return reportError(r.error());
    return saveSnapshot();
  }

  std::optional<Extern> target = inst.getExport(a.invoke);
  if (!target || target->kind != ExternKind::Func) {
    return reportError("'" + source + "' exports no function '" + a.invoke + "'", kExitUsage);
  }
  if (a.invoke != "_initialize" && !restorePoint) {  // a restored instance was initialized before
    if (std::optional<Extern> init = inst.getExport("_initialize"); init && init->kind == ExternKind::Func) {
      auto r = inst.call(*init->func, {}, options);
      if (!r.ok()) return reportError(r.error());
    }
  }
  Result<std::vector<Value>> args = parseArgsJson(a.args.empty() ? "[]" : a.args, target->func->type.params);
  if (!args.ok()) {
    std::cerr << "error: " << a.invoke << " " << target->func->type.toString() << ": " << args.error().message << "\n";
    return kExitUsage;
  }
  auto results = inst.call(*target->func, args.value(), options);
  if (!results.ok()) return reportError(results.error());
  Result<std::string> text = formatResults(results.value());
  if (!text.ok()) return reportError(text.error().message, kExitGeneric);
  if (!text->empty()) std::cout << text.value() << "\n";
  std::cout.flush();
  return saveSnapshot();
}

}  // namespace

void addRunCommand(CLI::App& app, CommandAction& action, std::vector<std::string> trailing) {
  auto a = std::make_shared<RunArgs>();
  a->trailing = std::move(trailing);
  CLI::App* sub = app.add_subcommand("run", "Run a WASI command, or call one export with typed arguments");
  sub->add_option("file", a->file, "The module (.wasm); with --restore, optional");
  sub->add_option("guest_args", a->guestArgs, "Arguments for the guest (put them after -- if they start with -)");
  sub->add_option("--invoke", a->invoke, "Call this export instead of _start and print its results");
  sub->add_option("--args", a->args, "Arguments for --invoke as a JSON array, e.g. [1, 2.5]");
  sub->add_option("--dir", a->dirs, "Preopen a host directory: HOST[::GUEST]");
  sub->add_option("--env", a->env, "Set an environment variable for the guest: K=V");
  sub->add_option("--tier", a->tier, "Execution tier: interp, jit or auto")
      ->check(CLI::IsMember({"interp", "jit", "auto"}));
  sub->add_option("--deadline", a->deadline, "Stop the guest after this long (250ms, 2s, 1m); exit 124");
  sub->add_option("--max-memory", a->maxMemory, "Linear memory cap (64KiB, 256MiB, 1GiB); default 256MiB");
  sub->add_option("--input", a->input, "The guest's input (wasi:tensor read-input, and stdin): TEXT, or @FILE");
  sub->add_flag("--gpu,!--no-gpu", a->gpu, "Give the guest the GPU through wasi:cuda (default: on when a GPU is present)");
  sub->add_option("--gpu-memory-cap", a->gpuMemoryCap, "The guest's GPU memory cap per device (e.g. 512MiB); default 4GiB");
  sub->add_option("--offload", a->offload, "SIMD offload: on, off or auto (not available in this build)");
  sub->add_option("--save-snapshot", a->snapshot.save, "Snapshot the instance after the call into this file (self-contained, signed)");
  sub->add_option("--restore", a->snapshot.restore, "Start from a snapshot: an exported FILE, or sha256:DIGEST in the data directory's store");
  sub->add_option("--key-file", a->snapshot.keyFile, "Snapshot key: 64 hex characters or 32 raw bytes (default: TENSOR_WASM_API_SNAPSHOT_HMAC_KEY, else the store key)");
  sub->add_option("--tenant", a->snapshot.tenant, "Tenant id recorded in a saved snapshot and required of a restored one (default 0)");
  sub->callback([a, &action] { action = [a] { return runRun(*a); }; });
}

}  // namespace tw::cli
