// `tensorwasm serve`: the HTTP server (http-api.md) over a data directory. Everything a restart
// must keep (modules, the function index, compiled code) lives under the data directory.
// SIGINT/SIGTERM stop it gracefully: no new connections, in-flight invocations finish or hit
// their deadline, then the executor and the transport shut down in that order.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <pthread.h>

#include "common.h"
#include "tensorwasm/cli/app.h"
#include "tensorwasm/http/api.h"
#include "tensorwasm/http/audit.h"
#include "tensorwasm/http/server.h"
#include "tensorwasm/service/function_catalog.h"
#include "tensorwasm/service/registry_kernels.h"
#include "tensorwasm/storage/store_env.h"
#include "tensorwasm/support/units.h"

namespace tw::cli {
namespace {

struct ServeArgs {
  std::string addr = "127.0.0.1:8080";
  std::string dataDir;
  std::vector<std::string> tokens;
  bool allowPlaintextPublic = false;
  unsigned threads = 0;
  std::string tier = "auto";
  std::string maxBody = "64MiB";
  std::string requestTimeout = "10s";
};

// "HOST:PORT" or "[V6]:PORT".
bool splitAddress(const std::string& addr, std::string& host, uint16_t& port) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return false;
  host = addr.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned long p = 0;
  std::string digits = addr.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  p = std::stoul(digits);
  if (p > 65535) return false;
  port = static_cast<uint16_t>(p);
  return !host.empty();
}

bool isLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

bool envFlag(const char* name) {
  const char* v = std::getenv(name);
  return v && std::string_view(v) == "1";
}

// The services behind the API, built from the flags and the environment.
struct Stack {
  std::shared_ptr<service::TenantQuotas> quotas;
  std::shared_ptr<service::Executor> executor;
  std::shared_ptr<service::FunctionCatalog> catalog;
  std::shared_ptr<service::InstanceRegistry> instances;
  std::shared_ptr<gpu::GpuRuntime> gpu;
  std::shared_ptr<storage::KernelRegistry> kernels;
};

Result<Stack> buildStack(const ServeArgs& a, const std::filesystem::path& dataDir) {
  Stack stack;
  TW_ASSIGN(storage::StoreOptions options, storage::storeOptionsFromEnvironment(dataDir));
  TW_ASSIGN(std::optional<storage::KernelRegistryOptions> registry,
            storage::kernelRegistryOptionsFromEnvironment(dataDir, options));
  if (registry) {
    registry->warn = [](const std::string& w) { std::cerr << "warning: kernel registry: " << w << "\n"; };
    TW_ASSIGN(stack.kernels, storage::KernelRegistry::open(std::move(*registry)));
  }
  TW_ASSIGN(storage::ArtifactStore store, storage::ArtifactStore::open(std::move(options)));
  service::TenantTable table;
  if (const char* file = std::getenv("TENSOR_WASM_TENANTS_FILE"); file && *file) {
    Result<service::TenantTable> loaded = service::TenantTable::load(file);
    if (!loaded.ok()) return makeError(ErrorKind::Usage, "TENSOR_WASM_TENANTS_FILE: " + loaded.error().message);
    table = std::move(loaded).value();
  }
  auto quotas = service::TenantQuotas::create(std::move(table));
  stack.quotas = quotas;
  service::ExecutorConfig ec;
  ec.threads = a.threads;
  if (const char* ttl = std::getenv("TENSOR_WASM_JOB_TTL"); ttl && *ttl) {
    Result<std::chrono::nanoseconds> d = parseDuration(ttl);
    if (!d.ok()) return makeError(ErrorKind::Usage, "TENSOR_WASM_JOB_TTL: not a duration: " + std::string(ttl));
    ec.jobTtl = std::chrono::duration_cast<std::chrono::milliseconds>(d.value());
  }
  stack.executor = std::make_shared<service::Executor>(ec, quotas);
  TW_ASSIGN(std::unique_ptr<ExecutionTier> tier, makeTier(a.tier, /*codeCache=*/true));
  service::CatalogConfig cc;
  cc.engine = std::make_shared<Engine>(EngineConfig{}, std::move(tier));
  cc.store = std::make_shared<storage::ArtifactStore>(std::move(store));
  cc.indexFile = dataDir / "functions.db";
  cc.quotas = quotas;
  stack.gpu = gpu::GpuRuntime::process();
  cc.setup.gpu = stack.gpu;
  if (stack.kernels) cc.setup.cuda.kernels = service::registryKernelSource(stack.kernels);
  TW_ASSIGN(stack.catalog, service::FunctionCatalog::open(std::move(cc)));
  std::optional<storage::Key> snapshotKey;
  if (const char* hex = std::getenv("TENSOR_WASM_API_SNAPSHOT_HMAC_KEY"); hex && *hex) {
    Result<storage::Key> key = storage::Key::fromHex(hex);
    if (!key.ok()) return makeError(ErrorKind::Usage, "TENSOR_WASM_API_SNAPSHOT_HMAC_KEY: expected 64 hex characters");
    snapshotKey = key.value();
  }
  TW_ASSIGN(stack.instances, service::InstanceRegistry::open(stack.catalog, snapshotKey));
  return stack;
}

// SIGHUP: the tenants file is read again; a file that no longer parses keeps the old limits.
void reloadTenants(service::TenantQuotas& quotas) {
  const char* file = std::getenv("TENSOR_WASM_TENANTS_FILE");
  if (!file || !*file) return;
  Result<service::TenantTable> table = service::TenantTable::load(file);
  if (!table.ok()) {
    std::cerr << "tensorwasm serve: SIGHUP: keeping the previous tenants: " << table.error().message << "\n";
    return;
  }
  quotas.setTable(std::move(table).value());
  std::cerr << "tensorwasm serve: SIGHUP: tenants file reloaded\n";
}

int runServe(const ServeArgs& a) {
  std::string host;
  uint16_t port = 0;
  if (!splitAddress(a.addr, host, port)) return reportError("--addr must be HOST:PORT, got '" + a.addr + "'", kExitUsage);
  if (!a.dataDir.empty()) setenv("TENSOR_WASM_DATA_DIR", a.dataDir.c_str(), 1);  // the code cache reads it too
  Result<std::filesystem::path> dataDir = storage::dataDirFromEnvironment();
  if (!dataDir.ok()) return reportError(dataDir.error());

  std::vector<std::string> warnings;
  Result<http::ApiSettings> settings = http::apiSettingsFromEnvironment(warnings, [](const char* n) { return std::getenv(n); });
  if (!settings.ok()) return reportError(settings.error());
  for (const std::string& t : a.tokens) {
    for (http::ApiToken& token : http::parseTokens(t, warnings)) settings.value().tokens.push_back(std::move(token));
  }
  settings.value().version = TW_VERSION;
  settings.value().gitSha = TW_GIT_COMMIT;
  if (settings.value().tokens.empty()) {
    warnings.push_back("no API tokens configured: dev mode, every request is unauthenticated");
    if (!isLoopback(host) && !a.allowPlaintextPublic && !envFlag("TENSOR_WASM_ALLOW_PLAINTEXT_PUBLIC")) {
      return reportError("refusing to serve without tokens on the non-loopback address " + host +
                             " (configure TENSOR_WASM_API_TOKENS, or pass --allow-plaintext-public)",
                         kExitUsage);
    }
  }
  for (const std::string& w : warnings) std::cerr << "warning: " << w << "\n";

  // Threads started from here on inherit the blocked signals; only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Result<Stack> stack = buildStack(a, dataDir.value());
  if (!stack.ok()) return reportError(stack.error());
  const char* auditSpec = std::getenv("TENSOR_WASM_API_AUDIT_LOG");
  Result<std::shared_ptr<http::AuditLog>> audit = http::AuditLog::open(auditSpec ? auditSpec : "stdout");
  if (!audit.ok()) return reportError(audit.error());
  auto api = std::make_unique<http::Api>(std::move(settings).value(),
                                         http::ApiServices{stack.value().catalog, stack.value().instances, stack.value().quotas,
                                                           audit.value(), stack.value().executor,
                                                           stack.value().gpu, stack.value().kernels});
  http::ServerConfig sc;
  Result<uint64_t> maxBody = parseSize(a.maxBody);
  Result<std::chrono::nanoseconds> timeout = parseDuration(a.requestTimeout);
  if (!maxBody.ok()) return reportError("--max-body: " + maxBody.error().message, kExitUsage);
  if (!timeout.ok() || timeout.value().count() <= 0) return reportError("--request-timeout must be a positive duration", kExitUsage);
  sc.bodyLimit = maxBody.value();
  sc.headerTimeout = sc.bodyStallTimeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout.value());
  sc.address = host == "localhost" ? "127.0.0.1" : host;
  sc.port = port;
  sc.ioThreads = a.threads ? a.threads : 2;
  auto server = http::HttpServer::start(sc, [api = api.get()](http::HttpRequest r, std::shared_ptr<http::ResponseChannel> c) {
    api->handle(std::move(r), std::move(c));
  });
  if (!server.ok()) return reportError(server.error());
  std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::cout << "listening on http://" << shown << ":" << server.value()->port() << std::endl;

