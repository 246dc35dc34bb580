// The WebSocket steps and evict run against a fake target on a loopback port: Boost.Beast serves
// /info, the object routes the steps use, and the upgrade, echoing every message and answering a
// Close as Beast does. Each test checks what the target saw and what the result says.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <mutex>
#include <thread>

#include "harness/runner/step_executor.h"
#include "harness/scenario/scenario_loader.h"

namespace doc::harness {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

const char* const kProfile = "2026-11-24";
const char* const kFile = "websocket/example.yaml";

// A probe target with capabilities websockets and eviction. An upgrade whose query names socket
// "refused" is answered 400 with a JSON error, as a probe whose acceptWebSocket threw.
class FakeWsTarget {
 public:
  explicit FakeWsTarget(bool websockets = true)
      : websockets_(websockets), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    acceptNext();
    ioThread_ = std::thread([this] { io_.run(); });
  }

  ~FakeWsTarget() {
    asio::post(io_, [this] { acceptor_.close(); });
    ioThread_.join();
    // Each connection ends when the harness drops its socket, at the latest with the result.
    const std::lock_guard guard(lock_);
    for (auto& thread : connections_) {
      thread.join();
    }
  }

  std::string rootUrl() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }

  // "GET <target> protocol=<x-probe-protocol> [extra=<x-extra>]" for every request but /info.
  std::vector<std::string> seen() const {
    const std::lock_guard guard(lock_);
    return seen_;
  }

 private:
  void acceptNext() {
    acceptor_.async_accept([this](const beast::error_code& error, tcp::socket socket) {
      if (error) {
        return;
      }
      const std::lock_guard guard(lock_);
      connections_.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
      acceptNext();
    });
  }

  void serve(tcp::socket socket) {
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    beast::error_code error;
    http::read(socket, buffer, request, error);
    if (error) {
      return;
    }
    const std::string target(request.target());
    if (target != "/info") {
      const std::lock_guard guard(lock_);
      seen_.push_back(
          std::string(request.method_string()) + " " + target +
          " protocol=" + std::string(request["x-probe-protocol"]) +
          (request.count("x-extra") > 0 ? " extra=" + std::string(request["x-extra"]) : ""));
    }
    if (beast::websocket::is_upgrade(request) &&
        target.find("socket=refused") == std::string::npos) {
      return echo(std::move(socket), request);
    }

    http::response<http::string_body> response{http::status::ok, request.version()};
    response.set(http::field::content_type, "application/json");
    if (target == "/info") {
      response.body() = info().dump();
    } else if (target.ends_with("/evict")) {
      response.body() = R"({"ok": true})";
    } else if (beast::websocket::is_upgrade(request)) {
      response.result(http::status::bad_request);
      response.body() = R"({"ok": false, "error": {"name": "Error", "message": "refused"}})";
    } else {
      response.result(http::status::not_found);
      response.body() = R"({"error": "no such route in the fake target"})";
    }
    response.keep_alive(false);
    response.prepare_payload();
    http::write(socket, response, error);
    socket.shutdown(tcp::socket::shutdown_send, error);
  }

  static void echo(tcp::socket socket, const http::request<http::string_body>& request) {
    beast::websocket::stream<tcp::socket> ws(std::move(socket));
    ws.auto_fragment(false);
    beast::error_code error;
    ws.accept(request, error);
    while (!error) {
      beast::flat_buffer message;
      ws.read(message, error);
      if (!error) {
        ws.text(ws.got_text());
        ws.write(message.data(), error);
      }
    }
  }

  Json info() const {
    return {{"runtime", {{"name", "fake-ws"}, {"version", "0"}}},
            {"protocol", {{"versions", {1}}}},
            {"clock", {{"scale", 1.0}}},
            {"profiles", {{{"name", kProfile}, {"baseUrl", rootUrl() + "/p/" + kProfile}}}},
            {"capabilities", {{"fetch", true}, {"websockets", websockets_}, {"eviction", true}}}};
  }

  bool websockets_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread ioThread_;
  mutable std::mutex lock_;
  std::vector<std::thread> connections_;
  std::vector<std::string> seen_;
};

