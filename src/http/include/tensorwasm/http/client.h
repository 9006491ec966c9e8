// A small blocking HTTP/1.1 client for the CLI's client commands (cli.md: deploy, functions,
// invoke, ...): one connection per request, plain http only. A streamed answer (chunked body)
// is handed to a callback piece by piece as it arrives.
// Thread-safety: a client may be used by one thread at a time.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tensorwasm/support/result.h"

namespace tw::http {

struct ClientResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;                            // empty when streamed to the callback
};

class HttpClient {
 public:
  // `base`: "http://HOST:PORT" (a Usage error for anything else, https included).
  static Result<HttpClient> create(const std::string& base);
  // Sends METHOD PATH with `headers` and `body`; an Io error when the server cannot be reached.
  Result<ClientResponse> request(const std::string& method, const std::string& path,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 std::string_view body,
                                 const std::function<void(std::string_view)>& onBodyPiece = nullptr) const;
  const std::string& host() const { return host_; }

 private:
  std::string host_, port_;
};

}  // namespace tw::http
