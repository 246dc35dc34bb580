// Talking to a target over HTTP: the probe protocol's requests, with the negotiated version on
// every one, bounded by a timeout, and failures reported as TargetError naming the URL.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace httplib {
class Client;
}

namespace doc::harness {

using Json = nlohmann::json;

// The target could not be reached or answered something that is not the protocol.
class TargetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct HttpExchange {
  std::string method;
  std::string url;
  std::map<std::string, std::string> requestHeaders;
  std::string requestBody;
  int status = 0;
  std::map<std::string, std::string> responseHeaders;  // Names lower-case.
  std::string responseBody;
  double durationMs = 0;
};

// The probe protocol versions this harness speaks.
inline const std::vector<int> kHarnessProtocolVersions = {1};

// One client per thread of work: it keeps connections alive per origin and is not shared.
class TargetClient {
 public:
  explicit TargetClient(int protocolVersion = 1);
  ~TargetClient();
  TargetClient(const TargetClient&) = delete;
  TargetClient& operator=(const TargetClient&) = delete;

  // `url` is absolute. Throws TargetError when no HTTP answer came within `timeout`.
  HttpExchange send(const std::string& method, const std::string& url,
                    std::map<std::string, std::string> headers, const std::string& body,
                    std::chrono::milliseconds timeout);

  // GET <root>/info, parsed. Throws TargetError when the answer is not a JSON object.
  Json info(const std::string& rootUrl, std::chrono::milliseconds timeout);

 private:
  httplib::Client& clientFor(const std::string& origin, std::chrono::milliseconds timeout);

  int protocolVersion_;
  std::map<std::string, std::unique_ptr<httplib::Client>> clients_;
};

// Picks the highest version both sides speak; throws TargetError naming both lists when none.
int negotiateProtocolVersion(const Json& info);

// Percent-encodes one path segment, so an object name may hold '/' and spaces.
std::string encodePathSegment(const std::string& segment);

}  // namespace doc::harness
