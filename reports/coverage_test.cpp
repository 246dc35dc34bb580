#include "reports/coverage.h"

#include <gtest/gtest.h>

#include "common/paths.h"
#include "harness/scenario/scenario_loader.h"
#include "reports/requirements_doc.h"

namespace doc::reports {
namespace {

using harness::Scenario;
using harness::Step;
using harness::StepKind;
using nlohmann::json;

json requirementsDoc() {
  return {{"requirements",
           {{{"id", "FETCH-001"}, {"level", "MUST"}, {"text", "fetch | reaches the handler"}},
            {{"id", "ALARM-001"}, {"level", "MUST"}, {"text", "an alarm runs"}},
            {{"id", "ALARM-002"}, {"level", "SHOULD"}, {"text", "a retry waits"}},
            {{"id", "WS-001"}, {"level", "MUST"}, {"text", "sockets"}, {"status", "planned"}},
            {{"id", "WS-002"}, {"level", "MUST"}, {"text", "more sockets"}},
            {{"id", "OLD-001"}, {"level", "MUST"}, {"text", "gone"}, {"status", "withdrawn"}},
            {{"id", "MAYBE-001"}, {"level", "MAY"}, {"text", "either way"}}}}};
}

Step step(const std::string& id, StepKind kind, std::vector<std::string> requirements,
          const json& args = json::object()) {
  Step step;
  step.id = id;
  step.kind = kind;
  step.args = args;
  for (const std::string& requirement : requirements) {
    step.expect.push_back({requirement, json::object(), "", 1});
  }
  return step;
}

std::vector<Scenario> scenarios() {
  Scenario fetch;
  fetch.id = "fetch/hello";
  fetch.profiles = {"2026-11-24"};
  fetch.steps = {step("get", StepKind::kFetch, {"FETCH-001", "FETCH-001"}),
                 step("again", StepKind::kFetch, {"FETCH-001"})};

  // ALARM-001 is cited only by the waitLog step's own `requirement:`, as Scenario::requirements()
  // counts it.
  Scenario alarm;
  alarm.id = "alarm/runs";
  alarm.profiles = {"2026-11-24"};
  alarm.steps = {step("set", StepKind::kRpc, {}), step("fired", StepKind::kWaitLog, {},
                                                       {{"object", "a"},
                                                        {"until", json::object()},
                                                        {"within", 5},
                                                        {"requirement", "ALARM-001"}})};
  return {fetch, alarm};
}

json report(const std::string& target, const std::string& fetchStatus,
            const std::string& fetchExpected) {
  return {{"run", {{"targetName", target}, {"targetVersion", "1"}}},
          {"results",
           {{{"id", "fetch/hello[2026-11-24]"},
             {"scenario", "fetch/hello"},
             {"requirements", {"FETCH-001"}},
             {"status", fetchStatus},
             {"expected", fetchExpected},
             {"unexpected", fetchStatus != fetchExpected}},
            {{"id", "alarm/runs[2026-11-24]"},
             {"scenario", "alarm/runs"},
             {"requirements", json::array()},
             {"status", "PASS"},
             {"expected", "PASS"},
             {"unexpected", false}}}}};
}

const RequirementCoverage& find(const Coverage& coverage, const std::string& id) {
  for (const RequirementCoverage& requirement : coverage.requirements) {
    if (requirement.id == id) {
      return requirement;
    }
  }
  throw std::runtime_error("no requirement " + id);
}

TEST(Coverage, EachRequirementListsTheStepsCitingItOnceEach) {
  const Coverage coverage = computeCoverage(requirementsDoc(), scenarios(), {});

  const auto& fetch = find(coverage, "FETCH-001");
  ASSERT_EQ(fetch.citations.size(), 2u);
  EXPECT_EQ(fetch.citations[0].scenarioId, "fetch/hello");
  EXPECT_EQ(fetch.citations[0].stepId, "get");
  EXPECT_EQ(fetch.citations[1].stepId, "again");
  EXPECT_EQ(fetch.level, "MUST");
  EXPECT_EQ(fetch.text, "fetch | reaches the handler");
}

TEST(Coverage, ARequirementCitedOnlyByAWaitLogStepIsCovered) {
  const Coverage coverage = computeCoverage(requirementsDoc(), scenarios(), {});

  const auto& alarm = find(coverage, "ALARM-001");
  ASSERT_EQ(alarm.citations.size(), 1u);
  EXPECT_EQ(alarm.citations[0].stepId, "fired");
  const auto must = uncoveredMust(coverage);
  EXPECT_EQ(std::find(must.begin(), must.end(), "ALARM-001"), must.end());
}

TEST(Coverage, UncoveredMustLeavesOutPlannedAndWithdrawnRequirements) {
  const Coverage coverage = computeCoverage(requirementsDoc(), scenarios(), {});

  EXPECT_EQ(uncoveredMust(coverage), std::vector<std::string>{"WS-002"});
  EXPECT_EQ(uncited(coverage), (std::vector<std::string>{"ALARM-002", "WS-002", "MAYBE-001"}));
  EXPECT_EQ(uncited(coverage, "SHOULD"), std::vector<std::string>{"ALARM-002"});
}

TEST(Coverage, APlannedOrWithdrawnRequirementThatIsCitedIsReported) {
  std::vector<Scenario> all = scenarios();
  all[0].steps.push_back(step("ws", StepKind::kFetch, {"WS-001", "OLD-001"}));

  const Coverage coverage = computeCoverage(requirementsDoc(), all, {});

  EXPECT_EQ(plannedButCited(coverage), std::vector<std::string>{"WS-001"});
  EXPECT_EQ(withdrawnButCited(coverage), std::vector<std::string>{"OLD-001"});
}

TEST(Coverage, TheResultsCitingARequirementAreGroupedByTarget) {
  const Coverage coverage =
      computeCoverage(requirementsDoc(), scenarios(),
                      {report("do-reference", "PASS", "PASS"), report("workerd", "FAIL", "PASS")});

  EXPECT_EQ(coverage.targets, (std::vector<std::string>{"do-reference 1", "workerd 1"}));
  const auto& fetch = find(coverage, "FETCH-001");
  ASSERT_EQ(fetch.results.at("workerd 1").size(), 1u);
  EXPECT_EQ(fetch.results.at("workerd 1")[0].status, "FAIL");
  EXPECT_TRUE(fetch.results.at("workerd 1")[0].unexpected);
  EXPECT_EQ(fetch.results.at("do-reference 1")[0].status, "PASS");
  // The alarm result lists no requirement itself; its scenario cites ALARM-001.
  EXPECT_EQ(find(coverage, "ALARM-001").results.at("workerd 1")[0].resultId,
            "alarm/runs[2026-11-24]");
}

TEST(Coverage, TwoReportsOfOneTargetGetDistinctLabels) {
  const Coverage coverage =
      computeCoverage(requirementsDoc(), scenarios(),
                      {report("workerd", "PASS", "PASS"), report("workerd", "FAIL", "PASS")});
  EXPECT_EQ(coverage.targets, (std::vector<std::string>{"workerd 1", "workerd 1 #2"}));
}

TEST(Coverage, AnIdCitedButNotInTheRequirementsIsListed) {
  std::vector<Scenario> all = scenarios();
  all[0].steps.push_back(step("typo", StepKind::kFetch, {"FECTH-001"}));
  EXPECT_EQ(computeCoverage(requirementsDoc(), all, {}).unknownCited,
            std::vector<std::string>{"FECTH-001"});
}

TEST(Coverage, TheSummaryLineCountsActiveRequirementsByLevel) {
  EXPECT_EQ(coverageSummaryLine(computeCoverage(requirementsDoc(), scenarios(), {})),
            "Coverage: 2 of 5 active requirements cited (MUST 2/3, SHOULD 0/1, MAY 0/1); "
            "1 planned, 1 withdrawn; 1 MUST uncovered.");
}

TEST(Coverage, TheMarkdownHasARowPerRequirementAndListsTheHoles) {
  const std::string text = renderCoverageMarkdown(
      computeCoverage(requirementsDoc(), scenarios(), {report("workerd", "FAIL", "PASS")}));

  EXPECT_NE(text.find("| Requirement | Level | Checked by | workerd 1 | Text |"), std::string::npos)
      << text;
  EXPECT_NE(text.find("| FETCH-001 | MUST | `fetch/hello` (get, again) | ❌ 1 FAIL (1 unexpected) "
                      "| fetch \\| reaches the handler |"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("| WS-002 | MUST | **none** |"), std::string::npos) << text;
  EXPECT_NE(text.find("| WS-001 | MUST (planned) | — |"), std::string::npos) << text;
  EXPECT_NE(text.find("## Active MUST requirements no scenario cites (1)\n\n- WS-002\n"),
            std::string::npos)
      << text;
}

// The project itself: every id a scenario cites exists, and a waitLog-only citation counts.
TEST(Coverage, TheProjectsScenariosCiteOnlyKnownRequirements) {
  const json doc = loadRequirementsDocument(sourcePath("specs/requirements.yaml"));
  harness::LoadOptions options;
  options.defaultProfile = "2026-11-24";
  const auto all = harness::loadScenarioFolder(sourcePath("conformance/scenarios"), options);

  const Coverage coverage = computeCoverage(doc, all, {});

  EXPECT_TRUE(coverage.unknownCited.empty()) << coverage.unknownCited.front();
  EXPECT_TRUE(withdrawnButCited(coverage).empty());
  for (const Scenario& scenario : all) {
    for (const std::string& id : scenario.requirements()) {
      EXPECT_FALSE(find(coverage, id).citations.empty()) << id << " cited by " << scenario.id;
    }
  }
}

}  // namespace
}  // namespace doc::reports
