// Strict UTF-8 validation for text messages and close reasons (RFC 6455 §8.1, RFC 3629): no
// overlong forms, no surrogates (U+D800-U+DFFF), nothing above U+10FFFF.
#pragma once

#include <cstdint>
#include <string_view>

namespace doc::ws {

bool isValidUtf8(std::string_view text);

// Validates text that arrives in pieces (the fragments of a text message), failing as soon as the
// bytes seen cannot begin any valid text: a client must fail the connection on the first invalid
// fragment rather than after the last one (§8.1 "fail fast" as Autobahn tests it). A character
// split across pieces is fine.
class Utf8Validator {
 public:
  // False once the text so far is invalid; stays false until reset().
  bool feed(std::string_view piece);
  // True when everything fed is valid and ends on a character boundary.
  bool complete() const { return !failed_ && pending_ == 0; }
  bool failed() const { return failed_; }
  void reset() { *this = Utf8Validator(); }

 private:
  uint8_t pending_ = 0;  // continuation bytes the current character still needs
  // The allowed range of the next continuation byte: narrower than 80-BF right after some lead
  // bytes, which is how overlongs, surrogates and values above U+10FFFF are excluded.
  uint8_t low_ = 0x80;
  uint8_t high_ = 0xBF;
  bool failed_ = false;
};

}  // namespace doc::ws