  int signal = 0;
  while (sigwait(&signals, &signal) == 0 && signal == SIGHUP) reloadTenants(*stack.value().quotas);
  std::cerr << "tensorwasm serve: " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ", shutting down\n";
  server.value()->stop();
  api.reset();
  stack.value().executor.reset();
  stack.value().instances.reset();
  return kExitOk;
}

}  // namespace

void addServeCommand(CLI::App& app, CommandAction& action) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* sub = app.add_subcommand("serve", "Run the HTTP server (deploy, invoke, jobs)");
  sub->add_option("--addr", a->addr, "Address to listen on, HOST:PORT (default 127.0.0.1:8080; port 0 picks one)");
  sub->add_option("--data-dir", a->dataDir, "Data directory (default: TENSOR_WASM_DATA_DIR, else $XDG_DATA_HOME/tensorwasm)");
  sub->add_option("--token", a->tokens, "An API token, as in TENSOR_WASM_API_TOKENS (token:tenant=*|N,...)");
  sub->add_flag("--allow-plaintext-public", a->allowPlaintextPublic, "Allow dev mode (no tokens) on a non-loopback address");
  sub->add_option("--threads", a->threads, "Executor and I/O threads (default: one executor thread per core, 2 I/O)");
  sub->add_option("--max-body", a->maxBody, "Largest request body (default 64MiB); larger: 413 body_too_large");
  sub->add_option("--request-timeout", a->requestTimeout, "Time for a request's headers, and the longest body stall (default 10s); then 408");
  sub->add_option("--tier", a->tier, "Execution tier: interp, jit or auto")->check(CLI::IsMember({"interp", "jit", "auto"}));
  sub->callback([a, &action] { action = [a] { return runServe(*a); }; });
}

}  // namespace tw::cli
