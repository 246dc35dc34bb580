// WebSockets and hibernation in the reference runtime, frame by frame: an HttpServer on a
// loopback port picked by the system, a test class with every handler, and a raw RFC 6455
// client on a plain blocking socket that sees every frame and the end of the stream.
#include "reference/runtime/web_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <thread>

#include "common/websocket/handshake.h"
#include "reference/runtime/hibernation_manager.h"
#include "reference/runtime/io_test_support.h"
#include "reference/runtime/object_host.h"
#include "reference/server/http_server.h"

namespace doc::ref {
namespace {

namespace asio = boost::asio;
namespace ws = doc::ws;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

using test_io::kDeadline;
// A thousand times faster than real time: the 10 s idle time of eviction takes 10 ms.
constexpr double kFastScale = 0.001;
constexpr const char* kOrigin = "https://socket.invalid";

// What the test objects saw, shared by every instance of one host, waited on by the test.
struct Shared {
  std::mutex lock;
  std::condition_variable changed;
  std::vector<std::string> events;
  int constructions = 0;

  // How webSocketClose answers: "none", "echo" (the received code and reason) or "fixed".
  std::string closeReply = "none";
  // Runs inside fetch("/run") on the object's strand, for checks of the API itself.
  std::function<void(DurableObjectState&)> run;

  void record(const std::string& event) {
    {
      const std::lock_guard guard(lock);
      events.push_back(event);
    }
    changed.notify_all();
  }
  // Waits until `event` was recorded; false when the deadline passed first.
  bool waitFor(const std::string& event) {
    std::unique_lock guard(lock);
    return changed.wait_for(guard, kDeadline, [&] {
      return std::find(events.begin(), events.end(), event) != events.end();
    });
  }
  void clear() {
    const std::lock_guard guard(lock);
    events.clear();
  }
  bool has(const std::string& prefix) {
    const std::lock_guard guard(lock);
    return std::any_of(events.begin(), events.end(),
                       [&](const std::string& event) { return event.starts_with(prefix); });
  }
  std::vector<std::string> snapshot() {
    const std::lock_guard guard(lock);
    return events;
  }
  int constructed() {
    const std::lock_guard guard(lock);
    return constructions;
  }
};

std::string describe(const WebSocketMessage& message) {
  const std::string kind = message.isText ? "text:" : "binary:";
  if (message.data.size() > 64) {
    return kind + "<" + std::to_string(message.data.size()) + " bytes>";
  }
  return kind + message.data;
}

// Every handler, each recording what it got. fetch("/ws?kind=accept") makes an accept() socket,
// fetch("/ws?tag=a&tag=b") a hibernatable one with those tags.
class SocketObject : public DurableObject {
 public:
  SocketObject(DurableObjectState& ctx, Env& env, Shared& shared)
      : DurableObject(ctx, env), shared_(shared) {
    {
      const std::lock_guard guard(shared_.lock);
      ++shared_.constructions;
    }
    shared_.record("constructor");
  }

  Task<HttpResponse> fetch(HttpRequest request) override {
    const std::string target = request.url.substr(std::strlen(kOrigin));
    if (target == "/run") {
      shared_.run(ctx);
      co_return HttpResponse{200, {}, "ran"};
    }
    if (!target.starts_with("/ws")) {
      co_return HttpResponse{200, {{"content-type", "text/plain"}}, "plain answer"};
    }
    WebSocketPair pair(ctx);
    if (target.find("kind=accept") != std::string::npos) {
      WebSocketListeners listeners;
      listeners.message = [this](WebSocket& ws, WebSocketMessage message) -> Task<void> {
        shared_.record("accept-message:" + describe(message) + ":" + ws.binaryType());
        ws.send(message);
        co_return;
      };
      listeners.close = [this](WebSocket& ws, int code, std::string reason,
                               bool wasClean) -> Task<void> {
        shared_.record("accept-close:" + std::to_string(code) + ":" + reason + ":" +
                       std::to_string(wasClean) + ":rs=" + std::to_string(ws.readyState()));
        co_return;
      };
      pair.server->accept(std::move(listeners));
      accepted_.push_back(pair.server);
    } else {
      std::vector<std::string> tags;
      for (size_t at = target.find("tag="); at != std::string::npos;
           at = target.find("tag=", at + 1)) {
        const size_t end = target.find('&', at);
        tags.push_back(target.substr(at + 4, end == std::string::npos ? end : end - at - 4));
      }
      ctx.acceptWebSocket(pair.server, tags);
    }
    HttpResponse response{101, {}, ""};
    response.webSocket = pair.client;
    co_return response;
  }

