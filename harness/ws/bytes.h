// Byte helpers for the WebSocket client and its steps: base64 both ways, SHA-256 in one go or
// streamed, and the deterministic payloads the harness generates for large messages.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace doc::harness::ws {

std::string base64Encode(std::string_view bytes);
// The bytes of standard base64 (with padding); nothing when `text` is not that.
std::optional<std::string> base64Decode(std::string_view text);

// SHA-256 over bytes fed in pieces, as lower-case hex: a 32 MiB message is hashed as it is
// written or read, never held twice.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // The digest of everything fed; the hasher starts over afterwards.
  std::string hexDigest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

std::string sha256Hex(std::string_view bytes);

// What a generated payload is made of. Each byte depends only on its offset, so a payload can be
// produced in chunks of any size and a scenario gets the same bytes (and SHA-256) on every run.
enum class GeneratedKind : uint8_t {
  kText,    // printable ASCII, so any cut of it is valid UTF-8
  kBinary,  // every byte value occurs
};

// Bytes [offset, offset + size) of the generated payload of that kind, appended to `out`.
void appendGenerated(GeneratedKind kind, uint64_t offset, size_t size, std::string& out);

}  // namespace doc::harness::ws
