// The protocol violations the WebSocket codec detects, each with the close code RFC 6455 §7.4.1
// tells the detecting endpoint to send. Every layer of the codec (frame parser, close payload,
// message assembler) reports through this one type, so a caller has one error path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace doc::ws {

// Close codes the codec itself produces (RFC 6455 §7.4.1).
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseProtocolError = 1002;
inline constexpr uint16_t kCloseInvalidPayload = 1007;
inline constexpr uint16_t kCloseMessageTooBig = 1009;

enum class ErrorKind : uint8_t {
  // Frame header (FrameParser).
  kReservedBitSet,          // RSV1-3 set without an extension that defines it (§5.2)
  kUnknownOpcode,           // opcodes 3-7 and 11-15 are reserved (§5.2)
  kControlFrameTooLong,     // control payload over 125 bytes (§5.5)
  kControlFrameFragmented,  // control frame without FIN (§5.5)
  kNonMinimalLength,        // length not in its shortest form (§5.2 "the minimal number of bytes")
  kLengthMsbSet,            // 64-bit length with its most significant bit set (§5.2)
  kFrameTooBig,             // payload over the configured limit
  kUnmaskedFrame,           // a client frame without a mask, seen by a server (§5.1)
  kMaskedFrame,             // a server frame with a mask, seen by a client (§5.1)
  // Close payload (parseClosePayload).
  kCloseOneByte,        // a 1-byte close payload cannot hold a status code (§5.5.1)
  kInvalidCloseCode,    // a code that must not appear on the wire (§7.4)
  kInvalidCloseReason,  // a close reason that is not UTF-8 (§5.5.1)
  // Messages (MessageAssembler).
  kUnexpectedContinuation,  // continuation frame with no fragmented message open (§5.4)
  kExpectedContinuation,    // text/binary frame while a fragmented message is open (§5.4)
  kMessageTooBig,           // whole message over the configured limit
  kInvalidUtf8Text,         // text message that is not UTF-8 (§8.1)
};

// "reserved-bit-set", "unknown-opcode", ...: stable names for logs and reports.
std::string_view errorKindName(ErrorKind kind);

// The close code to send when `kind` is detected: 1002, 1007 or 1009.
uint16_t closeCodeFor(ErrorKind kind);

struct ProtocolError {
  ErrorKind kind;
  // Says what was wrong and where, e.g. "frame at stream offset 12: opcode 0x3 is reserved".
  std::string message;

  uint16_t closeCode() const { return closeCodeFor(kind); }
};

}  // namespace doc::ws