  Task<void> webSocketMessage(WebSocket& ws, WebSocketMessage message) override {
    shared_.record("message:" + describe(message));
    if (message.data == "throw") {
      throw JsError("Error", "thrown by webSocketMessage");
    }
    if (message.data == "close-me") {
      ws.close(4000, "server-bye");
      co_return;
    }
    if (message.data == "hang") {
      co_await ctx.sleep(60'000);
      shared_.record("hang ended");
      co_return;
    }
    if (message.data.size() <= 64) {
      ws.send(message);
    }
  }

  Task<void> webSocketClose(WebSocket& ws, int code, std::string reason, bool wasClean) override {
    const bool listed = !ctx.getWebSockets().empty();
    shared_.record("close:" + std::to_string(code) + ":" + reason + ":" + std::to_string(wasClean) +
                   ":rs=" + std::to_string(ws.readyState()) + ":listed=" + std::to_string(listed));
    if (shared_.closeReply == "echo") {
      ws.close(code, reason);
    } else if (shared_.closeReply == "fixed") {
      ws.close(3001, "from-handler");
    }
    shared_.record("after close handler:rs=" + std::to_string(ws.readyState()));
    co_return;
  }

  Task<void> webSocketError(WebSocket& ws, JsError error) override {
    shared_.record("error:" + error.message() + ":rs=" + std::to_string(ws.readyState()));
    co_return;
  }

 private:
  Shared& shared_;
  std::vector<std::shared_ptr<WebSocket>> accepted_;
};

FlagSet flagsOf(std::initializer_list<const char*> names) {
  FlagSet flags;
  for (const char* name : names) {
    flags.set(name);
  }
  return flags;
}

// One profile's worker behind an HttpServer on 127.0.0.1 port 0, run by two threads. A request
// for "/<name>/<rest>" goes to object <name>'s fetch as "<kOrigin>/<rest>".
struct Host {
  explicit Host(FlagSet flags, double idleEvictionMs = 0)
      : worker("2026-01-01", std::move(flags), store, alarms, AlarmPolicy{}, clock,
               io.get_executor(), [this](LogLevel, const std::string& line) { logLine(line); }),
        server(
            io, [this](HttpRequest request) { return route(std::move(request)); },
            silentLogSink()) {
    worker.setIdleEvictionMs(idleEvictionMs);
    worker.defineClass("Socket", [this](DurableObjectState& ctx, Env& env) {
      return std::make_unique<SocketObject>(ctx, env, shared);
    });
    endpoint = server.listen(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    server.start();
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([this] { io.run(); });
    }
  }
  ~Host() {
    server.stop();
    guard.reset();
    io.stop();
    for (auto& thread : threads) {
      thread.join();
    }
  }

  Task<HttpResponse> route(HttpRequest request) {
    const size_t slash = request.url.find('/', 1);
    const std::string name = request.url.substr(1, slash == std::string::npos ? slash : slash - 1);
    request.url = kOrigin + (slash == std::string::npos ? "/" : request.url.substr(slash));
    auto& ns = *worker.findNamespace("Socket");
    // A named stub: fetch() is a coroutine that refers to it until it completes.
    DurableObjectStub stub = ns.get(ns.idFromName(name));
    co_return co_await stub.fetch(std::move(request));
  }

