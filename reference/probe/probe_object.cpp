#include "reference/probe/probe_object.h"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>
#include <boost/url/parse.hpp>
#include <iomanip>
#include <limits>
#include <regex>
#include <sstream>

#include "reference/runtime/object_host.h"

namespace doc::ref {

namespace {

HttpResponse textResponse(int status, std::string body) {
  return HttpResponse{status, {{"content-type", "text/plain;charset=UTF-8"}}, std::move(body)};
}

HttpResponse jsonResponse(const Json& body) {
  return HttpResponse{200, {{"content-type", "application/json"}}, body.dump()};
}

// The errors /throw can make: the names JavaScript code would throw.
JsError errorNamed(const std::string& name, const std::string& message) {
  static const std::set<std::string> known = {"Error", "TypeError", "RangeError"};
  return JsError(known.contains(name) ? name : "Error", message);
}

std::optional<std::string> optionalString(const Json& object, const char* key) {
  if (!object.contains(key) || object[key].is_null()) {
    return std::nullopt;
  }
  return object[key].get<std::string>();
}

Json describeEnv(const Env& env) {
  Json bindings = Json::object();
  for (const auto& [name, binding] : env.bindings) {
    if (std::holds_alternative<std::string>(binding)) {
      bindings[name] = {{"type", "string"}, {"value", std::get<std::string>(binding)}};
    } else {
      bindings[name] = {{"type", "namespace"}};
    }
  }
  return bindings;
}

// Messages longer than this are logged by size and hash only, so the log stays small.
constexpr size_t kMaxLoggedMessageBytes = 4096;

std::string base64Encode(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

std::string base64Decode(const std::string& text) {
  if (text.size() % 4 != 0) {
    throw JsError("TypeError", "not base64: " + text);
  }
  std::string out(3 * (text.size() / 4) + 1, '\0');
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(text.data()),
                                      static_cast<int>(text.size()));
  if (written < 0) {
    throw JsError("TypeError", "not base64: " + text);
  }
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t size = static_cast<size_t>(written);
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) {
    --size;
  }
  out.resize(size);
  return out;
}

std::string sha256Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  std::ostringstream hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex << std::hex << std::setw(2) << std::setfill('0') << int(digest[i]);
  }
  return hex.str();
}

// A message as the log shows it (specs/probe-protocol.md, "WebSockets").
Json typedMessage(const WebSocketMessage& message, bool binaryAsBlob) {
  const bool small = message.data.size() <= kMaxLoggedMessageBytes;
  Json typed;
  if (message.isText) {
    typed["type"] = "string";
    if (small) {
      typed["value"] = message.data;
    }
  } else {
    typed["type"] = binaryAsBlob ? "blob" : "arraybuffer";
    if (small) {
      typed["base64"] = base64Encode(message.data);
    }
  }
  typed["length"] = message.data.size();
  if (!small) {
    typed["sha256"] = sha256Hex(message.data);
  }
  return typed;
}

Json typedError(const JsError& error) {
  return {{"type", "error"},
          {"name", error.name()},
          {"message", error.message()},
          {"remote", error.remote()}};
}

// A typed message the harness sends: a string or an arraybuffer.
WebSocketMessage messageFromTyped(const Json& typed) {
  const std::string type = typed.at("type").get<std::string>();
  if (type == "string") {
    return WebSocketMessage{true, typed.at("value").get<std::string>()};
  }
  if (type == "arraybuffer") {
    return WebSocketMessage{false, base64Decode(typed.at("base64").get<std::string>())};
  }
  throw JsError("TypeError", "a message to send must be typed string or arraybuffer, not " + type);
}

// A behaviour section ("webSocketMessage", ...) as an object, whatever the document holds.
Json section(const Json& behaviour, const char* name) {
  const auto found = behaviour.find(name);
  return found != behaviour.end() && found->is_object() ? *found : Json::object();
}

HttpResponse jsonStatus(int status, const Json& body) {
  return HttpResponse{status, {{"content-type", "application/json"}}, body.dump()};
}

}  // namespace