Result run(const std::string& text, TargetSession& session) {
  LoadOptions load;
  load.defaultProfile = kProfile;
  ExecutionOptions options{"run1"};
  options.transportAllowanceSeconds = 0;
  return executeScenario(loadScenarioText(text, "websocket/example", kFile, load), kProfile,
                         session, options);
}

const StepTrace* stepNamed(const Result& result, const std::string& id) {
  for (const auto& step : result.trace) {
    if (step.id == id) {
      return &step;
    }
  }
  return nullptr;
}

TEST(WsSteps, AnEchoAndTheCloseHandshakePassAndTheTraceHoldsEveryFrameInOrder) {
  FakeWsTarget target;
  TargetSession session(target.rootUrl(), nullptr);

  const Result result = run(R"(description: Echo, then close.
needs: [websockets]
steps:
  - id: open
    wsConnect:
      {socket: s1, object: a, kind: hibernatable, tags: [t 1, t2], headers: {x-extra: "yes"}}
    expect:
      - requirement: WS-001
        that: {status: 101, upgraded: true}
  - id: send
    wsSend: {socket: s1, binarySize: 5000}
    expect:
      - requirement: WS-002
        that: {sent: {opcode: binary, length: 5000, sha256: {$regex: "^[0-9a-f]{64}$"}}}
  - id: echo
    wsReceive: {socket: s1, until: {frames: {$length: 1}}, within: 5s, requirement: WS-002}
    expect:
      - requirement: WS-002
        that: {frames: [{opcode: binary, length: 5000, sha256: {$sameAs: send/sent/sha256}}]}
  - id: close
    wsSend: {socket: s1, close: {code: 1000, reason: bye}}
    expect:
      - requirement: WS-003
        that: {sent: {opcode: close, code: 1000, reason: bye}}
  - id: closed
    wsReceive: {socket: s1, until: {ended: true}, within: 5s, requirement: WS-003}
    expect:
      - requirement: WS-003
        that: {closeFrame: {code: 1000, at: {$gte: 0}}, endedBy: fin, clientCode: 1000}
)",
                            session);

  EXPECT_EQ(result.status, Status::kPass) << result.message;
  const auto seen = target.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].rfind("GET /p/2026-11-24/obj/Probe/run1%2Fwebsocket%2Fexample", 0), 0u)
      << seen[0];
  EXPECT_NE(
      seen[0].find("%2Fa/ws?socket=s1&kind=hibernatable&tag=t%201&tag=t2 protocol=1 extra=yes"),
      std::string::npos)
      << seen[0];

  // The last trace entry is every socket's wire, both directions, in time order.
  ASSERT_FALSE(result.trace.empty());
  const StepTrace& sockets = result.trace.back();
  EXPECT_EQ(sockets.id, "(sockets)");
  EXPECT_EQ(sockets.kind, "wsSockets");
  const Json& wire = sockets.observation["s1"]["wire"];
  ASSERT_EQ(wire.size(), 4u) << wire.dump();
  EXPECT_EQ(wire[0]["dir"], "out");
  EXPECT_EQ(wire[0]["opcode"], "binary");
  EXPECT_EQ(wire[1]["dir"], "in");
  EXPECT_EQ(wire[2]["dir"], "out");
  EXPECT_EQ(wire[2]["code"], 1000);
  EXPECT_EQ(wire[3]["dir"], "in");
  EXPECT_EQ(wire[3]["opcode"], "close");
  EXPECT_EQ(sockets.observation["s1"]["endedBy"], "fin");
}

