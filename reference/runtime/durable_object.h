// The C++ face of a Durable Object in the reference runtime: the base class with the handlers the
// seed documents (fetch, alarm, webSocketMessage, webSocketClose, webSocketError), and the ctx
// and env it is constructed with. A class hosted by the reference derives from DurableObject the
// way a JavaScript class extends the `DurableObject` of "cloudflare:workers".
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace doc::ref {

template <class T>
using Task = boost::asio::awaitable<T>;
using Json = nlohmann::json;

// Header names are stored lower-case, as the Fetch API's Headers presents them.
using Headers = std::map<std::string, std::string>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // Absolute, e.g. "https://probe.invalid/hello?x=1".
  Headers headers;
  std::string body;
};

class WebSocketClientEnd;

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;
  // With status 101: the client end of a WebSocketPair. The server writes the handshake and hands
  // the connection to the pair's server end, the way a Response's `webSocket` does in Workers.
  std::shared_ptr<WebSocketClientEnd> webSocket;
};

// An error as JavaScript code sees it: a name ("TypeError"), a message, and whether it crossed
// from an object to its caller (`error.remote`).
class JsError : public std::runtime_error {
 public:
  JsError(std::string name, std::string message, bool remote = false)
      : std::runtime_error(name + ": " + message),
        name_(std::move(name)),
        message_(std::move(message)),
        remote_(remote) {}

  const std::string& name() const { return name_; }
  const std::string& message() const { return message_; }
  bool remote() const { return remote_; }
  JsError asRemote() const { return JsError(name_, message_, true); }
  Json toJson() const { return {{"name", name_}, {"message", message_}, {"remote", remote_}}; }

 private:
  std::string name_;
  std::string message_;
  bool remote_;
};

struct AlarmInvocationInfo {
  int retryCount = 0;
  bool isRetry = false;
  double scheduledTime = 0;  // Milliseconds since the epoch on the runtime's clock.
};

// The server end of a WebSocketPair (reference/runtime/web_socket.h): accepted with
// ctx.acceptWebSocket() (hibernatable) or with its own accept().
class WebSocket;
class HibernationManager;

// ctx.setWebSocketAutoResponse()'s argument: `new WebSocketRequestResponsePair(request, response)`.
struct WebSocketRequestResponsePair {
  std::string request;
  std::string response;
};

// A message as webSocketMessage receives it: text as a string, binary as bytes.
struct WebSocketMessage {
  bool isText = true;
  std::string data;
};

class DurableObjectId {
 public:
  DurableObjectId(std::string hex, std::string name)
      : hex_(std::move(hex)), name_(std::move(name)) {}
  // 64 lower-case hex digits, stable for a name within a namespace.
  const std::string& toString() const { return hex_; }
  const std::string& name() const { return name_; }
  bool operator==(const DurableObjectId& other) const { return hex_ == other.hex_; }

 private:
  std::string hex_;
  std::string name_;
};

class ObjectStore;

// What the runtime does for one object beyond its key-value storage: its alarm, its clock and
// waits the runtime can cut short. The object host implements it per object.
class ObjectServices {
 public:
  virtual ~ObjectServices() = default;

  // getAlarm(): null inside a running alarm() until setAlarm() is called there, null after a
  // successful run or the last failed retry, the originally scheduled time between retries.
  virtual std::optional<double> getAlarm() = 0;
  // Validated by DurableObjectStorage; the time is already clamped to now.
  virtual void setAlarm(double scheduledTime) = 0;
  virtual void deleteAlarm() = 0;
  virtual bool classHasAlarmHandler() = 0;
  virtual bool deleteAllDeletesAlarm() const = 0;

  virtual double nowMs() const = 0;  // Date.now() on the runtime's clock.
  // Waits `clockMs` on the runtime's clock; throws JsError when the runtime ends the handler
  // (its wall-time limit passed) while it waits.
  virtual Task<void> sleep(double clockMs) = 0;
};

// ctx.storage: the object's own key-value storage, durable across eviction and restart. Values
// are JSON documents (the reference's stand-in for structured clone). Every call is synchronous
// and completes before it returns, so no other event for the object runs inside it.
class DurableObjectStorage {
 public:
  DurableObjectStorage(ObjectStore& store, std::string objectKey, ObjectServices& services)
      : store_(store), objectKey_(std::move(objectKey)), services_(services) {}

  std::optional<Json> get(const std::string& key);
  void put(const std::string& key, const Json& value);
  bool deleteKey(const std::string& key);  // `delete` is a C++ keyword.
  void deleteAll();

