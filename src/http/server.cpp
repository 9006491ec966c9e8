// HttpServer internals. Each connection is a Session on its own strand. Timeouts use one timer
// per session that cancels the socket's pending read (rather than closing it), so the session
// can still write its 408 before closing.
#include "tensorwasm/http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "tensorwasm/support/uuid.h"

namespace tw::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

HttpResponse errorResponse(unsigned status, const std::string& kind, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = nlohmann::json{{"error", {{"kind", kind}, {"message", message}}}}.dump();
  return r;
}

namespace {

// What every session shares with the server. The io_context is not in here: sessions and
// their pending handlers live inside it, and holding it from them would keep it alive forever.
struct ServerState {
  ServerConfig config;
  Handler handler;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable idle;
  size_t inFlight = 0;  // requests handed to the handler and not yet answered

  void requestStarted() {
    std::lock_guard<std::mutex> lock(mu);
    ++inFlight;
  }
  void requestAnswered() {
    std::lock_guard<std::mutex> lock(mu);
    if (--inFlight == 0) idle.notify_all();
  }
};

// `bytes` random bytes as lowercase hex.
std::string randomHex(size_t bytes) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    auto b = static_cast<uint8_t>(rng());
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// The trace id of a W3C traceparent ("00-<32 hex>-<16 hex>-<2 hex>", not all zeros), or a new
// one when there is none or it is malformed.
std::string traceIdOf(std::string_view traceparent) {
  auto hex = [](std::string_view t) {
    return t.find_first_not_of("0123456789abcdef") == std::string_view::npos && t.find_first_not_of('0') != std::string_view::npos;
  };
  if (traceparent.size() >= 55 && traceparent.substr(0, 3) == "00-" && traceparent[35] == '-' &&
      traceparent[52] == '-' && hex(traceparent.substr(3, 32)) && hex(traceparent.substr(36, 16))) {
    return std::string(traceparent.substr(3, 32));
  }
  return randomHex(16);
}

class Session;

class Channel final : public ResponseChannel {
 public:
  explicit Channel(std::shared_ptr<Session> session) : session_(std::move(session)) {}
  ~Channel() override;
  void send(HttpResponse response) override;
  void startStream(HttpResponse head) override;
  bool writePiece(std::string piece, const std::atomic<bool>* stop) override;
  void endStream() override;
  void onDisconnect(std::function<void()> callback) override;
  bool disconnected() const override;

