// The native HTTP API of http-api.md over the service layer: authentication with scoped bearer
// tokens, the request's tenant and the two-step tenant check, and the routes for functions,
// invocations (sync, async and streamed) and jobs, each answering with the API's JSON or its error
// envelope. Cheap work (auth, lookups, validation) runs on the I/O thread that read the
// request; compiling a module runs on the API's own worker threads and guest code on the
// executor's, so an I/O thread never blocks on either.
// Thread-safety: handle() is called concurrently from the I/O threads.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tensorwasm/gpu/gpu.h"
#include "tensorwasm/http/server.h"
#include "tensorwasm/service/executor.h"
#include "tensorwasm/service/function_catalog.h"
#include "tensorwasm/service/instances.h"
#include "tensorwasm/storage/kernel_registry.h"

namespace tw::http {

struct ApiToken {
  std::string token;
  bool allTenants = false;
  std::set<uint64_t> tenants;
};

struct ApiSettings {
  std::vector<ApiToken> tokens;        // none: dev mode, no authentication
  bool requireTenant = false;          // TENSOR_WASM_API_REQUIRE_TENANT
  std::vector<std::string> trustedHosts;  // TENSOR_WASM_API_TRUSTED_HOSTS; empty: any Host
  std::chrono::milliseconds invokeDeadline{30'000};  // TENSOR_WASM_INVOKE_DEADLINE
  std::vector<std::string> kernelPublishTokens;      // TENSOR_WASM_API_KERNEL_PUBLISH_TOKENS
  std::map<std::string, std::string> openaiModels;   // TENSOR_WASM_API_OPENAI_MODEL_MAP: model -> function id
  // Rate limits (token buckets; 0 qps disables): per (token, tenant), or per (peer, tenant) in
  // dev mode, overridable per tenant in the tenants file; and an optional per-token backstop.
  double tenantQps = 10, tenantBurst = 20;     // TENSOR_WASM_API_TENANT_RATE_LIMIT_QPS / _BURST
  double tokenQps = 0, tokenBurst = 0;         // TENSOR_WASM_API_RATE_LIMIT_QPS / _BURST
  std::string version, gitSha;
  std::string metricsToken;  // TENSOR_WASM_API_METRICS_TOKEN; empty: /metrics is open
};

// `token:tenant=*`, `token:tenant=1,2,3` or a bare `token` (wildcard), comma-separated. Entries
// with a bad tenant id are dropped; both that and a bare token add a line to `warnings`.
std::vector<ApiToken> parseTokens(std::string_view text, std::vector<std::string>& warnings);

// The API settings from the environment (`lookup` stands for getenv). A malformed value is a
// Usage error naming the variable.
Result<ApiSettings> apiSettingsFromEnvironment(std::vector<std::string>& warnings,
                                               const std::function<const char*(const char*)>& lookup);

struct ApiServices {
  std::shared_ptr<service::FunctionCatalog> catalog;
  std::shared_ptr<service::InstanceRegistry> instances;
  std::shared_ptr<service::TenantQuotas> quotas;  // the tenants file's rate overrides
  std::shared_ptr<class AuditLog> audit;          // null: no audit records
  std::shared_ptr<service::Executor> executor;
  std::shared_ptr<gpu::GpuRuntime> gpu;  // null: no GPU layer (healthz says so)
  std::shared_ptr<storage::KernelRegistry> kernels;  // null: no registry key configured
};

class Api {
 public:
  Api(ApiSettings settings, ApiServices services);
  ~Api();  // waits for the deploys it runs
  void handle(HttpRequest request, std::shared_ptr<ResponseChannel> channel);

  struct Request;
  enum class InvokeMode : uint8_t { None, Sync, Async, Stream };

 private:
  void route(Request& request);
  void healthz(Request& request);
  void metrics(Request& request);
  void deploy(Request& request);
  void listFunctions(Request& request);
  void deleteFunction(Request& request, const std::string& id);
  void invoke(Request& request, const std::string& id, InvokeMode mode);
  void getJob(Request& request, const std::string& id);
  // The OpenAI-compatible gateway (openai.cpp).
  void openaiModelList(Request& request);
  void openaiCompletion(Request& request, bool chat);
  void cancelJob(Request& request, const std::string& id);
  using Invoker = std::function<Result<service::InvokeOutcome>(service::InvokeRequest, const service::RunContext&)>;
  // Reads the invoke body into `call` and `deadline`; false when it answered with an error.
  bool parseInvoke(Request& request, service::InvokeRequest& call, std::chrono::milliseconds& deadline);
  // The function `id` when it exists and belongs to the request's tenant; else answers 404/403.
  std::optional<service::FunctionRecord> ownedFunction(Request& request, const std::string& id);
  std::shared_ptr<service::KeptEntry> ownedInstance(Request& request, const std::string& id);
  void createInstance(Request& request);
  void invokeInstance(Request& request, const std::string& id);
  void deleteInstance(Request& request, const std::string& id);
  void saveSnapshot(Request& request);
  void publishKernel(Request& request);
  void listKernels(Request& request);
  void getKernel(Request& request, const std::string& name, const std::string& version);
  void restoreSnapshot(Request& request);
  void startInvocation(std::shared_ptr<Request> request, const std::string& functionId, Invoker invoker,
                       service::InvokeRequest invoke, std::chrono::milliseconds deadline, InvokeMode mode);
  void startStream(std::shared_ptr<Request> request, const std::string& functionId, Invoker invoker,
                   service::InvokeRequest invoke, std::chrono::milliseconds deadline);

  // False (and a 429 sent) when the request is over a rate limit.
  bool withinRateLimits(Request& request);

  ApiSettings settings_;
  ApiServices services_;
  std::unique_ptr<class RateLimiter> limiter_;
  std::shared_ptr<class Metrics> metrics_;
  boost::asio::thread_pool workers_{2};
};

}  // namespace tw::http