MinimalProbeObject::MinimalProbeObject(DurableObjectState& ctx, Env& env, ProbeContext probe)
    : DurableObject(ctx, env), probe_(std::move(probe)) {
  record({{"event", "constructor"}});
}

void MinimalProbeObject::record(nlohmann::json event) {
  probe_.journal.append(probe_.journalKey, probe_.clock.nowMs(), std::move(event));
}

Task<HttpResponse> MinimalProbeObject::fetch(HttpRequest request) {
  const auto url = boost::urls::parse_absolute_uri(request.url);
  if (!url) {
    throw JsError("TypeError", "Invalid URL: " + request.url);
  }
  const std::string path = url->path();
  std::string pathAndQuery = path;
  if (url->has_query()) {
    pathAndQuery += "?" + std::string(url->encoded_query());
  }

  if (path == "/__probe/action") {
    const Json action = Json::parse(request.body, nullptr, false);
    const std::string op = action.is_object() ? action.value("op", std::string()) : "";
    record({{"event", "fetch"}, {"method", request.method}, {"path", pathAndQuery}, {"op", op}});
    try {
      co_return jsonResponse({{"ok", true}, {"result", performAction(action)}});
    } catch (const JsError& error) {
      co_return jsonResponse({{"ok", false}, {"error", error.toJson()}});
    } catch (const Json::exception& error) {
      // An argument of the wrong type: what JavaScript code would meet as a TypeError.
      const JsError typeError(
          "TypeError", "bad arguments for action \"" + op + "\": " + std::string(error.what()));
      co_return jsonResponse({{"ok", false}, {"error", typeError.toJson()}});
    }
  }

  record({{"event", "fetch"}, {"method", request.method}, {"path", pathAndQuery}});
  if (path == "/__probe/ws") {
    co_return openWebSocket(request);
  }
  if (probe_.journal.consumeCount(probe_.journalKey, Json::json_pointer("/fetch/throwCount"))) {
    throw JsError("Error", "probe: configured fetch failure");
  }

  if (path == "/hello") {
    co_return textResponse(200, "Hello, World!");
  }
  if (path == "/echo") {
    co_return jsonResponse({{"method", request.method},
                            {"url", request.url},
                            {"headers", request.headers},
                            {"body", request.body}});
  }
  if (path.starts_with("/status/")) {
    const int status = std::atoi(path.substr(8).c_str());
    if (status >= 200 && status <= 599) {
      co_return textResponse(status, "status " + std::to_string(status));
    }
  }
  if (path == "/throw") {
    const auto params = url->params();
    const auto name = params.find("name");
    const auto message = params.find("message");
    throw errorNamed(name != params.end() ? std::string((*name).value) : "Error",
                     message != params.end() ? std::string((*message).value) : "probe: thrown");
  }
  co_return textResponse(404, "Not found");
}

Json MinimalProbeObject::performAction(const Json& action) {
  if (!action.is_object() || !action.contains("op") || !action["op"].is_string()) {
    throw JsError("TypeError", "an action needs a string \"op\"");
  }
  const std::string op = action["op"];
  auto& storage = ctx.storage();
  if (op.starts_with("ws.") || op.starts_with("memory.")) {
    return performWebSocketAction(op, action);
  }

  if (op == "now") {
    return ctx.now();
  }
  if (op == "alarm.set") {
    const double time = action.contains("delayMs") ? ctx.now() + action["delayMs"].get<double>()
                                                   : action.value("scheduledTime", 0.0);
    storage.setAlarm(time);
    return {{"alarm", storage.getAlarm() ? Json(*storage.getAlarm()) : Json()}};
  }
  if (op == "alarm.get") {
    const auto alarm = storage.getAlarm();
    return alarm ? Json(*alarm) : Json();
  }
  if (op == "alarm.delete") {
    storage.deleteAlarm();
    return nullptr;
  }
  if (op == "id") {
    return {{"id", ctx.id().toString()}, {"name", ctx.id().name()}};
  }
  if (op == "env") {
    return describeEnv(env);
  }
  if (op == "storage.put") {
    storage.put(action.at("key").get<std::string>(), action.value("value", Json()));
    return nullptr;
  }
  if (op == "storage.get") {
    const auto value = storage.get(action.at("key").get<std::string>());
    return {{"found", value.has_value()}, {"value", value.value_or(nullptr)}};
  }
  if (op == "storage.delete") {
    return storage.deleteKey(action.at("key").get<std::string>());
  }
  if (op == "storage.deleteAll") {
    storage.deleteAll();
    return nullptr;
  }
  if (op == "storage.list") {
    DurableObjectStorage::ListOptions options;
    options.start = optionalString(action, "start");
    options.end = optionalString(action, "end");
    options.prefix = optionalString(action, "prefix");
    if (action.contains("limit")) {
      // JavaScript numbers: a fraction or a huge value must not wrap around an int.
      const double limit = action["limit"].get<double>();
      if (!(limit >= 1)) {
        throw JsError("TypeError", "List limit must be positive.");
      }
      options.limit = int(std::min(limit, double(std::numeric_limits<int>::max())));
    }
    options.reverse = action.value("reverse", false);
    Json entries = Json::array();
    for (auto& [key, value] : storage.list(options)) {
      entries.push_back({key, value});
    }
    return entries;
  }
  throw JsError("TypeError", "unknown probe action \"" + op + "\"");
}

