#include "reports/run_diff.h"

#include <gtest/gtest.h>

#include "reports/report_file.h"

namespace doc::reports {
namespace {

using nlohmann::json;

json result(const std::string& id, const std::string& status, const std::string& expected = "PASS",
            const std::string& message = "") {
  const bool unexpected = status != expected && status != "SKIP" && status != "PRECONDITION_FAILED";
  return {{"id", id},
          {"status", status},
          {"expected", expected},
          {"message", message},
          {"unexpected", unexpected}};
}

json report(const std::string& started, std::vector<json> results) {
  return {
      {"run", {{"targetName", "do-reference"}, {"targetVersion", "0.1.0"}, {"startedAt", started}}},
      {"results", results}};
}

const ResultChange* find(const RunDiff& diff, const std::string& id) {
  for (const ResultChange& change : diff.changes) {
    if (change.id == id) {
      return &change;
    }
  }
  return nullptr;
}

TEST(RunDiff, EachChangedResultIsListedByItselfWithItsKind) {
  const json before =
      report("2026-12-01T10:00:00Z", {result("a/regress[p]", "PASS"), result("a/fixed[p]", "FAIL"),
                                      result("a/same[p]", "PASS"), result("a/gone[p]", "PASS"),
                                      result("a/flaky[p]", "PASS"), result("a/worse[p]", "FAIL"),
                                      result("a/known[p]", "FAIL", "FAIL")});
  const json after =
      report("2026-12-02T10:00:00Z",
             {result("a/regress[p]", "FAIL", "PASS", "status: wanted 200, got 500"),
              result("a/fixed[p]", "PASS"), result("a/same[p]", "PASS"), result("a/new[p]", "PASS"),
              result("a/flaky[p]", "FLAKY", "FLAKY"), result("a/worse[p]", "TIMEOUT"),
              result("a/known[p]", "PASS", "FAIL")});

  const RunDiff diff = diffRuns(before, after);

  ASSERT_EQ(diff.changes.size(), 7u);
  EXPECT_EQ(find(diff, "a/regress[p]")->kind, ChangeKind::kNewlyFailing);
  EXPECT_EQ(find(diff, "a/fixed[p]")->kind, ChangeKind::kNewlyPassing);
  EXPECT_EQ(find(diff, "a/known[p]")->kind, ChangeKind::kNewlyPassing);
  EXPECT_EQ(find(diff, "a/flaky[p]")->kind, ChangeKind::kFlaky);
  EXPECT_EQ(find(diff, "a/worse[p]")->kind, ChangeKind::kStatusChanged);
  EXPECT_EQ(find(diff, "a/new[p]")->kind, ChangeKind::kAdded);
  EXPECT_EQ(find(diff, "a/gone[p]")->kind, ChangeKind::kRemoved);
  EXPECT_EQ(find(diff, "a/same[p]"), nullptr);
  EXPECT_EQ(diff.unchanged, 1);
}

TEST(RunDiff, OneNewlyPassingAndOneNewlyFailingResultAreNotNettedOut) {
  const json before = report("", {result("x[p]", "PASS"), result("y[p]", "FAIL")});
  const json after = report("", {result("x[p]", "FAIL"), result("y[p]", "PASS")});

  const RunDiff diff = diffRuns(before, after);

  ASSERT_EQ(diff.changes.size(), 2u);
  EXPECT_EQ(diff.changes[0].kind, ChangeKind::kNewlyFailing);
  EXPECT_EQ(diff.changes[0].id, "x[p]");
  EXPECT_EQ(diff.changes[1].kind, ChangeKind::kNewlyPassing);
  EXPECT_EQ(diff.changes[1].id, "y[p]");
}

TEST(RunDiff, AResultStillFlakyIsListedEveryTime) {
  const json before = report("", {result("f[p]", "FLAKY", "FLAKY")});
  const RunDiff diff = diffRuns(before, before);
  ASSERT_EQ(diff.changes.size(), 1u);
  EXPECT_EQ(diff.changes[0].kind, ChangeKind::kFlaky);
  EXPECT_EQ(diff.unchanged, 0);
}

TEST(RunDiff, AnExpectationThatChangedUnderAnUnchangedStatusIsNewlyFailing) {
  const json before = report("", {result("k[p]", "FAIL", "FAIL")});
  const json after = report("", {result("k[p]", "FAIL", "PASS", "boom")});

  const RunDiff diff = diffRuns(before, after);

  ASSERT_EQ(diff.changes.size(), 1u);
  EXPECT_EQ(diff.changes[0].kind, ChangeKind::kNewlyFailing);
  EXPECT_EQ(renderRunDiff(diff).substr(0, renderRunDiff(diff).find('\n')),
            "newly failing  k[p]  FAIL -> FAIL (expected PASS): boom");
}

TEST(RunDiff, ASkippedResultIsAStatusChangeNotAFailure) {
  const json before = report("", {result("s[p]", "PASS")});
  const json after = report("", {result("s[p]", "SKIP")});
  EXPECT_EQ(diffRuns(before, after).changes.at(0).kind, ChangeKind::kStatusChanged);
}

TEST(RunDiff, RenderingGivesOneLinePerResultWithTheTransitionAndTheMessage) {
  const json before =
      report("2026-12-01T10:00:00Z",
             {result("alarm/retry-chain[2026-11-24]", "PASS"),
              result("fetch/hello[2026-11-24]", "FAIL"), result("fetch/old[2026-11-24]", "PASS")});
  const json after =
      report("2026-12-02T10:00:00Z",
             {result("alarm/retry-chain[2026-11-24]", "FAIL", "PASS",
                     "step wait: wanted 3 alarm calls, saw 2\nsecond line"),
              result("fetch/hello[2026-11-24]", "PASS"), result("fetch/new[2026-11-24]", "PASS")});

  EXPECT_EQ(renderRunDiff(diffRuns(before, after)),
            "newly failing  alarm/retry-chain[2026-11-24]  PASS -> FAIL: step wait: wanted 3 "
            "alarm calls, saw 2…\n"
            "newly passing  fetch/hello[2026-11-24]  FAIL -> PASS\n"
            "added          fetch/new[2026-11-24]  - -> PASS\n"
            "removed        fetch/old[2026-11-24]  PASS -> -\n"
            "compared do-reference 0.1.0, 2026-12-01T10:00:00Z -> do-reference 0.1.0, "
            "2026-12-02T10:00:00Z: 4 changed, 0 unchanged\n");
}

TEST(RunDiff, APassThatAnExpectationsFileStillCallsAFailureSaysSo) {
  const json before = report("", {result("k[p]", "FAIL", "FAIL", "boom")});
  const json after = report("", {result("k[p]", "PASS", "FAIL")});
  const std::string text = renderRunDiff(diffRuns(before, after));
  EXPECT_EQ(text.substr(0, text.find('\n')), "newly passing  k[p]  FAIL -> PASS (expected FAIL)");
}

TEST(RunDiff, TwoTargetsCompareLikeTwoRuns) {
  json reference = report("", {result("x[p]", "PASS")});
  json workerd = report("", {result("x[p]", "FAIL", "FAIL", "known")});
  workerd["run"]["targetName"] = "workerd";
  workerd["run"]["targetVersion"] = "2026-11-17";

  const RunDiff diff = diffRuns(reference, workerd);

  EXPECT_EQ(diff.after, "workerd 2026-11-17");
  ASSERT_EQ(diff.changes.size(), 1u);
  EXPECT_EQ(diff.changes[0].kind, ChangeKind::kStatusChanged);
}

TEST(RunDiff, AnythingButAReportIsRefused) {
  EXPECT_THROW(diffRuns(json::object(), report("", {})), ReportError);
  EXPECT_THROW(diffRuns(report("", {}), json::array()), ReportError);
}

}  // namespace
}  // namespace doc::reports
