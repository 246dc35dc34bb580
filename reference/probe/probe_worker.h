// Builds the Worker that serves one compatibility profile of the probe: classes Probe and
// ProbeMinimal, bindings PROBE, PROBE_MINIMAL and PROBE_VAR (specs/probe-protocol.md, "Bindings").
#pragma once

#include <memory>

#include "reference/probe/probe_journal.h"
#include "reference/runtime/object_host.h"

namespace doc::ref {

// The plain variable every probe worker binds, so scenarios can check env.
inline constexpr const char* kProbeVariableValue = "probe-variable";

// What every probe worker of one process shares.
struct ProbeRuntime {
  ObjectStore& store;
  AlarmStore& alarms;
  ProbeJournal& journal;
  Clock& clock;
  AlarmPolicy alarmPolicy;
  boost::asio::any_io_executor executor;
  LogSink log;
};

// The worker's stored alarms are armed before it is returned.
std::unique_ptr<Worker> makeProbeWorker(const std::string& profileName, FlagSet flags,
                                        ProbeRuntime& runtime);

// The journal key of an object: "<profile>/<class>/<name>".
std::string probeJournalKey(const std::string& profileName, const std::string& className,
                            const std::string& objectName);

}  // namespace doc::ref