Task<void> ProbeObject::alarm(AlarmInvocationInfo alarmInfo) {
  auto& storage = ctx.storage();
  const auto alarmNow = storage.getAlarm();
  record({{"event", "alarm"},
          {"alarmInfo",
           {{"retryCount", alarmInfo.retryCount},
            {"isRetry", alarmInfo.isRetry},
            {"scheduledTime", alarmInfo.scheduledTime}}},
          {"getAlarm", alarmNow ? Json(*alarmNow) : Json()}});

  // The order of specs/probe-protocol.md, "behaviour": counts, write, reschedule, hang, throw.
  const std::string& key = probe_.journalKey;
  const bool shouldThrow =
      probe_.journal.consumeCount(key, Json::json_pointer("/alarm/throwCount"));
  const bool shouldReschedule =
      probe_.journal.consumeCount(key, Json::json_pointer("/alarm/rescheduleCount"));
  const Json behaviour = probe_.journal.behaviour(key).value("alarm", Json::object());

  if (behaviour.contains("writeKey")) {
    const std::string writeKey = behaviour["writeKey"].get<std::string>();
    storage.put(writeKey, storage.get(writeKey).value_or(0).get<long long>() + 1);
  }
  if (shouldReschedule) {
    storage.setAlarm(ctx.now() + behaviour.value("rescheduleDelayMs", 0.0));
  }
  if (behaviour.value("hangMs", 0.0) > 0) {
    co_await ctx.sleep(behaviour["hangMs"].get<double>());
  }
  if (shouldThrow) {
    throw JsError("Error", "probe: configured alarm failure");
  }
}

const std::map<std::string, DurableObject::RpcMethod>& ProbeObject::rpcMethods() const {
  static const std::map<std::string, RpcMethod> methods = {
      {"hello",
       [](DurableObject& self, const Json& args) -> Task<Json> {
         auto& probe = static_cast<ProbeObject&>(self);
         probe.record({{"event", "rpc"}, {"method", "hello"}, {"args", args}});
         co_return "Hello, " + args.at(0).get<std::string>() + "!";
       }},
      {"add",
       [](DurableObject& self, const Json& args) -> Task<Json> {
         auto& probe = static_cast<ProbeObject&>(self);
         probe.record({{"event", "rpc"}, {"method", "add"}, {"args", args}});
         co_return args.at(0).get<double>() + args.at(1).get<double>();
       }},
      {"fail",
       [](DurableObject& self, const Json& args) -> Task<Json> {
         auto& probe = static_cast<ProbeObject&>(self);
         probe.record({{"event", "rpc"}, {"method", "fail"}, {"args", args}});
         throw JsError("Error", args.empty() ? "" : args.at(0).get<std::string>());
         co_return nullptr;
       }},
      {"increment",
       [](DurableObject& self, const Json& args) -> Task<Json> {
         auto& probe = static_cast<ProbeObject&>(self);
         probe.record({{"event", "rpc"}, {"method", "increment"}, {"args", args}});
         auto& storage = probe.ctx.storage();
         // A JavaScript number: double arithmetic, as `counter + 1` would do.
         const double next = storage.get("rpc-counter").value_or(0).get<double>() + 1;
         storage.put("rpc-counter", next);
         co_return next;
       }},
  };
  return methods;
}

