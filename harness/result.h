// What a run produces: one Result per scenario and profile, each with the trace of what was sent
// and observed. Reports (reports/) render these; the runner fills them in.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace doc::harness {

using Json = nlohmann::json;

enum class Status {
  kPass,
  kFail,
  kTimeout,
  kError,               // The harness or the target failed to do what a step asked.
  kSkip,                // Not run on purpose (an expectations entry, a filter).
  kPreconditionFailed,  // The target lacks a capability or a profile the scenario needs.
  kFlaky,               // Passed and failed in repeated attempts.
};

std::string toString(Status status);  // "PASS", "PRECONDITION_FAILED", ...
std::optional<Status> parseStatus(const std::string& text);

// One checked expectation of a step.
struct CheckResult {
  std::string requirement;  // The requirement id it checks ("FETCH-001").
  bool passed = false;
  std::string message;  // Empty when passed; otherwise what differed and where.
  Json expected;        // The pattern as written in the scenario.
};

// One step as it happened: what the harness sent and what it observed.
struct StepTrace {
  std::string id;
  std::string kind;      // "fetch", "rpc", "action", ...
  Json request;          // What was sent (method, URL, body).
  Json observation;      // What came back, in the shape expectations match against.
  double startedMs = 0;  // Since the start of the result.
  double durationMs = 0;
  std::vector<CheckResult> checks;
};

struct Result {
  std::string id;  // "<scenario id>[<profile>]": stable across runs, used by expectation files.
  std::string scenarioId;
  std::string profile;
  std::string description;
  std::string level;  // MUST or SHOULD.
  std::vector<std::string> requirements;
  Status status = Status::kPass;
  Status expected = Status::kPass;
  std::string expectationReason;  // Why an expectations file expects another status.
  double durationMs = 0;
  int attempts = 1;     // More with --repeat or --retry-unexpected.
  std::string message;  // The first thing that went wrong, for a person.
  std::vector<StepTrace> trace;

  // A result is unexpected when its status is not the expected one. A result that could not run
  // here (SKIP, PRECONDITION_FAILED) is reported but never counts against the target, and neither
  // does a FLAKY one (expected in some attempts, not in others): the run lists those separately.
  bool isUnexpected() const {
    return status != expected && status != Status::kSkip && status != Status::kPreconditionFailed &&
           status != Status::kFlaky;
  }
};

struct RunInfo {
  std::string harnessVersion;
  std::string suiteCommit;  // git describe of the suite, or "unknown".
  std::string targetUrl;
  std::string targetName;     // runtime.name from /info.
  std::string targetVersion;  // runtime.version from /info.
  int protocolVersion = 0;
  double clockScale = 1.0;
  std::vector<std::string> profiles;  // Profiles the target served.
  std::string startedAt;              // ISO 8601 UTC.
  double durationMs = 0;
  std::string commandLine;
};

struct RunReport {
  RunInfo info;
  std::vector<Result> results;

  int count(Status status) const;
  int unexpectedCount() const;
};

}  // namespace doc::harness