  ObjectSlot& slot(const std::string& name) {
    auto& ns = *worker.findNamespace("Socket");
    return ns.slot(ns.idFromName(name));
  }
  void evict(const std::string& name) {
    auto future = asio::co_spawn(io, slot(name).evict(), asio::use_future);
    ASSERT_EQ(future.wait_for(kDeadline), std::future_status::ready);
  }
  // Runs `check` inside an event of object `name`, on its strand.
  void run(const std::string& name, std::function<void(DurableObjectState&)> check) {
    shared.run = std::move(check);
    HttpRequest request{"GET", "/" + name + "/run", {}, ""};
    auto future = asio::co_spawn(io, route(std::move(request)), asio::use_future);
    ASSERT_EQ(future.wait_for(kDeadline), std::future_status::ready);
    EXPECT_EQ(future.get().status, 200);
  }
  void logLine(const std::string& line) {
    {
      const std::lock_guard guard(logLock);
      logLines.push_back(line);
    }
    logChanged.notify_all();
  }
  // Waits until a log line starts with `prefix`; false when the deadline passed first.
  // Lines before `from` (a logLineCount()) are not looked at.
  bool waitForLog(const std::string& prefix,
                  std::chrono::milliseconds within = std::chrono::milliseconds(kDeadline),
                  size_t from = 0) {
    std::unique_lock guard(logLock);
    return logChanged.wait_for(guard, within, [&] {
      return std::any_of(logLines.begin() + std::min(from, logLines.size()), logLines.end(),
                         [&](const std::string& line) { return line.starts_with(prefix); });
    });
  }
  size_t logLineCount() {
    const std::lock_guard guard(logLock);
    return logLines.size();
  }

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  Shared shared;
  std::mutex logLock;
  std::condition_variable logChanged;
  std::vector<std::string> logLines;
  ObjectStore store{":memory:"};
  AlarmStore alarms{store};
  ScaledClock clock{kFastScale};
  Worker worker;
  HttpServer server;
  tcp::endpoint endpoint;
  std::vector<std::thread> threads;
};

// A WebSocket client on a blocking socket: it writes exactly the frames asked for (masked, as a
// client must, unless told otherwise) and reads the server's frames one by one.
class RawClient {
 public:
  explicit RawClient(const tcp::endpoint& endpoint) : socket_(io_) {
    socket_.connect(endpoint);
    // Each frame goes out when written, so a test's frames never wait for an ACK.
    socket_.set_option(tcp::no_delay(true));
    // Every read gives up after the deadline instead of hanging the test.
    timeval timeout{std::chrono::duration_cast<std::chrono::seconds>(kDeadline).count(), 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }

  // Sends the opening handshake for `target` and returns the server's status code; on 101 the
  // Sec-WebSocket-Accept must match the key.
  int upgrade(const std::string& target) {
    const std::string key = ws::clientKey({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
    writeRaw("GET " + target +
             " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: " +
             key + "\r\nSec-WebSocket-Version: 13\r\n\r\n");
    std::string received;
    boost::system::error_code error;
    const size_t headerEnd =
        asio::read_until(socket_, asio::dynamic_buffer(received), "\r\n\r\n", error);
    if (error) {
      ADD_FAILURE() << "no handshake answer: " << error.message();
      return 0;
    }
    head_ = received.substr(0, headerEnd);
    const int status = std::atoi(head_.substr(9, 3).c_str());
    if (status == 101) {
      EXPECT_NE(head_.find("Sec-WebSocket-Accept: " + ws::acceptKey(key)), std::string::npos)
          << head_;
      feed(received.substr(headerEnd));
    }
    return status;
  }

  void writeRaw(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }
  tcp::socket& socket() { return socket_; }
  void send(ws::Frame frame, bool masked = true) {
    frame.masked = masked;
    frame.maskKey = {0x12, 0x34, 0x56, 0x78};
    writeRaw(ws::encodeFrame(frame));
  }
  void sendText(const std::string& text) {
    send(ws::Frame{.opcode = ws::Opcode::kText, .payload = text});
  }
  void sendBinary(const std::string& bytes) {
    send(ws::Frame{.opcode = ws::Opcode::kBinary, .payload = bytes});
  }
  void sendClose(std::optional<uint16_t> code, const std::string& reason = "") {
    send(ws::Frame{.opcode = ws::Opcode::kClose,
                   .payload = code ? ws::closePayload(*code, reason) : ""});
  }

  // The next frame, or nothing once the server ended the stream (or the deadline passed).
  std::optional<ws::Frame> next() {
    while (frames_.empty()) {
      if (ended_) {
        return std::nullopt;
      }
      char chunk[65536];
      boost::system::error_code error;
      const size_t size = socket_.read_some(asio::buffer(chunk), error);
      if (error) {
        ended_ = true;
        endError_ = error;
        return std::nullopt;
      }
      feed(std::string(chunk, size));
    }
    ws::Frame frame = std::move(frames_.front());
    frames_.pop_front();
    return frame;
  }
  // True when the server closed the stream (FIN or reset), not when the read timed out.
  bool endedByServer() {
    while (next()) {
    }
    return endError_ == asio::error::eof || endError_ == asio::error::connection_reset;
  }
  void shutdownSend() { socket_.shutdown(tcp::socket::shutdown_send); }
  void closeNow() { socket_.close(); }

 private:
  void feed(const std::string& bytes) {
    auto parsed = parser_.feed(bytes);
    ASSERT_FALSE(parsed.error) << parsed.error->message;
    for (auto& frame : parsed.frames) {
      frames_.push_back(std::move(frame));
    }
  }

  asio::io_context io_;
  tcp::socket socket_;
  std::string head_;
  ws::FrameParser parser_{ws::ParserOptions{ws::Role::kClient, 64ull << 20}};
  std::deque<ws::Frame> frames_;
  bool ended_ = false;
  boost::system::error_code endError_;
};

ws::ClosePayload closeOf(const std::optional<ws::Frame>& frame) {
  if (!frame || frame->opcode != ws::Opcode::kClose) {
    ADD_FAILURE() << "expected a Close frame";
    return {};
  }
  return ws::parseClosePayload(frame->payload);
}

// ----------------------------------------------------------------------------------------------
// Messages

TEST(WebSockets, TextAndBinaryMessagesReachWebSocketMessageAndItsSendReachesTheClient) {
  Host host(FlagSet{});
  RawClient client(host.endpoint);
  ASSERT_EQ(client.upgrade("/a/ws?tag=first"), 101);

  client.sendText("hello");
  const auto text = client.next();
  ASSERT_TRUE(text);
  EXPECT_EQ(text->opcode, ws::Opcode::kText);
  EXPECT_EQ(text->payload, "hello");

  client.sendBinary(std::string("\x00\x01\x02", 3));
  const auto binary = client.next();
  ASSERT_TRUE(binary);
  EXPECT_EQ(binary->opcode, ws::Opcode::kBinary);
  EXPECT_EQ(binary->payload, std::string("\x00\x01\x02", 3));
  EXPECT_TRUE(host.shared.has("message:text:hello"));
  EXPECT_TRUE(host.shared.has(std::string("message:binary:\x00\x01\x02", 18)));
}

TEST(WebSockets, AFragmentedMessageReachesTheHandlerOnceAndWhole) {
  Host host(FlagSet{});
  RawClient client(host.endpoint);
  ASSERT_EQ(client.upgrade("/a/ws"), 101);

  client.send(ws::Frame{.fin = false, .opcode = ws::Opcode::kText, .payload = "he"});
  client.send(ws::Frame{.opcode = ws::Opcode::kPing, .payload = "between"});
  client.send(ws::Frame{.fin = true, .opcode = ws::Opcode::kContinuation, .payload = "llo"});

  const auto pong = client.next();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, ws::Opcode::kPong);
  const auto echo = client.next();
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->payload, "hello");
  EXPECT_EQ(host.shared.snapshot(),
            (std::vector<std::string>{"constructor", "message:text:hello"}));
}

TEST(WebSockets, MessagesOfOneSocketReachTheHandlerInTheOrderSent) {
  Host host(FlagSet{});
  RawClient client(host.endpoint);
  ASSERT_EQ(client.upgrade("/a/ws"), 101);

  for (int i = 0; i < 50; ++i) {
    client.sendText("m" + std::to_string(i));
  }
  for (int i = 0; i < 50; ++i) {
    const auto echo = client.next();
    ASSERT_TRUE(echo);
    EXPECT_EQ(echo->payload, "m" + std::to_string(i));
  }
}

TEST(WebSockets, AMessageOfThirtyTwoMebibytesReachesTheHandlerWhole) {
  Host host(FlagSet{});
  RawClient client(host.endpoint);
  ASSERT_EQ(client.upgrade("/a/ws"), 101);

  client.sendBinary(std::string(kMaxWebSocketMessageBytes, 'x'));
  client.sendText("after");
  EXPECT_TRUE(host.shared.waitFor("message:text:after"));
  EXPECT_TRUE(host.shared.has("message:binary:<33554432 bytes>"));
}

TEST(WebSockets, AHandlerThatThrowsLeavesTheSocketOpenForLaterMessages) {
  Host host(FlagSet{});
  RawClient client(host.endpoint);
  ASSERT_EQ(client.upgrade("/a/ws"), 101);

  client.sendText("throw");
  client.sendText("still here");
  const auto echo = client.next();
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->payload, "still here");
}

TEST(WebSockets, APingIsAnsweredWithItsPayloadWithoutAHandlerOrAConstruction) {
  Host host(FlagSet{});
  RawClient client(host.endpoint);
  ASSERT_EQ(client.upgrade("/a/ws"), 101);
  host.evict("a");
  ASSERT_EQ(host.shared.constructed(), 1);

  client.send(ws::Frame{.opcode = ws::Opcode::kPing, .payload = "p1"});
  const auto pong = client.next();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, ws::Opcode::kPong);
  EXPECT_EQ(pong->payload, "p1");
  client.send(ws::Frame{.opcode = ws::Opcode::kPong, .payload = "unsolicited"});
  client.send(ws::Frame{.opcode = ws::Opcode::kPing, .payload = "p2"});
  ASSERT_TRUE(client.next());