HttpResponse MinimalProbeObject::openWebSocket(const HttpRequest&) {
  return textResponse(404, "Not found");
}

Json MinimalProbeObject::socketId(const WebSocket& ws) const {
  if (ws.mode() == WebSocket::Mode::kAccepted) {
    for (const auto& [id, socket] : acceptSockets_) {
      if (socket.get() == &ws) {
        return id;
      }
    }
    return nullptr;
  }
  return ws.tags().empty() ? Json() : Json(ws.tags().front());
}

std::shared_ptr<WebSocket> MinimalProbeObject::findSocket(const std::string& id) {
  if (const auto found = acceptSockets_.find(id); found != acceptSockets_.end()) {
    return found->second;
  }
  // The id is the first tag; another socket may carry it as a later tag.
  for (const auto& ws : ctx.getWebSockets(id)) {
    if (!ws->tags().empty() && ws->tags().front() == id) {
      return ws;
    }
  }
  return nullptr;
}

Json MinimalProbeObject::performWebSocketAction(const std::string& op, const Json& action) {
  if (op == "memory.set") {
    memory_ = action.value("value", Json());
    return nullptr;
  }
  if (op == "memory.get") {
    return memory_;
  }
  if (op == "ws.getWebSockets") {
    const auto tag = optionalString(action, "tag");
    Json ids = Json::array();
    for (const auto& ws : ctx.getWebSockets(tag)) {
      ids.push_back(socketId(*ws));
    }
    return ids;
  }
  if (op == "ws.call") {
    const std::string id = action.at("socket").get<std::string>();
    const auto ws = findSocket(id);
    if (!ws) {
      throw JsError("Error", "probe: no socket with id \"" + id + "\"");
    }
    Json results = Json::array();
    for (const auto& call : action.value("calls", Json::array())) {
      try {
        results.push_back({{"ok", true}, {"result", callOnSocket(*ws, call)}});
      } catch (const JsError& error) {
        results.push_back({{"ok", false}, {"error", error.toJson()}});
      } catch (const Json::exception& error) {
        const JsError typeError("TypeError", "bad arguments for call " + call.dump() + ": " +
                                                 std::string(error.what()));
        results.push_back({{"ok", false}, {"error", typeError.toJson()}});
      }
    }
    return results;
  }
  if (op == "ws.acceptPairs") {
    const long long count = action.value("count", 1LL);
    const auto tags = action.value("tags", std::vector<std::string>{});
    long long accepted = 0;
    Json error = nullptr;
    std::shared_ptr<WebSocket> last;
    for (long long i = 0; i < count; ++i) {
      const WebSocketPair pair(ctx);
      try {
        ctx.acceptWebSocket(pair.server, tags);
      } catch (const JsError& thrown) {
        error = thrown.toJson();
        break;
      }
      ++accepted;
      last = pair.server;
    }
    return {{"accepted", accepted},
            {"error", error},
            {"tags", last ? Json(ctx.getTags(*last)) : Json()}};
  }
  if (op == "ws.setAutoResponse") {
    if (!action.contains("request") && !action.contains("response")) {
      ctx.setWebSocketAutoResponse();
      return nullptr;
    }
    ctx.setWebSocketAutoResponse(WebSocketRequestResponsePair{
        action.at("request").get<std::string>(), action.at("response").get<std::string>()});
    return nullptr;
  }
  if (op == "ws.getAutoResponse") {
    const auto pair = ctx.getWebSocketAutoResponse();
    return pair ? Json{{"request", pair->request}, {"response", pair->response}} : Json();
  }
  if (op == "ws.setEventTimeout") {
    const bool given = action.contains("ms") && !action["ms"].is_null();
    ctx.setHibernatableWebSocketEventTimeout(given ? std::optional(action["ms"].get<double>())
                                                   : std::nullopt);
    return nullptr;
  }
  if (op == "ws.getEventTimeout") {
    const auto timeout = ctx.getHibernatableWebSocketEventTimeout();
    return timeout ? Json(*timeout) : Json();
  }
  throw JsError("TypeError", "unknown probe action \"" + op + "\"");
}

