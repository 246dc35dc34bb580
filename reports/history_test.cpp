#include "reports/history.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "reports/json_report.h"
#include "reports/report_file.h"
#include "reports/test_support.h"

namespace doc::reports {
namespace {

using harness::Status;
using nlohmann::json;
using namespace test_support;

RunReport reportWith(Status helloStatus, const std::string& startedAt) {
  RunReport report = makeRunReport();
  report.info.startedAt = startedAt;
  report.results.push_back(makeResult("fetch/hello", "2026-11-24", helloStatus));
  report.results.push_back(makeResult("alarm/retry-chain", "2026-11-24", Status::kPass));
  return report;
}

TEST(RunHistory, ARecordedRunIsListedAndLoadsBackAsTheSameJsonReport) {
  const std::string path = scratchDirectory("history_roundtrip") + "/history.db";
  RunHistory history(path);
  const RunReport report = reportWith(Status::kFail, "2026-12-01T10:00:00Z");

  const int64_t id = history.record(report);

  const auto runs = history.list();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, id);
  EXPECT_EQ(runs[0].startedAt, "2026-12-01T10:00:00Z");
  EXPECT_EQ(runs[0].targetName, "do-reference");
  EXPECT_EQ(runs[0].targetVersion, "0.1.0");
  EXPECT_EQ(runs[0].suiteCommit, "v0.1.0-3-gabcdef");
  EXPECT_EQ(runs[0].total, 2);
  EXPECT_EQ(runs[0].unexpected, 1);
  EXPECT_DOUBLE_EQ(runs[0].durationMs, 12345);

  const auto loaded = history.load(id);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(*loaded, toJson(report));
}

TEST(RunHistory, RunsAreListedNewestFirstAndSurviveReopeningTheFile) {
  const std::string path = scratchDirectory("history_reopen") + "/nested/dir/history.db";
  int64_t first = 0;
  int64_t second = 0;
  {
    RunHistory history(path);
    first = history.record(reportWith(Status::kPass, "2026-12-01T10:00:00Z"));
    second = history.record(reportWith(Status::kFail, "2026-12-02T10:00:00Z"));
  }

  const RunHistory reopened(path);
  const auto runs = reopened.list();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_GT(second, first);
  EXPECT_EQ(runs[0].id, second);
  EXPECT_EQ(runs[1].id, first);
  EXPECT_EQ(reopened.latest(), second);
  EXPECT_EQ(reopened.latest("do-reference"), second);
  EXPECT_EQ(reopened.latest("workerd"), std::nullopt);
}

TEST(RunHistory, EachResultIsARowWhoseStatusesCanBeFollowedAcrossRuns) {
  RunHistory history(scratchDirectory("history_results") + "/history.db");
  const int64_t first = history.record(reportWith(Status::kPass, "2026-12-01T10:00:00Z"));
  const int64_t second = history.record(reportWith(Status::kTimeout, "2026-12-02T10:00:00Z"));

  const auto records = history.resultHistory("fetch/hello[2026-11-24]");

  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].runId, second);
  EXPECT_EQ(records[0].status, "TIMEOUT");
  EXPECT_EQ(records[0].expected, "PASS");
  EXPECT_TRUE(records[0].unexpected);
  EXPECT_EQ(records[0].message, "TIMEOUT in step get");
  EXPECT_DOUBLE_EQ(records[0].durationMs, 1500);
  EXPECT_EQ(records[0].startedAt, "2026-12-02T10:00:00Z");
  EXPECT_EQ(records[1].runId, first);
  EXPECT_EQ(records[1].status, "PASS");
  EXPECT_FALSE(records[1].unexpected);
  EXPECT_TRUE(history.resultHistory("no/such[result]").empty());
}

TEST(RunHistory, AJsonReportFromAFileIsRecordedAsIs) {
  RunHistory history(scratchDirectory("history_json") + "/history.db");
  json report = toJson(reportWith(Status::kPass, "2026-12-01T10:00:00Z"));
  report["run"]["targetName"] = "workerd";

  const int64_t id = history.recordJson(report);

  EXPECT_EQ(history.load(id), report);
  EXPECT_EQ(history.list()[0].targetName, "workerd");
  EXPECT_THROW(history.recordJson(json{{"run", json::object()}}), ReportError);
}

TEST(RunHistory, AMessageThatIsNotUtf8IsStoredAndLoadedWithReplacementCharacters) {
  RunHistory history(scratchDirectory("history_utf8") + "/history.db");
  RunReport report = reportWith(Status::kFail, "2026-12-01T10:00:00Z");
  report.results[0].message = "body: got \xff\xfe";

  const int64_t id = history.record(report);

  const std::string message = (*history.load(id))["results"][0]["message"];
  EXPECT_EQ(message, "body: got \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(RunHistory, AnUnknownRunIdLoadsNothing) {
  RunHistory history(scratchDirectory("history_unknown") + "/history.db");
  EXPECT_EQ(history.load(42), std::nullopt);
  EXPECT_TRUE(history.list().empty());
  EXPECT_EQ(history.latest(), std::nullopt);
}

TEST(RunHistory, AFileThatIsNotAHistoryIsRefusedNamingItsPath) {
  const std::string path = scratchDirectory("history_garbage") + "/history.db";
  { std::ofstream(path) << "this is not an SQLite database, just some text long enough to read"; }
  try {
    RunHistory history(path);
    history.list();
    FAIL() << "opened a text file as a history";
  } catch (const ReportError& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
}

TEST(RunHistory, AHistoryOfANewerLayoutIsRefused) {
  const std::string path = scratchDirectory("history_newer") + "/history.db";
  { RunHistory history(path); }
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version = 99");
  }
  try {
    RunHistory history(path);
    FAIL() << "opened a history of layout 99";
  } catch (const ReportError& error) {
    EXPECT_NE(std::string(error.what()).find("newer"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace doc::reports
