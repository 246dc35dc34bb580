// The run history: every recorded run in one SQLite file, so that a person (or CI) can list past
// runs, render an old one again, and see what changed between two of them (reports/run_diff.h).
// Each run keeps its whole JSON report, from which any renderer can work later, plus one row per
// result so that a result's statuses across runs can be queried without parsing reports.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/result.h"

namespace SQLite {
class Database;
}

namespace doc::reports {

// One recorded run, as list() shows it.
struct RunSummary {
  int64_t id = 0;
  std::string startedAt;  // ISO 8601 UTC, from the report; empty when unknown.
  double durationMs = 0;
  std::string targetName;
  std::string targetVersion;
  std::string targetUrl;
  std::string suiteCommit;
  int total = 0;
  int unexpected = 0;
};

// One result of one recorded run, as resultHistory() shows it.
struct ResultRecord {
  int64_t runId = 0;
  std::string startedAt;  // The run's.
  std::string status;     // "PASS", "FAIL", ...
  std::string expected;
  bool unexpected = false;
  std::string message;
  double durationMs = 0;
};

class RunHistory {
 public:
  // Opens the history at `path`, creating the file, its parent directories and the tables when
  // missing. Throws ReportError naming the path when it cannot, or when the file holds a history
  // of a newer layout than this build knows.
  explicit RunHistory(const std::string& path);
  ~RunHistory();
  RunHistory(RunHistory&&) noexcept;
  RunHistory& operator=(RunHistory&&) noexcept;

  // Stores the run and returns its id (increasing: a later record() gets a larger id).
  int64_t record(const harness::RunReport& report);
  // The same for a JSON report (reports/json_report.h), e.g. one read from a file or merged from
  // shards. Throws ReportError when it has no run or results.
  int64_t recordJson(const nlohmann::json& report);

  // Every recorded run, newest first.
  std::vector<RunSummary> list() const;
  // The run's JSON report as recorded; nullopt for an unknown id.
  std::optional<nlohmann::json> load(int64_t runId) const;
  // The id of the newest run against a target named `targetName` (any target when empty).
  std::optional<int64_t> latest(const std::string& targetName = "") const;
  // One result's record in every run that has it, newest first: its statuses across runs.
  std::vector<ResultRecord> resultHistory(const std::string& resultId) const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace doc::reports