Json MinimalProbeObject::callOnSocket(WebSocket& ws, const Json& call) {
  const std::string name = call.at("call").get<std::string>();
  if (name == "send") {
    ws.send(messageFromTyped(call.at("message")));
    return nullptr;
  }
  if (name == "close") {
    // An absent field is `undefined`.
    const bool hasCode = call.contains("code") && !call["code"].is_null();
    const auto code = hasCode ? std::optional(call["code"].get<int>()) : std::nullopt;
    ws.close(code, optionalString(call, "reason"));
    return nullptr;
  }
  if (name == "readyState") {
    return ws.readyState();
  }
  if (name == "serializeAttachment") {
    if (call.contains("stringOfLength")) {
      ws.serializeAttachment(std::string(call["stringOfLength"].get<size_t>(), 'x'));
    } else {
      ws.serializeAttachment(call.value("value", Json()));
    }
    return nullptr;
  }
  if (name == "deserializeAttachment") {
    return ws.deserializeAttachment();
  }
  if (name == "getTags") {
    return ctx.getTags(ws);
  }
  if (name == "autoResponseTimestamp") {
    const auto timestamp = ctx.getWebSocketAutoResponseTimestamp(ws);
    return timestamp ? Json(*timestamp) : Json();
  }
  if (name == "accept") {
    ws.accept();
    return nullptr;
  }
  if (name == "acceptWebSocket") {
    ctx.acceptWebSocket(ws.shared_from_this());
    return nullptr;
  }
  throw JsError("TypeError", "unknown socket call \"" + name + "\"");
}

HttpResponse ProbeObject::openWebSocket(const HttpRequest& request) {
  const auto url = boost::urls::parse_absolute_uri(request.url);
  const auto params = url->params();
  const auto parameter = [&params](const char* name) -> std::optional<std::string> {
    const auto found = params.find(name);
    return found == params.end() ? std::nullopt : std::optional(std::string((*found).value));
  };
  const auto fail = [](int status, const std::string& name, const std::string& message) {
    return jsonStatus(status, {{"ok", false}, {"error", JsError(name, message).toJson()}});
  };

  const auto upgrade = request.headers.find("upgrade");
  // The token is case-insensitive (RFC 6455 §4.2.1).
  if (upgrade == request.headers.end() || !boost::iequals(upgrade->second, "websocket")) {
    return fail(426, "TypeError", "probe: /__probe/ws needs an Upgrade: websocket request");
  }
  static const std::regex kSocketId("[A-Za-z0-9._-]{1,64}");
  const std::string id = parameter("socket").value_or("");
  if (!std::regex_match(id, kSocketId)) {
    return fail(400, "TypeError",
                "probe: socket must be 1 to 64 of [A-Za-z0-9._-], not \"" + id + "\"");
  }
  const std::string kind = parameter("kind").value_or("hibernatable");

  const WebSocketPair pair(ctx);
  if (kind == "hibernatable") {
    std::vector<std::string> tags = {id};
    for (const auto& param : params) {
      if (param.key == "tag") {
        tags.emplace_back(param.value);
      }
    }
    try {
      ctx.acceptWebSocket(pair.server, tags);
    } catch (const JsError& error) {
      return jsonStatus(400, {{"ok", false}, {"error", error.toJson()}});
    }
  } else if (kind == "accept") {
    WebSocketListeners listeners;
    listeners.message = [this](WebSocket& ws, WebSocketMessage message) {
      return onMessage(ws, std::move(message), "message", ws.binaryType() == "blob");
    };
    listeners.close = [this](WebSocket& ws, int code, std::string reason, bool wasClean) {
      return onClose(ws, code, std::move(reason), wasClean, "close", "closeReply");
    };
    listeners.error = [this](WebSocket& ws, JsError error) -> Task<void> {
      onError(ws, error, "error");
      co_return;
    };
    pair.server->accept(std::move(listeners));
    acceptSockets_[id] = pair.server;
  } else {
    return fail(400, "TypeError",
                "probe: kind must be hibernatable or accept, not \"" + kind + "\"");
  }
  HttpResponse response{101, {}, ""};
  response.webSocket = pair.client;
  return response;
}

