#include "common/websocket/frame.h"

#include <gtest/gtest.h>

#include "common/websocket/test_bytes.h"

namespace doc::ws {
namespace {

using testing::bytes;

// RFC 6455 §5.7 uses this mask key for its masked examples.
constexpr std::array<uint8_t, 4> kRfcMaskKey = {0x37, 0xfa, 0x21, 0x3d};

const std::string kUnmaskedHello = bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
const std::string kMaskedHello =
    bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});

ParserOptions clientSide() {
  ParserOptions options;
  options.role = Role::kClient;
  return options;
}

ParserOptions serverSide() {
  return ParserOptions{};
}

// Feeds everything at once and expects no error.
std::vector<Frame> parseAll(std::string_view input, ParserOptions options) {
  FrameParser parser(options);
  ParseResult result = parser.feed(input);
  EXPECT_FALSE(result.error) << result.error->message;
  EXPECT_TRUE(parser.idle());
  return result.frames;
}

// Feeds everything at once and returns the error, which must be there.
ProtocolError parseError(std::string_view input, ParserOptions options) {
  FrameParser parser(options);
  ParseResult result = parser.feed(input);
  EXPECT_TRUE(result.error);
  return result.error.value_or(ProtocolError{});
}

// One expected frame, as the vector a parse returns (a function, since braces in a gtest macro
// argument split it at their commas).
std::vector<Frame> only(Frame frame) {
  return {std::move(frame)};
}

std::string pattern(size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    out[i] = static_cast<char>(i * 7 + 3);
  }
  return out;
}

// --- Encoding: RFC 6455 §5.7 byte for byte -----------------------------------------------------

TEST(FrameEncoding, AnUnmaskedTextFrameIsTheRfcExampleByteForByte) {
  EXPECT_EQ(encodeFrame(Frame{.opcode = Opcode::kText, .payload = "Hello"}), kUnmaskedHello);
}

TEST(FrameEncoding, AMaskedTextFrameIsTheRfcExampleByteForByte) {
  const Frame frame{
      .opcode = Opcode::kText, .masked = true, .maskKey = kRfcMaskKey, .payload = "Hello"};
  EXPECT_EQ(encodeFrame(frame), kMaskedHello);
}

TEST(FrameEncoding, AFragmentedTextMessageIsTheRfcExampleByteForByte) {
  EXPECT_EQ(encodeFrame(Frame{.fin = false, .opcode = Opcode::kText, .payload = "Hel"}),
            bytes({0x01, 0x03, 0x48, 0x65, 0x6c}));
  EXPECT_EQ(encodeFrame(Frame{.opcode = Opcode::kContinuation, .payload = "lo"}),
            bytes({0x80, 0x02, 0x6c, 0x6f}));
}

TEST(FrameEncoding, AnUnmaskedPingAndAMaskedPongAreTheRfcExamplesByteForByte) {
  EXPECT_EQ(encodeFrame(Frame{.opcode = Opcode::kPing, .payload = "Hello"}),
            bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  const Frame pong{
      .opcode = Opcode::kPong, .masked = true, .maskKey = kRfcMaskKey, .payload = "Hello"};
  EXPECT_EQ(encodeFrame(pong),
            bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
}

TEST(FrameEncoding, A256ByteBinaryFrameUsesThe16BitLength) {
  const std::string payload = pattern(256);
  const std::string encoded = encodeFrame(Frame{.opcode = Opcode::kBinary, .payload = payload});
  EXPECT_EQ(encoded.substr(0, 4), bytes({0x82, 0x7E, 0x01, 0x00}));
  EXPECT_EQ(encoded.substr(4), payload);
}

TEST(FrameEncoding, A64KiBBinaryFrameUsesThe64BitLength) {
  const std::string payload = pattern(65536);
  const std::string encoded = encodeFrame(Frame{.opcode = Opcode::kBinary, .payload = payload});
  EXPECT_EQ(encoded.substr(0, 10), bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}));
  EXPECT_EQ(encoded.substr(10), payload);
}