 private:
  std::shared_ptr<Session> session_;
  std::atomic<bool> sent_{false};
  std::atomic<bool> streaming_{false}, ended_{false};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<ServerState> server)
      : stream_(std::move(socket)), timer_(stream_.get_executor()), server_(std::move(server)) {
    beast::error_code ec;
    tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = remote.address().to_string() + ":" + std::to_string(remote.port());
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->readHeader(); });
  }

  // From any thread: the handler's answer.
  void answer(HttpResponse response) {
    asio::post(stream_.get_executor(), [self = shared_from_this(), r = std::move(response)]() mutable {
      self->server_->requestAnswered();
      self->write(std::move(r), !self->keepAlive_);
    });
  }

  bool gone() const { return gone_.load(); }

  // Streaming (see ResponseChannel). Pieces wait in `pieces_` for the strand to write them.
  void startStream(HttpResponse head) {
    asio::post(stream_.get_executor(), [self = shared_from_this(), h = std::move(head)]() mutable {
      self->writeStreamHead(std::move(h));
    });
  }

  bool writePiece(std::string piece, const std::atomic<bool>* stop) {
    {
      std::unique_lock<std::mutex> lock(streamMu_);
      while (pieces_.size() >= ResponseChannel::kMaxQueuedPieces && !gone_ && !(stop && stop->load())) {
        streamCv_.wait_for(lock, std::chrono::milliseconds(10));
      }
      if (gone_ || (stop && stop->load())) return false;
      pieces_.push_back(std::move(piece));
    }
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->pump(); });
    return true;
  }

  void endStream() {
    {
      std::lock_guard<std::mutex> lock(streamMu_);
      ending_ = true;
    }
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->server_->requestAnswered();
      self->pump();
    });
  }

  void onDisconnect(std::function<void()> callback) {
    asio::post(stream_.get_executor(), [self = shared_from_this(), cb = std::move(callback)]() mutable {
      if (self->gone_) return cb();
      self->disconnectCallback_ = std::move(cb);
    });
  }

 private:
  void writeStreamHead(HttpResponse h) {
    auto res = std::make_shared<bhttp::response<bhttp::empty_body>>();
    res->version(11);
    res->result(h.status);
    res->set(bhttp::field::content_type, h.contentType);
    setIds(*res);
    for (auto& [name, value] : h.headers) res->set(name, value);
    res->keep_alive(false);  // the disconnect watch below reads from the socket meanwhile
    res->chunked(true);
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*res);
    bhttp::async_write_header(stream_, *serializer, [self = shared_from_this(), res, serializer](beast::error_code ec, size_t) {
      if (ec) return self->markGone();
      self->headWritten_ = true;
      self->watchDisconnect();
      self->pump();
    });
  }

  // A client that closes its side ends this read; anything it sends is dropped.
  void watchDisconnect() {
    drain_.resize(4096);
    stream_.async_read_some(asio::buffer(drain_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->markGone();
      self->watchDisconnect();
    });
  }

  void pump() {
    if (!headWritten_ || writing_ || gone_) return;
    std::shared_ptr<std::string> piece;
    bool last = false;
    {
      std::lock_guard<std::mutex> lock(streamMu_);
      if (!pieces_.empty()) {
        piece = std::make_shared<std::string>(std::move(pieces_.front()));
        pieces_.pop_front();
      } else {
        last = ending_;
      }
    }
    streamCv_.notify_all();
    if (!piece && !last) return;
    writing_ = true;
    auto onWritten = [self = shared_from_this(), piece, last](beast::error_code ec, size_t) {
      self->writing_ = false;
      if (ec) return self->markGone();
      if (last) return self->close();
      self->pump();
    };
    if (last) {
      asio::async_write(stream_, bhttp::make_chunk_last(), std::move(onWritten));
    } else {
      asio::async_write(stream_, bhttp::make_chunk(asio::buffer(*piece)), std::move(onWritten));
    }
  }

  void markGone() {
    bool was = gone_.exchange(true);
    streamCv_.notify_all();
    if (!was && disconnectCallback_) disconnectCallback_();
    disconnectCallback_ = nullptr;
    close();
  }

  void arm(std::chrono::milliseconds timeout) {
    timedOut_ = false;
    timer_.expires_after(timeout);
    timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->timedOut_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
  }

  void readHeader() {
    if (server_->stopping.load()) return close();
    parser_.emplace();
    parser_->body_limit(server_->config.bodyLimit);
    parser_->header_limit(64 * 1024);
    arm(served_ ? server_->config.idleTimeout : server_->config.headerTimeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, size_t) { self->onHeader(ec); });
  }

  void onHeader(beast::error_code ec) {
    timer_.cancel();
    bool started = parser_->got_some() || buffer_.size() > 0;
    if (ec == bhttp::error::end_of_stream || (ec && !started)) return close();
    if (timedOut_) return refuse(408, "request_timeout", "the request headers did not arrive in time");
    if (ec == bhttp::error::body_limit) return refuseTooLarge();
    if (ec) return refuse(400, "bad_request", "malformed HTTP request: " + ec.message());
    keepAlive_ = parser_->get().keep_alive();
    auto expect = parser_->get().find(bhttp::field::expect);
    if (expect != parser_->get().end() && beast::iequals(expect->value(), "100-continue")) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      bhttp::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code wec, size_t) {
        if (wec) return self->close();
        self->readBody();
      });
      return;
    }
    readBody();
  }

  void readBody() {
    if (parser_->is_done()) return dispatchRequest();
    arm(server_->config.bodyStallTimeout);
    bhttp::async_read_some(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->timer_.cancel();
      if (self->timedOut_) return self->refuse(408, "request_timeout", "the request body stalled");
      if (ec == bhttp::error::body_limit) return self->refuseTooLarge();
      if (ec) return self->close();
      self->readBody();
    });
  }

  void dispatchRequest() {
    served_ = true;
    bhttp::request<bhttp::string_body> message = parser_->release();
    HttpRequest req;
    req.method = message.method();
    req.methodText = std::string(message.method_string());
    req.target = std::string(message.target());
    size_t q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    req.body = std::move(message.body());
    req.headers = std::move(message.base());
    req.peer = peer_;
    req.requestId = randomUuid();
    requestId_ = req.requestId;
    auto parent = req.headers.find("traceparent");
    traceId_ = traceIdOf(parent == req.headers.end() ? std::string_view() : std::string_view(parent->value()));
    req.traceId = traceId_;
    server_->requestStarted();
    server_->handler(std::move(req), std::make_shared<Channel>(shared_from_this()));
  }

  void refuseTooLarge() {
    refuse(413, "body_too_large",
           "the request body is larger than " + std::to_string(server_->config.bodyLimit) + " bytes");
  }

  // Answers a request the transport refused, then closes the connection.
  void refuse(unsigned status, const std::string& kind, const std::string& message) {
    requestId_ = randomUuid();
    traceId_ = traceIdOf({});
    lingering_ = true;
    write(errorResponse(status, kind, message), /*closeAfter=*/true);
  }

  // Closing with unread request bytes makes the kernel reset the connection, which can destroy
  // the answer before the client reads it; so stop sending, then read and drop what the client
  // still sends, for at most a second.
  void lingerClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(1));
    drain_.resize(16 * 1024);
    stream_.async_read_some(asio::buffer(drain_), [self = shared_from_this()](beast::error_code rec, size_t) {
      if (rec) return self->close();
      self->lingerClose();
    });
  }

  void write(HttpResponse r, bool closeAfter) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(r.status);
    res->set(bhttp::field::content_type, r.contentType);
    setIds(*res);
    for (auto& [name, value] : r.headers) res->set(name, value);
    res->body() = std::move(r.body);
    res->keep_alive(!closeAfter && !server_->stopping.load());
    res->prepare_payload();
    stream_.expires_after(std::chrono::seconds(30));
    bhttp::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      self->stream_.expires_never();
      if (!ec && self->lingering_) return self->lingerClose();
      if (ec || !res->keep_alive()) return self->close();
      self->readHeader();
    });
  }

  // X-Request-Id, x-trace-id, and a traceparent continuing the caller's trace (a new span id).
  template <typename Message>
  void setIds(Message& res) {
    res.set("X-Request-Id", requestId_);
    res.set("x-trace-id", traceId_);
    res.set("traceparent", "00-" + traceId_ + "-" + randomHex(8) + "-01");
  }

  void close() {
    gone_ = true;
    streamCv_.notify_all();
    timer_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<ServerState> server_;
  std::string peer_, requestId_, traceId_;
  bool timedOut_ = false, keepAlive_ = true, served_ = false, lingering_ = false;
  std::vector<char> drain_;
  // Streaming state: the queue is shared with writer threads; the rest belongs to the strand.
  std::mutex streamMu_;
  std::condition_variable streamCv_;
  std::deque<std::string> pieces_;
  bool ending_ = false, headWritten_ = false, writing_ = false;
  std::function<void()> disconnectCallback_;
  std::atomic<bool> gone_{false};
};

