// What changed between two JSON reports: two runs against one target (from the run history) or
// two targets run from one suite. Every changed result is listed by itself, never folded into a
// net count: "3 more failures" can hide one newly passing and four newly failing results.
// harness/compare/report_diff.h compares traces step by step; this compares outcomes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace doc::reports {

enum class ChangeKind {
  kNewlyFailing,   // Was as expected, now unexpected (and not a pass).
  kNewlyPassing,   // Was unexpected and now is as expected, or now passes where it did not.
  kFlaky,          // FLAKY now, whatever it was: the harness saw it pass and fail.
  kStatusChanged,  // Another status, with no change in whether it counts against the target.
  kAdded,          // Only in the later report.
  kRemoved,        // Only in the earlier report.
};

// The label a rendered line starts with: "newly failing", "flaky", "added", ...
std::string toString(ChangeKind kind);

struct ResultChange {
  ChangeKind kind = ChangeKind::kStatusChanged;
  std::string id;
  std::string statusBefore;  // "-" when the result is not in that report.
  std::string expectedBefore;
  std::string statusAfter;
  std::string expectedAfter;
  bool unexpectedAfter = false;
  std::string message;  // The later report's message, or the earlier one's for a removed result.
};

struct RunDiff {
  std::string before;  // "do-reference 0.1.0, 2026-12-03T14:57:39Z": which run or target.
  std::string after;
  // By kind in ChangeKind's order, then by result id.
  std::vector<ResultChange> changes;
  int unchanged = 0;  // Results in both with the same status and the same expected status.
};

// Throws ReportError when either is not a JSON report (no results array).
RunDiff diffRuns(const nlohmann::json& before, const nlohmann::json& after);

// One plain-text line per changed result, e.g.
//   newly failing  alarm/retry-chain[2026-11-24]  PASS -> FAIL: wanted 2 calls, saw 1
// then one line with the two reports and the unchanged count. A message is cut to its first line
// and 200 characters, so a line stays a line.
std::string renderRunDiff(const RunDiff& diff);

}  // namespace doc::reports