  struct ListOptions {
    std::optional<std::string> start;  // Inclusive.
    std::optional<std::string> end;    // Exclusive.
    std::optional<std::string> prefix;
    std::optional<int> limit;
    bool reverse = false;
  };
  // Entries in key order (reversed with `reverse`). Throws TypeError for a limit <= 0.
  std::vector<std::pair<std::string, Json>> list(const ListOptions& options);

  // The alarm: one per object, in milliseconds since the epoch on the runtime's clock.
  std::optional<double> getAlarm();
  // Throws TypeError for a time <= 0 or a class without alarm(); a past time means now.
  void setAlarm(double scheduledTime);
  void deleteAlarm();

  const std::string& objectKey() const { return objectKey_; }

 private:
  ObjectStore& store_;
  std::string objectKey_;
  ObjectServices& services_;
};

class DurableObjectState {
 public:
  DurableObjectState(DurableObjectId id, DurableObjectStorage storage, ObjectServices& services,
                     HibernationManager& webSockets)
      : id_(std::move(id)),
        storage_(std::move(storage)),
        services_(services),
        webSockets_(webSockets) {}

  const DurableObjectId& id() const { return id_; }
  DurableObjectStorage& storage() { return storage_; }

  // Date.now() as the object sees it, and a timer wait (setTimeout / scheduler.wait).
  double now() const { return services_.nowMs(); }
  Task<void> sleep(double clockMs) { return services_.sleep(clockMs); }

  // The WebSocket Hibernation API. Its state (sockets, tags, attachments, the auto-response, the
  // event timeout) belongs to the object, not to this instance: it outlives eviction.
  //
  // Throws Error when `ws` was accept()ed, has more than 10 distinct tags or a tag over 256
  // bytes, or the object already has 32,768 hibernatable sockets. Duplicate tags are dropped.
  void acceptWebSocket(const std::shared_ptr<WebSocket>& ws,
                       const std::vector<std::string>& tags = {});
  // Without a tag: every socket whose close or error handler has not finished, newest first.
  // With one: the sockets carrying it, oldest first (workerd's orders).
  std::vector<std::shared_ptr<WebSocket>> getWebSockets(
      const std::optional<std::string>& tag = std::nullopt);
  std::vector<std::string> getTags(const WebSocket& ws);
  // No pair clears it. Throws RangeError for a request or response over 2,048 bytes.
  void setWebSocketAutoResponse(const std::optional<WebSocketRequestResponsePair>& pair = {});
  std::optional<WebSocketRequestResponsePair> getWebSocketAutoResponse();
  // Milliseconds on the runtime's clock of the last auto-response sent on `ws`.
  std::optional<double> getWebSocketAutoResponseTimestamp(const WebSocket& ws);
  // Absent or 0 clears it. Throws Error above 604,800,000 ms (7 days).
  void setHibernatableWebSocketEventTimeout(std::optional<double> timeoutMs = std::nullopt);
  std::optional<double> getHibernatableWebSocketEventTimeout();

  // Where new WebSocketPairs of this object live (web_socket.h).
  HibernationManager& webSocketHost() { return webSockets_; }

 private:
  DurableObjectId id_;
  DurableObjectStorage storage_;
  ObjectServices& services_;
  HibernationManager& webSockets_;
};

class DurableObjectNamespace;

// env: what the object was configured with. A binding is a namespace of another class or a
// plain string variable, as in a Wrangler configuration.
struct Env {
  using Binding = std::variant<DurableObjectNamespace*, std::string>;
  std::map<std::string, Binding> bindings;
};

class DurableObject {
 public:
  DurableObject(DurableObjectState& ctx, Env& env) : ctx(ctx), env(env) {}
  virtual ~DurableObject() = default;
  DurableObject(const DurableObject&) = delete;
  DurableObject& operator=(const DurableObject&) = delete;

  // The handlers. Each may suspend (co_await); the runtime never runs two of them for the same
  // object on two threads at once. The defaults are what a class that does not define the
  // handler gets.
  virtual Task<HttpResponse> fetch(HttpRequest request);
  virtual Task<void> alarm(AlarmInvocationInfo alarmInfo);
  virtual Task<void> webSocketMessage(WebSocket& ws, WebSocketMessage message);
  virtual Task<void> webSocketClose(WebSocket& ws, int code, std::string reason, bool wasClean);
  virtual Task<void> webSocketError(WebSocket& ws, JsError error);

  // Which optional handlers the class defines: setAlarm() on a class without alarm() fails.
  virtual bool hasAlarmHandler() const { return false; }

  // Public methods callable over RPC, by name. Arguments and results are JSON.
  using RpcMethod = std::function<Task<Json>(DurableObject& self, const Json& args)>;
  virtual const std::map<std::string, RpcMethod>& rpcMethods() const;

 protected:
  DurableObjectState& ctx;
  Env& env;
};

}  // namespace doc::ref
