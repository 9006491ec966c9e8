// Internal to the http layer: the request context every route handler works on, and the
// helpers the native routes and the OpenAI gateway share.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "tensorwasm/http/audit.h"
#include "tensorwasm/http/api.h"

namespace tw::http {

std::string dumpJson(const nlohmann::json& j);  // invalid UTF-8 replaced, never throws
std::string validUtf8(std::string_view bytes);
std::string sseFrame(std::string_view event, std::string_view data);
HttpResponse jsonResponse(unsigned status, const nlohmann::json& body);
bool parseU64(std::string_view text, uint64_t& out);
HttpResponse responseFor(const Error& e);
bool sameToken(const std::string& presented, const std::string& configured);
void logLine(const std::string& text);

// What an audited request's record holds so far; completed when it is answered.
struct AuditContext {
  AuditRecord record;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};
// {"error":{"message","type","param":null,"code":CODE}}, the type following the status.
HttpResponse openaiError(unsigned status, const std::string& code, const std::string& message);

struct Api::Request : std::enable_shared_from_this<Api::Request> {
  HttpRequest http;
  std::shared_ptr<ResponseChannel> channel;
  const ApiToken* token = nullptr;
  uint64_t tenant = 0;

  void reply(unsigned status, const nlohmann::json& body) { channel->send(jsonResponse(status, body)); }
  bool openai = false;  // an OpenAI gateway route: errors use the OpenAI envelope
  std::shared_ptr<struct AuditContext> audit;  // set when the request is audited

  void fail(unsigned status, const std::string& kind, const std::string& message) {
    HttpResponse r = openai ? openaiError(status, kind, message) : errorResponse(status, kind, message);
    if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
    channel->send(std::move(r));
  }
  void fail(const Error& e) {
    HttpResponse r = responseFor(e);
    if (!openai) return channel->send(std::move(r));
    nlohmann::json error = nlohmann::json::parse(r.body, nullptr, false)["error"];
    fail(r.status, error.value("kind", "server_error"), error.value("message", ""));
  }
  bool covers(uint64_t t) const { return !token || token->allTenants || token->tenants.count(t); }
};

}  // namespace tw::http
