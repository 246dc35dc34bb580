#include "common/websocket/utf8.h"

namespace doc::ws {

bool isValidUtf8(std::string_view text) {
  Utf8Validator validator;
  return validator.feed(text) && validator.complete();
}

bool Utf8Validator::feed(std::string_view piece) {
  if (failed_) {
    return false;
  }
  for (const char c : piece) {
    const auto byte = static_cast<uint8_t>(c);
    if (pending_ > 0) {
      if (byte < low_ || byte > high_) {
        failed_ = true;
        return false;
      }
      low_ = 0x80;
      high_ = 0xBF;
      --pending_;
      continue;
    }

    // A lead byte: the well-formed sequences of Unicode's table 3-7.
    if (byte <= 0x7F) {
      continue;
    }
    if (byte >= 0xC2 && byte <= 0xDF) {
      pending_ = 1;
    } else if (byte == 0xE0) {
      pending_ = 2;
      low_ = 0xA0;  // E0 80-9F would be an overlong 3-byte form
    } else if (byte == 0xED) {
      pending_ = 2;
      high_ = 0x9F;  // ED A0-BF would be a surrogate
    } else if (byte >= 0xE1 && byte <= 0xEF) {
      pending_ = 2;
    } else if (byte == 0xF0) {
      pending_ = 3;
      low_ = 0x90;  // F0 80-8F would be an overlong 4-byte form
    } else if (byte >= 0xF1 && byte <= 0xF3) {
      pending_ = 3;
    } else if (byte == 0xF4) {
      pending_ = 3;
      high_ = 0x8F;  // F4 90-BF would be above U+10FFFF
    } else {
      // 80-BF without a lead, C0-C1 (always overlong), F5-FF (always above U+10FFFF).
      failed_ = true;
      return false;
    }
  }
  return true;
}

}  // namespace doc::ws
