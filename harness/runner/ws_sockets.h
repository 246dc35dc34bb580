// The WebSocket connections of one running scenario result, by the names the scenario gives
// them. They live as long as the result: when it ends every one still open is dropped (FIN), and
// the frame-by-frame account of each goes into the result's trace.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/ws/ws_client.h"

namespace doc::harness {

using Json = nlohmann::json;

// The frames a wsSend step writes, from the list the scenario loader normalised (args["wire"]).
std::vector<ws::OutFrame> outFrames(const Json& wire);

class ScenarioSockets {
 public:
  explicit ScenarioSockets(double clockScale) : clockScale_(clockScale) {}

  // Opens socket `name` with the upgrade to `url`; the observation: {status: 101, upgraded:
  // true, headers} or, when the target did not upgrade, {status, headers, body, json, upgraded:
  // false}. Throws TargetError when no answer came or a 101 broke the handshake.
  Json connect(const std::string& name, const std::string& url,
               const std::map<std::string, std::string>& headers,
               std::chrono::milliseconds timeout);

  // Writes the frames; the observation {sent, wire, error?} (harness/ws/ws_observation.h).
  Json send(const std::string& name, const Json& wire, std::chrono::milliseconds timeout);

  // Ends the connection without a Close frame; the observation {dropped: "fin" | "reset"}.
  Json drop(const std::string& name, const std::string& how);

  // The client of an upgraded socket; throws TargetError naming why there is none.
  ws::WsClient& client(const std::string& name);

  double clockScale() const { return clockScale_; }
  bool empty() const { return sockets_.empty(); }

  // Drops every socket still open, then {name: {url, wire, ended, endedBy, ...}} for each one
  // that was upgraded: both close paths, frame by frame.
  Json closeAll();

 private:
  struct Socket {
    std::string url;
    int status = 0;
    std::unique_ptr<ws::WsClient> client;  // Null when the target did not upgrade.
  };

  double clockScale_;
  std::map<std::string, Socket> sockets_;
};

}  // namespace doc::harness
