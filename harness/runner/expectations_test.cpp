#include "harness/runner/expectations.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/yaml_util.h"

namespace doc::harness {
namespace {

// A folder of its own under the system's temporary folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "expectations_test_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed for " + pattern);
    }
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }

  // Writes `text` to `name` in the folder; its path.
  std::string write(const std::string& name, const std::string& text) const {
    const auto file = path_ / name;
    std::ofstream(file) << text;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

Result resultWith(const std::string& id, Status status, const std::string& message = "") {
  Result result;
  result.id = id;
  result.status = status;
  result.message = message;
  return result;
}

ConfigError loadError(const std::string& text) {
  TempDir dir;
  const std::string path = dir.write("target.yaml", text);
  try {
    loadExpectationFile(path);
  } catch (const ConfigError& error) {
    return error;
  }
  ADD_FAILURE() << "the expectation file loaded although it is wrong:\n" << text;
  return ConfigError("", 0, "", "");
}

const std::string kFile = R"(# Known results.
target: workerd
results:
  "fetch/hello[2026-11-24]":
    status: FAIL
    reason: The body differs.
  "alarm/retry[2026-11-24]":
    status: TIMEOUT
    reason: Retries are slow.
    intermittent: [PASS, TIMEOUT]
    runs: ["2026-12-01 r00000001: PASS", "2026-12-02 r00000002: TIMEOUT"]
)";

TEST(ExpectationFile, LoadsEachEntryWithItsStatusReasonAndLine) {
  TempDir dir;
  const ExpectationFile file = loadExpectationFile(dir.write("workerd.yaml", kFile));

  ASSERT_EQ(file.size(), 2u);
  const ExpectedOutcome& hello = file.at("fetch/hello[2026-11-24]");
  EXPECT_EQ(hello.status, Status::kFail);
  EXPECT_EQ(hello.reason, "The body differs.");
  EXPECT_TRUE(hello.intermittent.empty());
  EXPECT_EQ(hello.line, 5);

  const ExpectedOutcome& retry = file.at("alarm/retry[2026-11-24]");
  EXPECT_EQ(retry.status, Status::kTimeout);
  EXPECT_EQ(retry.intermittent, (std::vector<Status>{Status::kPass, Status::kTimeout}));
  EXPECT_EQ(retry.runs.size(), 2u);
}

TEST(ExpectationFile, AnIntermittentEntryWithoutTheRunsThatShowedItIsAnError) {
  const ConfigError error = loadError(R"(target: x
results:
  "a[1]":
    status: FAIL
    reason: Because.
    intermittent: [PASS, FAIL]
)");
  EXPECT_EQ(error.line(), 6);
  EXPECT_EQ(error.field(), "results.a[1].intermittent");
}

TEST(ExpectationFile, AFileWithoutResultsExpectsEverythingToPass) {
  TempDir dir;
  EXPECT_TRUE(loadExpectationFile(dir.write("a.yaml", "target: x\n")).empty());
  EXPECT_TRUE(loadExpectationFile(dir.write("b.yaml", "target: x\nresults:\n")).empty());
}

TEST(ExpectationFile, ApplyingSetsTheExpectedStatusAndReasonOfTheResultsItNames) {
  TempDir dir;
  const ExpectationFile file = loadExpectationFile(dir.write("workerd.yaml", kFile));
  std::vector<Result> results = {resultWith("fetch/hello[2026-11-24]", Status::kFail),
                                 resultWith("fetch/other[2026-11-24]", Status::kFail)};

  applyExpectations(file, results);

  EXPECT_EQ(results[0].expected, Status::kFail);
  EXPECT_EQ(results[0].expectationReason, "The body differs.");
  EXPECT_FALSE(results[0].isUnexpected());
  EXPECT_EQ(results[1].expected, Status::kPass);
  EXPECT_EQ(results[1].expectationReason, "");
  EXPECT_TRUE(results[1].isUnexpected());
}

TEST(ExpectationFile, AListedResultThatPassesIsUnexpected) {
  TempDir dir;
  const ExpectationFile file = loadExpectationFile(dir.write("workerd.yaml", kFile));
  std::vector<Result> results = {resultWith("fetch/hello[2026-11-24]", Status::kPass)};

  applyExpectations(file, results);

  EXPECT_EQ(results[0].expected, Status::kFail);
  EXPECT_TRUE(results[0].isUnexpected());
}

TEST(ExpectationFile, AnIntermittentResultIsExpectedWhicheverOfItsStatusesItShows) {
  TempDir dir;
  const ExpectationFile file = loadExpectationFile(dir.write("workerd.yaml", kFile));
  std::vector<Result> results = {resultWith("alarm/retry[2026-11-24]", Status::kPass),
                                 resultWith("alarm/retry[2026-11-24]", Status::kTimeout),
                                 resultWith("alarm/retry[2026-11-24]", Status::kFail)};

  applyExpectations(file, results);

  EXPECT_FALSE(results[0].isUnexpected());
  EXPECT_FALSE(results[1].isUnexpected());
  EXPECT_TRUE(results[2].isUnexpected());
  EXPECT_EQ(results[2].expected, Status::kTimeout);
  EXPECT_EQ(results[2].expectationReason, "Retries are slow.");
}

TEST(ExpectationFile, EntriesThatNameNoResultOfTheRunAreUnused) {
  TempDir dir;
  const ExpectationFile file = loadExpectationFile(dir.write("workerd.yaml", kFile));
  const std::vector<Result> results = {resultWith("fetch/hello[2026-11-24]", Status::kFail),
                                       resultWith("fetch/new[2026-11-24]", Status::kPass)};

  EXPECT_EQ(unusedExpectations(file, results),
            (std::vector<std::string>{"alarm/retry[2026-11-24]"}));
  EXPECT_TRUE(unusedExpectations(ExpectationFile{}, results).empty());
}

