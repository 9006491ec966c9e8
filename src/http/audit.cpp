#include "tensorwasm/http/audit.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>

#include "tensorwasm/storage/digest.h"
#include "tensorwasm/support/uuid.h"

namespace tw::http {

Result<std::shared_ptr<AuditLog>> AuditLog::open(const std::string& spec) {
  std::shared_ptr<AuditLog> log(new AuditLog());
  log->secret_ = randomUuid() + randomUuid();
  if (spec.empty() || spec == "stdout") {
    log->out_ = stdout;
  } else if (spec.starts_with("file:")) {
    std::string path = spec.substr(5);
    log->out_ = std::fopen(path.c_str(), "a");
    if (!log->out_) return makeError(ErrorKind::Io, "TENSOR_WASM_API_AUDIT_LOG: cannot open " + path + ": " + std::strerror(errno));
    log->ownsFile_ = true;
  } else if (spec != "none") {
    return makeError(ErrorKind::Usage, "TENSOR_WASM_API_AUDIT_LOG must be stdout, none or file:/path, got '" + spec + "'");
  }
  return log;
}

AuditLog::~AuditLog() {
  if (ownsFile_) std::fclose(out_);
}

std::string AuditLog::tokenId(const std::string& token) const {
  std::string keyed = secret_ + '\0' + token;
  return storage::sha256({reinterpret_cast<const uint8_t*>(keyed.data()), keyed.size()}).hex().substr(0, 24);
}

void AuditLog::record(const AuditRecord& r) {
  if (!out_) return;
  nlohmann::json actor{{"kind", r.actorKind}, {"scope", r.scope}};
  if (!r.tokenId.empty()) actor["token_id"] = r.tokenId;
  nlohmann::json resource{{"tenant_id", r.tenant}};
  if (r.functionId) resource["function_id"] = *r.functionId;
  nlohmann::json outcome{{"status_code", r.status}};
  if (!r.errorKind.empty()) outcome["error_kind"] = r.errorKind;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  nlohmann::json line{{"ts_unix_ms", now.count()}, {"request_id", r.requestId}, {"actor", actor},
                      {"action", r.action}, {"resource", resource}, {"outcome", outcome},
                      {"latency_ms", r.latencyMs}, {"peer_addr", r.peer}};
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace tw::http
