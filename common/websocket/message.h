// Whole messages out of frames (RFC 6455 §5.4): fragments joined, control frames passed through
// between them, text checked as UTF-8 fragment by fragment, close payloads parsed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/websocket/error.h"
#include "common/websocket/frame.h"
#include "common/websocket/utf8.h"

namespace doc::ws {

enum class MessageKind : uint8_t { kText, kBinary, kPing, kPong, kClose };

struct Message {
  MessageKind kind = MessageKind::kText;
  // The joined payload: text or binary data, a ping/pong body, or a close frame's raw payload.
  std::string data;
  // kClose only: the parsed payload (no code for an empty one).
  std::optional<uint16_t> closeCode;
  std::string closeReason;
  // How many frames the message came in: a harness checks fragmentation with it.
  size_t frameCount = 1;
};

struct AssemblerOptions {
  // A larger message fails with kMessageTooBig (1009) before the fragment that crosses the limit
  // is buffered. The default matches the frame limit: one frame may carry a whole message.
  uint64_t maxMessageSize = kDefaultMaxPayload;
};

struct AssembleResult {
  // Set when the frame completed a message or was a control frame.
  std::optional<Message> message;
  // The first violation; the assembler then stays failed and returns it for every later frame.
  std::optional<ProtocolError> error;
};

// Expects frames a FrameParser accepted (it relies on the parser for header rules such as
// control-frame length), but treats a reserved opcode as a violation rather than a crash.
class MessageAssembler {
 public:
  explicit MessageAssembler(AssemblerOptions options = {});

  AssembleResult add(Frame frame);

  // True while a fragmented text or binary message is open.
  bool inMessage() const { return open_.has_value(); }
  const std::optional<ProtocolError>& error() const { return error_; }

 private:
  AssembleResult addControl(Frame frame);
  AssembleResult addData(Frame frame);
  AssembleResult fail(ErrorKind kind, const std::string& what);

  AssemblerOptions options_;
  std::optional<Message> open_;  // the fragmented message being joined
  Utf8Validator utf8_;           // over the open text message's fragments so far
  std::optional<ProtocolError> error_;
};

}  // namespace doc::ws
