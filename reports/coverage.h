// Requirement coverage: for each requirement of specs/requirements.yaml, the scenario steps that
// check it and how the results citing it came out on each target. A MUST requirement that nothing
// checks is a hole in the suite; CI fails on one unless the requirement is marked planned.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/scenario/scenario.h"

namespace doc::reports {

// One place a scenario checks a requirement: an expectation of a step, or a waitLog step's own
// `requirement:` (the log entry it waits for is the check).
struct Citation {
  std::string scenarioId;
  std::string stepId;
};

// A result citing the requirement, on one target.
struct CitingResult {
  std::string resultId;
  std::string status;
  bool unexpected = false;
};

struct RequirementCoverage {
  std::string id;
  std::string level;  // MUST, SHOULD or MAY.
  std::string text;
  std::string status;               // Empty (active), "planned" or "withdrawn".
  std::vector<Citation> citations;  // In scenario order, then step order; each pair once.
  // By target label (Coverage::targets); only targets whose report has a citing result.
  std::map<std::string, std::vector<CitingResult>> results;
};

struct Coverage {
  std::vector<std::string> targets;  // "do-reference 0.1.0", one per report, in report order.
  std::vector<RequirementCoverage> requirements;  // In the requirements file's order.
  // Ids cited by a scenario or a result but absent from the requirements document (the scenario
  // loader refuses those, so only hand-made or stale reports have them).
  std::vector<std::string> unknownCited;
};

// `requirementsDoc` is what loadRequirementsDocument() returns; `reports` are JSON reports (any
// number, one per target or run). A result cites the requirements its report lists for it and
// those its scenario (in `scenarios`) cites.
Coverage computeCoverage(const nlohmann::json& requirementsDoc,
                         const std::vector<harness::Scenario>& scenarios,
                         const std::vector<nlohmann::json>& reports);

// Active requirements that no scenario cites, by level.
std::vector<std::string> uncited(const Coverage& coverage, const std::string& level = "");
// Active MUST requirements that no scenario cites: CI fails when this is not empty. Planned and
// withdrawn ones are left out.
std::vector<std::string> uncoveredMust(const Coverage& coverage);
// Requirements marked planned that a scenario cites after all: the mark is stale.
std::vector<std::string> plannedButCited(const Coverage& coverage);
// Withdrawn requirements a scenario still cites: the scenario checks a behaviour no longer asked.
std::vector<std::string> withdrawnButCited(const Coverage& coverage);

// "Coverage: 120 of 160 active requirements cited (MUST 80/95, SHOULD 35/50, MAY 5/15); 60
// planned, 1 withdrawn; 0 MUST uncovered."
std::string coverageSummaryLine(const Coverage& coverage);

// The summary line, a table of every requirement (id, level, citing steps, per-target statuses,
// text), and the lists of uncited, planned-but-cited and withdrawn-but-cited requirements.
std::string renderCoverageMarkdown(const Coverage& coverage);

}  // namespace doc::reports
