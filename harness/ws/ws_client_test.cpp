// The WebSocket client against two peers on loopback port 0: a Boost.Beast websocket server (an
// established implementation, for interoperability of the ordinary exchanges and the close
// handshake), and a raw TCP peer that writes exact bytes and keeps exactly what the client
// wrote, for what a library peer would never do (masked server frames, an empty Close, a reset)
// and for what the client must never do by itself.
#include "harness/ws/ws_client.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <functional>
#include <future>
#include <thread>

#include "common/websocket/handshake.h"
#include "common/websocket/test_bytes.h"
#include "harness/ws/ws_observation.h"

namespace doc::harness::ws {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using doc::ws::testing::bytes;

// How long a test waits for an event before it fails: far more than loopback ever takes, so it
// only bounds a broken test.
constexpr auto kEventTimeout = std::chrono::seconds(10);
constexpr auto kIoTimeout = std::chrono::milliseconds(10000);

// Waits, without sleeping, until the client's record satisfies `done`; the record then.
SocketRecord waitUntil(const WsClient& client,
                       const std::function<bool(const SocketRecord&)>& done) {
  const auto deadline = Clock::now() + kEventTimeout;
  for (;;) {
    SocketRecord record = client.snapshot();
    if (done(record) || Clock::now() >= deadline) {
      return record;
    }
    client.waitForChange(record.version, deadline);
  }
}

bool hasFrames(const SocketRecord& record, size_t count) {
  return record.received.size() >= count;
}

std::string urlFor(uint16_t port, const std::string& path = "/ws") {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

// --- A Beast websocket echo server ----------------------------------------------------------

// Accepts one connection and echoes every message as it came (text as text), answering Pings
// and the close handshake as Beast does by itself. Reports how the session ended.
class BeastEchoServer {
 public:
  BeastEchoServer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~BeastEchoServer() { thread_.join(); }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  // The error Beast's read ended with, and the Close it received.
  std::pair<beast::error_code, beast::websocket::close_reason> ending() {
    return ending_.get_future().get();
  }
  std::string requestTarget() { return target_.get_future().get(); }

 private:
  void serve() {
    tcp::socket socket(io_);
    acceptor_.accept(socket);
    beast::websocket::stream<tcp::socket> ws(std::move(socket));
    // One frame per message, up to 64 MiB: the 32 MiB test checks one echoed frame.
    ws.auto_fragment(false);
    ws.read_message_max(64ull << 20);
    beast::http::request<beast::http::empty_body> request;
    beast::flat_buffer handshake;
    beast::http::read(ws.next_layer(), handshake, request);
    target_.set_value(std::string(request.target()));
    ws.accept(request);
    beast::error_code error;
    for (;;) {
      beast::flat_buffer buffer;
      ws.read(buffer, error);
      if (error) {
        break;
      }
      ws.text(ws.got_text());
      ws.write(buffer.data(), error);
      if (error) {
        break;
      }
    }
    ending_.set_value({error, ws.reason()});
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::promise<std::pair<beast::error_code, beast::websocket::close_reason>> ending_;
  std::promise<std::string> target_;
};

TEST(WsClientWithBeast, TextAndBinaryMessagesComeBackAsTheyWereSent) {
  BeastEchoServer server;
  WsClient client;
  const Handshake handshake = client.connect(urlFor(server.port(), "/obj/a/ws?socket=s1&tag=x"),
                                             {{"x-probe-protocol", "1"}}, kIoTimeout);
  ASSERT_TRUE(handshake.upgraded) << handshake.problem;
  EXPECT_EQ(handshake.status, 101);
  EXPECT_EQ(server.requestTarget(), "/obj/a/ws?socket=s1&tag=x");

  const SendOutcome text = client.send({textFrame("hello")}, kIoTimeout);
  const SendOutcome binary = client.send({binaryFrame(bytes({0, 1, 2, 0xff}))}, kIoTimeout);
  ASSERT_EQ(text.error, "");
  ASSERT_EQ(binary.error, "");
  const SocketRecord record = waitUntil(client, [](auto& r) { return hasFrames(r, 2); });

  ASSERT_EQ(record.received.size(), 2u);
  EXPECT_EQ(record.received[0].opcode, 1);
  EXPECT_EQ(record.received[0].payload, "hello");
  EXPECT_EQ(record.received[1].opcode, 2);
  EXPECT_EQ(record.received[1].payload, bytes({0, 1, 2, 0xff}));
  EXPECT_EQ(record.received[1].sha256, binary.dataSha256);
  EXPECT_TRUE(record.violations.empty());
  ASSERT_EQ(record.sent.size(), 2u);
  EXPECT_TRUE(record.sent[0].masked);
  EXPECT_EQ(text.dataSha256, sha256Hex("hello"));

  const Json observation = recordJson(record, 1.0);
  EXPECT_EQ(observation["frames"][0]["opcode"], "text");
  EXPECT_EQ(observation["frames"][0]["text"], "hello");
  EXPECT_EQ(observation["frames"][1]["base64"], "AAEC/w==");
  EXPECT_EQ(observation["ended"], false);
  EXPECT_EQ(observation["clientCode"], nullptr);
}

TEST(WsClientWithBeast, APingIsAnsweredByTheServerWithAPongOfTheSamePayload) {
  BeastEchoServer server;
  WsClient client;
  ASSERT_TRUE(client.connect(urlFor(server.port()), {}, kIoTimeout).upgraded);

  client.send({pingFrame("p1")}, kIoTimeout);
  // Beast answers the Ping while it waits for a message; the message makes it read.
  client.send({textFrame("after")}, kIoTimeout);
  const SocketRecord record = waitUntil(client, [](auto& r) { return hasFrames(r, 2); });

  ASSERT_EQ(record.received.size(), 2u);
  EXPECT_EQ(record.received[0].opcode, 10);
  EXPECT_EQ(record.received[0].payload, "p1");
  EXPECT_EQ(record.received[1].payload, "after");
}

TEST(WsClientWithBeast, AFragmentedMessageIsJoinedByTheServerAndHashedWholeByTheClient) {
  BeastEchoServer server;
  WsClient client;
  ASSERT_TRUE(client.connect(urlFor(server.port()), {}, kIoTimeout).upgraded);

  OutFrame first = textFrame("he");
  first.fin = false;
  OutFrame middle = textFrame("ll");
  middle.opcode = Opcode::kContinuation;
  middle.fin = false;
  OutFrame last = textFrame("o");
  last.opcode = Opcode::kContinuation;
  // A Ping between fragments is allowed (§5.4) and must not end the message.
  const SendOutcome sent = client.send({first, middle, pingFrame("mid"), last}, kIoTimeout);
  const SocketRecord record = waitUntil(client, [](auto& r) { return hasFrames(r, 2); });

  EXPECT_EQ(sent.frames.size(), 4u);
  EXPECT_EQ(sent.dataLength, 5u);
  EXPECT_EQ(sent.dataSha256, sha256Hex("hello"));
  ASSERT_EQ(record.received.size(), 2u);
  EXPECT_EQ(record.received[0].opcode, 10);
  EXPECT_EQ(record.received[1].payload, "hello");
  EXPECT_EQ(record.received[1].sha256, sent.dataSha256);
}

TEST(WsClientWithBeast, TheCloseHandshakeEndsWithTheServersCloseAndItsFin) {
  BeastEchoServer server;
  WsClient client;
  ASSERT_TRUE(client.connect(urlFor(server.port()), {}, kIoTimeout).upgraded);

  client.send({closeFrame(1000, "bye")}, kIoTimeout);
  const SocketRecord record = waitUntil(client, [](auto& r) { return r.ended(); });

  const auto [error, received] = server.ending();
  EXPECT_EQ(error, beast::websocket::error::closed);
  EXPECT_EQ(received.code, 1000);
  EXPECT_EQ(received.reason, "bye");
  // Beast answers with the code alone.
  ASSERT_TRUE(record.closeFrame.has_value());
  EXPECT_EQ(record.closeFrame->closeCode, 1000);
  EXPECT_EQ(record.closeFrame->closeReason, "");
  EXPECT_EQ(record.endedBy, EndedBy::kFin);
  EXPECT_EQ(record.clientCode(), 1000);
  EXPECT_TRUE(record.violations.empty());

  const Json observation = recordJson(record, 0.5);
  EXPECT_EQ(observation["closeFrame"]["code"], 1000);
  EXPECT_EQ(observation["closeFrame"]["reason"], "");
  EXPECT_EQ(observation["endedBy"], "fin");
  EXPECT_EQ(observation["clientCode"], 1000);
  EXPECT_GE(observation["endedAt"].get<double>(), observation["closeFrame"]["at"].get<double>());
  const Json wire = wireJson(record, 0.5)["wire"];
  ASSERT_EQ(wire.size(), 2u);
  EXPECT_EQ(wire[0]["dir"], "out");
  EXPECT_EQ(wire[0]["code"], 1000);
  EXPECT_EQ(wire[1]["dir"], "in");
  EXPECT_EQ(wire[1]["opcode"], "close");
}

TEST(WsClientWithBeast, AGenerated32MiBMessageIsStreamedAndEchoedWithTheSameHash) {
  BeastEchoServer server;
  WsClient client;
  ASSERT_TRUE(client.connect(urlFor(server.port()), {}, kIoTimeout).upgraded);
  OutFrame big;
  big.opcode = Opcode::kBinary;
  big.payload.generated = GeneratedKind::kBinary;
  big.payload.generatedSize = 32ull << 20;

  const SendOutcome sent = client.send({big}, kIoTimeout);
  const SocketRecord record = waitUntil(client, [](auto& r) { return hasFrames(r, 1); });

  ASSERT_EQ(sent.error, "");
  EXPECT_EQ(sent.dataLength, 32ull << 20);
  ASSERT_EQ(record.received.size(), 1u);
  EXPECT_EQ(record.received[0].length, 32ull << 20);
  EXPECT_EQ(record.received[0].sha256, sent.dataSha256);
  EXPECT_TRUE(record.received[0].payload.empty());  // Too long to keep: length and hash only.
  const Json frame = recordJson(record, 1.0)["frames"][0];
  EXPECT_EQ(frame["sha256"], sent.dataSha256);
  EXPECT_FALSE(frame.contains("base64"));
}

// --- A raw TCP peer --------------------------------------------------------------------------

// How the raw peer ends the connection once it has written its bytes.
enum class PeerEnd {
  kFin,        // shutdown and close: end of stream
  kReset,      // SO_LINGER 0 and close: RST
  kReadToEnd,  // keep reading what the client writes until the client ends the connection
};

// Accepts one connection, answers the upgrade correctly (or with `answer` when given), writes
// `script`, then ends as told. Everything the client wrote after its request is kept.
class RawPeer {
 public:
  RawPeer(std::string script, PeerEnd end, std::string answer = "")
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        script_(std::move(script)),
        end_(end),
        answer_(std::move(answer)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~RawPeer() { thread_.join(); }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  // What the client wrote after its request; waits until the peer is done.
  std::string fromClient() { return fromClient_.get_future().get(); }

 private:
  void serve() {
    tcp::socket socket(io_);
    acceptor_.accept(socket);
    asio::streambuf request;
    asio::read_until(socket, request, "\r\n\r\n");
    std::string head(asio::buffers_begin(request.data()), asio::buffers_end(request.data()));
    const size_t headEnd = head.find("\r\n\r\n") + 4;
    std::string rest = head.substr(headEnd);
    head.resize(headEnd);

    std::string answer = answer_;
    if (answer.empty()) {
      const std::string field = "Sec-WebSocket-Key: ";
      const size_t at = head.find(field) + field.size();
      const std::string key = head.substr(at, head.find("\r\n", at) - at);
      answer =
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Accept: " +
          doc::ws::acceptKey(key) + "\r\n\r\n";
    }
    // The answer and the first frames in one write: the client must find frames that came in
    // the same read as the handshake.
    asio::write(socket, asio::buffer(answer + script_));

    boost::system::error_code error;
    if (end_ == PeerEnd::kFin) {
      socket.shutdown(tcp::socket::shutdown_send, error);
      // Reads to the client's end, so the close is not a reset for unread bytes.
      asio::read(socket, asio::dynamic_buffer(rest), error);
    } else if (end_ == PeerEnd::kReset) {
      socket.set_option(asio::socket_base::linger(true, 0), error);
    } else {
      asio::read(socket, asio::dynamic_buffer(rest), error);
    }
    socket.close(error);
    fromClient_.set_value(rest);
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::string script_;
  PeerEnd end_;
  std::string answer_;
  std::thread thread_;
  std::promise<std::string> fromClient_;
};

std::string serverFrame(Opcode opcode, const std::string& payload, bool fin = true) {
  doc::ws::Frame frame;
  frame.opcode = opcode;
  frame.fin = fin;
  frame.payload = payload;
  return doc::ws::encodeFrame(frame);
}

// Every frame in `wire`, parsed as a server parses a client's frames.
std::vector<doc::ws::Frame> clientFrames(const std::string& wire) {
  doc::ws::FrameParser parser({doc::ws::Role::kServer});
  doc::ws::ParseResult result = parser.feed(wire);
  EXPECT_FALSE(result.error.has_value()) << result.error->message;
  return result.frames;
}

TEST(WsClientWithRawPeer, FramesThatCameWithTheHandshakeAreRecordedWithTheCloseCodeAndReason) {
  RawPeer peer(serverFrame(Opcode::kText, "early") +
                   serverFrame(Opcode::kClose, doc::ws::closePayload(4001, "going")),
               PeerEnd::kFin);
  WsClient client;
  ASSERT_TRUE(client.connect(urlFor(peer.port()), {}, kIoTimeout).upgraded);

  const SocketRecord record = waitUntil(client, [](auto& r) { return r.ended(); });

  ASSERT_EQ(record.received.size(), 2u);
  EXPECT_EQ(record.received[0].payload, "early");
  ASSERT_TRUE(record.closeFrame.has_value());
  EXPECT_EQ(record.closeFrame->closeCode, 4001);
  EXPECT_EQ(record.closeFrame->closeReason, "going");
  EXPECT_EQ(record.closeFrame->length, 7u);
  EXPECT_EQ(record.endedBy, EndedBy::kFin);
  EXPECT_EQ(record.clientCode(), 4001);
}

TEST(WsClientWithRawPeer, AnEmptyCloseGivesCode1005) {
  RawPeer peer(serverFrame(Opcode::kClose, ""), PeerEnd::kFin);
  WsClient client;
  ASSERT_TRUE(client.connect(urlFor(peer.port()), {}, kIoTimeout).upgraded);

  const SocketRecord record = waitUntil(client, [](auto& r) { return r.ended(); });

  ASSERT_TRUE(record.closeFrame.has_value());
  EXPECT_FALSE(record.closeFrame->closeCode.has_value());
  EXPECT_EQ(record.clientCode(), 1005);
  const Json observation = recordJson(record, 1.0);
  EXPECT_FALSE(observation["closeFrame"].contains("code"));
  EXPECT_EQ(observation["closeFrame"]["payloadLength"], 0);
  EXPECT_EQ(observation["clientCode"], 1005);
}

TEST(WsClientWithRawPeer, AFinWithoutACloseFrameGivesCode1006) {
  RawPeer peer(serverFrame(Opcode::kText, "bye"), PeerEnd::kFin);
  WsClient client;
  ASSERT_TRUE(client.connect(urlFor(peer.port()), {}, kIoTimeout).upgraded);

  const SocketRecord record = waitUntil(client, [](auto& r) { return r.ended(); });

  EXPECT_FALSE(record.closeFrame.has_value());
  EXPECT_EQ(record.endedBy, EndedBy::kFin);
  EXPECT_EQ(record.clientCode(), 1006);
  EXPECT_EQ(recordJson(record, 1.0)["endedBy"], "fin");
}

TEST(WsClientWithRawPeer, AResetGivesCode1006AndEndedByReset) {
  RawPeer peer("", PeerEnd::kReset);
  WsClient client;
  ASSERT_TRUE(client.connect(urlFor(peer.port()), {}, kIoTimeout).upgraded);

  const SocketRecord record = waitUntil(client, [](auto& r) { return r.ended(); });

  EXPECT_EQ(record.endedBy, EndedBy::kReset);
  EXPECT_EQ(record.clientCode(), 1006);
  EXPECT_EQ(recordJson(record, 1.0)["endedBy"], "reset");
}

TEST(WsClientWithRawPeer, AMaskedServerFrameIsRecordedAsAViolationNotACrash) {
  doc::ws::Frame masked;
  masked.opcode = Opcode::kText;
  masked.masked = true;
  masked.maskKey = {1, 2, 3, 4};
  masked.payload = "hidden";
  RawPeer peer(serverFrame(Opcode::kText, "fine") + doc::ws::encodeFrame(masked) +
                   serverFrame(Opcode::kText, "after"),
               PeerEnd::kFin);
  WsClient client;
  ASSERT_TRUE(client.connect(urlFor(peer.port()), {}, kIoTimeout).upgraded);

  const SocketRecord record = waitUntil(client, [](auto& r) { return r.ended(); });

  ASSERT_EQ(record.received.size(), 1u);
  EXPECT_EQ(record.received[0].payload, "fine");
  ASSERT_EQ(record.violations.size(), 1u);
  EXPECT_EQ(record.violations[0].kind, "masked-frame");
  // The parser stops at the header byte with the mask bit; the rest is counted, not guessed at.
  EXPECT_EQ(record.unparsedBytes, doc::ws::encodeFrame(masked).size() - 2 + 7u);
  EXPECT_EQ(record.endedBy, EndedBy::kFin);
  const Json observation = recordJson(record, 1.0);
  EXPECT_EQ(observation["violations"][0]["kind"], "masked-frame");
}

TEST(WsClientWithRawPeer, ServerFramesWithRsvBitsAndAfterTheCloseAreRecordedWithViolations) {
  doc::ws::Frame rsv;
  rsv.opcode = Opcode::kBinary;
  rsv.rsv1 = true;
  rsv.payload = "x";
  RawPeer peer(doc::ws::encodeFrame(rsv) + serverFrame(Opcode::kClose, "") +
                   serverFrame(Opcode::kText, "late"),
               PeerEnd::kFin);
  WsClient client;
  ASSERT_TRUE(client.connect(urlFor(peer.port()), {}, kIoTimeout).upgraded);

  const SocketRecord record = waitUntil(client, [](auto& r) { return r.ended(); });

  ASSERT_EQ(record.received.size(), 3u);
  EXPECT_TRUE(record.received[0].rsv1);
  ASSERT_EQ(record.violations.size(), 2u);
  EXPECT_EQ(record.violations[0].kind, "reserved-bit-set");
  EXPECT_EQ(record.violations[1].kind, "frame-after-close");
  EXPECT_EQ(recordJson(record, 1.0)["frames"][0]["rsv1"], true);
}

TEST(WsClientWithRawPeer, TheClientNeverAnswersAServersCloseOrPingByItself) {
  RawPeer peer(serverFrame(Opcode::kPing, "are you there") +
                   serverFrame(Opcode::kClose, doc::ws::closePayload(1001, "away")),
               PeerEnd::kReadToEnd);
  WsClient client;
  ASSERT_TRUE(client.connect(urlFor(peer.port()), {}, kIoTimeout).upgraded);
  waitUntil(client, [](auto& r) { return r.closeFrame.has_value(); });

  // The only frame the peer gets is the one asked for after both arrived.
  client.send({textFrame("marker")}, kIoTimeout);
  client.drop(DropHow::kFin);
  const std::vector<doc::ws::Frame> frames = clientFrames(peer.fromClient());

  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].payload, "marker");
  const SocketRecord record = client.snapshot();
  EXPECT_EQ(record.endedBy, EndedBy::kDropFin);
  EXPECT_EQ(record.clientCode(), 1001);
}

TEST(WsClientWithRawPeer, RawFramesGoOutByteForByteAsTheCodecEncodesThem) {
  RawPeer peer("", PeerEnd::kReadToEnd);
  WsClient client;
  ASSERT_TRUE(client.connect(urlFor(peer.port()), {}, kIoTimeout).upgraded);
  std::vector<OutFrame> frames;
  std::string expected;
  // Lengths at each boundary of the length encoding, unmasked so the bytes are predictable; a
  // reserved opcode and every RSV bit on the first.
  for (const uint64_t length : {0ull, 125ull, 126ull, 65535ull, 65536ull, 70000ull}) {
    OutFrame frame;
    frame.opcode = length == 0 ? Opcode(3) : Opcode::kBinary;
    frame.rsv1 = frame.rsv2 = frame.rsv3 = length == 0;
    frame.fin = length != 126;
    frame.masked = false;
    frame.payload.generated = GeneratedKind::kBinary;
    frame.payload.generatedSize = length;
    frames.push_back(frame);

    doc::ws::Frame codec;
    codec.opcode = frame.opcode;
    codec.fin = frame.fin;
    codec.rsv1 = codec.rsv2 = codec.rsv3 = frame.rsv1;
    appendGenerated(GeneratedKind::kBinary, 0, length, codec.payload);
    expected += doc::ws::encodeFrame(codec);
  }

  const SendOutcome sent = client.send(frames, kIoTimeout);
  client.drop(DropHow::kFin);

  EXPECT_EQ(sent.error, "");
  EXPECT_EQ(peer.fromClient(), expected);
  ASSERT_EQ(sent.frames.size(), 6u);
  EXPECT_EQ(sent.frames[0].opcode, 3);
  EXPECT_FALSE(sent.frames[0].masked);
}

TEST(WsClientWithRawPeer, MaskedFramesCarryTheirPayloadUnderAMask) {
  RawPeer peer("", PeerEnd::kReadToEnd);
  WsClient client;
  ASSERT_TRUE(client.connect(urlFor(peer.port()), {}, kIoTimeout).upgraded);
  OutFrame generated;
  generated.opcode = Opcode::kText;
  generated.payload.generated = GeneratedKind::kText;
  generated.payload.generatedSize = 200000;

  client.send({generated, emptyCloseFrame(), closeFrame(1000, "done")}, kIoTimeout);
  client.drop(DropHow::kFin);
  const std::vector<doc::ws::Frame> frames = clientFrames(peer.fromClient());

  ASSERT_EQ(frames.size(), 3u);
  std::string text;
  appendGenerated(GeneratedKind::kText, 0, 200000, text);
  EXPECT_TRUE(frames[0].masked);
  EXPECT_EQ(frames[0].payload, text);
  EXPECT_EQ(frames[1].opcode, Opcode::kClose);
  EXPECT_EQ(frames[1].payload, "");
  EXPECT_EQ(frames[2].payload, doc::ws::closePayload(1000, "done"));
}

TEST(WsClientWithRawPeer, AResetDropEndsTheConnectionWithRst) {
  RawPeer peer("", PeerEnd::kReadToEnd);
  WsClient client;
  ASSERT_TRUE(client.connect(urlFor(peer.port()), {}, kIoTimeout).upgraded);

  client.drop(DropHow::kReset);

  // The peer's read ends; what it got is nothing (a reset is not a frame).
  EXPECT_EQ(peer.fromClient(), "");
  const SocketRecord record = client.snapshot();
  EXPECT_EQ(record.endedBy, EndedBy::kDropReset);
  EXPECT_EQ(record.clientCode(), 1006);
  EXPECT_FALSE(client.send({textFrame("late")}, kIoTimeout).error.empty());
}

TEST(WsClientWithRawPeer, AnAnswerThatIsNotAnUpgradeIsReturnedWithStatusHeadersAndBody) {
  const std::string body = R"({"ok": false, "error": {"name": "Error", "message": "too many"}})";
  RawPeer peer("", PeerEnd::kFin,
               "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body);
  WsClient client;

  const Handshake handshake = client.connect(urlFor(peer.port()), {}, kIoTimeout);

  EXPECT_FALSE(handshake.upgraded);
  EXPECT_EQ(handshake.status, 400);
  EXPECT_EQ(handshake.headers.at("content-type"), "application/json");
  EXPECT_EQ(handshake.body, body);
  EXPECT_EQ(handshake.problem, "");
}

TEST(WsClientWithRawPeer, A101WithTheWrongAcceptKeyIsNotAnUpgrade) {
  RawPeer peer("", PeerEnd::kFin,
               "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Accept: d3Jvbmc=\r\n\r\n");
  WsClient client;

  const Handshake handshake = client.connect(urlFor(peer.port()), {}, kIoTimeout);

  EXPECT_FALSE(handshake.upgraded);
  EXPECT_EQ(handshake.status, 101);
  EXPECT_NE(handshake.problem.find("Sec-WebSocket-Accept \"d3Jvbmc=\""), std::string::npos)
      << handshake.problem;
}

TEST(WsClientConnect, NoListenerIsAProblemNotAnException) {
  uint16_t port = 0;
  {
    asio::io_context io;
    tcp::acceptor closed(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = closed.local_endpoint().port();
  }
  WsClient client;

  const Handshake handshake = client.connect(urlFor(port), {}, kIoTimeout);

  EXPECT_FALSE(handshake.upgraded);
  EXPECT_EQ(handshake.status, 0);
  EXPECT_NE(handshake.problem.find("connecting to 127.0.0.1"), std::string::npos)
      << handshake.problem;
}

TEST(WsClientConnect, AServerThatNeverAnswersTimesOut) {
  asio::io_context io;
  tcp::acceptor silent(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  WsClient client;

  // The kernel completes the connection from the listen queue; no answer ever comes.
  const Handshake handshake =
      client.connect(urlFor(silent.local_endpoint().port()), {}, std::chrono::milliseconds(100));

  EXPECT_FALSE(handshake.upgraded);
  EXPECT_NE(handshake.problem.find("no answer to the upgrade within 100 ms"), std::string::npos)
      << handshake.problem;
}

TEST(WsBytes, Base64RoundTripsAndRejectsWhatIsNotBase64) {
  EXPECT_EQ(base64Encode(bytes({0, 1, 2, 0xff})), "AAEC/w==");
  EXPECT_EQ(base64Decode("AAEC/w=="), bytes({0, 1, 2, 0xff}));
  EXPECT_EQ(base64Decode("aGk="), "hi");
  EXPECT_EQ(base64Decode(""), "");
  EXPECT_FALSE(base64Decode("aGk").has_value());
  EXPECT_FALSE(base64Decode("a=Gk").has_value());
  EXPECT_FALSE(base64Decode("aG!=").has_value());
}

TEST(WsBytes, GeneratedPayloadsAreTheSameInAnyChunking) {
  std::string whole;
  appendGenerated(GeneratedKind::kBinary, 0, 100000, whole);
  std::string pieces;
  for (uint64_t offset = 0; offset < 100000; offset += 777) {
    appendGenerated(GeneratedKind::kBinary, offset, std::min<uint64_t>(777, 100000 - offset),
                    pieces);
  }
  EXPECT_EQ(whole, pieces);
  Sha256 streamed;
  streamed.update(whole.substr(0, 5));
  streamed.update(whole.substr(5));
  EXPECT_EQ(streamed.hexDigest(), sha256Hex(whole));
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace doc::harness::ws
