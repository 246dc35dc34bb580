#include "reference/runtime/web_socket.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "reference/runtime/hibernation_manager.h"

namespace doc::ref {

namespace asio = boost::asio;
namespace ws = doc::ws;

namespace {

// Bytes asked of the socket per read: large enough that a 32 MiB message takes few reads.
constexpr size_t kReadChunkBytes = 64 * 1024;
// Events read ahead of the handler that is running: beyond either bound the connection is not
// read until the object catches up, so a client that floods a slow handler costs bounded memory.
constexpr size_t kMaxQueuedEvents = 64;
constexpr size_t kMaxQueuedEventBytes = kMaxWebSocketMessageBytes;
// Frames waiting to be written beyond which the connection is not read either: Pongs and
// auto-responses are queued without a handler, so a client that sends Pings but never reads
// would otherwise grow the outbox without bound.
constexpr size_t kMaxOutboxBytes = 1 << 20;
// How long a connection ended with a Close frame is drained before it is closed: long enough
// for the peer to read the Close (closing with unread input would send an RST that can destroy
// it), short enough that a silent peer does not hold a socket.
constexpr auto kLingerTime = std::chrono::seconds(2);

bool isSendableCloseCode(int code) {
  // workerd's rule (api/web-socket.c++:867-943, notes §4.3): 1016-2999 pass as well.
  return code >= 1000 && code <= 4999 && code != 1004 && code != 1005 && code != 1006 &&
         code != 1015;
}

// The longest prefix of `text` of at most `limit` bytes that ends on a character boundary.
std::string truncateUtf8(const std::string& text, size_t limit) {
  if (text.size() <= limit) {
    return text;
  }
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return text.substr(0, cut);
}

// The first decimal number after `marker` in `text`, or "".
std::string numberAfter(const std::string& text, const std::string& marker) {
  const size_t at = text.find(marker);
  if (at == std::string::npos) {
    return "";
  }
  size_t end = at + marker.size();
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) {
    ++end;
  }
  return text.substr(at + marker.size(), end - at - marker.size());
}

// What the Close frame and webSocketError say about a protocol error. An oversize message reads
// as KJ's "Message is too large: N > LIMIT" (workerd-observed §f); the rest as the codec says.
std::string describe(const ws::ProtocolError& error) {
  if (error.kind == ws::ErrorKind::kFrameTooBig || error.kind == ws::ErrorKind::kMessageTooBig) {
    std::string size = numberAfter(error.message, "payload of ");
    if (size.empty()) {
      size = numberAfter(error.message, "at least ");
    }
    return "Message is too large: " + size + " > " + std::to_string(kMaxWebSocketMessageBytes);
  }
  return error.message;
}

}  // namespace

WebSocket::WebSocket(HibernationManager& host)
    : host_(host),
      linger_(host.strand()),
      space_(host.strand(), asio::steady_timer::time_point::max()) {}

WebSocket::~WebSocket() = default;

// ---------------------------------------------------------------------------------------------
// The JavaScript API.

void WebSocket::send(const WebSocketMessage& message) {
  if (failed_ || abandoned_) {
    return;  // after webSocketError (api/web-socket.c++:827-831)
  }
  if (closeCalled_) {
    throw JsError("TypeError", "Can't call WebSocket send() after close().");
  }
  if (mode_ == Mode::kNew) {
    throw JsError("TypeError",
                  "You must call one of accept() or state.acceptWebSocket() on this WebSocket "
                  "before sending messages.");
  }
  if (closeSent_ || disconnected_) {
    return;  // the runtime already ended the connection; nothing reaches the peer any more
  }
  queueFrame(message.isText ? ws::Opcode::kText : ws::Opcode::kBinary, message.data);
}