Json ProbeObject::listed(const WebSocket& ws) {
  if (ws.mode() != WebSocket::Mode::kHibernatable) {
    return nullptr;
  }
  for (const auto& socket : ctx.getWebSockets()) {
    if (socket.get() == &ws) {
      return true;
    }
  }
  return false;
}

Task<void> ProbeObject::webSocketMessage(WebSocket& ws, WebSocketMessage message) {
  // Hibernation handlers always get an ArrayBuffer (websocket_standard_binary_type aside).
  co_await onMessage(ws, std::move(message), "webSocketMessage", false);
}

Task<void> ProbeObject::webSocketClose(WebSocket& ws, int code, std::string reason, bool wasClean) {
  co_await onClose(ws, code, std::move(reason), wasClean, "webSocketClose", "webSocketCloseReply");
}

Task<void> ProbeObject::webSocketError(WebSocket& ws, JsError error) {
  onError(ws, error, "webSocketError");
  co_return;
}

Task<void> ProbeObject::onMessage(WebSocket& ws, WebSocketMessage message, const char* eventName,
                                  bool binaryAsBlob) {
  record({{"event", eventName},
          {"socket", socketId(ws)},
          {"message", typedMessage(message, binaryAsBlob)}});
  const std::string& key = probe_.journalKey;
  if (probe_.journal.consumeCount(key, Json::json_pointer("/webSocketMessage/throwCount"))) {
    throw JsError("Error", "probe: configured webSocketMessage failure");
  }
  const Json behaviour = section(probe_.journal.behaviour(key), "webSocketMessage");
  const double hangMs = behaviour.value("hangMs", 0.0);
  if (hangMs > 0) {
    co_await ctx.sleep(hangMs);
  }
  if (behaviour.value("reply", std::string("echo")) == "echo") {
    ws.send(message);
  }
}

Task<void> ProbeObject::onClose(WebSocket& ws, int code, std::string reason, bool wasClean,
                                const char* eventName, const char* replyEventName) {
  const Json id = socketId(ws);
  record({{"event", eventName},
          {"socket", id},
          {"code", code},
          {"reason", reason},
          {"wasClean", wasClean},
          {"readyState", ws.readyState()},
          {"listed", listed(ws)}});

  const Json behaviour = section(probe_.journal.behaviour(probe_.journalKey), "webSocketClose");
  const std::string reply = behaviour.value("reply", std::string("none"));
  Json call = nullptr;
  std::optional<int> replyCode;
  std::optional<std::string> replyReason;
  if (reply == "echo") {
    replyCode = code;
    replyReason = reason;
  } else if (reply == "fixed") {
    if (behaviour.contains("code") && behaviour["code"].is_number()) {
      replyCode = behaviour["code"].get<int>();
    }
    replyReason = optionalString(behaviour, "reason");
  }
  Json replyEvent = {{"event", replyEventName}, {"socket", id}, {"ok", true}};
  if (reply == "echo" || reply == "fixed") {
    call = Json::object();
    if (replyCode) {
      call["code"] = *replyCode;
    }
    if (replyReason) {
      call["reason"] = *replyReason;
    }
    try {
      ws.close(replyCode, replyReason);
    } catch (const JsError& error) {
      replyEvent["ok"] = false;
      replyEvent["error"] = error.toJson();
    }
  }
  replyEvent["call"] = call;
  replyEvent["readyState"] = ws.readyState();
  record(std::move(replyEvent));
  co_return;
}

void ProbeObject::onError(WebSocket& ws, const JsError& error, const char* eventName) {
  record({{"event", eventName},
          {"socket", socketId(ws)},
          {"error", typedError(error)},
          {"readyState", ws.readyState()},
          {"listed", listed(ws)}});
}

}  // namespace doc::ref
