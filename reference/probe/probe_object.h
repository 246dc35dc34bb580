// The probe classes of specs/probe-protocol.md as C++ Durable Objects: `Probe` with every
// handler and the RPC methods, `ProbeMinimal` with fetch only. Each logs every construction and
// invocation to the ProbeJournal and reads its behaviour document from there.
#pragma once

#include "reference/probe/probe_journal.h"
#include "reference/runtime/clock.h"
#include "reference/runtime/durable_object.h"

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

  ProbeContext probe_;

 private:
  Json performAction(const Json& action);
};

class ProbeObject : public MinimalProbeObject {
 public:
  using MinimalProbeObject::MinimalProbeObject;

  bool hasAlarmHandler() const override { return true; }
  Task<void> alarm(AlarmInvocationInfo alarmInfo) override;
  const std::map<std::string, RpcMethod>& rpcMethods() const override;
};

}  // namespace doc::ref
