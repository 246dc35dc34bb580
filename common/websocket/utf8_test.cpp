#include "common/websocket/utf8.h"

#include <gtest/gtest.h>

#include "common/websocket/test_bytes.h"

namespace doc::ws {
namespace {

using testing::bytes;

TEST(Utf8Validation, AsciiAndWellFormedMultibyteTextIsValid) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("Hello"));
  EXPECT_TRUE(isValidUtf8("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"));  // "κόσμε"
  EXPECT_TRUE(isValidUtf8(bytes({0xC2, 0x80})));                             // U+0080
  EXPECT_TRUE(isValidUtf8(bytes({0xE0, 0xA0, 0x80})));                       // U+0800
  EXPECT_TRUE(isValidUtf8(bytes({0xED, 0x9F, 0xBF})));                       // U+D7FF
  EXPECT_TRUE(isValidUtf8(bytes({0xEE, 0x80, 0x80})));                       // U+E000
  EXPECT_TRUE(isValidUtf8(bytes({0xEF, 0xBF, 0xBF})));                       // U+FFFF
  EXPECT_TRUE(isValidUtf8(bytes({0xF0, 0x90, 0x80, 0x80})));                 // U+10000
  EXPECT_TRUE(isValidUtf8(bytes({0xF4, 0x8F, 0xBF, 0xBF})));                 // U+10FFFF
}

TEST(Utf8Validation, OverlongFormsAreInvalid) {
  EXPECT_FALSE(isValidUtf8(bytes({0xC0, 0xAF})));
  EXPECT_FALSE(isValidUtf8(bytes({0xC1, 0xBF})));
  EXPECT_FALSE(isValidUtf8(bytes({0xE0, 0x80, 0xAF})));
  EXPECT_FALSE(isValidUtf8(bytes({0xE0, 0x9F, 0xBF})));
  EXPECT_FALSE(isValidUtf8(bytes({0xF0, 0x80, 0x80, 0xAF})));
  EXPECT_FALSE(isValidUtf8(bytes({0xF0, 0x8F, 0xBF, 0xBF})));
}

TEST(Utf8Validation, SurrogatesAreInvalid) {
  EXPECT_FALSE(isValidUtf8(bytes({0xED, 0xA0, 0x80})));                    // U+D800
  EXPECT_FALSE(isValidUtf8(bytes({0xED, 0xBF, 0xBF})));                    // U+DFFF
  EXPECT_FALSE(isValidUtf8(bytes({0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80})));  // a CESU-8 pair
}

TEST(Utf8Validation, CodePointsAboveU10FFFFAreInvalid) {
  EXPECT_FALSE(isValidUtf8(bytes({0xF4, 0x90, 0x80, 0x80})));  // U+110000
  EXPECT_FALSE(isValidUtf8(bytes({0xF5, 0x80, 0x80, 0x80})));
  EXPECT_FALSE(isValidUtf8(bytes({0xF8, 0x88, 0x80, 0x80, 0x80})));
  EXPECT_FALSE(isValidUtf8(bytes({0xFF})));
}

TEST(Utf8Validation, TruncatedAndStrayBytesAreInvalid) {
  EXPECT_FALSE(isValidUtf8(bytes({0xCE})));
  EXPECT_FALSE(isValidUtf8(bytes({0xE1, 0xBD})));
  EXPECT_FALSE(isValidUtf8(bytes({0xF0, 0x90, 0x80})));
  EXPECT_FALSE(isValidUtf8(bytes({0x80})));
  EXPECT_FALSE(isValidUtf8(bytes({'a', 0xBF, 'b'})));
  EXPECT_FALSE(isValidUtf8(bytes({0xCE, 'a'})));
}

TEST(Utf8Validation, ACharacterSplitAcrossPiecesIsValid) {
  const std::string text = "a\xce\xba\xe1\xbd\xb9\xf0\x90\x80\x80z";
  for (size_t split = 0; split <= text.size(); ++split) {
    Utf8Validator validator;
    EXPECT_TRUE(validator.feed(text.substr(0, split)));
    EXPECT_TRUE(validator.feed(text.substr(split)));
    EXPECT_TRUE(validator.complete()) << "split at " << split;
  }
}

TEST(Utf8Validation, TheIncrementalValidatorFailsAtTheFirstImpossibleByte) {
  Utf8Validator validator;
  EXPECT_TRUE(validator.feed("\xce\xba"));
  EXPECT_TRUE(validator.feed("\xed"));   // could still be U+D000-U+D7FF
  EXPECT_FALSE(validator.feed("\xa0"));  // now a surrogate, whatever follows
  EXPECT_TRUE(validator.failed());
  EXPECT_FALSE(validator.feed("ok"));  // and it stays failed
  EXPECT_FALSE(validator.complete());
}

TEST(Utf8Validation, TextEndingInsideACharacterIsNotComplete) {
  Utf8Validator validator;
  EXPECT_TRUE(validator.feed(bytes({'a', 0xF0, 0x90})));
  EXPECT_FALSE(validator.failed());
  EXPECT_FALSE(validator.complete());
  validator.reset();
  EXPECT_TRUE(validator.complete());
}

}  // namespace
}  // namespace doc::ws
