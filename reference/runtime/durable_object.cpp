#include "reference/runtime/durable_object.h"

#include <algorithm>

#include "reference/runtime/hibernation_manager.h"
#include "reference/runtime/object_store.h"

namespace doc::ref {

std::optional<Json> DurableObjectStorage::get(const std::string& key) {
  const auto text = store_.get(objectKey_, key);
  if (!text) {
    return std::nullopt;
  }
  return Json::parse(*text);
}

void DurableObjectStorage::put(const std::string& key, const Json& value) {
  store_.put(objectKey_, key, value.dump());
}

bool DurableObjectStorage::deleteKey(const std::string& key) {
  return store_.remove(objectKey_, key);
}

void DurableObjectStorage::deleteAll() {
  store_.removeAll(objectKey_);
  // Before delete_all_deletes_alarm (2026-02-24) the alarm outlived deleteAll().
  if (services_.deleteAllDeletesAlarm()) {
    services_.deleteAlarm();
  }
}

std::optional<double> DurableObjectStorage::getAlarm() {
  return services_.getAlarm();
}

void DurableObjectStorage::setAlarm(double scheduledTime) {
  // Both messages are workerd's (api/actor-state.c++, io/worker.c++), so callers match either.
  if (!(scheduledTime > 0)) {
    throw JsError("TypeError", "setAlarm() cannot be called with an alarm time <= 0");
  }
  if (!services_.classHasAlarmHandler()) {
    throw JsError("TypeError",
                  "Your Durable Object class must have an alarm() handler in order to call "
                  "setAlarm()");
  }
  services_.setAlarm(std::max(scheduledTime, services_.nowMs()));
}

void DurableObjectStorage::deleteAlarm() {
  services_.deleteAlarm();
}

std::vector<std::pair<std::string, Json>> DurableObjectStorage::list(const ListOptions& options) {
  if (options.limit && *options.limit <= 0) {
    throw JsError("TypeError", "List limit must be positive.");
  }
  std::vector<std::pair<std::string, Json>> entries;
  for (auto& [key, value] : store_.list(objectKey_, {options.start, options.end, options.prefix,
                                                     options.limit, options.reverse})) {
    entries.emplace_back(std::move(key), Json::parse(value));
  }
  return entries;
}

void DurableObjectState::acceptWebSocket(const std::shared_ptr<WebSocket>& ws,
                                         const std::vector<std::string>& tags) {
  webSockets_.acceptWebSocket(ws, tags);
}

std::vector<std::shared_ptr<WebSocket>> DurableObjectState::getWebSockets(
    const std::optional<std::string>& tag) {
  return webSockets_.getWebSockets(tag);
}

std::vector<std::string> DurableObjectState::getTags(const WebSocket& ws) {
  return webSockets_.getTags(ws);
}

void DurableObjectState::setWebSocketAutoResponse(
    const std::optional<WebSocketRequestResponsePair>& pair) {
  webSockets_.setAutoResponse(pair);
}

std::optional<WebSocketRequestResponsePair> DurableObjectState::getWebSocketAutoResponse() {
  return webSockets_.autoResponse();
}

std::optional<double> DurableObjectState::getWebSocketAutoResponseTimestamp(const WebSocket& ws) {
  return webSockets_.autoResponseTimestamp(ws);
}

void DurableObjectState::setHibernatableWebSocketEventTimeout(std::optional<double> timeoutMs) {
  webSockets_.setEventTimeout(timeoutMs);
}

std::optional<double> DurableObjectState::getHibernatableWebSocketEventTimeout() {
  return webSockets_.eventTimeout();
}

Task<HttpResponse> DurableObject::fetch(HttpRequest) {
  // The text workerd gives a caller of an object whose class has no fetch().
  throw JsError("Error", "Handler does not export a fetch() function.");
  co_return HttpResponse{};
}

Task<void> DurableObject::alarm(AlarmInvocationInfo) {
  throw JsError("Error", "Handler does not export an alarm() function.");
  co_return;
}

Task<void> DurableObject::webSocketMessage(WebSocket&, WebSocketMessage) {
  co_return;
}

Task<void> DurableObject::webSocketClose(WebSocket&, int, std::string, bool) {
  co_return;
}

Task<void> DurableObject::webSocketError(WebSocket&, JsError) {
  co_return;
}

const std::map<std::string, DurableObject::RpcMethod>& DurableObject::rpcMethods() const {
  static const std::map<std::string, RpcMethod> none;
  return none;
}

}  // namespace doc::ref
