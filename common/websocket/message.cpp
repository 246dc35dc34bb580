#include "common/websocket/message.h"

#include <algorithm>
#include <utility>

namespace doc::ws {

MessageAssembler::MessageAssembler(AssemblerOptions options) : options_(options) {}

AssembleResult MessageAssembler::add(Frame frame) {
  if (error_) {
    return {std::nullopt, error_};
  }
  if (!isKnownOpcode(frame.opcode)) {
    return fail(ErrorKind::kUnknownOpcode,
                "frame with reserved opcode " + opcodeName(frame.opcode) + " (§5.2)");
  }
  if (isControlOpcode(frame.opcode)) {
    return addControl(std::move(frame));
  }
  return addData(std::move(frame));
}

AssembleResult MessageAssembler::addControl(Frame frame) {
  Message message;
  message.data = std::move(frame.payload);
  switch (frame.opcode) {
    case Opcode::kPing:
      message.kind = MessageKind::kPing;
      break;
    case Opcode::kPong:
      message.kind = MessageKind::kPong;
      break;
    default: {
      message.kind = MessageKind::kClose;
      ClosePayload close = parseClosePayload(message.data);
      if (close.error) {
        error_ = std::move(close.error);
        return {std::nullopt, error_};
      }
      message.closeCode = close.code;
      message.closeReason = std::move(close.reason);
      break;
    }
  }
  return {std::move(message), std::nullopt};
}

AssembleResult MessageAssembler::addData(Frame frame) {
  const bool continuation = frame.opcode == Opcode::kContinuation;
  if (continuation && !open_) {
    return fail(ErrorKind::kUnexpectedContinuation,
                "continuation frame with no fragmented message open (§5.4)");
  }
  if (!continuation && open_) {
    return fail(ErrorKind::kExpectedContinuation,
                opcodeName(frame.opcode) +
                    " frame while a fragmented message is open; expected a "
                    "continuation frame (§5.4)");
  }

  if (!continuation) {
    open_ = Message{};
    open_->kind = frame.opcode == Opcode::kText ? MessageKind::kText : MessageKind::kBinary;
    open_->frameCount = 0;
    utf8_.reset();
  }
  Message& message = *open_;

  // Checked before appending, so the buffer never grows past the limit.
  const uint64_t total = uint64_t{message.data.size()} + frame.payload.size();
  if (total > options_.maxMessageSize) {
    return fail(ErrorKind::kMessageTooBig, "message of at least " + std::to_string(total) +
                                               " bytes, over the limit of " +
                                               std::to_string(options_.maxMessageSize));
  }
  if (message.kind == MessageKind::kText && !utf8_.feed(frame.payload)) {
    return fail(ErrorKind::kInvalidUtf8Text, "text message is not valid UTF-8 (in frame " +
                                                 std::to_string(message.frameCount + 1) +
                                                 " of the message, §8.1)");
  }
  if (message.data.empty()) {
    message.data = std::move(frame.payload);
  } else {
    // Geometric growth capped at the limit, so the buffer's capacity never exceeds it either.
    if (total > message.data.capacity()) {
      message.data.reserve(static_cast<size_t>(std::min<uint64_t>(
          options_.maxMessageSize, std::max<uint64_t>(total, 2 * message.data.capacity()))));
    }
    message.data += frame.payload;
  }
  ++message.frameCount;

  if (!frame.fin) {
    return {};
  }
  if (message.kind == MessageKind::kText && !utf8_.complete()) {
    return fail(ErrorKind::kInvalidUtf8Text, "text message ends inside a UTF-8 character (§8.1)");
  }
  AssembleResult result{std::move(open_), std::nullopt};
  open_.reset();
  return result;
}

AssembleResult MessageAssembler::fail(ErrorKind kind, const std::string& what) {
  open_.reset();
  error_ = ProtocolError{kind, what};
  return {std::nullopt, error_};
}

}  // namespace doc::ws