void WebSocket::close(std::optional<int> code, std::optional<std::string> reason) {
  // Arguments are checked before the state, as workerd does: a bad call throws even on a socket
  // that is already closed.
  if (code && !isSendableCloseCode(*code)) {
    throw JsError("InvalidAccessError",
                  "Invalid WebSocket close code: " + std::to_string(*code) + ".");
  }
  if (!code && reason) {
    throw JsError("InvalidAccessError",
                  "If you specify a WebSocket close reason, you must also specify a code.");
  }
  std::string wireReason = reason.value_or("");
  if (wireReason.size() > kMaxCloseReasonBytes) {
    if (host_.closeReasonByteLimit()) {
      throw JsError("SyntaxError",
                    "WebSocket close reason must not be longer than 123 bytes when UTF-8 "
                    "encoded.");
    }
    // Before the flag the API took any length, but a control frame holds 125 bytes; the reason
    // is cut at a character boundary so the frame stays valid. (Which bytes workerd sends then
    // was not observed.)
    wireReason = truncateUtf8(wireReason, kMaxCloseReasonBytes);
  }

  if (failed_ || abandoned_ || closeCalled_) {
    return;  // after webSocketError, or a second close(): nothing (api/web-socket.c++:911-920)
  }
  closeCalled_ = true;
  if (closeSent_ || disconnected_) {
    // The runtime answered the peer's Close itself (web_socket_auto_reply_to_close): the call is
    // silently ignored, as the seed says.
    return;
  }
  // close() without a code is code 1005 internally, which goes out as an empty payload.
  queueFrame(ws::Opcode::kClose, code ? ws::closePayload(uint16_t(*code), wireReason) : "");
  closeSent_ = true;
  if (closeReceived_) {
    finish(Finish::kGraceful);
  }
}

int WebSocket::readyState() const {
  if (abandoned_ || (closeSent_ && closeReceived_)) {
    return kClosed;
  }
  if (disconnected_) {
    // workerd: a hibernatable socket is CLOSING in the 1006 handler, an accept() socket still
    // OPEN, and one the object had closed CLOSED (workerd-observed §c, §d).
    if (closeSent_) {
      return kClosed;
    }
    return mode_ == Mode::kAccepted ? kOpen : kClosing;
  }
  if (closeSent_ || closeReceived_) {
    return kClosing;
  }
  return kOpen;
}

void WebSocket::accept(WebSocketListeners listeners) {
  if (mode_ == Mode::kHibernatable) {
    throw JsError("TypeError", "Can't accept() WebSocket after enabling hibernation.");
  }
  if (mode_ == Mode::kAccepted) {
    return;  // a second accept() changes nothing, listeners included
  }
  listeners_ = std::move(listeners);
  mode_ = Mode::kAccepted;
  host_.noteAccepted(shared_from_this());
}

std::string WebSocket::binaryType() const {
  return host_.standardBinaryType() ? "blob" : "arraybuffer";
}

void WebSocket::serializeAttachment(const Json& value) {
  // TODO(conform): the limit applies to the JSON text; workerd measures V8's structured-clone
  // bytes (a header and type tags), so a value near 16,384 bytes may fall on the other side.
  std::string text = value.dump();
  if (text.size() > kMaxAttachmentBytes) {
    // workerd's text, without the space after the period (api/web-socket.c++:1014-1040).
    throw JsError("Error", "A WebSocket 'attachment' cannot be larger than " +
                               std::to_string(kMaxAttachmentBytes) + " bytes.'attachment' was " +
                               std::to_string(text.size()) + " bytes.");
  }
  attachment_ = std::move(text);
}

Json WebSocket::deserializeAttachment() const {
  return attachment_ ? Json::parse(*attachment_) : Json();
}

// ---------------------------------------------------------------------------------------------
// The connection.

