#include "reference/server/http_server.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <optional>

#include "common/websocket/handshake.h"
#include "reference/runtime/web_socket.h"

namespace doc::ref {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ws = doc::ws;

namespace {

// Large enough for every body the probe protocol carries; larger requests get 413.
constexpr std::uint64_t kMaxRequestBodyBytes = 64 * 1024 * 1024;
// How long a connection may stay silent while the server waits for a request: long enough for
// any harness between two steps, short enough that abandoned connections do not pile up.
constexpr auto kIdleTimeout = std::chrono::seconds(300);

// The status to answer a request that could not be read with, or 0 to just close.
int statusForReadError(const boost::system::error_code& error) {
  if (error == http::error::body_limit) {
    return 413;
  }
  if (error == http::error::header_limit) {
    return 431;
  }
  const auto& httpErrors = http::make_error_code(http::error::end_of_stream).category();
  if (error.category() == httpErrors && error != http::error::end_of_stream &&
      error != http::error::partial_message) {
    return 400;
  }
  return 0;
}

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

// Whether `request` asks for a WebSocket (RFC 6455 §4.2.1): an Upgrade to websocket, version 13
// and a key. Header values are compared case-insensitively where the RFC says so.
bool isWebSocketUpgrade(const http::request<http::string_body>& request) {
  const std::string upgrade = lowerCase(std::string(request[http::field::upgrade]));
  const std::string connection = lowerCase(std::string(request[http::field::connection]));
  return request.method() == http::verb::get && upgrade == "websocket" &&
         connection.find("upgrade") != std::string::npos &&
         request[http::field::sec_websocket_version] == "13" &&
         !request[http::field::sec_websocket_key].empty();
}

// Why a request that asks for a WebSocket cannot have one, or nothing when it is a valid
// upgrade or asks for none. Checked before the object sees the request, so that no object ever
// accepts a socket whose handshake fails. A key must be 16 bytes in base64 (§4.2.1 item 5); an
// unknown version gets 426 naming the one spoken (§4.4).
std::optional<HttpResponse> upgradeRefusal(const http::request<http::string_body>& request) {
  const std::string upgrade = lowerCase(std::string(request[http::field::upgrade]));
  if (upgrade != "websocket") {
    return std::nullopt;
  }
  const auto refuse = [](int status, std::string why) {
    return HttpResponse{status, {{"content-type", "text/plain"}}, std::move(why)};
  };
  if (request.version() < 11) {
    return refuse(400, "a WebSocket upgrade needs HTTP/1.1");
  }
  if (request[http::field::sec_websocket_version] != "13") {
    HttpResponse answer = refuse(426, "this server speaks WebSocket version 13 only");
    answer.headers["sec-websocket-version"] = "13";
    return answer;
  }
  const std::string key(request[http::field::sec_websocket_key]);
  // 16 bytes in base64: 22 characters of the alphabet and "==".
  const bool keyWellFormed =
      key.size() == 24 && key.ends_with("==") &&
      std::all_of(key.begin(), key.end() - 2, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
      });
  if (!keyWellFormed) {
    return refuse(400, "Sec-WebSocket-Key must be 16 bytes in base64");
  }
  if (!isWebSocketUpgrade(request)) {
    return refuse(400, "a WebSocket upgrade needs GET and Connection: Upgrade");
  }
  return std::nullopt;
}

// The 101 answer of §4.2.2, with whatever headers the object added.
http::response<http::empty_body> switchingProtocols(
    const HttpResponse& response, const http::request<http::string_body>& request) {
  http::response<http::empty_body> answer{http::status::switching_protocols, request.version()};
  for (const auto& [name, value] : response.headers) {
    answer.set(name, value);
  }
  answer.set(http::field::upgrade, "websocket");
  answer.set(http::field::connection, "Upgrade");
  answer.set(http::field::sec_websocket_accept,
             ws::acceptKey(std::string(request[http::field::sec_websocket_key])));
  return answer;
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
      if (!acceptor_.is_open()) {
        co_return;
      }
      if (error != asio::error::operation_aborted) {
        log_(LogLevel::kError,
             "accepting a connection failed: " + error.message() + "; pausing accepts for 100 ms");
      }
      // Out of file descriptors, accepting again at once would spin: give connections time to
      // close first.
      asio::steady_timer pause(io_, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    boost::system::error_code ignored;
    // Small answers go out at once instead of waiting for the ACK of the previous segment.
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
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
    // A connection that sends nothing for this long is closed: idle keep-alive connections and
    // clients that trickle a request must not pin a socket forever.
    stream.expires_after(kIdleTimeout);
    auto [readError, bytesRead] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (readError) {
      reportFailure(peer, "reading a request", readError);
      if (const int status = statusForReadError(readError); status != 0) {
        // A request the server will not take still gets an answer saying why.
        http::response<http::string_body> refusal{http::status(status), 11};
        refusal.set(http::field::content_type, "text/plain");
        refusal.body() = readError.message();
        refusal.keep_alive(false);
        refusal.prepare_payload();
        co_await http::async_write(stream, refusal, asio::as_tuple(asio::use_awaitable));
      }
      break;
    }
    const auto& request = parser.get();

    HttpResponse response;
    if (auto refusal = upgradeRefusal(request)) {
      response = std::move(*refusal);
    } else {
      try {
        response = co_await handler_(fromBeast(request));
      } catch (const std::exception& error) {
        log_(LogLevel::kError, "handling " + std::string(request.method_string()) + " " +
                                   std::string(request.target()) + " from " + peer +
                                   " failed: " + error.what());
        response = HttpResponse{500, {{"content-type", "text/plain"}}, "reference runtime error"};
      }
    }

    if (response.status == 101 && response.webSocket) {
      if (isWebSocketUpgrade(request)) {
        // The connection now belongs to the object's socket: the handshake goes out, then the
        // stream and any bytes read past the request are handed over.
        auto handshake = switchingProtocols(response, request);
        stream.expires_never();
        auto [writeError, bytesWritten] =
            co_await http::async_write(stream, handshake, asio::as_tuple(asio::use_awaitable));
        if (writeError) {
          reportFailure(peer, "writing a WebSocket handshake", writeError);
          response.webSocket->fail();
          break;
        }
        std::string leftover = beast::buffers_to_string(buffer.data());
        response.webSocket->connect(stream.release_socket(), std::move(leftover));
        co_return;
      }
      log_(LogLevel::kWarning, "an object answered 101 to " + std::string(request.target()) +
                                   " from " + peer + ", which is not a WebSocket upgrade");
      response.webSocket->fail();
      response = HttpResponse{400, {{"content-type", "text/plain"}}, "not a WebSocket upgrade"};
    }

    http::response<http::string_body> answer;
    try {
      answer = toBeast(response, request.version(), request.keep_alive());
    } catch (const std::exception& error) {
      log_(LogLevel::kError, "answering " + std::string(request.target()) + " from " + peer +
                                 " failed: " + error.what());
      answer =
          toBeast(HttpResponse{500, {{"content-type", "text/plain"}}, "reference runtime error"},
                  request.version(), false);
    }
    stream.expires_never();
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