TEST(FrameEncoding, TheLengthAlwaysTakesItsShortestForm) {
  EXPECT_EQ(encodeFrame(Frame{.payload = pattern(125)})[1], 125);
  EXPECT_EQ(encodeFrame(Frame{.payload = pattern(126)}).substr(1, 3), bytes({0x7E, 0x00, 0x7E}));
  EXPECT_EQ(encodeFrame(Frame{.payload = pattern(65535)}).substr(1, 3), bytes({0x7E, 0xFF, 0xFF}));
  EXPECT_EQ(encodeFrame(Frame{.payload = pattern(65536)})[1], 0x7F);
}

TEST(FrameEncoding, ReservedBitsAndReservedOpcodesGoOutAsAsked) {
  const Frame frame{.rsv1 = true, .rsv2 = true, .rsv3 = true, .opcode = static_cast<Opcode>(0x0B)};
  EXPECT_EQ(encodeFrame(frame), bytes({0xFB, 0x00}));
}

TEST(FrameEncoding, OversizedAndFragmentedControlFramesGoOutAsAsked) {
  const std::string big = encodeFrame(Frame{.opcode = Opcode::kPing, .payload = pattern(200)});
  EXPECT_EQ(big.substr(0, 4), bytes({0x89, 0x7E, 0x00, 0xC8}));
  EXPECT_EQ(encodeFrame(Frame{.fin = false, .opcode = Opcode::kClose}), bytes({0x08, 0x00}));
}

TEST(FrameEncoding, AnUnmaskedClientFrameGoesOutAsAsked) {
  // The parser on the server side must reject this one; encoding it is the harness's business.
  EXPECT_EQ(encodeFrame(Frame{.opcode = Opcode::kText, .masked = false, .payload = "Hello"}),
            kUnmaskedHello);
}

// --- Parsing -------------------------------------------------------------------------------------

TEST(FrameParsing, TheRfcExamplesDecodeToTheirFrames) {
  EXPECT_EQ(parseAll(kUnmaskedHello, clientSide()),
            only(Frame{.opcode = Opcode::kText, .payload = "Hello"}));

  const std::vector<Frame> masked = parseAll(kMaskedHello, serverSide());
  ASSERT_EQ(masked.size(), 1u);
  EXPECT_EQ(masked[0].payload, "Hello");
  EXPECT_TRUE(masked[0].masked);
  EXPECT_EQ(masked[0].maskKey, kRfcMaskKey);

  const std::vector<Frame> fragments =
      parseAll(bytes({0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f}), clientSide());
  ASSERT_EQ(fragments.size(), 2u);
  EXPECT_FALSE(fragments[0].fin);
  EXPECT_EQ(fragments[0].payload, "Hel");
  EXPECT_TRUE(fragments[1].fin);
  EXPECT_EQ(fragments[1].opcode, Opcode::kContinuation);
  EXPECT_EQ(fragments[1].payload, "lo");
}

TEST(FrameParsing, EncodeThenParseGivesBackTheSameFrame) {
  const std::vector<Frame> frames = {
      Frame{.opcode = Opcode::kBinary, .payload = pattern(0)},
      Frame{.opcode = Opcode::kBinary, .payload = pattern(125)},
      Frame{.opcode = Opcode::kBinary, .payload = pattern(126)},
      Frame{.opcode = Opcode::kBinary, .payload = pattern(65535)},
      Frame{.opcode = Opcode::kBinary, .payload = pattern(65536)},
      Frame{.fin = false, .opcode = Opcode::kText, .payload = "Hel"},
      Frame{.opcode = Opcode::kClose, .payload = "\x03\xe8"},
  };
  for (const Frame& frame : frames) {
    Frame masked = frame;
    masked.masked = true;
    masked.maskKey = {1, 2, 3, 4};
    EXPECT_EQ(parseAll(encodeFrame(frame), clientSide()), only(frame));
    EXPECT_EQ(parseAll(encodeFrame(masked), serverSide()), only(masked));
  }
}