  EXPECT_EQ(host.shared.constructed(), 1);
  EXPECT_FALSE(host.shared.has("message:"));
}

TEST(WebSockets, TheAutoResponseAnswersOnlyTheExactTextWithoutWakingTheObject) {
  Host host(FlagSet{});
  RawClient client(host.endpoint);
  ASSERT_EQ(client.upgrade("/a/ws?tag=s1"), 101);
  std::optional<double> before;
  host.run("a", [&](DurableObjectState& ctx) {
    ctx.setWebSocketAutoResponse(WebSocketRequestResponsePair{"ping", "pong"});
    before = ctx.getWebSocketAutoResponseTimestamp(*ctx.getWebSockets("s1").at(0));
  });
  EXPECT_FALSE(before);
  host.evict("a");

  client.sendText("ping");
  const auto reply = client.next();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->payload, "pong");
  EXPECT_EQ(host.shared.constructed(), 1);

  for (const std::string other : {"PING", "ping "}) {
    client.sendText(other);
    ASSERT_TRUE(client.next());
    EXPECT_TRUE(host.shared.has("message:text:" + other));
  }
  client.sendBinary("ping");
  ASSERT_TRUE(client.next());
  EXPECT_TRUE(host.shared.has("message:binary:ping"));

  std::optional<double> after;
  host.run("a", [&](DurableObjectState& ctx) {
    after = ctx.getWebSocketAutoResponseTimestamp(*ctx.getWebSockets("s1").at(0));
    ctx.setWebSocketAutoResponse();
    EXPECT_FALSE(ctx.getWebSocketAutoResponse());
  });
  EXPECT_TRUE(after);
  client.sendText("ping");
  const auto handled = client.next();
  ASSERT_TRUE(handled);
  EXPECT_EQ(handled->payload, "ping");
}

// ----------------------------------------------------------------------------------------------
// Closing

TEST(WebSockets, WithAutoReplyTheRuntimeEchoesTheClientsCloseBeforeTheHandlerWhichSeesClosed) {
  Host host(flagsOf({"web_socket_auto_reply_to_close"}));
  host.shared.closeReply = "fixed";  // ignored: the runtime already answered
  RawClient client(host.endpoint);
  ASSERT_EQ(client.upgrade("/a/ws"), 101);

  client.sendClose(4000, "bye");
  const auto reply = closeOf(client.next());
  EXPECT_EQ(reply.code, 4000);
  EXPECT_EQ(reply.reason, "bye");
  EXPECT_TRUE(client.endedByServer());  // no second Close frame, then FIN

  EXPECT_TRUE(host.shared.waitFor("after close handler:rs=3"));
  EXPECT_TRUE(host.shared.has("close:4000:bye:1:rs=3:listed=1"));
}

TEST(WebSockets, WithAutoReplyAnEmptyCloseIsAnsweredEmptyAndReportedAs1005) {
  Host host(flagsOf({"web_socket_auto_reply_to_close"}));
  RawClient client(host.endpoint);
  ASSERT_EQ(client.upgrade("/a/ws"), 101);

  client.sendClose(std::nullopt);
  const auto reply = client.next();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->opcode, ws::Opcode::kClose);
  EXPECT_EQ(reply->payload, "");
  EXPECT_TRUE(host.shared.waitFor("after close handler:rs=3"));
  EXPECT_TRUE(host.shared.has("close:1005::1:rs=3"));
}

TEST(WebSockets, WithoutAutoReplyTheHandlersCloseIsTheReplyAndReadyStateGoesFromTwoToThree) {
  Host host(FlagSet{});
  host.shared.closeReply = "fixed";
  RawClient client(host.endpoint);
  ASSERT_EQ(client.upgrade("/a/ws"), 101);

  client.sendClose(1000, "bye");
  const auto reply = closeOf(client.next());
  EXPECT_EQ(reply.code, 3001);
  EXPECT_EQ(reply.reason, "from-handler");
  EXPECT_TRUE(client.endedByServer());
  EXPECT_TRUE(host.shared.waitFor("after close handler:rs=3"));
  EXPECT_TRUE(host.shared.has("close:1000:bye:1:rs=2:listed=1"));
}

