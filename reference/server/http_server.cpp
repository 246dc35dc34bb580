#include "reference/server/http_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace doc::ref {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// Large enough for every body the probe protocol carries; larger requests get 413.
constexpr std::uint64_t kMaxRequestBodyBytes = 64 * 1024 * 1024;

std::string lowerCase(std::string text) {
  for (auto& c : text) {
    c = char(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

HttpRequest fromBeast(const http::request<http::string_body>& request) {
  HttpRequest converted;
  converted.method = std::string(request.method_string());
  converted.url = std::string(request.target());
  for (const auto& field : request) {
    auto& value = converted.headers[lowerCase(std::string(field.name_string()))];
    // Repeated headers combine with ", ", as the Fetch API's Headers.get() shows them.
    value = value.empty() ? std::string(field.value()) : value + ", " + std::string(field.value());
  }
  converted.body = request.body();
  return converted;
}

http::response<http::string_body> toBeast(const HttpResponse& response, unsigned version,
                                          bool keepAlive) {
  http::response<http::string_body> converted{http::status(response.status), version};
  for (const auto& [name, value] : response.headers) {
    converted.set(name, value);
  }
  converted.body() = response.body;
  const auto connection = response.headers.find("connection");
  converted.keep_alive(keepAlive &&
                       (connection == response.headers.end() || connection->second != "close"));
  converted.prepare_payload();
  return converted;
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, RequestHandler handler, LogSink log)
    : io_(io), acceptor_(io), handler_(std::move(handler)), log_(std::move(log)) {}

asio::ip::tcp::endpoint HttpServer::listen(const asio::ip::tcp::endpoint& endpoint) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  return acceptor_.local_endpoint();
}

void HttpServer::start() {
  asio::co_spawn(io_, acceptLoop(), asio::detached);
}

void HttpServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void HttpServer::reportFailure(const std::string& peer, const std::string& what,
                               const boost::system::error_code& error) {
  // A peer that goes away between requests is ordinary, not worth an operator's attention.
  if (error == http::error::end_of_stream || error == asio::error::eof ||
      error == asio::error::connection_reset || error == asio::error::operation_aborted) {
    return;
  }
  log_(LogLevel::kWarning, "connection from " + peer + ": " + what + " failed: " + error.message());
}

Task<void> HttpServer::acceptLoop() {
  for (;;) {
    auto [error, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (error) {
      if (error != asio::error::operation_aborted) {
        log_(LogLevel::kError, "accepting a connection failed: " + error.message());
      }
      if (!acceptor_.is_open()) {
        co_return;
      }
      continue;
    }
    // Each connection gets its own strand, so one slow handler never blocks the others.
    auto executor = asio::make_strand(io_);
    asio::co_spawn(executor, serve(asio::ip::tcp::socket(std::move(socket))), asio::detached);
  }
}

Task<void> HttpServer::serve(asio::ip::tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  boost::system::error_code ignored;
  const auto remote = stream.socket().remote_endpoint(ignored);
  const std::string peer = remote.address().to_string() + ":" + std::to_string(remote.port());
  beast::flat_buffer buffer;

  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxRequestBodyBytes);
    auto [readError, bytesRead] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (readError) {
      reportFailure(peer, "reading a request", readError);
      break;
    }
    const auto& request = parser.get();

    HttpResponse response;
    try {
      response = co_await handler_(fromBeast(request));
    } catch (const std::exception& error) {
      log_(LogLevel::kError, "handling " + std::string(request.method_string()) + " " +
                                 std::string(request.target()) + " from " + peer +
                                 " failed: " + error.what());
      response = HttpResponse{500, {{"content-type", "text/plain"}}, "reference runtime error"};
    }

    auto answer = toBeast(response, request.version(), request.keep_alive());
    auto [writeError, bytesWritten] =
        co_await http::async_write(stream, answer, asio::as_tuple(asio::use_awaitable));
    if (writeError) {
      reportFailure(peer, "writing a response", writeError);
      break;
    }
    if (!answer.keep_alive()) {
      break;
    }
  }
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace doc::ref