TEST(FrameParsing, FeedingInChunksOfAnySizeGivesTheSameFrames) {
  std::string stream;
  std::vector<Frame> expected;
  for (const size_t size : {0, 5, 125, 126, 300, 65536}) {
    Frame frame{.opcode = Opcode::kBinary, .masked = true, .maskKey = {9, 8, 7, 6}};
    frame.payload = pattern(size);
    stream += encodeFrame(frame);
    expected.push_back(frame);
  }
  expected.push_back(Frame{.opcode = Opcode::kPing, .masked = true, .payload = "p"});
  stream += encodeFrame(expected.back());

  for (const size_t chunk : {1, 2, 3, 7, 13, 1000}) {
    FrameParser parser(serverSide());
    std::vector<Frame> frames;
    for (size_t pos = 0; pos < stream.size(); pos += chunk) {
      ParseResult result = parser.feed(std::string_view(stream).substr(pos, chunk));
      ASSERT_FALSE(result.error);
      for (Frame& frame : result.frames) {
        frames.push_back(std::move(frame));
      }
    }
    EXPECT_EQ(frames, expected) << "chunk size " << chunk;
    EXPECT_TRUE(parser.idle());
    EXPECT_EQ(parser.bytesConsumed(), stream.size());
  }
}

TEST(FrameParsing, AFrameWithAnEmptyPayloadIsCompleteAsSoonAsItsHeaderIs) {
  FrameParser parser(clientSide());
  EXPECT_TRUE(parser.feed(bytes({0x8A})).frames.empty());
  EXPECT_EQ(parser.feed(bytes({0x00})).frames, only(Frame{.opcode = Opcode::kPong}));
}

TEST(FrameParsing, AnAnnouncedFrameIsNotCompleteUntilItsLastByte) {
  FrameParser parser(clientSide());
  EXPECT_TRUE(parser.feed(kUnmaskedHello.substr(0, 6)).frames.empty());
  EXPECT_FALSE(parser.idle());
  EXPECT_EQ(parser.feed(kUnmaskedHello.substr(6)).frames.size(), 1u);
}

// --- Parsing errors -----------------------------------------------------------------------------

TEST(FrameParsingErrors, AReservedBitIsAProtocolError) {
  for (const int byte0 : {0xC1, 0xA1, 0x91}) {
    const ProtocolError error = parseError(bytes({byte0, 0x00}), clientSide());
    EXPECT_EQ(error.kind, ErrorKind::kReservedBitSet);
    EXPECT_EQ(error.closeCode(), 1002);
  }
}

TEST(FrameParsingErrors, AReservedBitAnExtensionDefinesIsAccepted) {
  ParserOptions options = clientSide();
  options.allowedRsvBits = 0x40;
  EXPECT_TRUE(parseAll(bytes({0xC1, 0x00}), options)[0].rsv1);
  EXPECT_EQ(parseError(bytes({0xE1, 0x00}), options).kind, ErrorKind::kReservedBitSet);
}

TEST(FrameParsingErrors, EveryReservedOpcodeIsAProtocolError) {
  for (const int opcode : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
    const ProtocolError error = parseError(bytes({0x80 | opcode, 0x00}), clientSide());
    EXPECT_EQ(error.kind, ErrorKind::kUnknownOpcode) << opcode;
    EXPECT_EQ(error.closeCode(), 1002);
  }
}

TEST(FrameParsingErrors, AControlFrameWithoutFinIsAProtocolError) {
  for (const int opcode : {0x08, 0x09, 0x0A}) {
    const ProtocolError error = parseError(bytes({opcode, 0x00}), clientSide());
    EXPECT_EQ(error.kind, ErrorKind::kControlFrameFragmented);
    EXPECT_EQ(error.closeCode(), 1002);
  }
}

TEST(FrameParsingErrors, AControlFrameOver125BytesIsAProtocolError) {
  const ProtocolError error = parseError(bytes({0x89, 0x7E, 0x00, 0x7E}), clientSide());
  EXPECT_EQ(error.kind, ErrorKind::kControlFrameTooLong);
  EXPECT_EQ(error.closeCode(), 1002);
  EXPECT_NE(error.message.find("126 bytes"), std::string::npos) << error.message;
}

