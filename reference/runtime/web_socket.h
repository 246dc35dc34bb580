// The WebSocket an object holds: the server end of a WebSocketPair, with the JavaScript API of
// Workers (send, close, readyState, accept, attachments) and the server side of RFC 6455 under
// it. The connection runs on the object's strand, so object code and I/O never race, and every
// event reaches the object through ObjectSlot::deliver (HibernationManager::dispatch).
//
// The codec is common/websocket, not Boost.Beast's websocket::stream: Beast answers a Close by
// itself, which web_socket_manual_reply_to_close forbids.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/websocket/frame.h"
#include "common/websocket/message.h"
#include "reference/runtime/durable_object.h"

namespace doc::ref {

// The largest message a socket takes: 32 MiB, what workerd delivered and Cloudflare documents
// (workerd-observed §f); one byte more is a 1009 protocol error.
inline constexpr uint64_t kMaxWebSocketMessageBytes = doc::ws::kDefaultMaxPayload;
// The largest attachment: workerd's MAX_ATTACHMENT_SIZE (api/web-socket.h:776), measured here on
// the JSON text, the reference's stand-in for structured clone.
inline constexpr size_t kMaxAttachmentBytes = 16 * 1024;
// A close reason fits a control frame (125 bytes) after its 2-byte code (RFC 6455 §5.5).
inline constexpr size_t kMaxCloseReasonBytes = 123;

// The reason workerd passes for a connection that ended without a Close frame
// (io/legacy-hibernation-manager.c++:275-280).
inline constexpr const char* kDisconnectedReason =
    "WebSocket disconnected without sending Close frame.";

// One thing that happened on a socket, delivered to the object in the order it happened.
struct WebSocketEvent {
  enum class Kind { kMessage, kClose, kError };
  Kind kind = Kind::kMessage;
  WebSocketMessage message;      // kMessage
  int code = 0;                  // kClose
  std::string reason;            // kClose
  bool wasClean = false;         // kClose
  std::optional<JsError> error;  // kError
};

// What accept() sockets call instead of the object's handlers: `addEventListener` of
// "message", "close" and "error". Each may be empty.
struct WebSocketListeners {
  std::function<Task<void>(WebSocket&, WebSocketMessage)> message;
  std::function<Task<void>(WebSocket&, int code, std::string reason, bool wasClean)> close;
  std::function<Task<void>(WebSocket&, JsError)> error;
};

class WebSocket : public std::enable_shared_from_this<WebSocket> {
 public:
  // readyState values of the WebSocket standard.
  static constexpr int kConnecting = 0;
  static constexpr int kOpen = 1;
  static constexpr int kClosing = 2;
  static constexpr int kClosed = 3;

  enum class Mode { kNew, kAccepted, kHibernatable };

  explicit WebSocket(HibernationManager& host);
  ~WebSocket();
  WebSocket(const WebSocket&) = delete;
  WebSocket& operator=(const WebSocket&) = delete;

  // The JavaScript API. Each is called on the object's strand (from a handler).
  //
  // Throws TypeError after close(); ignored once the runtime ended the socket (a Close it sent
  // itself, a protocol error, a lost connection).
  void send(const WebSocketMessage& message);
  void sendText(std::string text) { send(WebSocketMessage{true, std::move(text)}); }
  void sendBinary(std::string bytes) { send(WebSocketMessage{false, std::move(bytes)}); }
  // Validates first (InvalidAccessError for a bad code or a reason without a code; SyntaxError
  // for a reason over 123 UTF-8 bytes when websocket_close_reason_byte_limit is in effect), then
  // sends a Close frame once; later calls, and calls after the runtime replied itself, do
  // nothing.
  void close(std::optional<int> code = std::nullopt,
             std::optional<std::string> reason = std::nullopt);
  int readyState() const;
  // A plain (non-hibernatable) socket: its events go to `listeners`, and it keeps the object in
  // memory while it is open. Throws TypeError on a hibernatable socket or a second accept().
  void accept(WebSocketListeners listeners = {});
  // "blob" or "arraybuffer": how accept() listeners would see binary messages.
  std::string binaryType() const;
  // Throws Error when the value's JSON text is over kMaxAttachmentBytes.
  void serializeAttachment(const Json& value);
  Json deserializeAttachment() const;  // null when none was set

