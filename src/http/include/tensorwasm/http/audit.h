// The JSONL audit log (http-api.md): one record per state-changing or invoking request,
// refusals (403, 429) included, 401s not (they have no actor). A record never holds a body or
// a token: the actor is named by a keyed hash of its token. Sinks: stdout (default), none,
// file:/path (appended, flushed per record). Thread-safety: record() from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "tensorwasm/support/result.h"

namespace tw::http {

struct AuditRecord {
  std::string requestId;
  std::string actorKind;        // "bearer" or "dev"
  std::string tokenId;          // keyed hash of the token; empty in dev mode
  std::string scope;            // "*" or the tenant list
  std::string action;           // "POST /functions/{id}/invoke"
  std::optional<std::string> functionId;
  uint64_t tenant = 0;
  unsigned status = 0;
  std::string errorKind;        // empty on success
  double latencyMs = 0;
  std::string peer;
};

class AuditLog {
 public:
  // `spec`: "stdout", "none" or "file:/path". A Usage error naming the variable otherwise, an
  // Io error when the file cannot be opened.
  static Result<std::shared_ptr<AuditLog>> open(const std::string& spec);
  ~AuditLog();
  void record(const AuditRecord& r);
  // A stable, non-reversible id for a bearer token (keyed with a per-process secret).
  std::string tokenId(const std::string& token) const;

 private:
  AuditLog() = default;
  std::FILE* out_ = nullptr;
  bool ownsFile_ = false;
  std::string secret_;
  std::mutex mu_;
};

}  // namespace tw::http
