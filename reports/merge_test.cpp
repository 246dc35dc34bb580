#include "reports/merge.h"

#include <gtest/gtest.h>

#include "common/paths.h"
#include "harness/runner/shard.h"
#include "reports/report_file.h"
#include "reports/test_support.h"

namespace doc::reports {
namespace {

using nlohmann::json;
using test_support::readFile;

// A real report: `do-conformance run --filter 'fetch/*'` against the reference, 12 results.
json realReport() {
  return json::parse(readFile(sourcePath("reports/testdata/fetch_report.json")));
}

// Shard `index` of `count` of `report`, as a job run with --shard index/count would write it.
json shardOf(const json& report, int index, int count, const std::string& startedAt,
             double durationMs) {
  json shard = report;
  shard["results"] = json::array();
  for (const json& result : report["results"]) {
    if (harness::inShard(result["id"].get<std::string>(), index, count)) {
      shard["results"].push_back(result);
    }
  }
  shard["summary"] = summarizeResults(shard["results"]);
  shard["run"]["startedAt"] = startedAt;
  shard["run"]["durationMs"] = durationMs;
  shard["run"]["commandLine"] = report["run"]["commandLine"].get<std::string>() + " --shard " +
                                std::to_string(index) + "/" + std::to_string(count);
  return shard;
}

std::vector<json> threeShards(const json& report) {
  return {shardOf(report, 1, 3, "2026-12-03T14:57:40Z", 1000),
          shardOf(report, 2, 3, "2026-12-03T14:57:39Z", 500),
          shardOf(report, 3, 3, "2026-12-03T14:57:41Z", 2500)};
}

std::string mergeError(const std::vector<json>& reports,
                       const std::vector<std::string>& names = {}) {
  try {
    mergeReports(reports, names);
  } catch (const ReportError& error) {
    return error.what();
  }
  ADD_FAILURE() << "the merge succeeded";
  return "";
}

TEST(MergeReports, ThreeShardsOfARealReportMergeBackToItResultByResult) {
  const json original = realReport();
  const std::vector<json> shards = threeShards(original);
  for (const json& shard : shards) {
    ASSERT_FALSE(shard["results"].empty()) << "a shard of the fixture is empty; pick another";
  }

  const json merged = mergeReports(shards);

  ASSERT_EQ(merged["results"].size(), original["results"].size());
  std::map<std::string, json> mergedById;
  for (const json& result : merged["results"]) {
    mergedById[result["id"]] = result;
  }
  for (const json& result : original["results"]) {
    EXPECT_EQ(mergedById[result["id"]], result) << result["id"];
  }
  EXPECT_EQ(merged["summary"], original["summary"]);
  EXPECT_EQ(merged["schemaVersion"], original["schemaVersion"]);
  for (const char* field : {"suiteCommit", "harnessVersion", "targetName", "targetVersion",
                            "protocolVersion", "clockScale", "profiles"}) {
    EXPECT_EQ(merged["run"][field], original["run"][field]) << field;
  }
}

TEST(MergeReports, TheMergedRunStartsAtTheEarliestShardAndLastsUntilTheLatestEnds) {
  const json merged = mergeReports(threeShards(realReport()));

  EXPECT_EQ(merged["run"]["startedAt"], "2026-12-03T14:57:39Z");
  // Shard 3 started 2 s after shard 2 and ran 2.5 s: 4.5 s from the first start.
  EXPECT_DOUBLE_EQ(merged["run"]["durationMs"].get<double>(), 4500);
  const std::string commandLine = merged["run"]["commandLine"];
  EXPECT_NE(commandLine.find("--shard 1/3; "), std::string::npos) << commandLine;
  EXPECT_NE(commandLine.find("--shard 3/3"), std::string::npos) << commandLine;
}

TEST(MergeReports, WithoutReadableStartsTheDurationIsTheLongestShards) {
  std::vector<json> shards = threeShards(realReport());
  shards[1]["run"]["startedAt"] = "";
  EXPECT_DOUBLE_EQ(mergeReports(shards)["run"]["durationMs"].get<double>(), 2500);
}

TEST(MergeReports, TheMergedResultsAreInScenarioOrderWhateverOrderTheShardsCome) {
  std::vector<json> shards = threeShards(realReport());
  std::reverse(shards.begin(), shards.end());
  const json merged = mergeReports(shards);
  for (size_t i = 1; i < merged["results"].size(); ++i) {
    EXPECT_LE(merged["results"][i - 1]["scenario"], merged["results"][i]["scenario"]);
  }
}

TEST(MergeReports, TheSameResultInTwoReportsIsRefusedNamingItAndBothReports) {
  const std::vector<json> shards = threeShards(realReport());
  const std::string id = shards[0]["results"][0]["id"];

  const std::string error =
      mergeError({shards[0], shards[1], shards[0]}, {"a.json", "b.json", "c.json"});

  EXPECT_NE(error.find(id), std::string::npos) << error;
  EXPECT_NE(error.find("a.json"), std::string::npos) << error;
  EXPECT_NE(error.find("c.json"), std::string::npos) << error;
}

TEST(MergeReports, ReportsOfDifferentTargetsAreRefusedNamingTheField) {
  std::vector<json> shards = threeShards(realReport());
  shards[2]["run"]["targetName"] = "workerd";

  const std::string error = mergeError(shards);

  EXPECT_NE(error.find("run.targetName"), std::string::npos) << error;
  EXPECT_NE(error.find("workerd"), std::string::npos) << error;
  EXPECT_NE(error.find("report 3 of 3"), std::string::npos) << error;
}

TEST(MergeReports, ReportsOfDifferentSuiteCommitsAreRefused) {
  std::vector<json> shards = threeShards(realReport());
  shards[1]["run"]["suiteCommit"] = "v9.9.9";
  EXPECT_NE(mergeError(shards).find("run.suiteCommit differs (\"v9.9.9\""), std::string::npos);
}

TEST(MergeReports, ShardsOnDifferentPortsOfOneTargetMerge) {
  std::vector<json> shards = threeShards(realReport());
  shards[1]["run"]["targetUrl"] = "http://127.0.0.1:1";
  EXPECT_NO_THROW(mergeReports(shards));
}

TEST(MergeReports, NothingOrSomethingThatIsNotAReportIsRefused) {
  EXPECT_THROW(mergeReports({}), ReportError);
  EXPECT_NE(mergeError({realReport(), json{{"results", json::array()}}}).find("report 2 of 2"),
            std::string::npos);
}

TEST(MergeReports, OneReportMergesToItself) {
  const json original = realReport();
  const json merged = mergeReports({original});
  EXPECT_EQ(merged["results"].size(), original["results"].size());
  EXPECT_EQ(merged["summary"], original["summary"]);
  EXPECT_EQ(merged["run"], original["run"]);
}

}  // namespace
}  // namespace doc::reports