TEST(WsSteps, AnUpgradeTheTargetRefusesIsObservedAndUsingThatSocketIsAnError) {
  FakeWsTarget target;
  TargetSession session(target.rootUrl(), nullptr);

  const Result result = run(R"(description: Refused.
needs: [websockets]
steps:
  - id: open
    wsConnect: {socket: refused, object: a}
    expect:
      - requirement: WS-001
        that: {status: 400, upgraded: false, json: {ok: false, error: {message: refused}}}
  - id: send
    wsSend: {socket: refused, text: hi}
)",
                            session);

  EXPECT_EQ(result.status, Status::kError);
  EXPECT_EQ(result.message,
            "step \"send\" (websocket/example.yaml:9): socket \"refused\" is not "
            "open: its upgrade was answered 400");
  ASSERT_GE(result.trace.size(), 1u);
  EXPECT_TRUE(result.trace[0].checks[0].passed) << result.trace[0].checks[0].message;
}

TEST(WsSteps, AWaitThatNeverMatchesFailsAgainstItsRequirementWithTheLastMismatch) {
  FakeWsTarget target;
  TargetSession session(target.rootUrl(), nullptr);

  const Result result = run(R"(description: Nothing comes.
needs: [websockets]
steps:
  - wsConnect: {socket: s1, object: a}
  - id: quiet
    wsReceive: {socket: s1, until: {frames: {$length: 1}}, within: 100ms, requirement: WS-009}
)",
                            session);

  EXPECT_EQ(result.status, Status::kFail);
  EXPECT_EQ(
      result.message.rfind(R"(WS-009 (websocket/example.yaml:5, step "quiet"): within "100ms")"
                           R"( the socket never matched; last at /frames: )",
                           0),
      0u)
      << result.message;
  const StepTrace* quiet = stepNamed(result, "quiet");
  ASSERT_NE(quiet, nullptr);
  EXPECT_EQ(quiet->observation["matched"], false);
  EXPECT_EQ(quiet->observation["frames"], Json::array());
}

TEST(WsSteps, ADroppedSocketHasEndedWithoutACloseFrame) {
  FakeWsTarget target;
  TargetSession session(target.rootUrl(), nullptr);

  const Result result = run(R"(description: Dropped.
needs: [websockets]
steps:
  - wsConnect: {socket: s1, object: a}
  - wsDrop: {socket: s1, how: reset}
    expect:
      - requirement: WS-004
        that: {dropped: reset}
  - wsReceive: {socket: s1}
    expect:
      - requirement: WS-004
        that: {ended: true, endedBy: drop-reset, clientCode: 1006, closeFrame: {$absent: true}}
)",
                            session);

  EXPECT_EQ(result.status, Status::kPass) << result.message;
}

TEST(WsSteps, EvictPostsToTheObjectsEvictRoute) {
  FakeWsTarget target;
  TargetSession session(target.rootUrl(), nullptr);

  const Result result = run(R"(description: Evict.
needs: [eviction]
steps:
  - evict: {object: a, class: ProbeMinimal}
    expect:
      - requirement: EVICT-001
        that: {ok: true}
)",
                            session);

  EXPECT_EQ(result.status, Status::kPass) << result.message;
  const auto seen = target.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].rfind("POST /p/2026-11-24/obj/ProbeMinimal/run1%2F", 0), 0u) << seen[0];
  EXPECT_NE(seen[0].find("%2Fa/evict protocol=1"), std::string::npos) << seen[0];
  // No socket, no sockets entry in the trace.
  EXPECT_EQ(result.trace.size(), 1u);
}

TEST(WsSteps, ATargetWithoutWebSocketsIsAPreconditionFailure) {
  FakeWsTarget target(/*websockets=*/false);
  TargetSession session(target.rootUrl(), nullptr);

  const Result result = run(R"(description: Needs sockets.
needs: [websockets]
steps:
  - wsConnect: {socket: s1, object: a}
    expect:
      - requirement: WS-001
        that: {upgraded: true}
)",
                            session);

  EXPECT_EQ(result.status, Status::kPreconditionFailed);
  EXPECT_TRUE(target.seen().empty());
}

}  // namespace
}  // namespace doc::harness
