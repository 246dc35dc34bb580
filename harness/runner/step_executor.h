// Runs one scenario under one profile against a target: each step becomes a probe-protocol
// request, its answer becomes the observation that expectations are matched against, and the
// whole is recorded as the result's trace.
#pragma once

#include <chrono>
#include <string>

#include "harness/result.h"
#include "harness/scenario/scenario.h"
#include "harness/target/target_session.h"

namespace doc::harness {

struct ExecutionOptions {
  std::string runId;          // Prefix of every object name, unique per run.
  double timeoutScale = 1.0;  // Multiplies the scenario's timeout (--timeout-multiplier).
  // Real time allowed on top of every timing window for scheduling latency (--timing-slack-ms).
  double timingSlackRealMs = 20;
  // Real time every scenario gets on top of its timeout on the target's clock: connections, log
  // reads and restarts do not speed up with a faster clock.
  double transportAllowanceSeconds = 10;
  // The whole run's deadline: a scenario still running then times out with it.
  std::chrono::steady_clock::time_point runDeadline = std::chrono::steady_clock::time_point::max();
};

// Runs `scenario` under `profile`; never throws: every failure becomes the result's status.
Result executeScenario(const Scenario& scenario, const std::string& profile, TargetSession& session,
                       const ExecutionOptions& options);

// "<scenario id>[<profile>]".
std::string resultId(const std::string& scenarioId, const std::string& profile);

// A result for `scenario` under `profile` with what the scenario says about itself filled in
// (id, description, level, requirements) and status PASS until something says otherwise.
Result resultFor(const Scenario& scenario, const std::string& profile);

}  // namespace doc::harness
