// The WebSocket frame codec of RFC 6455 §5, over plain bytes: the harness's client and the
// reference server both speak it over raw TCP, because Boost.Beast's stream hides the states of
// the close handshake that the suite has to control. Encoding writes any frame asked for, valid
// or not; parsing is strict and says exactly which rule a peer broke.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/websocket/error.h"

namespace doc::ws {

// The 4-bit opcode. The enum has a fixed underlying type, so a reserved value (3-7, 11-15) is
// still representable as static_cast<Opcode>(n): the harness sends those on purpose.
enum class Opcode : uint8_t {
  kContinuation = 0,
  kText = 1,
  kBinary = 2,
  kClose = 8,
  kPing = 9,
  kPong = 10,
};

inline constexpr uint8_t rawOpcode(Opcode opcode) {
  return static_cast<uint8_t>(opcode);
}
// One of the six opcodes RFC 6455 defines.
bool isKnownOpcode(Opcode opcode);
// Opcodes 8-15 (close, ping, pong and the reserved 11-15): the high bit marks control (§5.5).
inline constexpr bool isControlOpcode(Opcode opcode) {
  return (rawOpcode(opcode) & 0x08) != 0;
}
// "text", "close", ... or "reserved-0x3".
std::string opcodeName(Opcode opcode);

struct Frame {
  bool fin = true;
  bool rsv1 = false;
  bool rsv2 = false;
  bool rsv3 = false;
  Opcode opcode = Opcode::kText;
  bool masked = false;
  std::array<uint8_t, 4> maskKey{};  // as on the wire; all zero when not masked
  std::string payload;               // application data, never masked

  bool operator==(const Frame&) const = default;
};

// The exact bytes of `frame`: the header with the length in its minimal form, then the payload,
// XORed with maskKey when `masked`. Nothing is checked, so RSV bits, reserved opcodes (only the
// low 4 bits are written), unmasked client frames and oversized or fragmented control frames all
// come out as asked.
std::string encodeFrame(const Frame& frame);

// The largest header: 2 bytes, a 64-bit extended length and a mask key.
inline constexpr size_t kMaxHeaderSize = 14;
// The payload limit when none is given: 32 MiB, the limit workerd 2026-11-17 enforced when
// measured here (a 32 MiB + 1 message got close code 1009; research notes, workerd-observed §8).
inline constexpr uint64_t kDefaultMaxPayload = 32ull << 20;

// Which end of the connection the parser sits at: a server requires masked frames, a client
// forbids them (§5.1).
enum class Role : uint8_t { kServer, kClient };

struct ParserOptions {
  Role role = Role::kServer;
  // A larger payload fails with kFrameTooBig (close code 1009) before any of it is buffered.
  uint64_t maxPayload = kDefaultMaxPayload;
  // RSV bits (0x40, 0x20, 0x10 of byte 0) a negotiated extension defines; none by default since
  // the codec implements no extension.
  uint8_t allowedRsvBits = 0;
  // §5.2 says the minimal number of bytes MUST be used for the length; a peer that does not is
  // rejected (1002). False accepts such frames, for observing a peer without failing on it.
  bool requireMinimalLength = true;
};

struct ParseResult {
  // The frames completed by this feed, in order; when `error` is set, those before it.
  std::vector<Frame> frames;
  // The first violation. The parser then stays failed: later feeds return it again, no frames.
  std::optional<ProtocolError> error;
};

// Turns a byte stream into frames, accepting the bytes in chunks of any size (one at a time gives
// the same frames). It buffers at most one header (kMaxHeaderSize) and one payload (at most
// maxPayload), reserving payload memory only as bytes arrive, and checks each header field as soon
// as its bytes are in, so a bad header fails without waiting for the rest of the frame. Header
// checks run in wire order: RSV bits, opcode, FIN of a control frame, mask bit, then the length
// (MSB, minimal form, control limit, payload limit).
class FrameParser {
 public:
  explicit FrameParser(ParserOptions options = {});

  ParseResult feed(std::string_view bytes);

  // Bytes consumed since construction: the stream offset the next frame starts at, when idle.
  uint64_t bytesConsumed() const { return consumed_; }
  // True between frames: no partial header or payload is buffered.
  bool idle() const { return !error_ && headerSize_ == 0 && !inPayload_; }
  const std::optional<ProtocolError>& error() const { return error_; }

 private:
  // Checks the header bytes collected so far and sets headerNeeded_ to the size the header turns
  // out to have; on a violation returns it.
  std::optional<ProtocolError> checkHeader();
  std::optional<ProtocolError> checkLength(uint64_t length, int lengthBytes);
  ProtocolError fail(ErrorKind kind, const std::string& what) const;
  void beginPayload();
  void appendPayload(std::string_view bytes);

  ParserOptions options_;
  std::array<uint8_t, kMaxHeaderSize> header_{};
  size_t headerSize_ = 0;
  size_t headerNeeded_ = 2;  // the first two bytes say how long the header is
  bool inPayload_ = false;
  uint64_t payloadLength_ = 0;
  Frame frame_;
  uint64_t frameStart_ = 0;  // stream offset of the frame being parsed, for messages
  uint64_t consumed_ = 0;
  std::optional<ProtocolError> error_;
};

// A close frame's payload: the code in network byte order, then the reason. Nothing is checked, so
// an invalid code or a reason that is not UTF-8 or is too long for a control frame comes out as
// asked.
std::string closePayload(uint16_t code, std::string_view reason);

struct ClosePayload {
  std::optional<uint16_t> code;  // absent for an empty payload (§5.5.1: the body is optional)
  std::string reason;
  std::optional<ProtocolError> error;
};

// Splits and checks a received close payload: 1 byte (1002), a code that must not be sent (1002),
// a reason that is not UTF-8 (1007).
ClosePayload parseClosePayload(std::string_view payload);

// Codes an endpoint may put in a close frame: 1000-1003 and 1007-1014 (RFC 6455 and the IANA
// registry), 3000-4999 (libraries and applications). 1004-1006 and 1015 are reserved or meant
// for APIs only (§7.4.1), 0-999 unused, 1016-2999 reserved for future protocol use.
bool isValidCloseCode(uint16_t code);

}  // namespace doc::ws
