#include "harness/runner/suite_runner.h"

#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <thread>

namespace doc::harness {

std::vector<PlannedResult> planResults(const std::vector<Scenario>& scenarios) {
  std::vector<PlannedResult> plan;
  for (const auto& scenario : scenarios) {
    for (const auto& profile : scenario.profiles) {
      plan.push_back({&scenario, profile});
    }
  }
  return plan;
}

Result combineAttempts(const std::vector<Result>& attempts) {
  Result combined = attempts.front();
  combined.attempts = int(attempts.size());
  std::string statuses;
  bool agree = true;
  for (const auto& attempt : attempts) {
    statuses += (statuses.empty() ? "" : ", ") + toString(attempt.status);
    agree = agree && attempt.status == attempts.front().status;
  }
  if (agree) {
    return combined;
  }
  for (const auto& attempt : attempts) {
    if (attempt.status != Status::kPass) {
      combined = attempt;
      break;
    }
  }
  combined.attempts = int(attempts.size());
  combined.status = Status::kFlaky;
  combined.message = "statuses over " + std::to_string(attempts.size()) + " attempts: " + statuses +
                     "; first not PASS: " + combined.message;
  return combined;
}

std::vector<Result> runPlan(const std::vector<PlannedResult>& plan, TargetSession& session,
                            const RunOptions& options, const ProgressSink& progress) {
  std::vector<Result> results(plan.size());
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex progressLock;
  const auto deadline = std::chrono::steady_clock::now() + options.deadline;
  RunOptions bounded = options;
  bounded.execution.runDeadline = std::min(options.execution.runDeadline, deadline);

  const auto work = [&] {
    for (size_t index = next++; index < plan.size(); index = next++) {
      const PlannedResult& planned = plan[index];
      Result result;
      if (std::chrono::steady_clock::now() >= deadline) {
        result = resultFor(*planned.scenario, planned.profile);
        result.status = Status::kTimeout;
        result.message = "not started before the run's deadline of " +
                         std::to_string(options.deadline.count()) + " s";
      } else if (planned.scenario->exclusive()) {
        const std::unique_lock alone(session.runningLock());
        result = executeScenario(*planned.scenario, planned.profile, session, bounded.execution);
      } else {
        const std::shared_lock together(session.runningLock());
        result = executeScenario(*planned.scenario, planned.profile, session, bounded.execution);
      }
      results[index] = std::move(result);

      const std::lock_guard guard(progressLock);
      progress(results[index], ++done, plan.size());
    }
  };

  std::vector<std::thread> workers;
  for (int i = 0; i < std::max(1, options.jobs); ++i) {
    workers.emplace_back(work);
  }
  for (auto& worker : workers) {
    worker.join();
  }
  return results;
}

}  // namespace doc::harness
