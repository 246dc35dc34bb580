#include "harness/ws/ws_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/url/parse.hpp>
#include <future>
#include <random>
#include <stdexcept>
#include <thread>

#include "common/websocket/handshake.h"
#include "common/websocket/message.h"

namespace doc::harness::ws {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// One read takes what the kernel has, up to this: a 32 MiB echo comes in 512 reads.
constexpr size_t kReadChunk = 64 * 1024;
// A generated payload is produced, hashed, masked and written this much at a time, so a 32 MiB
// message never exists in memory whole.
constexpr size_t kWriteChunk = 64 * 1024;
// The body of an answer that is not an upgrade: a probe's JSON error is a few hundred bytes; a
// megabyte bounds a server that streams without end.
constexpr uint64_t kMaxHandshakeBody = 1 << 20;
// RSV bits the parser lets through: a server may not set them (no extension is negotiated), but
// the harness records such frames, with a violation, rather than stop reading at them.
constexpr uint8_t kAllRsvBits = 0x70;

std::string lowerCase(std::string text) {
  for (auto& c : text) {
    c = char(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

bool isDataOpcode(uint8_t opcode) {
  return opcode <= doc::ws::rawOpcode(Opcode::kBinary);
}

// A frame header (§5.2) for a payload of `length` bytes: the same bytes encodeFrame() writes
// before the payload, for a payload that is written later in pieces.
std::string frameHeader(const OutFrame& frame, uint64_t length, const std::array<uint8_t, 4>& key) {
  std::string header;
  header.push_back(char((frame.fin ? 0x80 : 0) | (frame.rsv1 ? 0x40 : 0) | (frame.rsv2 ? 0x20 : 0) |
                        (frame.rsv3 ? 0x10 : 0) | (doc::ws::rawOpcode(frame.opcode) & 0x0F)));
  const uint8_t maskBit = frame.masked ? 0x80 : 0;
  int extendedBytes = 0;
  if (length < 126) {
    header.push_back(char(maskBit | length));
  } else if (length <= 0xFFFF) {
    header.push_back(char(maskBit | 126));
    extendedBytes = 2;
  } else {
    header.push_back(char(maskBit | 127));
    extendedBytes = 8;
  }
  for (int i = extendedBytes - 1; i >= 0; --i) {
    header.push_back(char((length >> (8 * i)) & 0xFF));
  }
  if (frame.masked) {
    header.append(reinterpret_cast<const char*>(key.data()), key.size());
  }
  return header;
}

void parseClose(WireFrame& wire) {
  if (wire.opcode == doc::ws::rawOpcode(Opcode::kClose) && wire.length <= kInlinePayloadLimit) {
    const doc::ws::ClosePayload close = doc::ws::parseClosePayload(wire.payload);
    wire.closeCode = close.code;
    wire.closeReason = close.reason;
  }
}

OutFrame frameOf(Opcode opcode, std::string bytes) {
  OutFrame frame;
  frame.opcode = opcode;
  frame.payload.bytes = std::move(bytes);
  return frame;
}

}  // namespace

OutFrame textFrame(std::string text) {
  return frameOf(Opcode::kText, std::move(text));
}
OutFrame binaryFrame(std::string bytes) {
  return frameOf(Opcode::kBinary, std::move(bytes));
}
OutFrame pingFrame(std::string payload) {
  return frameOf(Opcode::kPing, std::move(payload));
}
OutFrame pongFrame(std::string payload) {
  return frameOf(Opcode::kPong, std::move(payload));
}
OutFrame closeFrame(uint16_t code, const std::string& reason) {
  return frameOf(Opcode::kClose, doc::ws::closePayload(code, reason));
}
OutFrame emptyCloseFrame() {
  return frameOf(Opcode::kClose, "");
}

std::string toString(EndedBy by) {
  switch (by) {
    case EndedBy::kNone:
      return "";
    case EndedBy::kFin:
      return "fin";
    case EndedBy::kReset:
      return "reset";
    case EndedBy::kError:
      return "error";
    case EndedBy::kDropFin:
      return "drop-fin";
    case EndedBy::kDropReset:
      return "drop-reset";
  }
  return "";
}

std::optional<int> SocketRecord::clientCode() const {
  if (closeFrame) {
    return closeFrame->closeCode ? int(*closeFrame->closeCode) : 1005;
  }
  if (ended()) {
    return 1006;
  }
  return std::nullopt;
}

struct WsClient::Impl {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  tcp::socket socket{io};
  std::thread thread;

  // I/O thread only.
  doc::ws::FrameParser parser{{doc::ws::Role::kClient, kMaxReceivedPayload, kAllRsvBits, false}};
  doc::ws::MessageAssembler assembler{{kMaxReceivedPayload}};
  bool parsing = true;  // False after a violation the parser cannot read past.
  uint64_t bytesReceived = 0;
  std::array<char, kReadChunk> readBuffer{};
  std::mt19937 random{std::random_device{}()};
  bool connectCalled = false;

  mutable std::mutex lock;
  mutable std::condition_variable changed;
  SocketRecord record;  // Guarded by `lock`.

  // The thread starts once every member exists; it has nothing to do until something is posted.
  Impl() {
    thread = std::thread([this] { io.run(); });
  }

  // Every operation has finished when its caller returned, and dropping closes the socket, so
  // the pending read ends and run() returns once the work guard is gone.
  ~Impl() {
    runOnIo([this] { dropNow(DropHow::kFin); });
    work.reset();
    thread.join();
  }

  // Runs `work` on the I/O thread and waits for it: the socket is only ever touched there.
  template <class Work>
  void runOnIo(Work work) {
    std::promise<void> done;
    auto future = done.get_future();
    asio::post(io, [&] {
      work();
      done.set_value();
    });
    future.wait();
  }

  // Changes the record under the lock and wakes every waiter.
  template <class Change>
  void update(Change change) {
    {
      const std::lock_guard guard(lock);
      change(record);
      ++record.version;
    }
    changed.notify_all();
  }

  void addViolation(SocketRecord& into, std::string kind, std::string message,
                    Clock::time_point at) {
    if (into.violations.size() < kMaxRecordedViolations) {
      into.violations.push_back({std::move(kind), std::move(message), at});
    } else {
      ++into.droppedViolations;
    }
  }

  std::array<uint8_t, 4> maskKey() {
    std::uniform_int_distribution<int> byte(0, 255);
    return {uint8_t(byte(random)), uint8_t(byte(random)), uint8_t(byte(random)),
            uint8_t(byte(random))};
  }

  // --- Opening handshake ----------------------------------------------------------------------

  struct ConnectOp {
    explicit ConnectOp(asio::io_context& io) : timer(io), resolver(io) {}
    std::promise<Handshake> done;
    asio::steady_timer timer;
    tcp::resolver resolver;
    std::string host;
    std::string port;
    std::string request;
    std::string key;
    std::chrono::milliseconds timeout{0};
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> response;
    bool timedOut = false;
    bool finished = false;
  };

  void finishConnect(const std::shared_ptr<ConnectOp>& op, Handshake handshake) {
    if (op->finished) {
      return;
    }
    op->finished = true;
    op->timer.cancel();
    if (!handshake.upgraded) {
      error_code ignored;
      socket.close(ignored);
    }
    op->done.set_value(std::move(handshake));
  }

  void failConnect(const std::shared_ptr<ConnectOp>& op, const std::string& stage,
                   const error_code& error) {
    Handshake handshake;
    handshake.problem = op->timedOut
                            ? "no answer to the upgrade within " +
                                  std::to_string(op->timeout.count()) + " ms (" + stage + ")"
                            : stage + " failed: " + error.message();
    finishConnect(op, std::move(handshake));
  }

  void startConnect(const std::shared_ptr<ConnectOp>& op) {
    op->timer.expires_after(op->timeout);
    op->timer.async_wait([this, op](const error_code& error) {
      if (!error && !op->finished) {
        op->timedOut = true;
        op->resolver.cancel();
        error_code ignored;
        socket.close(ignored);
      }
    });
    op->resolver.async_resolve(
        op->host, op->port,
        [this, op](const error_code& error, const tcp::resolver::results_type& endpoints) {
          if (error) {
            return failConnect(op, "resolving " + op->host, error);
          }
          asio::async_connect(socket, endpoints,
                              [this, op](const error_code& error, const tcp::endpoint&) {
                                onConnected(op, error);
                              });
        });
  }

  void onConnected(const std::shared_ptr<ConnectOp>& op, const error_code& error) {
    if (error) {
      return failConnect(op, "connecting to " + op->host + ":" + op->port, error);
    }
    error_code ignored;
    // Small frames go out at once: Nagle would hold a Close behind an unacknowledged Ping.
    socket.set_option(tcp::no_delay(true), ignored);
    asio::async_write(
        socket, asio::buffer(op->request), [this, op](const error_code& error, size_t) {
          if (error) {
            return failConnect(op, "sending the upgrade request", error);
          }
          op->response.body_limit(kMaxHandshakeBody);
          http::async_read(socket, op->buffer, op->response,
                           [this, op](const error_code& error, size_t) { onResponse(op, error); });
        });
  }

  void onResponse(const std::shared_ptr<ConnectOp>& op, const error_code& error) {
    if (error && !op->response.is_header_done()) {
      return failConnect(op, "reading the answer to the upgrade", error);
    }
    const auto& message = op->response.get();
    Handshake handshake;
    handshake.status = int(message.result_int());
    for (const auto& field : message) {
      std::string& value = handshake.headers[lowerCase(std::string(field.name_string()))];
      value += (value.empty() ? "" : ", ") + std::string(field.value());
    }
    handshake.body = message.body();
    if (error) {
      handshake.problem = "the answer's body ended early: " + error.message();
      return finishConnect(op, std::move(handshake));
    }
    if (handshake.status != 101) {
      return finishConnect(op, std::move(handshake));
    }

    const std::string upgrade = lowerCase(handshake.headers["upgrade"]);
    const std::string connection = lowerCase(handshake.headers["connection"]);
    const std::string accept = handshake.headers["sec-websocket-accept"];
    if (upgrade != "websocket") {
      handshake.problem = "101 without \"Upgrade: websocket\" (got \"" + upgrade + "\")";
    } else if (connection.find("upgrade") == std::string::npos) {
      handshake.problem = "101 without \"Connection: Upgrade\" (got \"" + connection + "\")";
    } else if (accept != doc::ws::acceptKey(op->key)) {
      handshake.problem = "101 with Sec-WebSocket-Accept \"" + accept + "\", expected \"" +
                          doc::ws::acceptKey(op->key) + "\"";
    }
    if (!handshake.problem.empty()) {
      return finishConnect(op, std::move(handshake));
    }

    handshake.upgraded = true;
    const auto now = Clock::now();
    update([&](SocketRecord& record) { record.openedAt = now; });
    // Frames the server sent right behind its answer arrived in the same reads.
    const auto leftover = op->buffer.data();
    consume(std::string_view(static_cast<const char*>(leftover.data()), leftover.size()), now);
    finishConnect(op, std::move(handshake));
    startRead();
  }

  // --- Reading ------------------------------------------------------------------------------

  void startRead() {
    socket.async_read_some(asio::buffer(readBuffer), [this](const error_code& error, size_t size) {
      const auto now = Clock::now();
      if (size > 0) {
        consume(std::string_view(readBuffer.data(), size), now);
      }
      if (error) {
        return onReadEnd(error, now);
      }
      startRead();
    });
  }

  void consume(std::string_view bytes, Clock::time_point now) {
    if (bytes.empty()) {
      return;
    }
    bytesReceived += bytes.size();
    if (!parsing) {
      update([&](SocketRecord& record) { record.unparsedBytes += bytes.size(); });
      return;
    }
    doc::ws::ParseResult result = parser.feed(bytes);
    for (auto& frame : result.frames) {
      recordReceived(std::move(frame), now);
    }
    if (result.error) {
      // The parser cannot find the next frame after a bad header: what follows is counted.
      parsing = false;
      update([&](SocketRecord& record) {
        addViolation(record, std::string(doc::ws::errorKindName(result.error->kind)),
                     result.error->message, now);
        record.unparsedBytes = bytesReceived - parser.bytesConsumed();
      });
    }
  }

  void recordReceived(doc::ws::Frame frame, Clock::time_point now) {
    WireFrame wire;
    wire.opcode = doc::ws::rawOpcode(frame.opcode);
    wire.fin = frame.fin;
    wire.rsv1 = frame.rsv1;
    wire.rsv2 = frame.rsv2;
    wire.rsv3 = frame.rsv3;
    wire.masked = frame.masked;
    wire.length = frame.payload.size();
    wire.sha256 = sha256Hex(frame.payload);
    if (wire.length <= kInlinePayloadLimit) {
      wire.payload = frame.payload;
    }
    wire.at = now;
    parseClose(wire);

    // The assembler checks what a frame parser cannot: fragment order, UTF-8 across fragments,
    // close payloads. After its first violation it stays failed, so it reports one.
    std::optional<doc::ws::ProtocolError> messageError;
    if (!assembler.error()) {
      messageError = assembler.add(std::move(frame)).error;
    }

    update([&](SocketRecord& record) {
      if (wire.rsv1 || wire.rsv2 || wire.rsv3) {
        addViolation(record, "reserved-bit-set",
                     doc::ws::opcodeName(Opcode(wire.opcode)) +
                         " frame with RSV bits set, but no extension was negotiated (§5.2)",
                     now);
      }
      if (record.closeFrame) {
        addViolation(record, "frame-after-close",
                     doc::ws::opcodeName(Opcode(wire.opcode)) +
                         " frame after the server's Close frame (§5.5.1)",
                     now);
      }
      if (messageError) {
        addViolation(record, std::string(doc::ws::errorKindName(messageError->kind)),
                     messageError->message, now);
      }
      if (wire.opcode == doc::ws::rawOpcode(Opcode::kClose) && !record.closeFrame) {
        record.closeFrame = wire;
      }
      if (record.received.size() < kMaxRecordedFrames) {
        record.received.push_back(std::move(wire));
      } else {
        ++record.droppedReceived;
      }
    });
  }

  void onReadEnd(const error_code& error, Clock::time_point now) {
    const bool partial = parsing && !parser.idle();
    bool closeAfterFin = false;
    update([&](SocketRecord& record) {
      if (partial) {
        addViolation(record, "incomplete-frame",
                     "the connection ended in the middle of a frame, at stream offset " +
                         std::to_string(parser.bytesConsumed()),
                     now);
      }
      if (record.ended()) {
        return;  // The harness ended it (drop, a write that timed out): that end stands.
      }
      record.endedAt = now;
      if (error == asio::error::eof) {
        record.endedBy = EndedBy::kFin;
        closeAfterFin = true;
      } else if (error == asio::error::connection_reset) {
        record.endedBy = EndedBy::kReset;
      } else {
        record.endedBy = EndedBy::kError;
        record.endDetail = error.message();
      }
    });
    if (closeAfterFin) {
      // Nothing more can arrive; the client ends its half as any TCP client does, rather than
      // leave the server waiting for it (Beast's server teardown reads until this FIN). This is
      // TCP, not WebSocket: no Close frame goes out.
      error_code ignored;
      socket.shutdown(tcp::socket::shutdown_send, ignored);
      socket.close(ignored);
    }
  }

  // --- Writing ------------------------------------------------------------------------------

  struct SendOp {
    explicit SendOp(asio::io_context& io) : timer(io) {}
    std::vector<OutFrame> frames;
    size_t index = 0;
    uint64_t offset = 0;  // Payload bytes of the current frame written so far.
    bool headerWritten = false;
    std::array<uint8_t, 4> key{};
    std::string chunk;
    WireFrame current;
    Sha256 frameHash;
    Sha256 dataHash;
    SendOutcome outcome;
    std::chrono::milliseconds timeout{0};
    asio::steady_timer timer;
    std::promise<SendOutcome> done;
    bool timedOut = false;
    bool finished = false;
  };

  void finishSend(const std::shared_ptr<SendOp>& op, std::string error) {
    if (op->finished) {
      return;
    }
    op->finished = true;
    op->timer.cancel();
    op->outcome.error = std::move(error);
    op->outcome.dataSha256 = op->dataHash.hexDigest();
    op->done.set_value(std::move(op->outcome));
  }

  void startSend(const std::shared_ptr<SendOp>& op) {
    if (!socket.is_open()) {
      return finishSend(op,
                        "the connection is closed: it was never opened, or the harness "
                        "dropped it");
    }
    op->timer.expires_after(op->timeout);
    op->timer.async_wait([this, op](const error_code& error) {
      if (!error && !op->finished) {
        op->timedOut = true;
        const auto now = Clock::now();
        update([&](SocketRecord& record) {
          if (!record.ended()) {
            record.endedBy = EndedBy::kError;
            record.endedAt = now;
            record.endDetail = "a write did not finish within " +
                               std::to_string(op->timeout.count()) +
                               " ms; the harness closed the connection";
          }
        });
        error_code ignored;
        socket.close(ignored);
      }
    });
    writeNext(op);
  }

  void writeNext(const std::shared_ptr<SendOp>& op) {
    if (op->index == op->frames.size()) {
      return finishSend(op, "");
    }
    const OutFrame& frame = op->frames[op->index];
    const uint64_t size = frame.payload.size();
    op->chunk.clear();
    if (!op->headerWritten) {
      op->key = maskKey();
      op->current = WireFrame{};
      op->current.opcode = doc::ws::rawOpcode(frame.opcode) & 0x0F;
      op->current.fin = frame.fin;
      op->current.rsv1 = frame.rsv1;
      op->current.rsv2 = frame.rsv2;
      op->current.rsv3 = frame.rsv3;
      op->current.masked = frame.masked;
      op->current.length = size;
      op->current.at = Clock::now();
      op->chunk = frameHeader(frame, size, op->key);
      op->headerWritten = true;
    }

    const size_t count = size_t(std::min<uint64_t>(kWriteChunk, size - op->offset));
    std::string piece;
    if (frame.payload.generated) {
      appendGenerated(*frame.payload.generated, op->offset, count, piece);
    } else {
      piece = frame.payload.bytes.substr(size_t(op->offset), count);
    }
    op->frameHash.update(piece);
    if (isDataOpcode(op->current.opcode)) {
      op->dataHash.update(piece);
      op->outcome.dataLength += piece.size();
    }
    if (size <= kInlinePayloadLimit) {
      op->current.payload += piece;
    }
    if (frame.masked) {
      for (size_t i = 0; i < piece.size(); ++i) {
        piece[i] = char(piece[i] ^ op->key[(op->offset + i) % 4]);
      }
    }
    op->chunk += piece;
    op->offset += count;

    asio::async_write(socket, asio::buffer(op->chunk),
                      [this, op](const error_code& error, size_t) { onWritten(op, error); });
  }

  void onWritten(const std::shared_ptr<SendOp>& op, const error_code& error) {
    if (error) {
      return finishSend(op, op->timedOut ? "the write did not finish within " +
                                               std::to_string(op->timeout.count()) + " ms"
                                         : "writing failed: " + error.message());
    }
    if (op->offset == op->frames[op->index].payload.size()) {
      op->current.sha256 = op->frameHash.hexDigest();
      parseClose(op->current);
      update([&](SocketRecord& record) {
        if (record.sent.size() < kMaxRecordedFrames) {
          record.sent.push_back(op->current);
        } else {
          ++record.droppedSent;
        }
      });
      op->outcome.frames.push_back(std::move(op->current));
      ++op->index;
      op->offset = 0;
      op->headerWritten = false;
    }
    writeNext(op);
  }

  // --- Dropping -----------------------------------------------------------------------------

  void dropNow(DropHow how) {
    if (!socket.is_open()) {
      return;
    }
    const auto now = Clock::now();
    update([&](SocketRecord& record) {
      if (!record.ended()) {
        record.endedBy = how == DropHow::kFin ? EndedBy::kDropFin : EndedBy::kDropReset;
        record.endedAt = now;
      }
    });
    error_code ignored;
    if (how == DropHow::kFin) {
      // The FIN goes out now; closing after it cannot turn it into a reset, even with unread
      // bytes in the receive buffer.
      socket.shutdown(tcp::socket::shutdown_send, ignored);
    } else {
      // A zero linger time makes close() send RST and discard anything unsent.
      socket.set_option(asio::socket_base::linger(true, 0), ignored);
    }
    socket.close(ignored);
  }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}

WsClient::~WsClient() = default;

Handshake WsClient::connect(const std::string& url,
                            const std::map<std::string, std::string>& headers,
                            std::chrono::milliseconds timeout) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || parsed->scheme() != "http") {
    throw std::runtime_error("not an http:// URL: " + url);
  }
  if (impl_->connectCalled) {
    throw std::logic_error("WsClient::connect called twice");
  }
  impl_->connectCalled = true;

  auto op = std::make_shared<Impl::ConnectOp>(impl_->io);
  op->timeout = timeout;
  op->host = std::string(parsed->encoded_host());
  op->port = parsed->has_port() ? std::string(parsed->port()) : "80";
  std::string target = std::string(parsed->encoded_path());
  if (target.empty()) {
    target = "/";
  }
  if (parsed->has_query()) {
    target += "?" + std::string(parsed->encoded_query());
  }

  std::array<uint8_t, 16> nonce{};
  for (auto& byte : nonce) {
    byte = uint8_t(std::uniform_int_distribution<int>(0, 255)(impl_->random));
  }
  op->key = doc::ws::clientKey(nonce);

  // The handshake's own fields (§4.1), each replaced by a caller's header of the same name, so a
  // scenario can send a broken handshake on purpose.
  std::vector<std::pair<std::string, std::string>> fields = {
      {"Host", std::string(parsed->encoded_host_and_port())},
      {"Upgrade", "websocket"},
      {"Connection", "Upgrade"},
      {"Sec-WebSocket-Key", op->key},
      {"Sec-WebSocket-Version", "13"},
  };
  for (const auto& [name, value] : headers) {
    bool replaced = false;
    for (auto& field : fields) {
      if (lowerCase(field.first) == lowerCase(name)) {
        field.second = value;
        replaced = true;
      }
    }
    if (!replaced) {
      fields.emplace_back(name, value);
    }
  }
  op->request = "GET " + target + " HTTP/1.1\r\n";
  for (const auto& [name, value] : fields) {
    op->request += name + ": " + value + "\r\n";
  }
  op->request += "\r\n";

  auto answer = op->done.get_future();
  asio::post(impl_->io, [this, op] { impl_->startConnect(op); });
  // The operation's timer guarantees an answer: the wait needs no bound of its own.
  return answer.get();
}

SendOutcome WsClient::send(const std::vector<OutFrame>& frames, std::chrono::milliseconds timeout) {
  auto op = std::make_shared<Impl::SendOp>(impl_->io);
  op->frames = frames;
  op->timeout = timeout;
  auto outcome = op->done.get_future();
  asio::post(impl_->io, [this, op] { impl_->startSend(op); });
  return outcome.get();
}

void WsClient::drop(DropHow how) {
  impl_->runOnIo([this, how] { impl_->dropNow(how); });
}

SocketRecord WsClient::snapshot() const {
  const std::lock_guard guard(impl_->lock);
  return impl_->record;
}

uint64_t WsClient::waitForChange(uint64_t seen, Clock::time_point deadline) const {
  std::unique_lock guard(impl_->lock);
  impl_->changed.wait_until(guard, deadline, [&] { return impl_->record.version > seen; });
  return impl_->record.version;
}

}  // namespace doc::harness::ws
