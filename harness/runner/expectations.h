// Expectation files (conformance/expectations/<target>.yaml): the results a target is known not
// to pass, each with the status it shows and why, in the manner of web-platform-tests'
// metadata. A known failure is reported as expected, never hidden; a result that passes although
// a failure is expected is unexpected, so stale entries get noticed and removed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/result.h"

namespace doc::harness {

struct ExpectedOutcome {
  Status status = Status::kPass;
  std::string reason;
  // Statuses seen across runs for an intermittent result; any of them is expected.
  std::vector<Status> intermittent;
  std::vector<std::string> runs;  // The runs that showed an intermittent result's statuses.
  int line = 0;
};

using ExpectationFile = std::map<std::string, ExpectedOutcome>;  // By result id.

ExpectationFile loadExpectationFile(const std::string& path);

// Sets `expected` and `expectationReason` on each result that the file names.
void applyExpectations(const ExpectationFile& file, std::vector<Result>& results);

// Entries that named no result of this run: probably renamed or removed scenarios.
std::vector<std::string> unusedExpectations(const ExpectationFile& file,
                                            const std::vector<Result>& results);

// An expectation file that makes `results` the expected outcome: every result that did not pass,
// with its message as a reason to be rewritten by a person.
std::string renderExpectationFile(const std::vector<Result>& results, const std::string& target);

}  // namespace doc::harness
