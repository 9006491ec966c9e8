// The native API: request context (auth, tenant), routing, and the route handlers.
#include "tensorwasm/http/api.h"

#include <boost/asio/post.hpp>
#include <openssl/crypto.h>

#include <charconv>
#include <cstdlib>
#include <iostream>

#include "api_internal.h"
#include "base64.h"
#include "metrics.h"
#include "rate_limit.h"
#include "tensorwasm/runtime/trap.h"
#include "tensorwasm/service/errors.h"
#include "tensorwasm/snapshot/errors.h"
#include "tensorwasm/storage/digest.h"
#include "tensorwasm/storage/kernel_errors.h"
#include "tensorwasm/storage/kernel_manifest.h"
#include "tensorwasm/support/units.h"
#include "tensorwasm/support/uuid.h"

namespace tw::http {

namespace bhttp = boost::beast::http;
using nlohmann::json;


constexpr size_t kMaxAuthorization = 1024;
constexpr size_t kMaxName = 256;

std::string dumpJson(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// `bytes` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string validUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    auto b = static_cast<unsigned char>(bytes[i]);
    size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= bytes.size();
    uint32_t cp = len == 1 ? b : len == 2 ? b & 0x1F : len == 3 ? b & 0x0F : b & 0x07;
    for (size_t k = 1; ok && k < len; ++k) {
      auto c = static_cast<unsigned char>(bytes[i + k]);
      ok = (c >> 6) == 0x2;
      cp = (cp << 6) | (c & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid too.
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= kMin[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (ok) {
      out.append(bytes.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

// One server-sent event; every line of `data` gets its own `data:` field.
std::string sseFrame(std::string_view event, std::string_view data) {
  std::string frame = "event: " + std::string(event) + "\n";
  size_t start = 0;
  while (true) {
    size_t end = data.find('\n', start);
    frame += "data: " + std::string(data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)) + "\n";
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return frame + "\n";
}

HttpResponse jsonResponse(unsigned status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = dumpJson(body);
  return r;
}

void logLine(const std::string& text) { std::cerr << "tensorwasm serve: " << text << "\n"; }

bool parseU64(std::string_view text, uint64_t& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 10);
  return !text.empty() && ec == std::errc() && p == text.data() + text.size();
}

// The status and kind an engine or service error is reported with. Messages of errors the
// client cannot act on (storage, internal) are replaced, and the detail logged.
HttpResponse responseFor(const Error& e) {
  using service::ServiceErrc;
  struct Mapping { ServiceErrc code; unsigned status; };
  static constexpr Mapping kServiceStatus[] = {
      {ServiceErrc::TenantCapacityExhausted, 429}, {ServiceErrc::CapacityExhausted, 503},
      {ServiceErrc::TenantMemoryExhausted, 429},   {ServiceErrc::ModuleMemoryTooLarge, 413},
      {ServiceErrc::GpuNotAllowed, 403},           {ServiceErrc::DeadlineElapsed, 504},
      {ServiceErrc::Cancelled, 503},               {ServiceErrc::JobNotFound, 404},
      {ServiceErrc::JobFinished, 409},             {ServiceErrc::MissingExport, 400},
      {ServiceErrc::InvalidArgs, 400},             {ServiceErrc::TooManyArgs, 400},
      {ServiceErrc::UnsupportedResultType, 422},
  };
  for (const Mapping& m : kServiceStatus) {
    if (!service::isServiceError(e, m.code)) continue;
    HttpResponse r = errorResponse(m.status, service::name(m.code), e.message);
    if (m.status == 429) r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  if (std::optional<snapshot::SnapshotErrc> code = snapshot::snapshotErrc(e)) {
    using snapshot::SnapshotErrc;
    unsigned status = 400;
    switch (*code) {
      case SnapshotErrc::SignatureInvalid:
      case SnapshotErrc::TenantScopeDenied: status = 403; break;
      case SnapshotErrc::Replayed:
      case SnapshotErrc::TooOld: status = 409; break;
      case SnapshotErrc::NotFound: status = 404; break;
      case SnapshotErrc::TooLarge: status = 413; break;
      case SnapshotErrc::ModuleMismatch:
      case SnapshotErrc::NotCapturable: status = 422; break;
      case SnapshotErrc::GpuStateUnavailable: status = 503; break;
      default: break;
    }
    return errorResponse(status, snapshot::name(*code), e.message);
  }
  if (std::optional<storage::KernelErrc> code = storage::kernelErrc(e)) {
    using storage::KernelErrc;
    unsigned status = 400;
    switch (*code) {
      case KernelErrc::PublisherNotAllowed:
      case KernelErrc::BadSignature: status = 403; break;
      case KernelErrc::AlreadyRegistered: status = 409; break;
      case KernelErrc::NotFound: status = 404; break;
      case KernelErrc::PtxTooLarge: status = 413; break;
      default: break;
    }
    return errorResponse(status, storage::name(*code), e.message);
  }
  if (service::isServiceError(e, service::ServiceErrc::SnapshotSigningNotConfigured)) {
    return errorResponse(503, "snapshot_signing_not_configured", e.message);
  }
  switch (e.kind) {
    case ErrorKind::Trap: return errorResponse(422, "trap", trapMessage(static_cast<TrapKind>(e.code)));
    case ErrorKind::Link:
    case ErrorKind::Instantiate:
    case ErrorKind::Limit: return errorResponse(422, "instantiation_failed", e.message);
    default:
      logLine("internal error: " + e.describe());
      return errorResponse(500, "internal", "internal error");
  }
}

// A bearer token compared in constant time: both sides hashed first, so neither the content
// nor the length of a configured token leaks through timing.
bool sameToken(const std::string& presented, const std::string& configured) {
  auto a = storage::sha256({reinterpret_cast<const uint8_t*>(presented.data()), presented.size()});
  auto b = storage::sha256({reinterpret_cast<const uint8_t*>(configured.data()), configured.size()});
  return CRYPTO_memcmp(a.bytes.data(), b.bytes.data(), a.bytes.size()) == 0;
}

static json functionJson(const service::FunctionRecord& f) {
  return json{{"id", f.id}, {"name", f.name}, {"digest", f.digest.str()}, {"size_bytes", f.sizeBytes},
              {"created_unix_ms", f.createdUnixMs}};
}

static json invokeBody(const std::string& functionId, const std::string& exportName, const service::InvokeOutcome& out) {
  json body{{"function_id", functionId}, {"result", out.result}};
  auto stream = [&](const char* name, const WasiCapturedOutput& captured) {
    if (captured.bytes.empty()) return;
    body[name] = captured.bytes;
    if (captured.truncated) body[std::string(name) + "_truncated"] = true;
  };
  stream("stdout", out.output.stdoutText);
  stream("stderr", out.output.stderrText);
  if (out.output.exitCode) {
    body["exit_code"] = *out.output.exitCode;
  } else if (exportName.empty() || exportName == "_start") {
    body["exit_code"] = 0;
  }
  return body;
}



std::vector<ApiToken> parseTokens(std::string_view text, std::vector<std::string>& warnings) {
  std::vector<ApiToken> tokens;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = std::min(text.find(',', start), text.size());
    std::string_view entry = text.substr(start, end - start);
    start = end + 1;
    // Tenant lists are themselves comma-separated: "t:tenant=1,2" continues into "2".
    if (!entry.empty() && entry.find(':') == std::string_view::npos && !tokens.empty() &&
        !tokens.back().allTenants && entry.find_first_not_of("0123456789") == std::string_view::npos) {
      uint64_t t = 0;
      if (parseU64(entry, t)) tokens.back().tenants.insert(t);
      continue;
    }
    if (entry.empty()) continue;
    ApiToken token;
    size_t colon = entry.find(':');
    token.token = std::string(entry.substr(0, colon));
    if (colon == std::string_view::npos) {
      token.allTenants = true;
      warnings.push_back("a token without ':tenant=' is deprecated and allowed every tenant");
    } else {
      std::string_view scope = entry.substr(colon + 1);
      uint64_t t = 0;
      if (scope == "tenant=*") {
        token.allTenants = true;
      } else if (scope.starts_with("tenant=") && parseU64(scope.substr(7), t)) {
        token.tenants.insert(t);
      } else {
        warnings.push_back("dropped a token entry with a bad tenant scope");
        continue;
      }
    }
    if (!token.token.empty()) tokens.push_back(std::move(token));
  }
  return tokens;
}

Result<ApiSettings> apiSettingsFromEnvironment(std::vector<std::string>& warnings,
                                               const std::function<const char*(const char*)>& lookup) {
  ApiSettings s;
  auto value = [&](const char* name) -> std::optional<std::string> {
    const char* v = lookup(name);
    if (!v || !*v) return std::nullopt;
    return std::string(v);
  };
  if (auto tokens = value("TENSOR_WASM_API_TOKENS")) s.tokens = parseTokens(*tokens, warnings);
  if (auto require = value("TENSOR_WASM_API_REQUIRE_TENANT")) {
    if (*require != "0" && *require != "1") {
      return makeError(ErrorKind::Usage, "TENSOR_WASM_API_REQUIRE_TENANT must be 0 or 1");
    }
    s.requireTenant = *require == "1";
  }
  if (auto hosts = value("TENSOR_WASM_API_TRUSTED_HOSTS")) {
    for (size_t start = 0; start <= hosts->size();) {
      size_t end = std::min(hosts->find(',', start), hosts->size());
      if (end > start) s.trustedHosts.push_back(hosts->substr(start, end - start));
      start = end + 1;
    }
  }
  if (auto token = value("TENSOR_WASM_API_METRICS_TOKEN")) s.metricsToken = *token;
  if (auto tokens = value("TENSOR_WASM_API_KERNEL_PUBLISH_TOKENS")) {
    for (size_t start = 0; start <= tokens->size();) {
      size_t end = std::min(tokens->find(',', start), tokens->size());
      if (end > start) s.kernelPublishTokens.push_back(tokens->substr(start, end - start));
      start = end + 1;
    }
  }
  if (auto map = value("TENSOR_WASM_API_OPENAI_MODEL_MAP")) {
    for (size_t start = 0; start <= map->size();) {
      size_t end = std::min(map->find(',', start), map->size());
      std::string entry = map->substr(start, end - start);
      start = end + 1;
      if (entry.empty()) continue;
      size_t colon = entry.rfind(':');
      if (colon == std::string::npos || colon == 0 || !isUuid(entry.substr(colon + 1))) {
        return makeError(ErrorKind::Usage, "TENSOR_WASM_API_OPENAI_MODEL_MAP: expected model:function-uuid, got '" + entry + "'");
      }
      s.openaiModels[entry.substr(0, colon)] = entry.substr(colon + 1);
    }
  }
  auto rate = [&](const char* name, double& out) -> Result<void> {
    auto v = value(name);
    if (!v) return {};
    char* end = nullptr;
    double d = std::strtod(v->c_str(), &end);
    if (end != v->c_str() + v->size() || !(d >= 0) || d > 1e9) {
      return makeError(ErrorKind::Usage, std::string(name) + ": not a non-negative number: " + *v);
    }
    out = d;
    return {};
  };
  TW_TRY(rate("TENSOR_WASM_API_TENANT_RATE_LIMIT_QPS", s.tenantQps));
  TW_TRY(rate("TENSOR_WASM_API_TENANT_RATE_LIMIT_BURST", s.tenantBurst));
  TW_TRY(rate("TENSOR_WASM_API_RATE_LIMIT_QPS", s.tokenQps));
  TW_TRY(rate("TENSOR_WASM_API_RATE_LIMIT_BURST", s.tokenBurst));
  if (auto deadline = value("TENSOR_WASM_INVOKE_DEADLINE")) {
    Result<std::chrono::nanoseconds> d = parseDuration(*deadline);
    if (!d.ok() || d.value().count() <= 0) {
      return makeError(ErrorKind::Usage, "TENSOR_WASM_INVOKE_DEADLINE: not a positive duration: " + *deadline);
    }
    s.invokeDeadline = std::chrono::duration_cast<std::chrono::milliseconds>(d.value());
  }
  return s;
}

namespace {

// Forwards to the connection's channel and reports the answer (status and body, or a
// stream's head) once, for metrics and the audit log.
class ObservingChannel final : public ResponseChannel {
 public:
  using Observer = std::function<void(unsigned status, const std::string& body)>;
  ObservingChannel(std::shared_ptr<ResponseChannel> inner, Observer observer)
      : inner_(std::move(inner)), observer_(std::move(observer)) {}
  ~ObservingChannel() override {
    if (!noted_.exchange(true)) observer_(500, "");  // dropped: the inner channel answers 500
  }
  void send(HttpResponse response) override {
    note(response.status, response.body);
    inner_->send(std::move(response));
  }
  void startStream(HttpResponse head) override {
    note(head.status, "");
    inner_->startStream(std::move(head));
  }
  bool writePiece(std::string piece, const std::atomic<bool>* stop) override { return inner_->writePiece(std::move(piece), stop); }
  void endStream() override { inner_->endStream(); }
  void onDisconnect(std::function<void()> callback) override { inner_->onDisconnect(std::move(callback)); }
  bool disconnected() const override { return inner_->disconnected(); }

 private:
  void note(unsigned status, const std::string& body) {
    if (!noted_.exchange(true)) observer_(status, body);
  }
  std::shared_ptr<ResponseChannel> inner_;
  Observer observer_;
  std::atomic<bool> noted_{false};
};

// A query value with %XX escapes (and '+' for space) decoded; nullopt for a broken escape.
std::optional<std::string> percentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      uint8_t byte = 0;
      if (i + 2 >= text.size()) return std::nullopt;
      auto [p, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, byte, 16);
      if (ec != std::errc() || p != text.data() + i + 3) return std::nullopt;
      out += static_cast<char>(byte);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The error kind of an error envelope (native "kind" or OpenAI "code"), else "".
std::string errorKindOf(const std::string& body) {
  if (body.empty() || body[0] != '{') return "";
  json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return "";
  const json& e = j["error"];
  if (e.contains("kind") && e["kind"].is_string()) return e["kind"].get<std::string>();
  if (e.contains("code") && e["code"].is_string()) return e["code"].get<std::string>();
  return "";
}

void recordAudit(AuditLog& log, const AuditContext& ctx, unsigned status, const std::string& body) {
  if (status == 401) return;  // no actor
  AuditRecord r = ctx.record;
  r.status = status;
  r.errorKind = errorKindOf(body);
  r.latencyMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - ctx.start).count();
  log.record(r);
}

// The route template of a path: UUID segments become {id}.
std::string routeTemplate(const std::string& path) {
  std::string out;
  for (size_t start = 1; start <= path.size();) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string part = path.substr(start, end - start);
    out += "/" + (isUuid(part) ? std::string("{id}") : part);
    start = end + 1;
  }
  return out;
}

}  // namespace

Api::Api(ApiSettings settings, ApiServices services)
    : settings_(std::move(settings)), services_(std::move(services)), limiter_(std::make_unique<RateLimiter>()),
      metrics_(std::make_shared<Metrics>()) {
  if (services_.instances) {
    metrics_->addGauge("active_instances", [instances = services_.instances] { return double(instances->size()); });
  }
}

void Api::metrics(Request& r) {
  if (!settings_.metricsToken.empty()) {
    std::string value(r.http.headers[bhttp::field::authorization]);
    if (!value.starts_with("Bearer ") || !sameToken(value.substr(7), settings_.metricsToken)) {
      return r.fail(401, "unauthorized", "the metrics token is required");
    }
  }
  HttpResponse response;
  response.contentType = "text/plain; version=0.0.4";
  response.body = metrics_->render(settings_.version, settings_.gitSha);
  r.channel->send(std::move(response));
}

Api::~Api() { workers_.join(); }

void Api::handle(HttpRequest http, std::shared_ptr<ResponseChannel> channel) {
  auto request = std::make_shared<Request>();
  request->openai = http.path.starts_with("/v1/");
  request->http = std::move(http);
  request->channel = std::move(channel);
  Request& r = *request;
  bool audited = services_.audit && r.http.method != bhttp::verb::get && r.http.method != bhttp::verb::head &&
                 r.http.path != "/healthz";
  if (audited) {
    r.audit = std::make_shared<AuditContext>();
    AuditRecord& rec = r.audit->record;
    rec.requestId = r.http.requestId;
    rec.actorKind = settings_.tokens.empty() ? "dev" : "bearer";
    rec.scope = settings_.tokens.empty() ? "*" : "";
    rec.action = r.http.methodText + " " + routeTemplate(r.http.path);
    rec.peer = r.http.peer;
    size_t slash = r.http.path.find('/', 11);
    if (r.http.path.starts_with("/functions/") && isUuid(r.http.path.substr(11, slash == std::string::npos ? std::string::npos : slash - 11))) {
      rec.functionId = r.http.path.substr(11, 36);
    }
  }
  std::string label = Metrics::routeLabel(r.http.path);
  metrics_->started(label, r.http.methodText);
  auto started = std::chrono::steady_clock::now();
  r.channel = std::make_shared<ObservingChannel>(
      std::move(r.channel), [metrics = metrics_, log = services_.audit, ctx = r.audit, label,
                             method = r.http.methodText, started](unsigned status, const std::string& body) {
        metrics->finished(label, method, status,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        if (ctx) recordAudit(*log, *ctx, status, body);
      });
  auto span = [&](bhttp::field f) { return r.http.headers.equal_range(f); };
  if (!settings_.trustedHosts.empty()) {
    std::string host(r.http.headers[bhttp::field::host]);
    bool trusted = false;
    for (const std::string& h : settings_.trustedHosts) trusted |= h == host || host.starts_with(h + ":");
    if (!trusted) return r.fail(400, "host_not_allowed", "the Host header names a host this server does not serve");
  }
  if (r.http.path == "/healthz") return healthz(r);
  if (r.http.path == "/metrics") return metrics(r);
  auto [authBegin, authEnd] = span(bhttp::field::authorization);
  size_t authCount = std::distance(authBegin, authEnd);
  if (authCount > 1) return r.fail(400, "bad_request", "more than one Authorization header");
  if (!settings_.tokens.empty()) {
    if (authCount == 0) return r.fail(401, "missing_auth", "an Authorization: Bearer token is required");
    std::string value(authBegin->value());
    if (value.size() > kMaxAuthorization || !value.starts_with("Bearer ")) {
      return r.fail(401, "invalid_auth", "the Authorization header is not a valid bearer token");
    }
    std::string presented = value.substr(7);
    for (const ApiToken& t : settings_.tokens) {
      if (sameToken(presented, t.token)) r.token = &t;
    }
    if (!r.token) return r.fail(401, "invalid_auth", "unknown bearer token");
    if (r.audit) {
      r.audit->record.tokenId = services_.audit->tokenId(r.token->token);
      std::string scope;
      for (uint64_t t : r.token->tenants) scope += (scope.empty() ? "" : ",") + std::to_string(t);
      r.audit->record.scope = r.token->allTenants ? "*" : scope;
    }
  }
  auto [tenantBegin, tenantEnd] = r.http.headers.equal_range("X-TensorWasm-Tenant");
  size_t tenantCount = std::distance(tenantBegin, tenantEnd);
  if (tenantCount > 1) return r.fail(400, "duplicate_tenant_header", "X-TensorWasm-Tenant appears more than once");
  if (tenantCount == 1) {
    if (!parseU64(tenantBegin->value(), r.tenant)) {
      return r.fail(400, "invalid_tenant", "X-TensorWasm-Tenant must be an unsigned 64-bit integer");
    }
  } else if (settings_.requireTenant) {
    return r.fail(400, "missing_tenant", "the X-TensorWasm-Tenant header is required");
  } else if (r.token && !r.token->allTenants && r.token->tenants.size() == 1) {
    r.tenant = *r.token->tenants.begin();
  }
  if (r.audit) r.audit->record.tenant = r.tenant;
  if (!r.covers(r.tenant)) {
    return r.fail(403, "tenant_scope_denied", "the token does not cover tenant " + std::to_string(r.tenant));
  }
  if (!withinRateLimits(r)) return;
  route(r);
}

bool Api::withinRateLimits(Request& r) {
  double qps = settings_.tenantQps, burst = settings_.tenantBurst;
  if (services_.quotas) {
    service::TenantLimits limits = services_.quotas->limits(r.tenant);
    if (limits.rateQps) qps = *limits.rateQps;
    if (limits.rateBurst) burst = *limits.rateBurst;
  }
  // Keys never hold the token itself: its digest stands for it.
  std::string who = r.token ? storage::sha256({reinterpret_cast<const uint8_t*>(r.token->token.data()),
                                               r.token->token.size()}).hex()
                            : r.http.peer.substr(0, r.http.peer.rfind(':'));
  int retry = 1;
  bool ok = qps <= 0 || limiter_->take("t|" + who + "|" + std::to_string(r.tenant), qps, std::max(burst, 1.0), retry);
  if (ok && r.token && settings_.tokenQps > 0) {
    ok = limiter_->take("k|" + who, settings_.tokenQps, std::max(settings_.tokenBurst, 1.0), retry);
  }
  if (ok) return true;
  HttpResponse response = r.openai ? openaiError(429, "rate_limited", "rate limit exceeded")
                                   : errorResponse(429, "rate_limited", "rate limit exceeded");
  response.headers.emplace_back("Retry-After", std::to_string(retry));
  r.channel->send(std::move(response));
  return false;
}

void Api::route(Request& r) {
  std::vector<std::string> parts;
  for (size_t start = 1; start <= r.http.path.size();) {
    size_t end = std::min(r.http.path.find('/', start), r.http.path.size());
    parts.push_back(r.http.path.substr(start, end - start));
    start = end + 1;
  }
  bhttp::verb m = r.http.method;
  auto methodNotAllowed = [&] { r.fail(405, "method_not_allowed", "method not allowed on " + r.http.path); };
  auto validId = [&](const std::string& id) {
    if (isUuid(id)) return true;
    r.fail(400, "invalid_id", "ids are UUIDs");
    return false;
  };
  if (parts.size() == 1 && parts[0] == "functions") {
    if (m == bhttp::verb::post) return deploy(r);
    if (m == bhttp::verb::get) return listFunctions(r);
    return methodNotAllowed();
  }
  if (parts.size() == 2 && parts[0] == "functions") {
    if (!validId(parts[1])) return;
    if (m == bhttp::verb::delete_) return deleteFunction(r, parts[1]);
    return methodNotAllowed();
  }
  if (parts.size() == 3 && parts[0] == "functions") {
    InvokeMode mode = parts[2] == "invoke" ? InvokeMode::Sync
                      : parts[2] == "invoke-async" ? InvokeMode::Async
                      : parts[2] == "invoke-stream" ? InvokeMode::Stream : InvokeMode::None;
    if (mode != InvokeMode::None) {
      if (!validId(parts[1])) return;
      if (m != bhttp::verb::post) return methodNotAllowed();
      return invoke(r, parts[1], mode);
    }
  }
  if (parts.size() == 2 && parts[0] == "v1") {
    if (parts[1] == "models" && m == bhttp::verb::get) return openaiModelList(r);
    if (parts[1] == "completions" && m == bhttp::verb::post) return openaiCompletion(r, false);
  }
  if (parts.size() == 3 && parts[0] == "v1" && parts[1] == "chat" && parts[2] == "completions" &&
      m == bhttp::verb::post) {
    return openaiCompletion(r, true);
  }
  if (parts.size() == 1 && parts[0] == "instances") {
    if (m != bhttp::verb::post) return methodNotAllowed();
    return createInstance(r);
  }
  if (parts.size() == 2 && parts[0] == "instances") {
    if (!validId(parts[1])) return;
    if (m == bhttp::verb::delete_) return deleteInstance(r, parts[1]);
    return methodNotAllowed();
  }
  if (parts.size() == 3 && parts[0] == "instances" && parts[2] == "invoke") {
    if (!validId(parts[1])) return;
    if (m != bhttp::verb::post) return methodNotAllowed();
    return invokeInstance(r, parts[1]);
  }
  if (parts.size() == 2 && parts[0] == "snapshot" && (parts[1] == "save" || parts[1] == "restore")) {
    if (m != bhttp::verb::post) return methodNotAllowed();
    return parts[1] == "save" ? saveSnapshot(r) : restoreSnapshot(r);
  }
  if (parts.size() == 1 && parts[0] == "kernels") {
    if (m == bhttp::verb::post) return publishKernel(r);
    if (m == bhttp::verb::get) return listKernels(r);
    return methodNotAllowed();
  }
  if (parts.size() == 3 && parts[0] == "kernels") {
    if (!storage::isKernelName(parts[1]) || !storage::isKernelName(parts[2])) {
      return r.fail(400, "invalid_id", "kernel names and versions match [A-Za-z0-9._-]{1,128}");
    }
    if (m != bhttp::verb::get) return methodNotAllowed();
    return getKernel(r, parts[1], parts[2]);
  }
  if (parts.size() == 2 && parts[0] == "jobs") {
    if (!validId(parts[1])) return;
    if (m == bhttp::verb::get) return getJob(r, parts[1]);
    if (m == bhttp::verb::delete_) return cancelJob(r, parts[1]);
    return methodNotAllowed();
  }
  r.fail(404, "not_found", "no route " + r.http.path);
}

void Api::healthz(Request& r) {
  json gpuJson{{"available", false}, {"mps", false}, {"devices", json::array()}};
  if (!services_.gpu) {
    gpuJson["reason"] = "the GPU is disabled on this server";
  } else {
    gpu::GpuInfo info = services_.gpu->info();
    gpuJson["available"] = info.available;
    gpuJson["mps"] = info.mpsActive;
    if (!info.available) gpuJson["reason"] = info.reason;
    if (info.driverVersion) gpuJson["driver_version"] = info.driverVersion;
    for (const gpu::DeviceInfo& d : info.devices) {
      gpuJson["devices"].push_back({{"ordinal", d.ordinal}, {"name", d.name},
                                    {"compute_capability", std::to_string(d.ccMajor) + "." + std::to_string(d.ccMinor)},
                                    {"memory_total_bytes", d.totalBytes},
                                    {"memory_used_bytes", d.totalBytes - d.freeBytes}});
    }
  }
  r.reply(200, {{"status", "ok"}, {"version", settings_.version}, {"gpu", gpuJson}});
}

void Api::deploy(Request& r) {
  std::string name;
  std::string wasm;
  std::string contentType(r.http.headers[bhttp::field::content_type]);
  if (contentType.starts_with("application/wasm")) {
    for (size_t start = 0; start <= r.http.query.size();) {
      size_t end = std::min(r.http.query.find('&', start), r.http.query.size());
      std::string_view kv = std::string_view(r.http.query).substr(start, end - start);
      if (kv.starts_with("name=")) {
        std::optional<std::string> decoded = percentDecode(kv.substr(5));
        if (!decoded) return r.fail(400, "invalid_name", "the name is not valid percent-encoding");
        name = std::move(*decoded);
      }
      start = end + 1;
    }
    wasm = std::move(r.http.body);
  } else {
    json body = json::parse(r.http.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return r.fail(400, "invalid_json", "the body is not a JSON object");
    if (!body.contains("name") || !body["name"].is_string()) return r.fail(400, "invalid_name", "\"name\" must be a string");
    if (!body.contains("wasm_b64") || !body["wasm_b64"].is_string()) {
      return r.fail(400, "invalid_base64", "\"wasm_b64\" must be a base64 string");
    }
    name = body["name"].get<std::string>();
    std::optional<std::string> bytes = decodeBase64(body["wasm_b64"].get_ref<const std::string&>());
    if (!bytes) return r.fail(400, "invalid_base64", "\"wasm_b64\" is not valid base64");
    wasm = std::move(*bytes);
  }
  bool controlChar = false;
  for (unsigned char c : name) controlChar |= c < 0x20 || c == 0x7F;
  if (name.empty() || name.size() > kMaxName || controlChar) {
    return r.fail(400, "invalid_name", "a name is 1 to 256 characters without control characters");
  }
  boost::asio::post(workers_, [this, shared = r.shared_from_this(), name = std::move(name), wasm = std::move(wasm)] {
    auto bytes = std::span(reinterpret_cast<const uint8_t*>(wasm.data()), wasm.size());
    Result<service::FunctionRecord> f = services_.catalog->deploy(shared->tenant, name, bytes);
    if (f.ok()) return shared->reply(200, {{"id", f.value().id}, {"digest", f.value().digest.str()}});
    const Error& e = f.error();
    bool invalidWasm = e.kind == ErrorKind::Malformed || e.kind == ErrorKind::Invalid || e.kind == ErrorKind::Unsupported;
    if (invalidWasm) return shared->fail(400, "invalid_wasm", e.describe());
    shared->fail(e);
  });
}

void Api::listFunctions(Request& r) {
  Result<std::vector<service::FunctionRecord>> all = services_.catalog->list(r.tenant);
  if (!all.ok()) return r.fail(all.error());
  json out = json::array();
  for (const service::FunctionRecord& f : all.value()) out.push_back(functionJson(f));
  r.reply(200, {{"functions", out}});
}

void Api::deleteFunction(Request& r, const std::string& id) {
  Result<std::optional<service::FunctionRecord>> f = services_.catalog->find(id);
  if (!f.ok()) return r.fail(f.error());
  if (!f.value()) return r.fail(404, "not_found", "no function " + id);
  if (f.value()->tenant != r.tenant) return r.fail(403, "tenant_scope_denied", "the function belongs to another tenant");
  Result<bool> removed = services_.catalog->remove(id);
  if (!removed.ok()) return r.fail(removed.error());
  r.channel->send(HttpResponse{204, "application/json", {}, ""});
}

bool Api::parseInvoke(Request& r, service::InvokeRequest& call, std::chrono::milliseconds& deadline) {
  json body = r.http.body.empty() ? json::object() : json::parse(r.http.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    r.fail(400, "invalid_json", "the body is not a JSON object");
    return false;
  }
  if (body.contains("export")) {
    if (!body["export"].is_string()) {
      r.fail(400, "missing_export", "\"export\" must be a string");
      return false;
    }
    call.exportName = body["export"].get<std::string>();
  }
  if (body.contains("args")) call.args = body["args"];
  if (body.contains("input")) {
    if (!body["input"].is_string()) {
      r.fail(400, "invalid_args", "\"input\" must be a string");
      return false;
    }
    call.io.input = body["input"].get<std::string>();
  }
  deadline = settings_.invokeDeadline;
  if (body.contains("deadline_ms")) {
    const json& d = body["deadline_ms"];
    if (!d.is_number_integer() || d.get<int64_t>() < 1) {
      r.fail(400, "invalid_args", "\"deadline_ms\" must be a positive integer");
      return false;
    }
    deadline = std::chrono::milliseconds(d.get<int64_t>());
  }
  return true;
}

std::optional<service::FunctionRecord> Api::ownedFunction(Request& r, const std::string& id) {
  Result<std::optional<service::FunctionRecord>> f = services_.catalog->find(id);
  if (!f.ok()) {
    r.fail(f.error());
    return std::nullopt;
  }
  if (!f.value()) {
    r.fail(404, "not_found", "no function " + id);
    return std::nullopt;
  }
  if (f.value()->tenant != r.tenant) {
    r.fail(403, "tenant_scope_denied", "the function belongs to another tenant");
    return std::nullopt;
  }
  return f.value();
}

void Api::invoke(Request& r, const std::string& id, InvokeMode mode) {
  std::optional<service::FunctionRecord> f = ownedFunction(r, id);
  if (!f) return;
  service::InvokeRequest call;
  std::chrono::milliseconds deadline;
  if (!parseInvoke(r, call, deadline)) return;
  std::shared_ptr<Request> shared = r.shared_from_this();
  auto start = [this, shared, id, mode, deadline](std::shared_ptr<service::Deployment> d, service::InvokeRequest c) {
    if (Result<void> valid = d->validate(c); !valid.ok()) return shared->fail(valid.error());
    Invoker invoker = [d](service::InvokeRequest req, const service::RunContext& run) {
      return d->invoke(std::move(req), run);
    };
    startInvocation(shared, id, std::move(invoker), std::move(c), deadline, mode);
  };
  if (std::shared_ptr<service::Deployment> ready = services_.catalog->cachedDeployment(id)) {
    return start(std::move(ready), std::move(call));
  }
  // First use since start: the module is read from the store and compiled off the I/O thread.
  boost::asio::post(workers_, [this, shared, start, record = *f, call = std::move(call)]() mutable {
    Result<std::shared_ptr<service::Deployment>> d = services_.catalog->deployment(record);
    if (!d.ok()) return shared->fail(d.error());
    start(std::move(d).value(), std::move(call));
  });
}

void Api::startInvocation(std::shared_ptr<Request> request, const std::string& functionId, Invoker invoker,
                          service::InvokeRequest call, std::chrono::milliseconds deadline, InvokeMode mode) {
  if (mode == InvokeMode::Stream) return startStream(std::move(request), functionId, std::move(invoker), std::move(call), deadline);
  std::string exportName = call.exportName;
  service::Task task = [invoker, call = std::move(call), functionId, exportName](
                           const service::RunContext& run) mutable -> Result<json> {
    TW_ASSIGN(service::InvokeOutcome out, invoker(std::move(call), run));
    return invokeBody(functionId, exportName, out);
  };
  if (mode == InvokeMode::Async) {
    Result<std::string> job = services_.executor->submit(request->tenant, functionId, deadline, std::move(task));
    if (!job.ok()) return request->fail(job.error());
    return request->reply(202, {{"job_id", job.value()}});
  }
  auto started = services_.executor->invokeAsync(
      request->tenant, deadline, std::move(task), [request](Result<json> out) {
        if (out.ok()) return request->reply(200, out.value());
        request->fail(out.error());
      });
  if (!started.ok()) request->fail(started.error());
}

namespace {

// Guest chunks onto a streamed answer: SSE frames (`event: chunk`, the bytes as UTF-8 with
// invalid sequences replaced, one `data:` line per line) or the raw bytes.
class StreamSink final : public TensorSink {
 public:
  StreamSink(std::shared_ptr<ResponseChannel> channel, bool sse, const std::atomic<bool>* stop,
             std::shared_ptr<Metrics> metrics)
      : channel_(std::move(channel)), sse_(sse), stop_(stop), metrics_(std::move(metrics)) {}
  bool write(std::string_view chunk) override {
    bool sent = channel_->writePiece(sse_ ? sseFrame("chunk", validUtf8(chunk)) : std::string(chunk), stop_);
    if (sent) metrics_->chunkEmitted();
    return sent;
  }

 private:
  std::shared_ptr<ResponseChannel> channel_;
  bool sse_;
  const std::atomic<bool>* stop_;
  std::shared_ptr<Metrics> metrics_;
};

}  // namespace

void Api::startStream(std::shared_ptr<Request> request, const std::string& functionId, Invoker invoker,
                      service::InvokeRequest call, std::chrono::milliseconds deadline) {
  std::string accept(request->http.headers[bhttp::field::accept]);
  bool sse = accept.find("text/event-stream") != std::string::npos;
  auto started = std::make_shared<std::atomic<bool>>(false);
  std::string exportName = call.exportName;
  service::Task task = [invoker, call = std::move(call), channel = request->channel, sse, started, functionId,
                        exportName, metrics = metrics_](const service::RunContext& run) mutable -> Result<json> {
    HttpResponse head;
    head.contentType = sse ? "text/event-stream" : "application/octet-stream";
    head.headers.emplace_back("Cache-Control", "no-cache");
    channel->startStream(std::move(head));
    started->store(true);
    call.io.sink = std::make_shared<StreamSink>(channel, sse, run.interrupt, metrics);
    TW_ASSIGN(service::InvokeOutcome out, invoker(std::move(call), run));
    return invokeBody(functionId, exportName, out);
  };
  auto done = [request, sse, started](Result<json> out) {
    if (!started->load()) {  // stopped before it ran: an ordinary answer
      if (out.ok()) return request->reply(200, out.value());
      return request->fail(out.error());
    }
    if (sse && out.ok()) {
      request->channel->writePiece(sseFrame("done", dumpJson({{"status", "ok"}, {"result", out.value()["result"]}})));
    } else if (sse) {
      json error = json::parse(responseFor(out.error()).body)["error"];
      request->channel->writePiece(sseFrame("error", dumpJson({{"reason", error["kind"]}, {"message", error["message"]}})));
    }
    request->channel->endStream();
  };
  auto cancel = services_.executor->invokeAsync(request->tenant, deadline, std::move(task), std::move(done));
  if (!cancel.ok()) return request->fail(cancel.error());
  request->channel->onDisconnect(std::move(cancel).value());
}

std::shared_ptr<service::KeptEntry> Api::ownedInstance(Request& r, const std::string& id) {
  std::shared_ptr<service::KeptEntry> entry = services_.instances->find(id);
  if (!entry) {
    r.fail(404, "not_found", "no instance " + id);
  } else if (entry->tenant != r.tenant) {
    r.fail(403, "tenant_scope_denied", "the instance belongs to another tenant");
    entry = nullptr;
  }
  return entry;
}

void Api::createInstance(Request& r) {
  json body = json::parse(r.http.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return r.fail(400, "invalid_json", "the body is not a JSON object");
  std::string id = body.value("function_id", "");
  if (!isUuid(id)) return r.fail(400, "invalid_id", "\"function_id\" must be a function's UUID");
  std::optional<service::FunctionRecord> f = ownedFunction(r, id);
  if (!f) return;
  boost::asio::post(workers_, [this, shared = r.shared_from_this(), record = *f] {
    Result<std::shared_ptr<service::KeptEntry>> entry = services_.instances->create(record);
    if (!entry.ok()) return shared->fail(entry.error());
    shared->reply(201, {{"instance_id", entry.value()->id}});
  });
}

void Api::invokeInstance(Request& r, const std::string& id) {
  std::shared_ptr<service::KeptEntry> entry = ownedInstance(r, id);
  if (!entry) return;
  service::InvokeRequest call;
  std::chrono::milliseconds deadline;
  if (!parseInvoke(r, call, deadline)) return;
  if (Result<void> valid = entry->deployment->validate(call); !valid.ok()) return r.fail(valid.error());
  Invoker invoker = [entry](service::InvokeRequest req, const service::RunContext& run) {
    return entry->instance->invoke(std::move(req), run);
  };
  startInvocation(r.shared_from_this(), entry->functionId, std::move(invoker), std::move(call), deadline, InvokeMode::Sync);
}

void Api::deleteInstance(Request& r, const std::string& id) {
  if (!ownedInstance(r, id)) return;
  services_.instances->remove(id);
  r.channel->send(HttpResponse{204, "application/json", {}, ""});
}

void Api::saveSnapshot(Request& r) {
  json body = json::parse(r.http.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return r.fail(400, "invalid_json", "the body is not a JSON object");
  bool exportFile = body.value("export", false);
  std::shared_ptr<service::KeptEntry> entry;
  std::optional<service::FunctionRecord> fresh;
  if (body.contains("instance_id")) {
    std::string id = body.value("instance_id", "");
    if (!isUuid(id)) return r.fail(400, "invalid_id", "\"instance_id\" must be an instance's UUID");
    if (!(entry = ownedInstance(r, id))) return;
  } else {
    std::string id = body.value("function_id", "");
    if (!isUuid(id)) return r.fail(400, "invalid_id", "give \"instance_id\" or \"function_id\"");
    if (!(fresh = ownedFunction(r, id))) return;
  }
  boost::asio::post(workers_, [this, shared = r.shared_from_this(), entry, fresh, exportFile]() mutable {
    if (fresh) {  // a fresh instance of the function, made for this snapshot only
      Result<std::shared_ptr<service::KeptEntry>> made = services_.instances->create(*fresh);
      if (!made.ok()) return shared->fail(made.error());
      entry = made.value();
      services_.instances->remove(entry->id);
    }
    Result<service::SavedSnapshot> saved = services_.instances->save(*entry, exportFile);
    if (!saved.ok()) return shared->fail(saved.error());
    json out{{"snapshot_id", saved.value().id.str()}, {"size_bytes", saved.value().sizeBytes}};
    const std::vector<uint8_t>& file = saved.value().exportedFile;
    if (exportFile) out["snapshot_b64"] = encodeBase64({reinterpret_cast<const char*>(file.data()), file.size()});
    shared->reply(200, out);
  });
}

void Api::restoreSnapshot(Request& r) {
  service::RestoreRequest restore;
  restore.checks.tenantId = r.tenant;
  std::string contentType(r.http.headers[bhttp::field::content_type]);
  if (contentType.starts_with("application/octet-stream")) {
    restore.file.assign(r.http.body.begin(), r.http.body.end());
  } else {
    json body = json::parse(r.http.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return r.fail(400, "invalid_json", "the body is not a JSON object");
    if (body.contains("snapshot_id")) {
      Result<storage::Digest> digest = storage::Digest::parse(body.value("snapshot_id", ""));
      if (!digest.ok()) return r.fail(400, "invalid_id", "\"snapshot_id\" must be sha256:<64 hex>");
      restore.id = digest.value();
    } else if (body.contains("snapshot_b64") && body["snapshot_b64"].is_string()) {
      std::optional<std::string> bytes = decodeBase64(body["snapshot_b64"].get_ref<const std::string&>());
      if (!bytes) return r.fail(400, "invalid_base64", "\"snapshot_b64\" is not valid base64");
      restore.file.assign(bytes->begin(), bytes->end());
    } else {
      return r.fail(400, "invalid_json", "give \"snapshot_id\" or \"snapshot_b64\"");
    }
    if (body.contains("min_sequence_no")) {
      if (!body["min_sequence_no"].is_number_unsigned()) return r.fail(400, "invalid_json", "\"min_sequence_no\" must be an unsigned integer");
      restore.checks.minSequenceNo = body["min_sequence_no"].get<uint64_t>();
    }
    if (body.contains("max_age_ms")) {
      if (!body["max_age_ms"].is_number_unsigned()) return r.fail(400, "invalid_json", "\"max_age_ms\" must be an unsigned integer");
      restore.checks.maxAge = std::chrono::milliseconds(body["max_age_ms"].get<uint64_t>());
    }
    if (body.contains("nonce")) {
      std::string hex = body["nonce"].is_string() ? body["nonce"].get<std::string>() : "";
      snapshot::Nonce nonce{};
      bool ok = hex.size() == 32;
      for (size_t i = 0; ok && i < 16; ++i) {
        auto [p, ec] = std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, nonce[i], 16);
        ok = ec == std::errc() && p == hex.data() + 2 * i + 2;
      }
      if (!ok) return r.fail(400, "invalid_json", "\"nonce\" must be 32 hex characters");
      restore.checks.expectedNonce = nonce;
    }
  }
  boost::asio::post(workers_, [this, shared = r.shared_from_this(), restore = std::move(restore)] {
    Result<std::shared_ptr<service::KeptEntry>> entry = services_.instances->restore(restore);
    if (!entry.ok()) return shared->fail(entry.error());
    shared->reply(201, {{"instance_id", entry.value()->id}});
  });
}

namespace {

uint64_t queryNumber(const std::string& query, std::string_view key, uint64_t fallback, bool& bad) {
  for (size_t start = 0; start <= query.size();) {
    size_t end = std::min(query.find('&', start), query.size());
    std::string_view kv = std::string_view(query).substr(start, end - start);
    start = end + 1;
    if (!kv.starts_with(key) || kv.size() <= key.size() || kv[key.size()] != '=') continue;
    uint64_t v = 0;
    if (!parseU64(kv.substr(key.size() + 1), v)) bad = true;
    return v;
  }
  return fallback;
}

}  // namespace

void Api::publishKernel(Request& r) {
  if (!services_.kernels) return r.fail(503, "kernel_registry_not_configured", "this server has no kernel registry key");
  if (!r.token) return r.fail(403, "kernel_publish_disabled_in_dev_mode", "publishing kernels needs a configured token");
  bool allowed = false;
  for (const std::string& t : settings_.kernelPublishTokens) allowed |= sameToken(r.token->token, t);
  if (!allowed) return r.fail(403, "kernel_publish_scope_required", "this token may not publish kernels");
  json body = json::parse(r.http.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("manifest") || !body["manifest"].is_object() ||
      !body.contains("ptx_text") || !body["ptx_text"].is_string()) {
    return r.fail(400, "invalid_json", "the body is {\"manifest\": {...}, \"ptx_text\": \"...\"}");
  }
  Result<storage::KernelManifest> manifest = storage::parseKernelManifest(body["manifest"].dump());
  if (!manifest.ok()) return r.fail(manifest.error());
  boost::asio::post(workers_, [this, shared = r.shared_from_this(), m = manifest.value(),
                               ptx = body["ptx_text"].get<std::string>()] {
    Result<void> published = services_.kernels->publish(m, ptx);
    if (!published.ok()) return shared->fail(published.error());
    shared->reply(201, {{"name", m.name}, {"version", m.version}, {"sm_version", m.smVersion}});
  });
}

void Api::listKernels(Request& r) {
  if (!services_.kernels) return r.fail(503, "kernel_registry_not_configured", "this server has no kernel registry key");
  bool bad = false;
  uint64_t offset = queryNumber(r.http.query, "offset", 0, bad);
  uint64_t limit = queryNumber(r.http.query, "limit", storage::kDefaultKernelListLimit, bad);
  if (bad || limit == 0) return r.fail(400, "invalid_query", "offset and limit are unsigned integers, limit at least 1");
  storage::KernelPage page = services_.kernels->list(offset, static_cast<uint32_t>(std::min<uint64_t>(limit, storage::kMaxKernelListLimit)));
  json manifests = json::array();
  for (const storage::KernelManifest& m : page.manifests) manifests.push_back(json::parse(storage::kernelManifestJson(m)));
  r.reply(200, {{"manifests", manifests}, {"offset", page.offset}, {"limit", page.limit}, {"total", page.total}});
}

void Api::getKernel(Request& r, const std::string& name, const std::string& version) {
  if (!services_.kernels) return r.fail(503, "kernel_registry_not_configured", "this server has no kernel registry key");
  bool bad = false;
  uint64_t sm = queryNumber(r.http.query, "sm", 0, bad);
  if (bad || sm > UINT32_MAX) return r.fail(400, "invalid_query", "sm is an unsigned integer");
  std::optional<uint32_t> deviceSm;
  if (services_.gpu && services_.gpu->available()) {
    if (int cc = services_.gpu->computeCapability(0); cc > 0) deviceSm = static_cast<uint32_t>(cc);
  }
  Result<storage::KernelEntry> entry = services_.kernels->get(
      name, version, sm ? std::optional<uint32_t>(static_cast<uint32_t>(sm)) : std::nullopt, deviceSm);
  if (!entry.ok()) return r.fail(entry.error());
  r.reply(200, {{"manifest", json::parse(storage::kernelManifestJson(entry.value().manifest))},
                {"ptx_text", entry.value().ptx}});
}

void Api::getJob(Request& r, const std::string& id) {
  Result<service::JobView> job = services_.executor->job(id);
  if (!job.ok()) return r.fail(job.error());
  const service::JobView& v = job.value();
  if (v.tenant != r.tenant) return r.fail(403, "tenant_scope_denied", "the job belongs to another tenant");
  json out{{"id", v.id}, {"function_id", v.functionId}, {"tenant_id", v.tenant},
           {"status", service::jobStatusName(v.status)}, {"created_unix_ms", v.createdUnixMs}};
  if (v.finishedUnixMs) out["finished_unix_ms"] = *v.finishedUnixMs;
  if (v.result) out["result"] = *v.result;
  if (v.error) {
    HttpResponse mapped = responseFor(*v.error);
    out["error"] = json::parse(mapped.body)["error"];
  }
  r.reply(200, out);
}

void Api::cancelJob(Request& r, const std::string& id) {
  Result<service::JobView> job = services_.executor->job(id);
  if (!job.ok()) return r.fail(job.error());
  if (job.value().tenant != r.tenant) return r.fail(403, "tenant_scope_denied", "the job belongs to another tenant");
  Result<void> cancelled = services_.executor->cancel(id);
  if (!cancelled.ok()) return r.fail(cancelled.error());
  r.reply(202, {{"job_id", id}, {"status", "cancelling"}});
}

}  // namespace tw::http
