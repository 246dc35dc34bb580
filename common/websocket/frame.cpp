#include "common/websocket/frame.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "common/websocket/utf8.h"

namespace doc::ws {
namespace {

// Byte 0 of a header.
constexpr uint8_t kFinBit = 0x80;
constexpr uint8_t kRsv1Bit = 0x40;
constexpr uint8_t kRsv2Bit = 0x20;
constexpr uint8_t kRsv3Bit = 0x10;
constexpr uint8_t kRsvBits = kRsv1Bit | kRsv2Bit | kRsv3Bit;
constexpr uint8_t kOpcodeBits = 0x0F;
// Byte 1 of a header.
constexpr uint8_t kMaskBit = 0x80;
constexpr uint8_t kLengthBits = 0x7F;
// The 7-bit length values that announce a 16-bit and a 64-bit extended length (§5.2).
constexpr uint8_t kLength16 = 126;
constexpr uint8_t kLength64 = 127;
// A control frame's payload limit (§5.5): it must fit the 7-bit length.
constexpr uint64_t kMaxControlPayload = 125;

std::string hexByte(uint8_t value) {
  char text[5];
  std::snprintf(text, sizeof text, "0x%02x", value);
  return text;
}

int extendedLengthBytes(uint8_t lengthField) {
  if (lengthField == kLength16) {
    return 2;
  }
  return lengthField == kLength64 ? 8 : 0;
}

}  // namespace

bool isKnownOpcode(Opcode opcode) {
  switch (opcode) {
    case Opcode::kContinuation:
    case Opcode::kText:
    case Opcode::kBinary:
    case Opcode::kClose:
    case Opcode::kPing:
    case Opcode::kPong:
      return true;
  }
  return false;
}

std::string opcodeName(Opcode opcode) {
  switch (opcode) {
    case Opcode::kContinuation:
      return "continuation";
    case Opcode::kText:
      return "text";
    case Opcode::kBinary:
      return "binary";
    case Opcode::kClose:
      return "close";
    case Opcode::kPing:
      return "ping";
    case Opcode::kPong:
      return "pong";
  }
  return "reserved-" + hexByte(rawOpcode(opcode));
}

std::string encodeFrame(const Frame& frame) {
  std::string out;
  out.reserve(kMaxHeaderSize + frame.payload.size());

  uint8_t byte0 = rawOpcode(frame.opcode) & kOpcodeBits;
  byte0 |= frame.fin ? kFinBit : 0;
  byte0 |= frame.rsv1 ? kRsv1Bit : 0;
  byte0 |= frame.rsv2 ? kRsv2Bit : 0;
  byte0 |= frame.rsv3 ? kRsv3Bit : 0;
  out.push_back(static_cast<char>(byte0));

  const uint64_t length = frame.payload.size();
  const uint8_t maskBit = frame.masked ? kMaskBit : 0;
  int extendedBytes = 0;
  if (length < kLength16) {
    out.push_back(static_cast<char>(maskBit | length));
  } else if (length <= 0xFFFF) {
    out.push_back(static_cast<char>(maskBit | kLength16));
    extendedBytes = 2;
  } else {
    out.push_back(static_cast<char>(maskBit | kLength64));
    extendedBytes = 8;
  }
  for (int i = extendedBytes - 1; i >= 0; --i) {
    out.push_back(static_cast<char>((length >> (8 * i)) & 0xFF));
  }

  if (!frame.masked) {
    out += frame.payload;
    return out;
  }
  for (const uint8_t keyByte : frame.maskKey) {
    out.push_back(static_cast<char>(keyByte));
  }
  for (size_t i = 0; i < frame.payload.size(); ++i) {
    out.push_back(static_cast<char>(frame.payload[i] ^ frame.maskKey[i % 4]));
  }
  return out;
}

FrameParser::FrameParser(ParserOptions options) : options_(options) {}

ParseResult FrameParser::feed(std::string_view bytes) {
  ParseResult result;
  if (error_) {
    result.error = error_;
    return result;
  }

  size_t pos = 0;
  while (pos < bytes.size()) {
    if (!inPayload_) {
      const size_t take = std::min(headerNeeded_ - headerSize_, bytes.size() - pos);
      std::memcpy(header_.data() + headerSize_, bytes.data() + pos, take);
      headerSize_ += take;
      pos += take;
      consumed_ += take;
      if (headerSize_ < headerNeeded_) {
        continue;
      }
      if (auto violation = checkHeader()) {
        error_ = std::move(violation);
        result.error = error_;
        return result;
      }
      if (headerSize_ < headerNeeded_) {
        continue;  // checkHeader found that more header bytes follow
      }
      beginPayload();
    } else {
      const uint64_t missing = payloadLength_ - frame_.payload.size();
      const size_t take = static_cast<size_t>(std::min<uint64_t>(missing, bytes.size() - pos));
      appendPayload(bytes.substr(pos, take));
      pos += take;
      consumed_ += take;
    }

    if (inPayload_ && frame_.payload.size() == payloadLength_) {
      result.frames.push_back(std::move(frame_));
      frame_ = Frame{};
      headerSize_ = 0;
      headerNeeded_ = 2;
      inPayload_ = false;
      frameStart_ = consumed_;
    }
  }
  return result;
}

std::optional<ProtocolError> FrameParser::checkHeader() {
  const uint8_t byte0 = header_[0];
  const uint8_t byte1 = header_[1];
  const auto opcode = static_cast<Opcode>(byte0 & kOpcodeBits);
  const int extendedBytes = extendedLengthBytes(byte1 & kLengthBits);
  const size_t maskBytes = (byte1 & kMaskBit) ? 4 : 0;

  if (headerSize_ == 2) {
    if (const uint8_t rsv = byte0 & kRsvBits & ~options_.allowedRsvBits; rsv != 0) {
      return fail(ErrorKind::kReservedBitSet,
                  "reserved bits " + hexByte(rsv) +
                      " set with no extension negotiated (byte 0 = " + hexByte(byte0) + ")");
    }
    if (!isKnownOpcode(opcode)) {
      return fail(ErrorKind::kUnknownOpcode,
                  "opcode " + hexByte(rawOpcode(opcode)) + " is reserved (RFC 6455 §5.2)");
    }
    if (isControlOpcode(opcode) && !(byte0 & kFinBit)) {
      return fail(ErrorKind::kControlFrameFragmented,
                  opcodeName(opcode) +
                      " frame without FIN; control frames must not be "
                      "fragmented (§5.5)");
    }
    if (options_.role == Role::kServer && maskBytes == 0) {
      return fail(ErrorKind::kUnmaskedFrame,
                  opcodeName(opcode) + " frame from the client is not masked (§5.1)");
    }
    if (options_.role == Role::kClient && maskBytes != 0) {
      return fail(ErrorKind::kMaskedFrame,
                  opcodeName(opcode) + " frame from the server is masked (§5.1)");
    }
    if (extendedBytes == 0) {
      if (auto violation = checkLength(byte1 & kLengthBits, 0)) {
        return violation;
      }
      headerNeeded_ = 2 + maskBytes;
    } else {
      headerNeeded_ = 2 + extendedBytes;
    }
    return std::nullopt;
  }

  if (extendedBytes > 0 && headerSize_ == 2 + static_cast<size_t>(extendedBytes)) {
    uint64_t length = 0;
    for (int i = 0; i < extendedBytes; ++i) {
      length = (length << 8) | header_[2 + i];
    }
    if (auto violation = checkLength(length, extendedBytes)) {
      return violation;
    }
    headerNeeded_ = headerSize_ + maskBytes;
  }
  return std::nullopt;
}

std::optional<ProtocolError> FrameParser::checkLength(uint64_t length, int lengthBytes) {
  const auto opcode = static_cast<Opcode>(header_[0] & kOpcodeBits);
  if (lengthBytes == 8 && (length >> 63) != 0) {
    return fail(ErrorKind::kLengthMsbSet,
                "64-bit payload length has its most significant bit set (§5.2)");
  }
  if (options_.requireMinimalLength) {
    if (lengthBytes == 2 && length < kLength16) {
      return fail(ErrorKind::kNonMinimalLength,
                  "length " + std::to_string(length) +
                      " written in the 16-bit form; §5.2 requires the 7-bit form");
    }
    if (lengthBytes == 8 && length <= 0xFFFF) {
      return fail(ErrorKind::kNonMinimalLength,
                  "length " + std::to_string(length) +
                      " written in the 64-bit form; §5.2 requires a shorter form");
    }
  }
  if (isControlOpcode(opcode) && length > kMaxControlPayload) {
    return fail(ErrorKind::kControlFrameTooLong,
                opcodeName(opcode) + " frame with a payload of " + std::to_string(length) +
                    " bytes; control frames carry at most 125 (§5.5)");
  }
  if (length > options_.maxPayload) {
    return fail(ErrorKind::kFrameTooBig, opcodeName(opcode) + " frame with a payload of " +
                                             std::to_string(length) + " bytes, over the limit of " +
                                             std::to_string(options_.maxPayload));
  }
  payloadLength_ = length;
  return std::nullopt;
}

ProtocolError FrameParser::fail(ErrorKind kind, const std::string& what) const {
  return {kind, "frame at stream offset " + std::to_string(frameStart_) + ": " + what};
}

void FrameParser::beginPayload() {
  const uint8_t byte0 = header_[0];
  frame_.fin = (byte0 & kFinBit) != 0;
  frame_.rsv1 = (byte0 & kRsv1Bit) != 0;
  frame_.rsv2 = (byte0 & kRsv2Bit) != 0;
  frame_.rsv3 = (byte0 & kRsv3Bit) != 0;
  frame_.opcode = static_cast<Opcode>(byte0 & kOpcodeBits);
  frame_.masked = (header_[1] & kMaskBit) != 0;
  if (frame_.masked) {
    std::memcpy(frame_.maskKey.data(), header_.data() + headerSize_ - 4, 4);
  }
  inPayload_ = true;
}

void FrameParser::appendPayload(std::string_view bytes) {
  std::string& payload = frame_.payload;
  const size_t start = payload.size();

  // Grow geometrically, but never past the announced length: the allocation stays within the
  // limit, and a peer that announces a large frame and sends nothing costs nothing.
  const size_t needed = start + bytes.size();
  if (needed > payload.capacity()) {
    payload.reserve(static_cast<size_t>(
        std::min<uint64_t>(payloadLength_, std::max(needed, 2 * payload.capacity()))));
  }
  payload.append(bytes);

  if (frame_.masked) {
    for (size_t i = start; i < payload.size(); ++i) {
      payload[i] = static_cast<char>(payload[i] ^ frame_.maskKey[i % 4]);
    }
  }
}

std::string closePayload(uint16_t code, std::string_view reason) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  out += reason;
  return out;
}

ClosePayload parseClosePayload(std::string_view payload) {
  ClosePayload result;
  if (payload.empty()) {
    return result;
  }
  if (payload.size() == 1) {
    result.error =
        ProtocolError{ErrorKind::kCloseOneByte,
                      "close frame with a 1-byte payload; a status code takes 2 (§5.5.1)"};
    return result;
  }

  const auto code = static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) |
                                          static_cast<uint8_t>(payload[1]));
  result.code = code;
  result.reason = std::string(payload.substr(2));
  if (!isValidCloseCode(code)) {
    result.error = ProtocolError{
        ErrorKind::kInvalidCloseCode,
        "close frame with status code " + std::to_string(code) + ", which must not be sent (§7.4)"};
  } else if (!isValidUtf8(result.reason)) {
    result.error = ProtocolError{ErrorKind::kInvalidCloseReason,
                                 "close frame whose reason is not valid UTF-8 (§5.5.1)"};
  }
  return result;
}

bool isValidCloseCode(uint16_t code) {
  if (code >= 3000 && code <= 4999) {
    return true;
  }
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

}  // namespace doc::ws
