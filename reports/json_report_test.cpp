#include "reports/json_report.h"

#include <gtest/gtest.h>

#include <set>

#include "common/paths.h"
#include "reports/report_file.h"
#include "reports/test_support.h"

namespace doc::reports {
namespace {

using harness::Status;
using nlohmann::json;
using namespace test_support;

// One result per status; the FAIL one is expected (an expectations entry), the SKIP one is not.
RunReport oneOfEachStatus() {
  RunReport report = makeRunReport();
  for (Status status : kAllStatuses) {
    const Status expected = status == Status::kFail ? Status::kFail : Status::kPass;
    report.results.push_back(
        makeResult("scenario-" + harness::toString(status), "2024-04-03", status, expected));
  }
  report.results[1].expectationReason = "known bug #12";
  return report;
}

std::set<std::string> keysOf(const json& object) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object.items()) {
    keys.insert(key);
  }
  return keys;
}

json loadSchema() {
  return json::parse(readFile(sourcePath("reports/schema/report.schema.json")));
}

// --- The document ------------------------------------------------------------------------------

TEST(JsonReport, EveryStatusIsListedAndRoundTripsThroughItsName) {
  for (Status status : kAllStatuses) {
    EXPECT_EQ(harness::parseStatus(harness::toString(status)), status);
  }
  // A status added to result.h after the last listed one has no name here yet.
  EXPECT_EQ(harness::toString(Status(kAllStatuses.size())), "UNKNOWN")
      << "result.h has a status that kAllStatuses (json_report.h) and the schema lack";
}

TEST(JsonReport, AReportWithOneResultOfEachStatusRoundTripsTheCounts) {
  const RunReport report = oneOfEachStatus();
  const std::string path = scratchDirectory("each_status") + "/report.json";

  writeJsonReport(report, path);
  const json written = json::parse(readFile(path));

  EXPECT_EQ(written["schemaVersion"], kJsonSchemaVersion);
  EXPECT_EQ(written["summary"]["total"], kAllStatuses.size());
  for (Status status : kAllStatuses) {
    EXPECT_EQ(written["summary"][harness::toString(status)], 1) << harness::toString(status);
  }
  // Everything but PASS, the expected FAIL, the two statuses of results that could not run
  // here (SKIP, PRECONDITION_FAILED) and FLAKY is unexpected.
  EXPECT_EQ(written["summary"]["unexpected"], report.unexpectedCount());
  EXPECT_EQ(written["summary"]["unexpected"], int(kAllStatuses.size()) - 5);

  ASSERT_EQ(written["results"].size(), report.results.size());
  for (std::size_t i = 0; i < report.results.size(); ++i) {
    const json& result = written["results"][i];
    EXPECT_EQ(harness::parseStatus(result["status"]), report.results[i].status);
    EXPECT_EQ(harness::parseStatus(result["expected"]), report.results[i].expected);
    EXPECT_EQ(result["unexpected"], report.results[i].isUnexpected());
  }
}

TEST(JsonReport, RunInfoAndTraceAreWrittenUnderTheirCamelCaseNames) {
  RunReport report = makeRunReport();
  report.results.push_back(makeResult("counter-increments", "2024-04-03", Status::kFail));
  const json document = toJson(report);

  EXPECT_EQ(document["run"]["targetName"], "do-reference");
  EXPECT_EQ(document["run"]["clockScale"], 10.0);
  EXPECT_EQ(document["run"]["profiles"], json({"2024-04-03", "2024-04-03+no_rpc"}));

  const json& result = document["results"][0];
  EXPECT_EQ(result["id"], "counter-increments[2024-04-03]");
  EXPECT_EQ(result["scenario"], "counter-increments");
  EXPECT_EQ(result["requirements"], json({"FETCH-001"}));
  EXPECT_EQ(result["durationMs"], 1500.0);

  const json& step = result["trace"][0];
  EXPECT_EQ(step["request"]["url"], "/counter");
  EXPECT_EQ(step["observation"]["status"], 500);
  EXPECT_EQ(step["checks"][1], json({{"requirement", "FETCH-002"},
                                     {"passed", false},
                                     {"message", "body: wanted \"ok\", got \"boom\""},
                                     {"expected", "ok"}}));
}

TEST(JsonReport, AnExpectationReasonAppearsOnlyWhenOneWasGiven) {
  RunReport report = makeRunReport();
  report.results.push_back(makeResult("a", "p", Status::kFail, Status::kFail));
  report.results.push_back(makeResult("b", "p", Status::kFail, Status::kFail));
  report.results[1].expectationReason = "workerd issue 1234";

  const json document = toJson(report);

  EXPECT_FALSE(document["results"][0].contains("expectationReason"));
  EXPECT_EQ(document["results"][1]["expectationReason"], "workerd issue 1234");
}