TEST(FrameParsingErrors, AControlFrameOfExactly125BytesIsAccepted) {
  const std::string ping = encodeFrame(Frame{.opcode = Opcode::kPing, .payload = pattern(125)});
  EXPECT_EQ(parseAll(ping, clientSide()).size(), 1u);
}

TEST(FrameParsingErrors, ALengthNotInItsShortestFormIsAProtocolError) {
  const ProtocolError in16 = parseError(bytes({0x82, 0x7E, 0x00, 0x05}), clientSide());
  EXPECT_EQ(in16.kind, ErrorKind::kNonMinimalLength);
  EXPECT_EQ(in16.closeCode(), 1002);

  const ProtocolError in64 =
      parseError(bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0x01, 0x00}), clientSide());
  EXPECT_EQ(in64.kind, ErrorKind::kNonMinimalLength);
  EXPECT_NE(in64.message.find("length 256"), std::string::npos) << in64.message;
}

TEST(FrameParsingErrors, ANonMinimalLengthIsAcceptedWhenTheOptionAllowsIt) {
  ParserOptions options = clientSide();
  options.requireMinimalLength = false;
  const std::vector<Frame> frames = parseAll(
      bytes({0x82, 0x7E, 0x00, 0x02, 'h', 'i', 0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0x01, '!'}),
      options);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].payload, "hi");
  EXPECT_EQ(frames[1].payload, "!");
}

TEST(FrameParsingErrors, A64BitLengthWithItsTopBitSetIsAProtocolError) {
  const ProtocolError error =
      parseError(bytes({0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}), clientSide());
  EXPECT_EQ(error.kind, ErrorKind::kLengthMsbSet);
  EXPECT_EQ(error.closeCode(), 1002);
}

TEST(FrameParsingErrors, APayloadOverTheLimitFailsWith1009BeforeItArrives) {
  ParserOptions options = clientSide();
  options.maxPayload = 10;
  EXPECT_EQ(parseAll(encodeFrame(Frame{.payload = pattern(10)}), options).size(), 1u);

  FrameParser parser(options);
  const ParseResult result = parser.feed(bytes({0x82, 0x0B}));
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->kind, ErrorKind::kFrameTooBig);
  EXPECT_EQ(result.error->closeCode(), 1009);
}

TEST(FrameParsingErrors, TheDefaultLimitIs32MiB) {
  FrameParser atLimit(clientSide());
  EXPECT_FALSE(atLimit.feed(bytes({0x82, 0x7F, 0, 0, 0, 0, 0x02, 0, 0, 0})).error);
  EXPECT_FALSE(atLimit.idle());

  const ProtocolError over =
      parseError(bytes({0x82, 0x7F, 0, 0, 0, 0, 0x02, 0, 0, 0x01}), clientSide());
  EXPECT_EQ(over.kind, ErrorKind::kFrameTooBig);
}

TEST(FrameParsingErrors, AServerRejectsAnUnmaskedFrame) {
  const ProtocolError error = parseError(kUnmaskedHello, serverSide());
  EXPECT_EQ(error.kind, ErrorKind::kUnmaskedFrame);
  EXPECT_EQ(error.closeCode(), 1002);
}

TEST(FrameParsingErrors, AClientRejectsAMaskedFrame) {
  const ProtocolError error = parseError(kMaskedHello, clientSide());
  EXPECT_EQ(error.kind, ErrorKind::kMaskedFrame);
  EXPECT_EQ(error.closeCode(), 1002);
}

TEST(FrameParsingErrors, AHeaderErrorIsReportedWithoutWaitingForThePayload) {
  FrameParser parser(serverSide());
  const ParseResult result = parser.feed(bytes({0x81, 0x7E}));  // unmasked, length still unknown
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->kind, ErrorKind::kUnmaskedFrame);
}

