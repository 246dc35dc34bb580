#include "common/websocket/handshake.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace doc::ws {
namespace {

// The GUID every server appends to the client's key (RFC 6455 §1.3).
constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string base64(const unsigned char* data, size_t size) {
  // EVP_EncodeBlock writes 4 characters per 3 bytes (rounded up) and a terminating NUL.
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<size_t>(written));
  return out;
}

}  // namespace

std::string acceptKey(std::string_view secWebSocketKey) {
  std::string input(secWebSocketKey);
  input += kAcceptGuid;

  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digestSize = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &digestSize, EVP_sha1(), nullptr) != 1) {
    // Only an OpenSSL built without SHA-1 gets here: the program cannot speak WebSocket at all.
    throw std::runtime_error("websocket: OpenSSL could not compute SHA-1 for Sec-WebSocket-Accept");
  }
  return base64(digest, digestSize);
}

std::string clientKey(const std::array<uint8_t, 16>& nonce) {
  return base64(nonce.data(), nonce.size());
}

}  // namespace doc::ws