TEST(JsonReport, InvalidUtf8FromATargetIsWrittenAsReplacementCharacters) {
  RunReport report = makeRunReport();
  report.results.push_back(makeResult("binary-body", "p", Status::kFail));
  report.results[0].message = "got \xFF\xFE then \x01";
  const std::string path = scratchDirectory("invalid_utf8") + "/report.json";

  writeJsonReport(report, path);

  const json written = json::parse(readFile(path));
  EXPECT_EQ(written["results"][0]["message"], "got \xEF\xBF\xBD\xEF\xBF\xBD then \x01");
}

TEST(JsonReport, WritingCreatesMissingParentDirectories) {
  const std::string path = scratchDirectory("parents") + "/a/b/report.json";

  writeJsonReport(makeRunReport(), path);

  EXPECT_EQ(json::parse(readFile(path))["summary"]["total"], 0);
}

TEST(JsonReport, AnUnwritablePathIsAnErrorThatNamesIt) {
  // A regular file where a directory should be fails even for root, unlike a permission bit.
  const std::string blocker = scratchDirectory("unwritable") + "/file";
  std::ofstream(blocker) << "x";
  const std::string path = blocker + "/report.json";

  try {
    writeJsonReport(makeRunReport(), path);
    FAIL() << "writing under a regular file succeeded";
  } catch (const ReportError& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
}

// --- The schema --------------------------------------------------------------------------------

TEST(JsonReportSchema, TheStatusEnumListsExactlyTheStatusNames) {
  json names = json::array();
  for (Status status : kAllStatuses) {
    names.push_back(harness::toString(status));
  }

  const json schema = loadSchema();

  EXPECT_EQ(schema["$defs"]["status"]["enum"], names);
  EXPECT_EQ(schema["properties"]["schemaVersion"]["const"], kJsonSchemaVersion);
}

// Each object the schema describes, next to an instance of it from a report where every optional
// key is present. The schema must name exactly the keys written and require all but the optional.
TEST(JsonReportSchema, EachObjectDescribesExactlyTheKeysTheReportWrites) {
  RunReport report = oneOfEachStatus();
  const json document = toJson(report);
  const json schema = loadSchema();
  const std::set<std::string> optional = {"expectationReason"};

  const std::pair<json, json> objects[] = {
      {schema, document},
      {schema["$defs"]["run"], document["run"]},
      {schema["$defs"]["summary"], document["summary"]},
      {schema["$defs"]["result"], document["results"][1]},
      {schema["$defs"]["step"], document["results"][1]["trace"][0]},
      {schema["$defs"]["check"], document["results"][1]["trace"][0]["checks"][0]},
  };
  for (const auto& [definition, instance] : objects) {
    const std::set<std::string> written = keysOf(instance);
    EXPECT_EQ(keysOf(definition["properties"]), written) << definition.dump();
    EXPECT_EQ(definition["additionalProperties"], false);

    std::set<std::string> required = definition["required"];
    std::set<std::string> mandatory;
    for (const std::string& key : written) {
      if (!optional.contains(key)) {
        mandatory.insert(key);
      }
    }
    EXPECT_EQ(required, mandatory) << definition.dump();
  }
}

// The checks above keep the schema and the code in step without any tool; this runs a real
// draft 2020-12 validator over a report, where python3-jsonschema is installed.
constexpr int kValidatorMissing = 77;

int validate(const std::string& reportPath) {
  // Debian's interpreter: tools/install-deps.sh installs python3-jsonschema for it.
  return runShell("/usr/bin/python3 " +
                  shellQuote(sourcePath("reports/schema/validate_report.py")) + " " +
                  shellQuote(reportPath) + " >&2");
}

TEST(JsonReportSchema, AReportWithEveryStatusValidatesAgainstTheSchema) {
  const std::string path = scratchDirectory("schema_valid") + "/report.json";
  writeJsonReport(oneOfEachStatus(), path);

  const int exitStatus = validate(path);

  if (exitStatus == kValidatorMissing || exitStatus == 127) {
    GTEST_SKIP() << "python3 with jsonschema is not installed";
  }
  EXPECT_EQ(exitStatus, 0);
}

TEST(JsonReportSchema, TheSchemaRejectsAnUnknownStatusAndAnUnknownKey) {
  const std::string directory = scratchDirectory("schema_invalid");
  json badStatus = toJson(oneOfEachStatus());
  badStatus["results"][0]["status"] = "PASSED";
  json extraKey = toJson(oneOfEachStatus());
  extraKey["results"][0]["trace"][0]["checks"][0]["severity"] = "high";
  writeReportFile(directory + "/status.json", badStatus.dump());
  writeReportFile(directory + "/key.json", extraKey.dump());

  const int statusExit = validate(directory + "/status.json");
  const int keyExit = validate(directory + "/key.json");

  if (statusExit == kValidatorMissing || statusExit == 127) {
    GTEST_SKIP() << "python3 with jsonschema is not installed";
  }
  EXPECT_EQ(statusExit, 1);
  EXPECT_EQ(keyExit, 1);
}

}  // namespace
}  // namespace doc::reports
