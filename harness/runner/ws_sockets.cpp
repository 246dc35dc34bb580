#include "harness/runner/ws_sockets.h"

#include "common/websocket/utf8.h"
#include "harness/target/target_client.h"
#include "harness/ws/ws_observation.h"

namespace doc::harness {

std::vector<ws::OutFrame> outFrames(const Json& wire) {
  std::vector<ws::OutFrame> frames;
  for (const Json& spec : wire) {
    ws::OutFrame frame;
    frame.opcode = ws::Opcode(spec.at("opcode").get<int>());
    frame.fin = spec.at("fin").get<bool>();
    frame.rsv1 = spec.at("rsv1").get<bool>();
    frame.rsv2 = spec.at("rsv2").get<bool>();
    frame.rsv3 = spec.at("rsv3").get<bool>();
    frame.masked = spec.at("masked").get<bool>();
    if (spec.contains("text")) {
      frame.payload.bytes = spec["text"].get<std::string>();
    } else if (spec.contains("base64")) {
      frame.payload.bytes = ws::base64Decode(spec["base64"].get<std::string>()).value_or("");
    } else if (spec.contains("size")) {
      frame.payload.generated = spec.value("generated", "binary") == "text"
                                    ? ws::GeneratedKind::kText
                                    : ws::GeneratedKind::kBinary;
      frame.payload.generatedSize = spec["size"].get<uint64_t>();
    } else if (spec.contains("close")) {
      frame.payload.bytes = doc::ws::closePayload(spec["close"].at("code").get<uint16_t>(),
                                                  spec["close"].value("reason", ""));
    }
    frames.push_back(std::move(frame));
  }
  return frames;
}

Json ScenarioSockets::connect(const std::string& name, const std::string& url,
                              const std::map<std::string, std::string>& headers,
                              std::chrono::milliseconds timeout) {
  auto client = std::make_unique<ws::WsClient>();
  ws::Handshake handshake;
  try {
    handshake = client->connect(url, headers, timeout);
  } catch (const std::runtime_error& error) {
    throw TargetError(std::string("cannot open a WebSocket: ") + error.what());
  }
  if (handshake.status == 0) {
    throw TargetError("GET " + url + " (WebSocket upgrade) failed: " + handshake.problem);
  }
  if (!handshake.problem.empty()) {
    throw TargetError("GET " + url + " answered " + std::to_string(handshake.status) +
                      " but broke the WebSocket handshake: " + handshake.problem);
  }

  Json observation = {{"status", handshake.status},
                      {"upgraded", handshake.upgraded},
                      {"headers", handshake.headers}};
  if (!handshake.upgraded) {
    // JSON strings hold only UTF-8: a body of other bytes is shown in base64.
    if (doc::ws::isValidUtf8(handshake.body)) {
      observation["body"] = handshake.body;
    } else {
      observation["bodyBase64"] = ws::base64Encode(handshake.body);
    }
    Json parsed = Json::parse(handshake.body, nullptr, false);
    if (!parsed.is_discarded()) {
      observation["json"] = std::move(parsed);
    }
    client.reset();
  }
  sockets_[name] = Socket{url, handshake.status, std::move(client)};
  return observation;
}

ws::WsClient& ScenarioSockets::client(const std::string& name) {
  const auto found = sockets_.find(name);
  if (found == sockets_.end()) {
    throw TargetError("socket \"" + name + "\" was never connected");
  }
  if (!found->second.client) {
    throw TargetError("socket \"" + name + "\" is not open: its upgrade was answered " +
                      std::to_string(found->second.status));
  }
  return *found->second.client;
}

Json ScenarioSockets::send(const std::string& name, const Json& wire,
                           std::chrono::milliseconds timeout) {
  ws::WsClient& socket = client(name);
  const ws::SendOutcome outcome = socket.send(outFrames(wire), timeout);
  return ws::sentJson(outcome, socket.snapshot(), clockScale_);
}

Json ScenarioSockets::drop(const std::string& name, const std::string& how) {
  client(name).drop(how == "reset" ? ws::DropHow::kReset : ws::DropHow::kFin);
  return {{"dropped", how}};
}

Json ScenarioSockets::closeAll() {
  Json accounts = Json::object();
  for (auto& [name, socket] : sockets_) {
    if (!socket.client) {
      continue;
    }
    socket.client->drop(ws::DropHow::kFin);
    Json account = {{"url", socket.url}};
    account.update(ws::wireJson(socket.client->snapshot(), clockScale_));
    accounts[name] = std::move(account);
  }
  return accounts;
}

}  // namespace doc::harness
