// The probe classes of specs/probe-protocol.md as C++ Durable Objects: `Probe` with every
// handler and the RPC methods, `ProbeMinimal` with fetch only. Each logs every construction and
// invocation to the ProbeJournal and reads its behaviour document from there.
#pragma once

#include "reference/probe/probe_journal.h"
#include "reference/runtime/clock.h"
#include "reference/runtime/durable_object.h"
#include "reference/runtime/web_socket.h"

namespace doc::ref {

// What a probe instance needs besides ctx and env: where its journal is and whose it is.
struct ProbeContext {
  ProbeJournal& journal;
  Clock& clock;
  std::string journalKey;  // "<profile>/<class>/<name>", the key the front reads the log by.
};

class MinimalProbeObject : public DurableObject {
 public:
  MinimalProbeObject(DurableObjectState& ctx, Env& env, ProbeContext probe);

  Task<HttpResponse> fetch(HttpRequest request) override;

 protected:
  void record(nlohmann::json event);
  // The /__probe/ws route: a class without WebSocket handlers has none (404).
  virtual HttpResponse openWebSocket(const HttpRequest& request);
  // The harness's name for a socket: an accept() socket's map key, else its first tag (null for
  // an untagged socket).
  Json socketId(const WebSocket& ws) const;

  ProbeContext probe_;
  // accept() sockets by id; they keep the instance in memory, so the map lives as long as they.
  std::map<std::string, std::shared_ptr<WebSocket>> acceptSockets_;

 private:
  Json performAction(const Json& action);
  Json performWebSocketAction(const std::string& op, const Json& action);
  Json callOnSocket(WebSocket& ws, const Json& call);
  std::shared_ptr<WebSocket> findSocket(const std::string& id);

  Json memory_;  // memory.set / memory.get: gone with the instance
};

class ProbeObject : public MinimalProbeObject {
 public:
  using MinimalProbeObject::MinimalProbeObject;

  bool hasAlarmHandler() const override { return true; }
  Task<void> alarm(AlarmInvocationInfo alarmInfo) override;
  const std::map<std::string, RpcMethod>& rpcMethods() const override;

  Task<void> webSocketMessage(WebSocket& ws, WebSocketMessage message) override;
  Task<void> webSocketClose(WebSocket& ws, int code, std::string reason, bool wasClean) override;
  Task<void> webSocketError(WebSocket& ws, JsError error) override;

 protected:
  HttpResponse openWebSocket(const HttpRequest& request) override;

 private:
  // The steps of specs/probe-protocol.md, shared by the hibernation handlers and the accept()
  // listeners, which log under their own event names.
  Task<void> onMessage(WebSocket& ws, WebSocketMessage message, const char* eventName,
                       bool binaryAsBlob);
  Task<void> onClose(WebSocket& ws, int code, std::string reason, bool wasClean,
                     const char* eventName, const char* replyEventName);
  void onError(WebSocket& ws, const JsError& error, const char* eventName);
  Json listed(const WebSocket& ws);
};

}  // namespace doc::ref
