#include "reference/probe/probe_worker.h"

#include "reference/probe/probe_object.h"

namespace doc::ref {

std::string probeJournalKey(const std::string& profileName, const std::string& className,
                            const std::string& objectName) {
  return profileName + "/" + className + "/" + objectName;
}

std::unique_ptr<Worker> makeProbeWorker(const std::string& profileName, FlagSet flags,
                                        ProbeRuntime& runtime) {
  auto worker =
      std::make_unique<Worker>(profileName, std::move(flags), runtime.store, runtime.alarms,
                               runtime.alarmPolicy, runtime.clock, runtime.executor, runtime.log);
  ProbeJournal& journal = runtime.journal;
  Clock& clock = runtime.clock;

  const auto contextFor = [&journal, &clock, profileName](const std::string& className,
                                                          const DurableObjectState& ctx) {
    return ProbeContext{journal, clock, probeJournalKey(profileName, className, ctx.id().name())};
  };
  worker->defineClass("Probe", [contextFor](DurableObjectState& ctx, Env& env) {
    return std::make_unique<ProbeObject>(ctx, env, contextFor("Probe", ctx));
  });
  worker->defineClass("ProbeMinimal", [contextFor](DurableObjectState& ctx, Env& env) {
    return std::make_unique<MinimalProbeObject>(ctx, env, contextFor("ProbeMinimal", ctx));
  });

  worker->bindNamespace("PROBE", "Probe");
  worker->bindNamespace("PROBE_MINIMAL", "ProbeMinimal");
  worker->bindVariable("PROBE_VAR", kProbeVariableValue);
  worker->restoreAlarms();
  return worker;
}

}  // namespace doc::ref