TEST(ExpectationFile, AnUnknownStatusIsAnErrorAtItsLine) {
  const ConfigError error = loadError(R"(target: x
results:
  "fetch/hello[2026-11-24]":
    status: FAILED
    reason: Because.
)");
  EXPECT_EQ(error.line(), 4);
  EXPECT_EQ(error.field(), "results.fetch/hello[2026-11-24].status");
  EXPECT_NE(std::string(error.what()).find(R"("FAILED" is not a status)"), std::string::npos)
      << error.what();
}

TEST(ExpectationFile, AnUnknownIntermittentStatusIsAnErrorAtItsEntry) {
  const ConfigError error = loadError(R"(target: x
results:
  "a[1]":
    status: FAIL
    reason: Because.
    intermittent:
      - PASS
      - SOMETIMES
)");
  EXPECT_EQ(error.line(), 8);
  EXPECT_EQ(error.field(), "results.a[1].intermittent[1]");
}

TEST(ExpectationFile, AnEntryWithoutAReasonIsAnError) {
  const ConfigError error = loadError(R"(target: x
results:
  "fetch/hello[2026-11-24]":
    status: FAIL
)");
  EXPECT_EQ(error.line(), 4);
  EXPECT_EQ(error.field(), "results.fetch/hello[2026-11-24].reason");
  EXPECT_NE(std::string(error.what()).find("is required but missing"), std::string::npos);
}

TEST(ExpectationFile, AnEmptyReasonIsAnError) {
  const ConfigError error = loadError(R"(target: x
results:
  "fetch/hello[2026-11-24]":
    status: FAIL
    reason: ""
)");
  EXPECT_EQ(error.line(), 5);
  EXPECT_NE(std::string(error.what()).find("a known failure needs a reason"), std::string::npos);
}

TEST(ExpectationFile, AMistypedKeyIsAnErrorAtItsLine) {
  EXPECT_EQ(loadError("target: x\nresult: {}\n").field(), "result");
  const ConfigError error = loadError(R"(target: x
results:
  "a[1]":
    status: FAIL
    reasno: Because.
)");
  EXPECT_EQ(error.line(), 5);
  EXPECT_EQ(error.field(), "results.a[1].reasno");
}

TEST(ExpectationFile, ResultsThatAreNotAMapAreAnError) {
  EXPECT_EQ(loadError("target: x\nresults: [a, b]\n").field(), "results");
}

TEST(ExpectationFile, AMissingFileIsAnErrorNamingItsPath) {
  try {
    loadExpectationFile("/nonexistent/workerd.yaml");
    FAIL() << "a missing file loaded";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.file(), "/nonexistent/workerd.yaml");
  }
}

TEST(ExpectationFile, ARenderedFileListsEveryResultThatDidNotPassAndLoadsBack) {
  Result reasoned = resultWith("rpc/error[2024-04-03+no_rpc]", Status::kError, "ignored");
  reasoned.expectationReason = "Known: workerd answers 500.";
  const std::vector<Result> results = {
      resultWith("fetch/hello[2026-11-24]", Status::kPass),
      resultWith("fetch/not-found[2026-11-24]", Status::kFail,
                 "FETCH-004 (fetch/not-found.yaml:9, step \"a\"): at /status: expected 404, got "
                 "200\nsecond line: \"quoted\" # not a comment"),
      resultWith("alarm/retry[2026-11-24]", Status::kTimeout, "step \"b\": timed out"),
      resultWith("storage/x[2026-11-24]", Status::kPreconditionFailed, "lacks \"storage\""),
      reasoned,
  };

  const std::string text = renderExpectationFile(results, "workerd");
  TempDir dir;
  const ExpectationFile file = loadExpectationFile(dir.write("workerd.yaml", text));

  ASSERT_EQ(file.size(), 4u) << text;
  EXPECT_FALSE(file.contains("fetch/hello[2026-11-24]"));
  EXPECT_EQ(file.at("fetch/not-found[2026-11-24]").status, Status::kFail);
  EXPECT_EQ(file.at("fetch/not-found[2026-11-24]").reason, "observed: " + results[1].message);
  EXPECT_EQ(file.at("alarm/retry[2026-11-24]").status, Status::kTimeout);
  EXPECT_EQ(file.at("storage/x[2026-11-24]").status, Status::kPreconditionFailed);
  EXPECT_EQ(file.at("rpc/error[2024-04-03+no_rpc]").status, Status::kError);
  EXPECT_EQ(file.at("rpc/error[2024-04-03+no_rpc]").reason, "Known: workerd answers 500.");
}

TEST(ExpectationFile, ARenderedFileMakesTheSameRunEntirelyExpected) {
  std::vector<Result> results = {resultWith("a[1]", Status::kFail, "x"),
                                 resultWith("b[1]", Status::kPass),
                                 resultWith("c[1]", Status::kFlaky, "y")};
  TempDir dir;
  const ExpectationFile file =
      loadExpectationFile(dir.write("t.yaml", renderExpectationFile(results, "t")));

  applyExpectations(file, results);

  for (const auto& result : results) {
    EXPECT_FALSE(result.isUnexpected()) << result.id;
  }
  EXPECT_TRUE(unusedExpectations(file, results).empty());
}

TEST(ExpectationFile, ARenderedFileOfAllPassingResultsHasNoEntries) {
  const std::vector<Result> results = {resultWith("a[1]", Status::kPass)};
  TempDir dir;
  EXPECT_TRUE(
      loadExpectationFile(dir.write("t.yaml", renderExpectationFile(results, "t"))).empty());
}

}  // namespace
}  // namespace doc::harness
