// Byte strings for the codec's tests, written the way RFC 6455 prints them: a list of octets.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

namespace doc::ws::testing {

inline std::string bytes(std::initializer_list<int> octets) {
  std::string out;
  for (const int octet : octets) {
    out.push_back(static_cast<char>(static_cast<uint8_t>(octet)));
  }
  return out;
}

}  // namespace doc::ws::testing
