// The opening handshake's key arithmetic (RFC 6455 §4.1, §4.2.2). The HTTP exchange itself is
// left to the caller, which may want to send a malformed one.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace doc::ws {

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + the RFC's GUID)). The key is
// used as given (not trimmed or decoded), as §4.2.2 says.
std::string acceptKey(std::string_view secWebSocketKey);

// Sec-WebSocket-Key for a 16-byte nonce: its base64 form. The caller supplies the nonce, so tests
// and replays can fix it; a live client draws it from a random source (§4.1).
std::string clientKey(const std::array<uint8_t, 16>& nonce);

}  // namespace doc::ws
