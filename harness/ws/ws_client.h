// The harness's WebSocket client: RFC 6455 over a raw TCP socket, with control of every bit of
// every frame it sends and a record of every frame it receives. Boost.Beast's websocket::stream
// is no use here: it answers a Close by itself, masks and validates for you and hides the wire,
// while the suite must send broken frames, leave a server's Close unanswered and see exactly what
// came back, and when. Nothing is ever sent that a caller did not ask for: no Pong for a Ping,
// no Close for a Close.
//
// One I/O thread per client reads continuously and records; send(), drop() and connect() run
// their work on that thread and wait for it, bounded by a timeout.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/websocket/frame.h"
#include "harness/ws/bytes.h"

namespace doc::harness::ws {

using Clock = std::chrono::steady_clock;
using doc::ws::Opcode;

// Payloads up to this many bytes are kept in the record as they are; longer ones only by length
// and SHA-256, as the probe logs them (specs/probe-protocol.md), so a record stays small.
inline constexpr uint64_t kInlinePayloadLimit = 4096;
// Frames kept per socket and direction: a scenario looks at tens; a thousand bounds a runaway
// peer to about 4 MiB of record. Later ones are counted, not kept.
inline constexpr size_t kMaxRecordedFrames = 1000;
// Violations kept per socket: the first few say what is wrong; the rest would repeat them.
inline constexpr size_t kMaxRecordedViolations = 100;
// The largest frame the client accepts from a server: twice the 32 MiB message limit, so the
// echo of the largest message the suite sends (32 MiB + 1 for the limit test) still parses.
inline constexpr uint64_t kMaxReceivedPayload = 64ull << 20;

// A frame's payload: bytes given, or `generatedSize` bytes produced on the fly in chunks.
struct Payload {
  std::string bytes;
  std::optional<GeneratedKind> generated;
  uint64_t generatedSize = 0;

  uint64_t size() const { return generated ? generatedSize : bytes.size(); }
};

// A frame to send, exactly as it goes on the wire: any opcode (reserved ones too), any bits.
struct OutFrame {
  Opcode opcode = Opcode::kText;
  bool fin = true;
  bool rsv1 = false;
  bool rsv2 = false;
  bool rsv3 = false;
  bool masked = true;  // A client must mask (§5.1); false sends a frame a server must reject.
  Payload payload;
};

OutFrame textFrame(std::string text);
OutFrame binaryFrame(std::string bytes);
OutFrame pingFrame(std::string payload);
OutFrame pongFrame(std::string payload);
// A Close frame with a code and a reason; nothing is checked, so invalid codes go out too.
OutFrame closeFrame(uint16_t code, const std::string& reason);
// A Close frame with an empty payload (§5.5.1: the body is optional); its receiver sees 1005.
OutFrame emptyCloseFrame();

// One frame as sent or received.
struct WireFrame {
  uint8_t opcode = 0;  // The raw 4-bit opcode.
  bool fin = true;
  bool rsv1 = false;
  bool rsv2 = false;
  bool rsv3 = false;
  bool masked = false;
  uint64_t length = 0;
  std::string payload;  // The whole payload when length <= kInlinePayloadLimit, else empty.
  std::string sha256;   // Of the payload, lower-case hex.
  Clock::time_point at;
  // Close frames: the code (absent for an empty payload) and reason, unchecked.
  std::optional<uint16_t> closeCode;
  std::string closeReason;
};

struct Violation {
  std::string kind;  // "masked-frame", "reserved-bit-set", "frame-after-close", ...
  std::string message;
  Clock::time_point at;
};

// How the TCP connection ended.
enum class EndedBy : uint8_t {
  kNone,       // still open
  kFin,        // the server closed it (end of stream)
  kReset,      // the server reset it
  kError,      // another error, or the harness gave up on a write
  kDropFin,    // the harness closed it (FIN) without a Close frame
  kDropReset,  // the harness reset it (RST)
};

// "fin", "reset", "error", "drop-fin", "drop-reset", or "" for kNone.
std::string toString(EndedBy by);

// Everything the client saw and did on one connection.
struct SocketRecord {
  Clock::time_point openedAt;  // When the upgrade completed.
  std::vector<WireFrame> received;
  size_t droppedReceived = 0;  // Received frames beyond kMaxRecordedFrames.
  std::vector<WireFrame> sent;
  size_t droppedSent = 0;
  std::vector<Violation> violations;
  size_t droppedViolations = 0;
  std::optional<WireFrame> closeFrame;  // The first Close frame received.
  uint64_t unparsedBytes = 0;           // Bytes received after a violation stopped parsing.
  EndedBy endedBy = EndedBy::kNone;
  Clock::time_point endedAt;
  std::string endDetail;  // The error's text, for kError.
  uint64_t version = 0;   // Increases with every change.

  bool ended() const { return endedBy != EndedBy::kNone; }
  // The WebSocket Connection Close Code of RFC 6455 §7.1.5 as the client sees it: the first
  // Close frame's code, 1005 for an empty one, 1006 when the connection ended without one, and
  // nothing while it is open and no Close frame came.
  std::optional<int> clientCode() const;
};

struct Handshake {
  bool upgraded = false;
  int status = 0;                              // 0 when no HTTP answer came.
  std::map<std::string, std::string> headers;  // Names lower-case.
  std::string body;
  // Why the upgrade failed although the status was 101, or why no answer came.
  std::string problem;
};

struct SendOutcome {
  std::vector<WireFrame> frames;  // The frames written completely, in order.
  // Over the data frames (text, binary, continuation) of the call: one message's bytes when the
  // call sends a message, whole or in fragments.
  uint64_t dataLength = 0;
  std::string dataSha256;
  std::string error;  // Empty when every frame was written.
};

enum class DropHow : uint8_t { kFin, kReset };

class WsClient {
 public:
  WsClient();
  // Drops a connection that is still open (FIN) and stops the I/O thread.
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // The opening handshake (RFC 6455 §4.1) to `url` (http://host:port/path?query) with `headers`
  // added. Upgraded or not, the answer's status, headers and body; a connection that was not
  // upgraded is closed. Throws std::runtime_error for a URL it cannot use. Call once.
  Handshake connect(const std::string& url, const std::map<std::string, std::string>& headers,
                    std::chrono::milliseconds timeout);

  // Writes the frames in order, each masked with a fresh random key when `masked`. A write that
  // does not finish within `timeout` ends the connection (kError): half a frame is on the wire.
  SendOutcome send(const std::vector<OutFrame>& frames, std::chrono::milliseconds timeout);

  // Ends the TCP connection without a Close frame: FIN (shutdown, then close) or RST (SO_LINGER
  // 0, then close). Nothing happens to a connection that already ended.
  void drop(DropHow how);

  SocketRecord snapshot() const;
  // Waits until the record's version passes `seen` or `deadline` comes; the version then.
  uint64_t waitForChange(uint64_t seen, Clock::time_point deadline) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace doc::harness::ws