TEST(FrameParsingErrors, FramesBeforeTheErrorComeWithItAndTheMessageNamesTheOffset) {
  FrameParser parser(clientSide());
  const ParseResult result = parser.feed(kUnmaskedHello + bytes({0x83, 0x00}));
  EXPECT_EQ(result.frames.size(), 1u);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->kind, ErrorKind::kUnknownOpcode);
  EXPECT_EQ(result.error->message,
            "frame at stream offset 7: opcode 0x03 is reserved (RFC 6455 §5.2)");
}

TEST(FrameParsingErrors, AFailedParserKeepsReturningItsErrorAndNoFrames) {
  FrameParser parser(clientSide());
  ASSERT_TRUE(parser.feed(bytes({0x83, 0x00})).error);
  const ParseResult again = parser.feed(kUnmaskedHello);
  EXPECT_TRUE(again.frames.empty());
  ASSERT_TRUE(again.error);
  EXPECT_EQ(again.error->kind, ErrorKind::kUnknownOpcode);
  EXPECT_FALSE(parser.idle());
}

TEST(FrameParsingErrors, EveryErrorKindHasAStableName) {
  EXPECT_EQ(errorKindName(ErrorKind::kReservedBitSet), "reserved-bit-set");
  EXPECT_EQ(errorKindName(ErrorKind::kInvalidUtf8Text), "invalid-utf8-text");
  EXPECT_EQ(opcodeName(static_cast<Opcode>(3)), "reserved-0x03");
  EXPECT_EQ(opcodeName(Opcode::kPong), "pong");
}

// --- Close payload ------------------------------------------------------------------------------

TEST(ClosePayloads, ACodeAndReasonAreWrittenInNetworkOrder) {
  EXPECT_EQ(closePayload(1000, "bye"), bytes({0x03, 0xE8, 'b', 'y', 'e'}));
  EXPECT_EQ(closePayload(4999, ""), bytes({0x13, 0x87}));
}

TEST(ClosePayloads, AnEmptyPayloadHasNoCodeAndIsValid) {
  const ClosePayload close = parseClosePayload("");
  EXPECT_FALSE(close.code);
  EXPECT_FALSE(close.error);
}

TEST(ClosePayloads, ACodeAndReasonAreReadBack) {
  const ClosePayload close = parseClosePayload(closePayload(1001, "going away"));
  EXPECT_EQ(close.code, 1001);
  EXPECT_EQ(close.reason, "going away");
  EXPECT_FALSE(close.error);
}

TEST(ClosePayloads, AOneBytePayloadIsAProtocolError) {
  const ClosePayload close = parseClosePayload(bytes({0x03}));
  ASSERT_TRUE(close.error);
  EXPECT_EQ(close.error->kind, ErrorKind::kCloseOneByte);
  EXPECT_EQ(close.error->closeCode(), 1002);
}

TEST(ClosePayloads, CodesThatMustNotBeSentAreProtocolErrors) {
  for (const uint16_t code :
       {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    const ClosePayload close = parseClosePayload(closePayload(code, ""));
    ASSERT_TRUE(close.error) << code;
    EXPECT_EQ(close.error->kind, ErrorKind::kInvalidCloseCode) << code;
    EXPECT_EQ(close.error->closeCode(), 1002);
  }
}

TEST(ClosePayloads, DefinedRegisteredAndApplicationCodesAreAccepted) {
  for (const uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013,
                              1014, 3000, 3999, 4000, 4999}) {
    EXPECT_FALSE(parseClosePayload(closePayload(code, "ok")).error) << code;
  }
}

TEST(ClosePayloads, AReasonThatIsNotUtf8Is1007) {
  const ClosePayload close = parseClosePayload(closePayload(1000, bytes({0xCE, 0xBA, 0xFF})));
  ASSERT_TRUE(close.error);
  EXPECT_EQ(close.error->kind, ErrorKind::kInvalidCloseReason);
  EXPECT_EQ(close.error->closeCode(), 1007);
}

}  // namespace
}  // namespace doc::ws