void WebSocket::attach(asio::ip::tcp::socket socket, std::string leftover) {
  if (attached_ || abandoned_) {
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  attached_ = true;
  socket_.emplace(std::move(socket));
  asio::co_spawn(host_.strand(), readLoop(shared_from_this(), std::move(leftover)), asio::detached);
  startWriter();
  if (finish_ == Finish::kDrop) {
    closeTcp();
  }
}

void WebSocket::upgradeFailed() {
  if (attached_ || abandoned_) {
    return;
  }
  attached_ = true;  // Nothing will attach any more.
  handleReadEnded(asio::error::connection_aborted);
}

bool WebSocket::queueFull() const {
  return events_.size() >= kMaxQueuedEvents || queuedBytes_ >= kMaxQueuedEventBytes ||
         outboxBytes_ >= kMaxOutboxBytes;
}

// `self` keeps the socket alive for as long as the coroutine runs.
Task<void> WebSocket::readLoop([[maybe_unused]] std::shared_ptr<WebSocket> self,
                               std::string leftover) {
  ws::FrameParser parser(ws::ParserOptions{ws::Role::kServer, kMaxWebSocketMessageBytes});
  ws::MessageAssembler assembler(ws::AssemblerOptions{kMaxWebSocketMessageBytes});
  if (!leftover.empty()) {
    consume(parser, assembler, leftover);
  }
  while (!tcpClosed_) {
    while (!discarding_ && !tcpClosed_ && queueFull()) {
      space_.expires_at(asio::steady_timer::time_point::max());
      co_await space_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (tcpClosed_) {
      break;
    }
    // Waits for bytes without a buffer, then reads them into this thread's scratch buffer and
    // parses them before the next suspension: an idle socket holds no read buffer (a 64 KiB
    // chunk per socket was 90 % of a hibernated socket's memory, tools/bench.sh).
    auto [waitError] = co_await socket_->async_wait(asio::ip::tcp::socket::wait_read,
                                                    asio::as_tuple(asio::use_awaitable));
    if (!waitError && (tcpClosed_ || !socket_)) {
      break;
    }
    thread_local std::vector<char> chunk(kReadChunkBytes);
    boost::system::error_code error = waitError;
    size_t size = 0;
    if (!error) {
      // Non-blocking: a readiness that turns out empty must never block the io thread.
      socket_->non_blocking(true, error);
    }
    if (!error) {
      size = socket_->read_some(asio::buffer(chunk), error);
    }
    if (error == asio::error::would_block) {
      continue;
    }
    if (error) {
      handleReadEnded(error);
      break;
    }
    if (!discarding_) {
      consume(parser, assembler, std::string_view(chunk.data(), size));
    }
  }
}

void WebSocket::consume(ws::FrameParser& parser, ws::MessageAssembler& assembler,
                        std::string_view bytes) {
  ws::ParseResult parsed = parser.feed(bytes);
  for (auto& frame : parsed.frames) {
    if (discarding_) {
      return;  // nothing after a Close or an error is read
    }
    ws::AssembleResult assembled = assembler.add(std::move(frame));
    if (assembled.error) {
      failProtocol(*assembled.error);
      return;
    }
    if (assembled.message) {
      handleMessage(std::move(*assembled.message));
    }
  }
  if (parsed.error && !discarding_) {
    failProtocol(*parsed.error);
  }
}

void WebSocket::handleMessage(ws::Message message) {
  switch (message.kind) {
    case ws::MessageKind::kPing:
      // Answered here, without the object: it may stay hibernated (seed, webSocketMessage).
      if (!closeSent_) {
        queueFrame(ws::Opcode::kPong, std::move(message.data));
      }
      return;
    case ws::MessageKind::kPong:
      return;
    case ws::MessageKind::kClose:
      handleCloseFrame(message);
      return;
    case ws::MessageKind::kText:
      if (auto response = host_.autoRespond(*this, message.data)) {
        if (!closeSent_) {
          queueFrame(ws::Opcode::kText, std::move(*response));
        }
        return;
      }
      break;
    case ws::MessageKind::kBinary:
      break;
  }
  WebSocketEvent event;
  event.kind = WebSocketEvent::Kind::kMessage;
  event.message = WebSocketMessage{message.kind == ws::MessageKind::kText, std::move(message.data)};
  enqueue(std::move(event));
}

void WebSocket::handleCloseFrame(const ws::Message& message) {
  closeReceived_ = true;
  discarding_ = true;
  const int code = message.closeCode.value_or(1005);  // no status code (RFC 6455 §7.1.5)
  if (!closeSent_ && host_.autoReplyToClose()) {
    // The reciprocal Close carries the peer's code and reason; an empty Close gets an empty one.
    queueFrame(ws::Opcode::kClose, message.data);
    closeSent_ = true;
  }
  WebSocketEvent event;
  event.kind = WebSocketEvent::Kind::kClose;
  event.code = code;
  event.reason = message.closeReason;
  event.wasClean = true;
  enqueue(std::move(event));
  if (closeSent_) {
    finish(Finish::kGraceful);
  }
}

void WebSocket::failProtocol(const ws::ProtocolError& error) {
  discarding_ = true;
  failed_ = true;
  const std::string description = describe(error);
  host_.log(LogLevel::kInfo,
            "WebSocket protocol error (" + std::string(ws::errorKindName(error.kind)) +
                "): " + error.message + "; closing with " + std::to_string(error.closeCode()));
  if (!closeSent_) {
    queueFrame(
        ws::Opcode::kClose,
        ws::closePayload(error.closeCode(), truncateUtf8(description, kMaxCloseReasonBytes)));
    closeSent_ = true;
  }
  WebSocketEvent event;
  event.kind = WebSocketEvent::Kind::kError;
  // The text workerd's JsgifyWebSocketErrors gives (util/websocket-error-handler.c++).
  event.error = JsError("Error", "WebSocket protocol error; protocolError.statusCode = " +
                                     std::to_string(error.closeCode()) +
                                     "; protocolError.description = " + description);
  enqueue(std::move(event));
  finish(Finish::kGraceful);
}

void WebSocket::handleReadEnded(const boost::system::error_code& error) {
  if (tcpClosed_) {
    return;  // we closed it
  }
  if (!closeEventQueued_) {
    // The peer went away without a Close frame: webSocketClose(1006), never webSocketError, for
    // any read error (a reset, a FIN, a timeout alike).
    host_.log(LogLevel::kDebug, "WebSocket peer disconnected: " + error.message());
    disconnected_ = true;
    WebSocketEvent event;
    event.kind = WebSocketEvent::Kind::kClose;
    event.code = 1006;
    event.reason = kDisconnectedReason;
    event.wasClean = false;
    enqueue(std::move(event));
  }
  closeTcp();
}

void WebSocket::queueFrame(ws::Opcode opcode, std::string payload) {
  if (tcpClosed_) {
    return;
  }
  ws::Frame frame;
  frame.opcode = opcode;
  frame.payload = std::move(payload);
  outbox_.push_back(ws::encodeFrame(frame));
  outboxBytes_ += outbox_.back().size();
  startWriter();
}

void WebSocket::startWriter() {
  if (writing_ || !socket_ || tcpClosed_ || outbox_.empty()) {
    return;
  }
  writing_ = true;
  asio::co_spawn(host_.strand(), writeLoop(shared_from_this()), asio::detached);
}

Task<void> WebSocket::writeLoop([[maybe_unused]] std::shared_ptr<WebSocket> self) {
  while (!outbox_.empty() && !tcpClosed_) {
    const std::string bytes = std::move(outbox_.front());
    outbox_.pop_front();
    const auto out = asio::buffer(bytes);
    auto [error, size] =
        co_await asio::async_write(*socket_, out, asio::as_tuple(asio::use_awaitable));
    if (error) {
      outbox_.clear();
      outboxBytes_ = 0;
      break;
    }
    outboxBytes_ -= std::min(outboxBytes_, bytes.size());
    if (outboxBytes_ < kMaxOutboxBytes) {
      space_.cancel();  // The read loop may wait for the outbox to drain.
    }
  }
  writing_ = false;
  if (finish_ == Finish::kGraceful) {
    shutdownAfterFlush();
  }
}

void WebSocket::finish(Finish how) {
  if (finish_ == Finish::kDrop || finish_ == how) {
    return;
  }
  finish_ = how;
  if (!socket_) {
    return;  // not connected yet: attach() finishes
  }
  if (how == Finish::kDrop) {
    closeTcp();
  } else if (!writing_) {
    shutdownAfterFlush();
  }
}

void WebSocket::shutdownAfterFlush() {
  if (!socket_ || tcpClosed_) {
    return;
  }
  // FIN after the last frame, then read (and drop) until the peer closes too: closing with
  // unread input would send an RST, which may destroy the Close frame before the peer reads it.
  boost::system::error_code ignored;
  socket_->shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  discarding_ = true;
  linger_.expires_after(kLingerTime);
  linger_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (!error) {
      self->closeTcp();
    }
  });
}

