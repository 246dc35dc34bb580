#include "reference/server/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <future>

#include "reference/runtime/io_test_support.h"

namespace doc::ref {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

using test_io::kDeadline;
using test_io::runTask;
using test_io::runUntil;
// The server's limit (http_server.cpp): a request declaring one byte more is over it.
constexpr std::uint64_t kBodyLimit = 64 * 1024 * 1024;

// What the test handler saw, and a gate a request to /held waits on until the test opens it.
struct HandlerState {
  explicit HandlerState(asio::io_context& io) : gate(io, asio::steady_timer::time_point::max()) {}

  int requests = 0;
  bool holding = false;
  asio::steady_timer gate;
};

// Answers with the method, target and body size; /held waits for the gate, /fail throws.
Task<HttpResponse> answer(HandlerState* state, HttpRequest request) {
  ++state->requests;
  if (request.url == "/held") {
    state->holding = true;
    auto waiting = asio::as_tuple(asio::use_awaitable);
    co_await state->gate.async_wait(waiting);
  }
  if (request.url == "/fail") {
    throw std::runtime_error("handler failure");
  }
  co_return HttpResponse{
      200,
      {{"content-type", "text/plain"}},
      request.method + " " + request.url + " " + std::to_string(request.body.size())};
}

// A server on 127.0.0.1, port 0, served by the test's own io_context.
struct ServerSetup {
  ServerSetup()
      : state(io),
        server(
            io, [this](HttpRequest request) { return answer(&state, std::move(request)); },
            [this](LogLevel, const std::string& line) { logLines.push_back(line); }) {
    endpoint = server.listen(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    server.start();
  }
  ~ServerSetup() { server.stop(); }

  asio::io_context io;
  HandlerState state;
  std::vector<std::string> logLines;
  HttpServer server;
  tcp::endpoint endpoint;
};

// Sends `bytes` on a new connection and returns everything the server sends until it closes.
Task<std::string> exchangeRaw(tcp::endpoint endpoint, std::string bytes) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(kDeadline);
  co_await stream.async_connect(endpoint, asio::use_awaitable);
  const auto out = asio::buffer(bytes);
  co_await asio::async_write(stream, out, asio::use_awaitable);

  std::string received;
  char chunk[4096];
  for (;;) {
    const auto in = asio::buffer(chunk);
    auto reading = asio::as_tuple(asio::use_awaitable);
    auto [error, size] = co_await stream.async_read_some(in, reading);
    if (error) {
      break;
    }
    received.append(chunk, size);
  }
  co_return received;
}

// One well-formed GET on a new connection; returns the response.
Task<http::response<http::string_body>> getOnce(tcp::endpoint endpoint, std::string target) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(kDeadline);
  co_await stream.async_connect(endpoint, asio::use_awaitable);
  http::request<http::string_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1");
  request.keep_alive(false);
  co_await http::async_write(stream, request, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  co_await http::async_read(stream, buffer, response, asio::use_awaitable);
  co_return response;
}

// Sends `bytes` on a new connection and closes it at once, without reading.
Task<void> sendAndHangUp(tcp::endpoint endpoint, std::string bytes) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(kDeadline);
  co_await stream.async_connect(endpoint, asio::use_awaitable);
  const auto out = asio::buffer(bytes);
  co_await asio::async_write(stream, out, asio::use_awaitable);
  stream.socket().close();
}

// The server still answers a fresh, well-formed request.
void expectStillServing(ServerSetup& setup) {
  const auto response = runTask(setup.io, getOnce(setup.endpoint, "/after"));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "GET /after 0");
}

TEST(HttpServer, AnswersARequestOnALoopbackPortItPicked) {
  ServerSetup setup;
  EXPECT_NE(setup.endpoint.port(), 0);
  EXPECT_TRUE(setup.endpoint.address().is_loopback());

  const auto response = runTask(setup.io, getOnce(setup.endpoint, "/hello"));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "GET /hello 0");
}

TEST(HttpServer, KeepsAConnectionAliveAcrossRequests) {
  ServerSetup setup;
  const std::string two =
      "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc";

  const std::string received = runTask(setup.io, exchangeRaw(setup.endpoint, two));
  EXPECT_NE(received.find("GET /one 0"), std::string::npos) << received;
  EXPECT_NE(received.find("POST /two 3"), std::string::npos) << received;
}

TEST(HttpServer, AMalformedRequestLineIsAnswered400AndLaterRequestsStillWork) {
  ServerSetup setup;
  const std::string received =
      runTask(setup.io, exchangeRaw(setup.endpoint, "THIS IS NOT HTTP\r\n\r\n"));

  EXPECT_TRUE(received.starts_with("HTTP/1.1 400")) << received;
  EXPECT_EQ(setup.state.requests, 0);
  expectStillServing(setup);
}

TEST(HttpServer, AHeaderBlockTooLargeToParseIsAnswered431AndLaterRequestsStillWork) {
  ServerSetup setup;
  const std::string huge =
      "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  const std::string received = runTask(setup.io, exchangeRaw(setup.endpoint, huge));

  EXPECT_TRUE(received.starts_with("HTTP/1.1 431")) << received.substr(0, 100);
  EXPECT_EQ(setup.state.requests, 0);
  expectStillServing(setup);
}

TEST(HttpServer, ABodyOverTheLimitIsAnswered413AndNeverHandedToTheHandler) {
  ServerSetup setup;
  // Only the header is sent: the declared length alone is over the limit.
  const std::string tooLarge =
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kBodyLimit + 1) +
      "\r\n\r\nsome of it";
  const std::string received = runTask(setup.io, exchangeRaw(setup.endpoint, tooLarge));

  EXPECT_TRUE(received.starts_with("HTTP/1.1 413")) << received;
  EXPECT_EQ(setup.state.requests, 0);
  expectStillServing(setup);
}

TEST(HttpServer, AClientThatHangsUpInTheHeadersDoesNotStopLaterRequests) {
  ServerSetup setup;
  runTask(setup.io, sendAndHangUp(setup.endpoint, "GET /partial HTTP/1.1\r\nHost: x\r\nX-A:"));

  EXPECT_EQ(setup.state.requests, 0);
  expectStillServing(setup);
}

TEST(HttpServer, AClientThatHangsUpInTheBodyDoesNotStopLaterRequests) {
  ServerSetup setup;
  runTask(setup.io, sendAndHangUp(setup.endpoint,
                                  "POST /partial HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                                  "\r\nonly ten b"));

  EXPECT_EQ(setup.state.requests, 0);
  expectStillServing(setup);
}

TEST(HttpServer, AClientThatHangsUpBeforeTheAnswerDoesNotStopLaterRequests) {
  ServerSetup setup;
  runTask(setup.io, sendAndHangUp(setup.endpoint, "GET /held HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(runUntil(setup.io, [&] { return setup.state.holding; }));

  // The answer goes to a socket whose peer is gone.
  setup.state.gate.cancel();
  expectStillServing(setup);
}

TEST(HttpServer, AHandlerThatThrowsGetsA500AndTheServerGoesOn) {
  ServerSetup setup;
  const auto response = runTask(setup.io, getOnce(setup.endpoint, "/fail"));

  EXPECT_EQ(response.result_int(), 500);
  EXPECT_EQ(response.body(), "reference runtime error");
  ASSERT_FALSE(setup.logLines.empty());
  EXPECT_NE(setup.logLines.back().find("/fail"), std::string::npos) << setup.logLines.back();
  expectStillServing(setup);
}

}  // namespace
}  // namespace doc::ref