TEST(WebSockets, WithoutAutoReplyAHandlerThatDoesNotCloseLeavesTheClientWithoutACloseFrame) {
  Host host(FlagSet{});
  RawClient client(host.endpoint);
  ASSERT_EQ(client.upgrade("/a/ws"), 101);

  client.sendClose(1000, "bye");
  EXPECT_FALSE(client.next());  // the stream ends with no frame at all: 1006 at the client
  EXPECT_TRUE(client.endedByServer());
  EXPECT_TRUE(host.shared.has("close:1000:bye:1:rs=2"));
}

TEST(WebSockets, AServerCloseIsAnsweredAndReportedWithTheClientsCodeAndReadyStateClosed) {
  for (const bool autoReply : {false, true}) {
    Host host(autoReply ? flagsOf({"web_socket_auto_reply_to_close"}) : FlagSet{});
    RawClient client(host.endpoint);
    ASSERT_EQ(client.upgrade("/a/ws"), 101);

    client.sendText("close-me");
    const auto serverClose = closeOf(client.next());
    EXPECT_EQ(serverClose.code, 4000);
    EXPECT_EQ(serverClose.reason, "server-bye");
    client.sendClose(4001, "client-bye");
    EXPECT_TRUE(client.endedByServer());
    EXPECT_TRUE(host.shared.waitFor("after close handler:rs=3"));
    EXPECT_TRUE(host.shared.has("close:4001:client-bye:1:rs=3:listed=1")) << autoReply;
  }
}

TEST(WebSockets, AConnectionLostWithoutACloseFrameIsWebSocketClose1006AndNeverAnError) {
  Host host(FlagSet{});
  for (const bool reset : {false, true}) {
    RawClient client(host.endpoint);
    ASSERT_EQ(client.upgrade("/a/ws"), 101);
    host.shared.clear();
    if (reset) {
      client.closeNow();
    } else {
      client.shutdownSend();
    }
    EXPECT_TRUE(host.shared.waitFor(
        "close:1006:WebSocket disconnected without sending Close frame.:0:rs=2:listed=1"));
    EXPECT_FALSE(host.shared.has("error:"));
  }
  // Gone from getWebSockets() once the handler ran.
  host.run("a", [](DurableObjectState& ctx) { EXPECT_TRUE(ctx.getWebSockets().empty()); });
}

// ----------------------------------------------------------------------------------------------
// Protocol errors

struct ProtocolCase {
  const char* what;
  std::function<void(RawClient&)> send;
  uint16_t closeCode;
};

TEST(WebSockets, AProtocolErrorSendsItsCloseCodeCallsWebSocketErrorAndEndsTheConnection) {
  const std::vector<ProtocolCase> cases = {
      {"an unmasked frame", [](RawClient& c) { c.send(ws::Frame{.payload = "x"}, false); }, 1002},
      {"RSV1 without an extension",
       [](RawClient& c) { c.send(ws::Frame{.rsv1 = true, .payload = "x"}); }, 1002},
      {"RSV2", [](RawClient& c) { c.send(ws::Frame{.rsv2 = true, .payload = "x"}); }, 1002},
      {"a reserved opcode",
       [](RawClient& c) { c.send(ws::Frame{.opcode = static_cast<ws::Opcode>(3)}); }, 1002},
      {"a fragmented ping",
       [](RawClient& c) { c.send(ws::Frame{.fin = false, .opcode = ws::Opcode::kPing}); }, 1002},
      {"a continuation with no message",
       [](RawClient& c) { c.send(ws::Frame{.opcode = ws::Opcode::kContinuation}); }, 1002},
      {"invalid UTF-8", [](RawClient& c) { c.sendText("\xC3\x28"); }, 1007},
      {"a message one byte over 32 MiB",
       [](RawClient& c) {
         // Only the header: the length alone is over the limit, so nothing more is read.
         ws::Frame frame{.opcode = ws::Opcode::kBinary};
         frame.masked = true;
         std::string header = ws::encodeFrame(frame).substr(0, 1);
         header += '\xFF';  // masked, 64-bit length
         for (int shift = 56; shift >= 0; shift -= 8) {
           header += char(((kMaxWebSocketMessageBytes + 1) >> shift) & 0xFF);
         }
         c.writeRaw(header + "\x01\x02\x03\x04");
       },
       1009},
  };
  Host host(flagsOf({"web_socket_auto_reply_to_close"}));
  for (const auto& testCase : cases) {
    SCOPED_TRACE(testCase.what);
    RawClient client(host.endpoint);
    ASSERT_EQ(client.upgrade("/a/ws"), 101);
    host.shared.clear();

    testCase.send(client);
    const auto close = closeOf(client.next());
    EXPECT_EQ(close.code, testCase.closeCode);
    EXPECT_TRUE(client.endedByServer());
    const std::string prefix = "error:WebSocket protocol error; protocolError.statusCode = " +
                               std::to_string(testCase.closeCode) +
                               "; protocolError.description = ";
    std::unique_lock guard(host.shared.lock);
    ASSERT_TRUE(host.shared.changed.wait_for(guard, kDeadline, [&] {
      return std::any_of(host.shared.events.begin(), host.shared.events.end(),
                         [&](const std::string& e) { return e.starts_with(prefix); });
    }));
    for (const auto& event : host.shared.events) {
      EXPECT_FALSE(event.starts_with("close:")) << event;
    }
  }
  host.run("a", [](DurableObjectState& ctx) { EXPECT_TRUE(ctx.getWebSockets().empty()); });
  EXPECT_TRUE(
      host.shared.has("error:WebSocket protocol error; protocolError.statusCode = 1009; "
                      "protocolError.description = Message is too large: 33554433 > "
                      "33554432:rs=2"));
}