void WebSocket::closeTcp() {
  if (tcpClosed_) {
    return;
  }
  tcpClosed_ = true;
  outbox_.clear();
  outboxBytes_ = 0;
  linger_.cancel();
  space_.cancel();
  if (socket_) {
    boost::system::error_code ignored;
    socket_->close(ignored);
  }
}

void WebSocket::enqueue(WebSocketEvent event) {
  if (event.kind != WebSocketEvent::Kind::kMessage) {
    if (closeEventQueued_) {
      return;  // one close or error event per socket
    }
    closeEventQueued_ = true;
  }
  queuedBytes_ += event.message.data.size();
  events_.push_back(std::move(event));
  if (!dispatching_) {
    dispatching_ = true;
    asio::co_spawn(host_.strand(), dispatchLoop(shared_from_this()), asio::detached);
  }
}

Task<void> WebSocket::dispatchLoop(std::shared_ptr<WebSocket> self) {
  while (!events_.empty()) {
    WebSocketEvent event = std::move(events_.front());
    events_.pop_front();
    queuedBytes_ -= event.message.data.size();
    space_.cancel();
    co_await host_.dispatch(self, std::move(event));
  }
  dispatching_ = false;
}

void WebSocket::afterCloseHandler() {
  if (closeReceived_ && !closeSent_) {
    // The handler did not answer the peer's Close (web_socket_manual_reply_to_close). Nothing
    // can reach the socket now, so the connection ends without a Close frame and the client
    // sees 1006. workerd keeps it half open until the object is evicted (~10 s); see
    // specs/README.md, known divergences.
    host_.log(LogLevel::kDebug, "a client's Close was not answered; dropping the connection");
    abandoned_ = true;
    finish(Finish::kDrop);
  }
}

void WebSocket::abandon() {
  abandoned_ = true;
  listeners_ = {};
  finish(Finish::kDrop);
}

// ---------------------------------------------------------------------------------------------

WebSocketClientEnd::~WebSocketClientEnd() = default;

void WebSocketClientEnd::connect(asio::ip::tcp::socket socket, std::string leftover) {
  if (connected_) {
    return;
  }
  connected_ = true;
  auto server = server_;
  auto attach = [server, socket = std::move(socket), leftover = std::move(leftover)]() mutable {
    server->attach(std::move(socket), std::move(leftover));
  };
  asio::post(server->host_.strand(), std::move(attach));
}

void WebSocketClientEnd::fail() {
  if (connected_) {
    return;
  }
  connected_ = true;
  auto server = server_;
  asio::post(server->host_.strand(), [server] { server->upgradeFailed(); });
}

WebSocketPair::WebSocketPair(DurableObjectState& ctx)
    : server(std::make_shared<WebSocket>(ctx.webSocketHost())) {
  client = std::make_shared<WebSocketClientEnd>(server);
}

}  // namespace doc::ref
