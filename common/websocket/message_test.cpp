#include "common/websocket/message.h"

#include <gtest/gtest.h>

#include "common/websocket/test_bytes.h"

namespace doc::ws {
namespace {

using testing::bytes;

Frame text(std::string payload, bool fin = true) {
  return Frame{.fin = fin, .opcode = Opcode::kText, .payload = std::move(payload)};
}
Frame binary(std::string payload, bool fin = true) {
  return Frame{.fin = fin, .opcode = Opcode::kBinary, .payload = std::move(payload)};
}
Frame continuation(std::string payload, bool fin = true) {
  return Frame{.fin = fin, .opcode = Opcode::kContinuation, .payload = std::move(payload)};
}
Frame control(Opcode opcode, std::string payload = "") {
  return Frame{.opcode = opcode, .payload = std::move(payload)};
}

// Adds a frame that must neither complete a message nor fail.
void addPartial(MessageAssembler& assembler, Frame frame) {
  const AssembleResult result = assembler.add(std::move(frame));
  EXPECT_FALSE(result.message);
  EXPECT_FALSE(result.error) << result.error->message;
}

Message addComplete(MessageAssembler& assembler, Frame frame) {
  AssembleResult result = assembler.add(std::move(frame));
  EXPECT_FALSE(result.error) << result.error->message;
  EXPECT_TRUE(result.message);
  return result.message.value_or(Message{});
}

ProtocolError addFailing(MessageAssembler& assembler, Frame frame) {
  AssembleResult result = assembler.add(std::move(frame));
  EXPECT_FALSE(result.message);
  EXPECT_TRUE(result.error);
  return result.error.value_or(ProtocolError{});
}

TEST(MessageAssembly, ASingleFinalFrameIsAWholeMessage) {
  MessageAssembler assembler;
  const Message message = addComplete(assembler, text("Hello"));
  EXPECT_EQ(message.kind, MessageKind::kText);
  EXPECT_EQ(message.data, "Hello");
  EXPECT_EQ(message.frameCount, 1u);
  EXPECT_EQ(addComplete(assembler, binary(bytes({0xFF, 0x00}))).kind, MessageKind::kBinary);
}

TEST(MessageAssembly, FragmentsAreJoinedIntoOneMessage) {
  MessageAssembler assembler;
  addPartial(assembler, text("Hel", false));
  EXPECT_TRUE(assembler.inMessage());
  const Message message = addComplete(assembler, continuation("lo"));
  EXPECT_EQ(message.data, "Hello");
  EXPECT_EQ(message.frameCount, 2u);
  EXPECT_FALSE(assembler.inMessage());
}

TEST(MessageAssembly, EmptyFragmentsAndEmptyMessagesAreAllowed) {
  MessageAssembler assembler;
  EXPECT_EQ(addComplete(assembler, text("")).data, "");
  addPartial(assembler, binary("", false));
  addPartial(assembler, continuation("", false));
  EXPECT_EQ(addComplete(assembler, continuation("")).frameCount, 3u);
}

TEST(MessageAssembly, ControlFramesBetweenFragmentsPassThrough) {
  MessageAssembler assembler;
  addPartial(assembler, text("Hel", false));
  const Message ping = addComplete(assembler, control(Opcode::kPing, "p"));
  EXPECT_EQ(ping.kind, MessageKind::kPing);
  EXPECT_EQ(ping.data, "p");
  EXPECT_EQ(addComplete(assembler, control(Opcode::kPong)).kind, MessageKind::kPong);
  EXPECT_TRUE(assembler.inMessage());
  EXPECT_EQ(addComplete(assembler, continuation("lo")).data, "Hello");
}

TEST(MessageAssembly, ACloseFrameComesWithItsCodeAndReason) {
  MessageAssembler assembler;
  const Message close = addComplete(assembler, control(Opcode::kClose, closePayload(1000, "bye")));
  EXPECT_EQ(close.kind, MessageKind::kClose);
  EXPECT_EQ(close.closeCode, 1000);
  EXPECT_EQ(close.closeReason, "bye");
  EXPECT_FALSE(addComplete(assembler, control(Opcode::kClose)).closeCode);
}

TEST(MessageAssembly, AnInvalidClosePayloadIsAnError) {
  MessageAssembler oneByte;
  EXPECT_EQ(addFailing(oneByte, control(Opcode::kClose, "x")).kind, ErrorKind::kCloseOneByte);
  MessageAssembler badCode;
  EXPECT_EQ(addFailing(badCode, control(Opcode::kClose, closePayload(1005, ""))).closeCode(), 1002);
  MessageAssembler badReason;
  EXPECT_EQ(addFailing(badReason, control(Opcode::kClose, closePayload(1000, "\xff"))).closeCode(),
            1007);
}

TEST(MessageAssemblyErrors, AContinuationWithNoMessageOpenIsAProtocolError) {
  MessageAssembler assembler;
  const ProtocolError error = addFailing(assembler, continuation("lo"));
  EXPECT_EQ(error.kind, ErrorKind::kUnexpectedContinuation);
  EXPECT_EQ(error.closeCode(), 1002);
}

TEST(MessageAssemblyErrors, ANewDataFrameDuringAFragmentedMessageIsAProtocolError) {
  MessageAssembler assembler;
  addPartial(assembler, text("Hel", false));
  const ProtocolError error = addFailing(assembler, binary("x"));
  EXPECT_EQ(error.kind, ErrorKind::kExpectedContinuation);
  EXPECT_EQ(error.closeCode(), 1002);
}

TEST(MessageAssemblyErrors, AMessageOverTheLimitIs1009EvenWhenEachFragmentFits) {
  MessageAssembler assembler(AssemblerOptions{.maxMessageSize = 5});
  addPartial(assembler, binary("abc", false));
  addPartial(assembler, continuation("de", false));
  const ProtocolError error = addFailing(assembler, continuation("f"));
  EXPECT_EQ(error.kind, ErrorKind::kMessageTooBig);
  EXPECT_EQ(error.closeCode(), 1009);

  MessageAssembler single(AssemblerOptions{.maxMessageSize = 5});
  EXPECT_EQ(addComplete(single, text("12345")).data, "12345");
  EXPECT_EQ(addFailing(single, text("123456")).kind, ErrorKind::kMessageTooBig);
}

TEST(MessageAssemblyErrors, InvalidUtf8TextIs1007AtTheFirstBadFragment) {
  MessageAssembler assembler;
  addPartial(assembler, text("\xce\xba", false));
  const ProtocolError error = addFailing(assembler, continuation("\xed\xa0\x80", false));
  EXPECT_EQ(error.kind, ErrorKind::kInvalidUtf8Text);
  EXPECT_EQ(error.closeCode(), 1007);
}

TEST(MessageAssemblyErrors, TextEndingInsideACharacterIs1007) {
  MessageAssembler assembler;
  addPartial(assembler, text("a\xce", false));
  EXPECT_EQ(addFailing(assembler, continuation("")).closeCode(), 1007);
}

TEST(MessageAssembly, ACharacterSplitAcrossFragmentsIsValidText) {
  MessageAssembler assembler;
  addPartial(assembler, text("\xce", false));
  EXPECT_EQ(addComplete(assembler, continuation("\xba")).data, "\xce\xba");
}

TEST(MessageAssembly, BinaryMessagesAreNotCheckedAsUtf8) {
  MessageAssembler assembler;
  EXPECT_EQ(addComplete(assembler, binary("\xff\xfe")).data, "\xff\xfe");
}

TEST(MessageAssemblyErrors, AFailedAssemblerKeepsReturningItsError) {
  MessageAssembler assembler;
  addFailing(assembler, continuation("x"));
  EXPECT_EQ(addFailing(assembler, text("fine")).kind, ErrorKind::kUnexpectedContinuation);
}

TEST(MessageAssemblyErrors, AFrameWithAReservedOpcodeIsAProtocolError) {
  MessageAssembler assembler;
  EXPECT_EQ(addFailing(assembler, control(static_cast<Opcode>(0x0B))).kind,
            ErrorKind::kUnknownOpcode);
}

}  // namespace
}  // namespace doc::ws
