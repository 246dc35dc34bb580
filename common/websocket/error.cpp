#include "common/websocket/error.h"

namespace doc::ws {

std::string_view errorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kReservedBitSet:
      return "reserved-bit-set";
    case ErrorKind::kUnknownOpcode:
      return "unknown-opcode";
    case ErrorKind::kControlFrameTooLong:
      return "control-frame-too-long";
    case ErrorKind::kControlFrameFragmented:
      return "control-frame-fragmented";
    case ErrorKind::kNonMinimalLength:
      return "non-minimal-length";
    case ErrorKind::kLengthMsbSet:
      return "length-msb-set";
    case ErrorKind::kFrameTooBig:
      return "frame-too-big";
    case ErrorKind::kUnmaskedFrame:
      return "unmasked-frame";
    case ErrorKind::kMaskedFrame:
      return "masked-frame";
    case ErrorKind::kCloseOneByte:
      return "close-one-byte";
    case ErrorKind::kInvalidCloseCode:
      return "invalid-close-code";
    case ErrorKind::kInvalidCloseReason:
      return "invalid-close-reason";
    case ErrorKind::kUnexpectedContinuation:
      return "unexpected-continuation";
    case ErrorKind::kExpectedContinuation:
      return "expected-continuation";
    case ErrorKind::kMessageTooBig:
      return "message-too-big";
    case ErrorKind::kInvalidUtf8Text:
      return "invalid-utf8-text";
  }
  return "unknown-error";
}

uint16_t closeCodeFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kFrameTooBig:
    case ErrorKind::kMessageTooBig:
      return kCloseMessageTooBig;
    case ErrorKind::kInvalidCloseReason:
    case ErrorKind::kInvalidUtf8Text:
      return kCloseInvalidPayload;
    default:
      return kCloseProtocolError;
  }
}

}  // namespace doc::ws