TEST(WebSockets, ARequestWithUpgradeHeadersThatTheObjectDoesNotUpgradeGetsItsOrdinaryAnswer) {
  Host host(FlagSet{});
  RawClient client(host.endpoint);
  EXPECT_EQ(client.upgrade("/a/plain"), 200);
}

TEST(WebSockets, AMalformedUpgradeNeverReachesTheObjectSoNoSocketIsLeftBehind) {
  Host host(FlagSet{});
  const std::string base =
      "GET /a/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  const std::string goodKey = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {base + goodKey + "Sec-WebSocket-Version: 8\r\n\r\n", "HTTP/1.1 426"},
      {base + "Sec-WebSocket-Key: abc\r\nSec-WebSocket-Version: 13\r\n\r\n", "HTTP/1.1 400"},
      {base + "Sec-WebSocket-Version: 13\r\n\r\n", "HTTP/1.1 400"},
  };
  for (const auto& [request, status] : cases) {
    RawClient client(host.endpoint);
    client.writeRaw(request);
    std::string answer(12, '\0');
    asio::read(client.socket(), asio::buffer(answer));
    EXPECT_EQ(answer, status) << request;
  }

  host.run("a", [](DurableObjectState& ctx) { EXPECT_TRUE(ctx.getWebSockets().empty()); });
  EXPECT_FALSE(host.shared.has("fetch"));
}

