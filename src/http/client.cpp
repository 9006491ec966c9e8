#include "tensorwasm/http/client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace tw::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

Result<HttpClient> HttpClient::create(const std::string& base) {
  if (!base.starts_with("http://")) {
    return makeError(ErrorKind::Usage, "--server must be http://HOST:PORT (got '" + base + "')");
  }
  std::string rest = base.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  size_t colon = rest.rfind(':');
  HttpClient c;
  if (colon == std::string::npos || rest.find('/') != std::string::npos) {
    c.host_ = rest;
    c.port_ = "80";
  } else {
    c.host_ = rest.substr(0, colon);
    c.port_ = rest.substr(colon + 1);
  }
  if (c.host_.size() >= 2 && c.host_.front() == '[') c.host_ = c.host_.substr(1, c.host_.size() - 2);
  if (c.host_.empty() || c.port_.empty()) return makeError(ErrorKind::Usage, "--server must be http://HOST:PORT");
  return c;
}

Result<ClientResponse> HttpClient::request(const std::string& method, const std::string& path,
                                           const std::vector<std::pair<std::string, std::string>>& headers,
                                           std::string_view body,
                                           const std::function<void(std::string_view)>& onBodyPiece) const {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(ioc);
  auto endpoints = resolver.resolve(host_, port_, ec);
  if (!ec) stream.connect(endpoints, ec);
  if (ec) return makeError(ErrorKind::Io, "cannot reach the server at " + host_ + ":" + port_ + ": " + ec.message());
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), path, 11);
  req.set(bhttp::field::host, host_);
  req.set(bhttp::field::user_agent, "tensorwasm-cli");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::string(body);
  req.prepare_payload();
  bhttp::write(stream, req, ec);
  if (ec) return makeError(ErrorKind::Io, "sending the request failed: " + ec.message());

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1ull << 30);
  ClientResponse out;
  // Pieces go to the callback as they arrive instead of into the body. The parser keeps a
  // reference to the callable, so it lives as long as the parser.
  auto pieceCallback = [&](uint64_t, std::string_view piece, beast::error_code&) {
    onBodyPiece(piece);
    return piece.size();
  };
  if (onBodyPiece) parser.on_chunk_body(pieceCallback);
  bhttp::read(stream, buffer, parser, ec);
  if (ec && ec != bhttp::error::end_of_stream) return makeError(ErrorKind::Io, "reading the answer failed: " + ec.message());
  auto& res = parser.get();
  out.status = res.result_int();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out.headers[name] = std::string(field.value());
  }
  out.body = std::move(res.body());
  if (onBodyPiece && !out.body.empty()) {  // not chunked: the whole body at once
    onBodyPiece(out.body);
    out.body.clear();
  }
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  return out;
}

}  // namespace tw::http
