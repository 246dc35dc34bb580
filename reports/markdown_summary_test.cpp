#include "reports/markdown_summary.h"

#include <gtest/gtest.h>

#include "reports/json_report.h"
#include "reports/test_support.h"

namespace doc::reports {
namespace {

using harness::Status;
using nlohmann::json;
using namespace test_support;

json referenceReport() {
  RunReport report = makeRunReport();
  report.results.push_back(makeResult("fetch/hello", "2026-11-24", Status::kPass));
  report.results.push_back(makeResult("ws/echo", "2026-11-24", Status::kSkip));
  return toJson(report);
}

json workerdReport() {
  RunReport report = makeRunReport();
  report.info.targetName = "workerd";
  report.info.targetVersion = "2026-11-17";
  report.results.push_back(makeResult("fetch/hello", "2026-11-24", Status::kPass));
  report.results.push_back(makeResult("alarm/retry", "2026-11-24", Status::kFail));
  report.results.back().message = "wanted | 3 <calls>\nsecond line";
  report.results.push_back(makeResult("alarm/known", "2026-11-24", Status::kFail, Status::kFail));
  report.results.back().expectationReason = "workerd retries 6 times";
  return toJson(report);
}

TEST(MarkdownSummary, EachTargetGetsAHeadlineWithAMarkAndItsCounts) {
  const std::string text = renderMarkdownSummary({referenceReport(), workerdReport()});

  EXPECT_NE(text.find("✅ **do-reference 0.1.0**: 2 results, all as expected (1 PASS, 1 SKIP)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("❌ **workerd 2026-11-17**: 3 results, 1 unexpected, 1 known failure "
                      "(1 PASS, 2 FAIL)\n"),
            std::string::npos)
      << text;
}

TEST(MarkdownSummary, UnexpectedResultsAreATableWithTheFirstLineOfTheirMessageEscaped) {
  const std::string text = renderMarkdownSummary({referenceReport(), workerdReport()});

  EXPECT_NE(text.find("#### Unexpected results (1)\n\n| Target | Result | Status | Expected | "
                      "Message |\n|---|---|---|---|---|\n| workerd 2026-11-17 | "
                      "`alarm/retry[2026-11-24]` | FAIL | PASS | wanted \\| 3 &lt;calls&gt;… |\n"),
            std::string::npos)
      << text;
}

TEST(MarkdownSummary, KnownFailuresAreFoldedAwayWithTheirReasons) {
  const std::string text = renderMarkdownSummary({workerdReport()});

  const size_t details = text.find("<details><summary>Known failures (1)</summary>\n\n");
  ASSERT_NE(details, std::string::npos) << text;
  EXPECT_NE(
      text.find("| `alarm/known[2026-11-24]` | FAIL | FAIL | workerd retries 6 times |", details),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("</details>", details), std::string::npos);
  // One report: no target column.
  EXPECT_EQ(text.find("| Target |"), std::string::npos) << text;
}

TEST(MarkdownSummary, AllAsExpectedHasNoTablesAndTheCoverageLineComesLast) {
  const std::string text = renderMarkdownSummary({referenceReport()}, "Coverage: 1 of 2.");

  EXPECT_EQ(text.find("Unexpected"), std::string::npos) << text;
  EXPECT_EQ(text.find("<details>"), std::string::npos) << text;
  EXPECT_EQ(text.substr(text.size() - 19), "\nCoverage: 1 of 2.\n") << text;
}

TEST(MarkdownSummary, ALongRunKeepsTheCommentUnderGithubsLimit) {
  RunReport report = makeRunReport();
  for (int i = 0; i < 2000; ++i) {
    report.results.push_back(makeResult("s/" + std::to_string(i), "p", Status::kFail));
    report.results.back().message = std::string(5000, 'x');
  }

  const std::string text = renderMarkdownSummary({toJson(report)});

  EXPECT_LT(text.size(), 65536u);
  EXPECT_NE(text.find("… and 1900 more; the full list is in the JSON report."), std::string::npos);
}

}  // namespace
}  // namespace doc::reports