TEST(WebSockets, AClientThatPingsWithoutReadingIsNoLongerReadOnceItsPongsPileUp) {
  Host host(FlagSet{});
  RawClient client(host.endpoint);
  ASSERT_EQ(client.upgrade("/a/ws"), 101);
  // The client never reads: once the kernel buffers and the server's outbox are full, the
  // server stops reading too, and the client's writes stall instead of the server's memory
  // growing. 64 MiB of Pings would need 64 MiB of Pongs queued without that.
  client.socket().non_blocking(true);
  ws::Frame ping{.opcode = ws::Opcode::kPing, .masked = true, .payload = std::string(125, 'p')};
  const std::string frame = ws::encodeFrame(ping);
  size_t written = 0;
  const auto giveUp = std::chrono::steady_clock::now() + kDeadline;
  int stalls = 0;
  while (written < (64u << 20) && std::chrono::steady_clock::now() < giveUp) {
    boost::system::error_code error;
    written += client.socket().write_some(asio::buffer(frame), error);
    if (error == asio::error::would_block) {
      if (++stalls > 400) {
        break;  // Stalled for 2 s: the server has stopped reading.
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    ASSERT_FALSE(error) << error.message();
    stalls = 0;
  }
  EXPECT_LT(written, 64u << 20) << "the server read 64 MiB of Pings nobody took the Pongs of";
}

// ----------------------------------------------------------------------------------------------
// The socket API and ctx

TEST(WebSockets, CloseValidatesItsArgumentsBeforeTheSocketsState) {
  for (const bool byteLimit : {false, true}) {
    Host host(byteLimit ? flagsOf({"websocket_close_reason_byte_limit"}) : FlagSet{});
    host.run("a", [byteLimit](DurableObjectState& ctx) {
      const WebSocketPair pair(ctx);
      ctx.acceptWebSocket(pair.server);
      WebSocket& ws = *pair.server;
      const auto errorOf = [&](std::function<void()> call) -> std::string {
        try {
          call();
        } catch (const JsError& error) {
          return error.name() + ": " + error.message();
        }
        return "";
      };
      for (const int code : {999, 1004, 1005, 1006, 1015, 5000, 0}) {
        EXPECT_EQ(
            errorOf([&] { ws.close(code); }),
            "InvalidAccessError: Invalid WebSocket close code: " + std::to_string(code) + ".");
      }
      EXPECT_EQ(errorOf([&] { ws.close(std::nullopt, "why"); }),
                "InvalidAccessError: If you specify a WebSocket close reason, you must also "
                "specify a code.");
      const std::string tooLong(124, 'r');
      std::string accentsTooLong;
      for (int i = 0; i < 62; ++i) {
        accentsTooLong += "\xC3\xA9";
      }
      const std::string limitError =
          byteLimit ? "SyntaxError: WebSocket close reason must not be longer than 123 bytes "
                      "when UTF-8 encoded."
                    : "";
      EXPECT_EQ(errorOf([&] { ws.close(1000, accentsTooLong); }), limitError);
      EXPECT_EQ(ws.readyState(), byteLimit ? WebSocket::kOpen : WebSocket::kClosing);
      EXPECT_EQ(errorOf([&] { ws.close(1000, tooLong); }), limitError);
      EXPECT_EQ(errorOf([&] { ws.close(2999, std::string(123, 'r')); }), "");
      EXPECT_EQ(ws.readyState(), WebSocket::kClosing);
      EXPECT_EQ(errorOf([&] { ws.close(1000); }), "");  // a second close does nothing
      EXPECT_EQ(errorOf([&] { ws.sendText("late"); }),
                "TypeError: Can't call WebSocket send() after close().");
    });
  }
}

TEST(WebSockets, TagsAreDedupedLimitedToTenAndTwoHundredFiftySixBytes) {
  Host host(FlagSet{});
  host.run("a", [](DurableObjectState& ctx) {
    const WebSocketPair first(ctx);
    ctx.acceptWebSocket(first.server, {"t1", "t2", "t1"});
    EXPECT_EQ(ctx.getTags(*first.server), (std::vector<std::string>{"t1", "t2"}));

    std::vector<std::string> ten;
    for (int i = 0; i < 10; ++i) {
      ten.push_back("tag" + std::to_string(i));
    }
    const WebSocketPair tenTags(ctx);
    EXPECT_NO_THROW(ctx.acceptWebSocket(tenTags.server, ten));
    ten.push_back("one-too-many");
    const WebSocketPair elevenTags(ctx);
    try {
      ctx.acceptWebSocket(elevenTags.server, ten);
      ADD_FAILURE() << "11 tags were accepted";
    } catch (const JsError& error) {
      EXPECT_EQ(error.message(), "a Hibernatable WebSocket cannot have more than 10 tags");
    }

    const WebSocketPair longest(ctx);
    EXPECT_NO_THROW(ctx.acceptWebSocket(longest.server, {std::string(256, 'a')}));
    const WebSocketPair tooLong(ctx);
    try {
      ctx.acceptWebSocket(tooLong.server, {std::string(257, 'a')});
      ADD_FAILURE() << "a 257-byte tag was accepted";
    } catch (const JsError& error) {
      EXPECT_EQ(error.message(), "\"" + std::string(257, 'a') +
                                     "\" is longer than the max tag length (256 characters).");
    }
  });
}

TEST(WebSockets, GetWebSocketsListsNewestFirstAndByTagOldestFirst) {
  Host host(FlagSet{});
  host.run("a", [](DurableObjectState& ctx) {
    std::vector<std::shared_ptr<WebSocket>> sockets;
    for (int i = 0; i < 3; ++i) {
      const WebSocketPair pair(ctx);
      ctx.acceptWebSocket(pair.server, {"a" + std::to_string(i), "shared"});
      sockets.push_back(pair.server);
    }
    EXPECT_EQ(ctx.getWebSockets(),
              (std::vector<std::shared_ptr<WebSocket>>{sockets[2], sockets[1], sockets[0]}));
    EXPECT_EQ(ctx.getWebSockets("shared"), sockets);
    EXPECT_TRUE(ctx.getWebSockets("unknown").empty());
  });
}

TEST(WebSockets, AnObjectAcceptsThirtyTwoThousandSevenHundredSixtyEightSocketsAndNoMore) {
  Host host(FlagSet{});
  host.run("a", [](DurableObjectState& ctx) {
    for (size_t i = 0; i < kMaxHibernatableWebSockets; ++i) {
      const WebSocketPair pair(ctx);
      ctx.acceptWebSocket(pair.server);
    }
    const WebSocketPair extra(ctx);
    try {
      ctx.acceptWebSocket(extra.server);
      ADD_FAILURE() << "socket 32,769 was accepted";
    } catch (const JsError& error) {
      EXPECT_EQ(error.message(),
                "only 32768 websockets can be accepted on a single Durable Object instance");
    }
  });
}

TEST(WebSockets, AcceptAndAcceptWebSocketExcludeEachOther) {
  Host host(FlagSet{});
  host.run("a", [](DurableObjectState& ctx) {
    const WebSocketPair hibernatable(ctx);
    ctx.acceptWebSocket(hibernatable.server);
    try {
      hibernatable.server->accept();
      ADD_FAILURE() << "accept() after acceptWebSocket() succeeded";
    } catch (const JsError& error) {
      EXPECT_EQ(error.name(), "TypeError");
      EXPECT_EQ(error.message(), "Can't accept() WebSocket after enabling hibernation.");
    }
    const WebSocketPair plain(ctx);
    plain.server->accept();
    try {
      ctx.acceptWebSocket(plain.server);
      ADD_FAILURE() << "acceptWebSocket() after accept() succeeded";
    } catch (const JsError& error) {
      EXPECT_EQ(error.message(),
                "Cannot call `acceptWebSocket()` if the WebSocket was already accepted via "
                "`accept()`");
    }
  });
}

TEST(WebSockets, AttachmentsAreLimitedToSixteenKibibytesAndNullWhenUnset) {
  Host host(FlagSet{});
  host.run("a", [](DurableObjectState& ctx) {
    const WebSocketPair pair(ctx);
    ctx.acceptWebSocket(pair.server);
    EXPECT_TRUE(pair.server->deserializeAttachment().is_null());
    pair.server->serializeAttachment(Json{{"a", 1}});
    EXPECT_EQ(pair.server->deserializeAttachment(), (Json{{"a", 1}}));
    pair.server->serializeAttachment(std::string(kMaxAttachmentBytes - 2, 'x'));  // + 2 quotes
    try {
      pair.server->serializeAttachment(std::string(kMaxAttachmentBytes - 1, 'x'));
      ADD_FAILURE() << "an attachment over the limit was accepted";
    } catch (const JsError& error) {
      EXPECT_EQ(error.message(),
                "A WebSocket 'attachment' cannot be larger than 16384 bytes.'attachment' was "
                "16385 bytes.");
    }
  });
}

TEST(WebSockets, TheAutoResponseAndEventTimeoutAreValidated) {
  Host host(FlagSet{});
  host.run("a", [](DurableObjectState& ctx) {
    try {
      ctx.setWebSocketAutoResponse(WebSocketRequestResponsePair{std::string(2049, 'q'), "r"});
      ADD_FAILURE();
    } catch (const JsError& error) {
      EXPECT_EQ(error.name(), "RangeError");
      EXPECT_EQ(error.message(),
                "Request cannot be larger than 2048 bytes. A request of size 2049 was provided.");
    }
    EXPECT_NO_THROW(ctx.setWebSocketAutoResponse(
        WebSocketRequestResponsePair{std::string(2048, 'q'), std::string(2048, 'r')}));
    try {
      ctx.setHibernatableWebSocketEventTimeout(604'800'001);
      ADD_FAILURE();
    } catch (const JsError& error) {
      EXPECT_EQ(error.message(), "Event timeout should not exceed 604800000 ms.");
    }
    ctx.setHibernatableWebSocketEventTimeout(5000);
    EXPECT_EQ(ctx.getHibernatableWebSocketEventTimeout(), 5000);
    ctx.setHibernatableWebSocketEventTimeout(0);
    EXPECT_FALSE(ctx.getHibernatableWebSocketEventTimeout());
  });
}

// ----------------------------------------------------------------------------------------------
// accept() sockets

TEST(WebSockets, AnAcceptedSocketDeliversToItsListenersWithTheProfilesBinaryType) {
  for (const bool standard : {false, true}) {
    Host host(standard
                  ? flagsOf({"websocket_standard_binary_type", "web_socket_auto_reply_to_close"})
                  : FlagSet{});
    RawClient client(host.endpoint);
    ASSERT_EQ(client.upgrade("/a/ws?kind=accept"), 101);

    client.sendBinary("b");
    ASSERT_TRUE(client.next());
    EXPECT_TRUE(host.shared.has(standard ? "accept-message:binary:b:blob"
                                         : "accept-message:binary:b:arraybuffer"));
    client.sendClose(1000, "done");
    if (standard) {
      EXPECT_EQ(closeOf(client.next()).code, 1000);
    }
    EXPECT_TRUE(client.endedByServer());
    EXPECT_TRUE(host.shared.waitFor(standard ? "accept-close:1000:done:1:rs=3"
                                             : "accept-close:1000:done:1:rs=2"));
    EXPECT_FALSE(host.shared.has("message:"));
    EXPECT_FALSE(host.shared.has("close:"));
  }
}

// ----------------------------------------------------------------------------------------------
// Eviction

TEST(WebSockets, AnIdleObjectIsEvictedWhileItsSocketStaysAndTheNextMessageConstructsItAgain) {
  Host host(FlagSet{}, kDefaultIdleEvictionMs);
  RawClient client(host.endpoint);
  ASSERT_EQ(client.upgrade("/a/ws?tag=s&tag=other"), 101);
  host.run("a", [](DurableObjectState& ctx) {
    ctx.getWebSockets("s").at(0)->serializeAttachment(Json{{"kept", true}});
  });
  // The object may also have been evicted before that event, on a slow machine: only what
  // follows it counts.
  const size_t linesBefore = host.logLineCount();
  const int constructedBefore = host.shared.constructed();

  // 10 s of the runtime's clock is 10 ms here; the log line says when it happened.
  ASSERT_TRUE(
      host.waitForLog("evicted Socket \"a\"", std::chrono::milliseconds(kDeadline), linesBefore));

  client.sendText("again");
  ASSERT_TRUE(client.next());
  EXPECT_EQ(host.shared.constructed(), constructedBefore + 1);
  host.run("a", [](DurableObjectState& ctx) {
    const auto sockets = ctx.getWebSockets("s");
    ASSERT_EQ(sockets.size(), 1u);
    EXPECT_EQ(ctx.getTags(*sockets[0]), (std::vector<std::string>{"s", "other"}));
    EXPECT_EQ(sockets[0]->deserializeAttachment(), (Json{{"kept", true}}));
  });
}

TEST(WebSockets, AnOpenAcceptedSocketKeepsTheObjectInMemory) {
  Host host(FlagSet{}, kDefaultIdleEvictionMs);
  RawClient client(host.endpoint);
  ASSERT_EQ(client.upgrade("/a/ws?kind=accept"), 101);
  // Many idle times pass on the fast clock while the socket stays open. This waits for time to
  // pass, not for an event: what is checked is that none happens.
  for (int i = 0; i < 20; ++i) {
    client.sendText("x" + std::to_string(i));
    ASSERT_TRUE(client.next());
    EXPECT_FALSE(host.waitForLog("evicted", 5ms));
  }
  EXPECT_EQ(host.shared.constructed(), 1);
}

TEST(WebSockets, AHandlerPastTheEventTimeoutIsEndedAndTheObjectResetWhileTheSocketStays) {
  Host host(FlagSet{});
  RawClient client(host.endpoint);
  ASSERT_EQ(client.upgrade("/a/ws"), 101);
  host.run("a", [](DurableObjectState& ctx) { ctx.setHibernatableWebSocketEventTimeout(1000); });

  client.sendText("hang");  // sleeps 60 s of the clock; the timeout ends it after 1 s
  client.sendText("after");
  const auto echo = client.next();
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->payload, "after");
  EXPECT_FALSE(host.shared.has("hang ended"));
  EXPECT_EQ(host.shared.constructed(), 2);
}

}  // namespace
}  // namespace doc::ref
