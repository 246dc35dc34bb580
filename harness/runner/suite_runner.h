// Runs a planned set of results (scenario × profile) against one target, several at once, under
// an overall deadline. Scenarios that restart the target run alone.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "harness/runner/step_executor.h"

namespace doc::harness {

struct PlannedResult {
  const Scenario* scenario;
  std::string profile;
};

struct RunOptions {
  int jobs = 2;
  std::chrono::seconds deadline{1800};  // For the whole run; results not started by then time out.
  ExecutionOptions execution;
};

// Called once per finished result, from the worker threads, one call at a time.
using ProgressSink = std::function<void(const Result& result, size_t done, size_t total)>;

// Every scenario × profile it names: the run's plan, in a stable order.
std::vector<PlannedResult> planResults(const std::vector<Scenario>& scenarios);

// One result from several attempts at it: the common status when they agree, else FLAKY with
// the statuses in order and the first attempt that did not pass (its message and trace).
Result combineAttempts(const std::vector<Result>& attempts);

// Results come back in the order of `plan`, whatever order they ran in.
std::vector<Result> runPlan(const std::vector<PlannedResult>& plan, TargetSession& session,
                            const RunOptions& options, const ProgressSink& progress);

}  // namespace doc::harness
