#include "common/websocket/handshake.h"

#include <gtest/gtest.h>

namespace doc::ws {
namespace {

TEST(Handshake, TheAcceptKeyOfTheRfcExampleMatches) {
  EXPECT_EQ(acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(Handshake, TheClientKeyIsTheBase64OfTheNonce) {
  // RFC 6455 §1.3's key is the base64 of the 16 bytes "the sample nonce".
  const std::string nonce = "the sample nonce";
  std::array<uint8_t, 16> raw{};
  std::copy(nonce.begin(), nonce.end(), raw.begin());
  EXPECT_EQ(clientKey(raw), "dGhlIHNhbXBsZSBub25jZQ==");
}

}  // namespace
}  // namespace doc::ws