Channel::~Channel() {
  if (streaming_) {
    endStream();
  } else if (!sent_.exchange(true)) {
    session_->answer(errorResponse(500, "internal", "the request was dropped without an answer"));
  }
}

void Channel::send(HttpResponse response) {
  if (sent_.exchange(true)) return;
  session_->answer(std::move(response));
}

void Channel::startStream(HttpResponse head) {
  if (sent_.exchange(true)) return;
  streaming_ = true;
  session_->startStream(std::move(head));
}

bool Channel::writePiece(std::string piece, const std::atomic<bool>* stop) {
  if (!streaming_ || ended_) return false;
  return session_->writePiece(std::move(piece), stop);
}

void Channel::endStream() {
  if (!streaming_ || ended_.exchange(true)) return;
  session_->endStream();
}

void Channel::onDisconnect(std::function<void()> callback) { session_->onDisconnect(std::move(callback)); }

bool Channel::disconnected() const { return session_->gone(); }

}  // namespace

struct HttpServer::Impl {
  std::shared_ptr<ServerState> state = std::make_shared<ServerState>();
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (state->stopping.load() || !acceptor.is_open()) return;
      if (!ec) std::make_shared<Session>(std::move(socket), state)->start();
      accept();
    });
  }
};

Result<std::unique_ptr<HttpServer>> HttpServer::start(ServerConfig config, Handler handler) {
  auto impl = std::make_unique<Impl>();
  impl->state->config = config;
  impl->state->handler = std::move(handler);
  beast::error_code ec;
  asio::ip::address address = asio::ip::make_address(config.address, ec);
  std::string where = config.address + ":" + std::to_string(config.port);
  if (ec) return makeError(ErrorKind::Usage, "not an IP address: " + config.address);
  tcp::endpoint endpoint(address, config.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return makeError(ErrorKind::Io, "cannot listen on " + where + ": " + ec.message());
  impl->accept();
  for (unsigned i = 0; i < std::max(1u, config.ioThreads); ++i) {
    impl->threads.emplace_back([ioc = &impl->ioc] { ioc->run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void HttpServer::stop(std::chrono::milliseconds grace) {
  ServerState& state = *impl_->state;
  if (state.stopping.exchange(true)) return;
  asio::post(impl_->ioc, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  {
    std::unique_lock<std::mutex> lock(state.mu);
    state.idle.wait_for(lock, grace, [&] { return state.inFlight == 0; });
  }
  // Let the last answers reach their sockets before the loop stops.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  impl_->ioc.stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
}

HttpServer::~HttpServer() {
  stop(std::chrono::milliseconds(0));
  // Answers queued after the loop stopped (and the sessions they hold) go with the io_context.
}

}  // namespace tw::http