  Mode mode() const { return mode_; }
  // The hibernation tags, without duplicates, in first-seen order.
  const std::vector<std::string>& tags() const { return tags_; }

 private:
  friend class HibernationManager;
  friend class WebSocketClientEnd;

  enum class Finish { kNone, kGraceful, kDrop };

  // The connection (on the strand).
  void attach(boost::asio::ip::tcp::socket socket, std::string leftover);
  void upgradeFailed();
  Task<void> readLoop(std::shared_ptr<WebSocket> self, std::string leftover);
  void consume(doc::ws::FrameParser& parser, doc::ws::MessageAssembler& assembler,
               std::string_view bytes);
  void handleMessage(doc::ws::Message message);
  void handleCloseFrame(const doc::ws::Message& message);
  void failProtocol(const doc::ws::ProtocolError& error);
  void handleReadEnded(const boost::system::error_code& error);
  void queueFrame(doc::ws::Opcode opcode, std::string payload);
  void startWriter();
  Task<void> writeLoop(std::shared_ptr<WebSocket> self);
  void finish(Finish how);
  void shutdownAfterFlush();
  void closeTcp();
  bool queueFull() const;

  // Events to the object, one at a time, in order.
  void enqueue(WebSocketEvent event);
  Task<void> dispatchLoop(std::shared_ptr<WebSocket> self);
  // Called by the host after a close or error handler: a Close the object was asked to answer
  // and did not ends the connection without one.
  void afterCloseHandler();
  // The instance that owned this accept() socket is gone.
  void abandon();

  HibernationManager& host_;
  Mode mode_ = Mode::kNew;
  WebSocketListeners listeners_;
  std::vector<std::string> tags_;
  std::optional<std::string> attachment_;  // JSON text
  std::optional<double> autoResponseTimestamp_;

  // Close handshake and failure state.
  bool closeCalled_ = false;       // the object called close()
  bool closeSent_ = false;         // a Close frame is queued or written
  bool closeReceived_ = false;     // the peer's Close frame arrived
  bool failed_ = false;            // a protocol error: send and close are ignored from now on
  bool disconnected_ = false;      // the peer went away without a Close frame
  bool closeEventQueued_ = false;  // the one close or error event is on its way
  bool abandoned_ = false;         // no one can reach the socket any more

  // I/O, all on the object's strand.
  std::optional<boost::asio::ip::tcp::socket> socket_;
  bool attached_ = false;
  bool tcpClosed_ = false;
  bool discarding_ = false;  // bytes read are dropped: after a Close or an error
  Finish finish_ = Finish::kNone;
  std::deque<std::string> outbox_;
  size_t outboxBytes_ = 0;  // The bytes in outbox_ (popped frames count until written).
  bool writing_ = false;
  boost::asio::steady_timer linger_;
  boost::asio::steady_timer space_;  // canceled when the event queue has room again

  std::deque<WebSocketEvent> events_;
  size_t queuedBytes_ = 0;
  bool dispatching_ = false;
};

// The end of a pair that goes into a 101 response. The HTTP server calls connect() with the
// upgraded connection once it wrote the handshake.
class WebSocketClientEnd {
 public:
  explicit WebSocketClientEnd(std::shared_ptr<WebSocket> server) : server_(std::move(server)) {}
  ~WebSocketClientEnd();

  // From any thread: `leftover` holds bytes read past the upgrade request.
  void connect(boost::asio::ip::tcp::socket socket, std::string leftover);
  // From any thread: the upgrade never completed (the handshake could not be written, or the
  // request was no upgrade after all). The server end sees a connection that ended without a
  // Close frame, so it gets its 1006 close and leaves getWebSockets() instead of lingering.
  void fail();

 private:
  std::shared_ptr<WebSocket> server_;
  bool connected_ = false;
};

// `new WebSocketPair()`. JavaScript finds the object it belongs to implicitly; C++ names it.
struct WebSocketPair {
  explicit WebSocketPair(DurableObjectState& ctx);

  std::shared_ptr<WebSocketClientEnd> client;
  std::shared_ptr<WebSocket> server;
};

}  // namespace doc::ref
