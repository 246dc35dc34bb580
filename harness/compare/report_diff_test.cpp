#include "harness/compare/report_diff.h"

#include <gtest/gtest.h>

namespace doc::harness {
namespace {

using Json = nlohmann::json;

Json reportWith(const std::string& status, const Json& observation) {
  Json step = Json::object();
  step["id"] = "hello";
  step["observation"] = observation;
  Json result = Json::object();
  result["id"] = "fetch/hello[2026-11-24]";
  result["status"] = status;
  result["trace"] = Json::array({step});
  Json report = Json::object();
  report["run"] = Json{{"targetName", "t"}, {"targetVersion", "1"}};
  report["results"] = Json::array({result});
  return report;
}

TEST(ReportDiff, RunSpecificValuesAreNormalisedAway) {
  const auto observation = [](long long ts, const std::string& runId, char idDigit) {
    Json event = Json::object();
    event["event"] = "alarm";
    event["ts"] = ts;
    event["alarmInfo"] = Json{{"scheduledTime", ts - 5}, {"retryCount", 0}};
    Json result = Json::object();
    result["events"] = Json::array({event});
    result["name"] = runId + "/fetch/hello/a";
    result["id"] = std::string(64, idDigit);
    return result;
  };
  const Json a = reportWith("PASS", observation(1796300000000, "r1a2b3c4d", 'a'));
  const Json b = reportWith("PASS", observation(1796300009999, "r99999999", 'b'));
  EXPECT_TRUE(diffReports(a, b).empty());
}

TEST(ReportDiff, WebSocketFrameTimesAreNormalisedAwayButCloseCodesAreNot) {
  const auto socket = [](double at, int code) {
    return Json{{"frames", Json::array({Json{{"opcode", "close"}, {"code", code}, {"at", at}}})},
                {"endedAt", at + 1}};
  };
  EXPECT_TRUE(
      diffReports(reportWith("PASS", socket(12.5, 1000)), reportWith("PASS", socket(80, 1000)))
          .empty());
  const auto differences =
      diffReports(reportWith("PASS", socket(12.5, 1000)), reportWith("PASS", socket(12.5, 1006)));
  ASSERT_EQ(differences.size(), 1u);
  EXPECT_EQ(differences[0].firstDifference, "step \"hello\" at /frames/0/code: 1000 vs 1006");
}

TEST(ReportDiff, ADifferentErrorNameIsTheFirstDifference) {
  const Json a = reportWith("PASS", {{"ok", false}, {"error", {{"name", "TypeError"}}}});
  const Json b = reportWith("PASS", {{"ok", false}, {"error", {{"name", "Error"}}}});
  const auto differences = diffReports(a, b);
  ASSERT_EQ(differences.size(), 1u);
  EXPECT_EQ(differences[0].firstDifference,
            "step \"hello\" at /error/name: \"TypeError\" vs \"Error\"");
}

TEST(ReportDiff, AStatusDifferenceIsListedEvenWithEqualTraces) {
  const auto differences =
      diffReports(reportWith("PASS", Json::object()), reportWith("FAIL", Json::object()));
  ASSERT_EQ(differences.size(), 1u);
  EXPECT_EQ(differences[0].statusA, "PASS");
  EXPECT_EQ(differences[0].statusB, "FAIL");
}

TEST(ReportDiff, AResultMissingFromOneReportIsADifference) {
  Json b = reportWith("PASS", Json::object());
  b["results"][0]["id"] = "other[2026-11-24]";
  EXPECT_EQ(diffReports(reportWith("PASS", Json::object()), b).size(), 2u);
}

TEST(ReportDiff, TheTableEscapesPipes) {
  const std::vector<ResultDifference> differences = {{"a|b", "PASS", "FAIL", "x | y"}};
  const std::string table = renderDifferences(Json::object(), Json::object(), differences);
  EXPECT_NE(table.find("a\\|b"), std::string::npos);
  EXPECT_NE(table.find("x \\| y"), std::string::npos);
}

}  // namespace
}  // namespace doc::harness
