// The HTTP/1.1 transport of `tensorwasm serve` on Boost.Asio/Beast: keep-alive connections on a
// few I/O threads, each request read whole (headers within the header timeout, the body never
// stalling longer than the stall timeout, at most the body cap) and handed to the Handler
// with a ResponseChannel. The handler answers through the channel at once or later from any
// thread (guest work runs on the executor's threads, never on an I/O thread); the connection
// reads its next request only after the answer was written.
//
// Transport-level refusals are answered here with the native error envelope and close the
// connection: 400 `bad_request` (malformed HTTP), 408 `request_timeout`, 413 `body_too_large`.
// Every response carries `X-Request-Id` (the request's id, made here), `x-trace-id` and a
// `traceparent` continuing the caller's W3C trace context (or starting one).
//
// Thread-safety: start/stop from one thread; the handler runs on I/O threads concurrently.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensorwasm/support/result.h"

namespace tw::http {

struct HttpRequest {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string methodText;  // as sent, for logs and metrics
  std::string target;      // path and query as sent
  std::string path;        // the target before '?'
  std::string query;       // after '?', without it
  boost::beast::http::fields headers;
  std::string body;
  std::string peer;        // "address:port"
  std::string requestId;   // UUID, echoed in X-Request-Id
  std::string traceId;     // 32 hex: the caller's W3C trace (traceparent) or a new one; x-trace-id
};

struct HttpResponse {
  unsigned status = 200;
  std::string contentType = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// One request's answer, from any thread: either send() once, or a streamed answer:
// startStream() (status and headers, chunked body), writePiece() any number of times, then
// endStream(); the connection closes after a streamed answer. A channel destroyed without an
// answer sends 500 `internal` (or ends its stream), so a handler bug cannot hang a connection.
class ResponseChannel {
 public:
  static constexpr size_t kMaxQueuedPieces = 32;
  virtual ~ResponseChannel() = default;
  virtual void send(HttpResponse response) = 0;
  virtual void startStream(HttpResponse head) = 0;
  // Queues one piece of the body, blocking while kMaxQueuedPieces wait for the socket (the
  // back-pressure a slow client puts on the writer). False when the client is gone, or when
  // `*stop` became true while waiting.
  virtual bool writePiece(std::string piece, const std::atomic<bool>* stop = nullptr) = 0;
  virtual void endStream() = 0;
  // Runs `callback` once, on an I/O thread, if the client disconnects during a streamed answer.
  virtual void onDisconnect(std::function<void()> callback) = 0;
  // True once the client has gone (the connection failed or closed).
  virtual bool disconnected() const = 0;
};

using Handler = std::function<void(HttpRequest, std::shared_ptr<ResponseChannel>)>;

// {"error":{"kind":KIND,"message":MESSAGE}} with `status`.
HttpResponse errorResponse(unsigned status, const std::string& kind, const std::string& message);

struct ServerConfig {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (see HttpServer::port)
  unsigned ioThreads = 2;
  uint64_t bodyLimit = 64ull << 20;
  std::chrono::milliseconds headerTimeout{10'000};
  std::chrono::milliseconds bodyStallTimeout{10'000};
  std::chrono::milliseconds idleTimeout{60'000};  // between requests on a kept-alive connection
};

class HttpServer {
 public:
  // Binds and starts serving. An Io error names the address when it cannot be bound.
  static Result<std::unique_ptr<HttpServer>> start(ServerConfig config, Handler handler);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;
  // Stops accepting, waits up to `grace` for requests being handled to be answered, then
  // stops the I/O threads. Idempotent. Whatever answers a request later (an executor thread)
  // must be gone before the server is destroyed.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(35));

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tw::http
