#include "reports/history.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>

#include "reports/json_report.h"
#include "reports/report_file.h"

namespace doc::reports {

namespace {

using nlohmann::json;

// The layout written by this file, kept in SQLite's user_version. A change to the tables gets a
// new number and a migration from the old one; a file of a newer layout is refused rather than
// misread.
constexpr int kHistoryLayout = 1;

// Two CI jobs (or a person and a job) may record into one file at once; each insert takes
// milliseconds, so five seconds of waiting for the other's lock covers any real contention.
constexpr int kBusyTimeoutMs = 5000;

const char* const kCreateTables = R"sql(
  CREATE TABLE IF NOT EXISTS runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at      TEXT NOT NULL,
    duration_ms     REAL NOT NULL,
    target_name     TEXT NOT NULL,
    target_version  TEXT NOT NULL,
    target_url      TEXT NOT NULL,
    suite_commit    TEXT NOT NULL,
    harness_version TEXT NOT NULL,
    total           INTEGER NOT NULL,
    unexpected      INTEGER NOT NULL,
    report_json     TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS results (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    result_id   TEXT NOT NULL,
    status      TEXT NOT NULL,
    expected    TEXT NOT NULL,
    unexpected  INTEGER NOT NULL,
    message     TEXT NOT NULL,
    duration_ms REAL NOT NULL,
    PRIMARY KEY (run_id, result_id)
  );
  CREATE INDEX IF NOT EXISTS results_by_result_id ON results(result_id, run_id);
)sql";

// Whether a JSON result counts against the target: its own field, else recomputed as result.h
// does, for reports written before the field existed.
bool isUnexpected(const json& result) {
  if (result.contains("unexpected")) {
    return result["unexpected"].get<bool>();
  }
  const std::string status = result.value("status", "");
  return status != result.value("expected", "PASS") && status != "SKIP" &&
         status != "PRECONDITION_FAILED";
}

RunSummary readSummary(SQLite::Statement& query) {
  RunSummary run;
  run.id = query.getColumn(0).getInt64();
  run.startedAt = query.getColumn(1).getString();
  run.durationMs = query.getColumn(2).getDouble();
  run.targetName = query.getColumn(3).getString();
  run.targetVersion = query.getColumn(4).getString();
  run.targetUrl = query.getColumn(5).getString();
  run.suiteCommit = query.getColumn(6).getString();
  run.total = query.getColumn(7).getInt();
  run.unexpected = query.getColumn(8).getInt();
  return run;
}

}  // namespace

RunHistory::RunHistory(const std::string& path) : path_(path) {
  try {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
      std::filesystem::create_directories(parent);
    }
    db_ = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db_->setBusyTimeout(kBusyTimeoutMs);
    db_->exec("PRAGMA foreign_keys = ON");

    const int layout = db_->execAndGet("PRAGMA user_version").getInt();
    if (layout > kHistoryLayout) {
      throw ReportError("run history " + path + ": written by a newer do-conformance (layout " +
                        std::to_string(layout) + ", this build reads up to " +
                        std::to_string(kHistoryLayout) + ")");
    }
    SQLite::Transaction transaction(*db_);
    db_->exec(kCreateTables);
    db_->exec("PRAGMA user_version = " + std::to_string(kHistoryLayout));
    transaction.commit();
  } catch (const SQLite::Exception& error) {
    throw ReportError("run history " + path + ": " + error.what());
  } catch (const std::filesystem::filesystem_error& error) {
    throw ReportError("run history " + path +
                      ": cannot create its directory: " + error.code().message());
  }
}

RunHistory::~RunHistory() = default;
RunHistory::RunHistory(RunHistory&&) noexcept = default;
RunHistory& RunHistory::operator=(RunHistory&&) noexcept = default;

int64_t RunHistory::record(const harness::RunReport& report) {
  return recordJson(toJson(report));
}

int64_t RunHistory::recordJson(const json& report) {
  if (!report.is_object() || !report.contains("run") || !report.contains("results") ||
      !report["results"].is_array()) {
    throw ReportError("run history " + path_ + ": not a do-conformance JSON report (no run or " +
                      "results)");
  }
  const json& run = report["run"];
  const json& results = report["results"];
  int unexpected = 0;
  for (const json& result : results) {
    unexpected += isUnexpected(result) ? 1 : 0;
  }

  try {
    SQLite::Transaction transaction(*db_);
    SQLite::Statement insertRun(*db_,
                                "INSERT INTO runs (started_at, duration_ms, target_name, "
                                "target_version, target_url, suite_commit, harness_version, total, "
                                "unexpected, report_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insertRun.bind(1, run.value("startedAt", ""));
    insertRun.bind(2, run.value("durationMs", 0.0));
    insertRun.bind(3, run.value("targetName", ""));
    insertRun.bind(4, run.value("targetVersion", ""));
    insertRun.bind(5, run.value("targetUrl", ""));
    insertRun.bind(6, run.value("suiteCommit", ""));
    insertRun.bind(7, run.value("harnessVersion", ""));
    insertRun.bind(8, static_cast<int64_t>(results.size()));
    insertRun.bind(9, unexpected);
    insertRun.bind(10, dumpJson(report, -1));
    insertRun.exec();
    const int64_t runId = db_->getLastInsertRowid();

    SQLite::Statement insertResult(
        *db_,
        "INSERT INTO results (run_id, result_id, status, expected, "
        "unexpected, message, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
    for (const json& result : results) {
      insertResult.bind(1, runId);
      insertResult.bind(2, result.value("id", ""));
      insertResult.bind(3, result.value("status", ""));
      insertResult.bind(4, result.value("expected", ""));
      insertResult.bind(5, isUnexpected(result) ? 1 : 0);
      insertResult.bind(6, result.value("message", ""));
      insertResult.bind(7, result.value("durationMs", 0.0));
      insertResult.exec();
      insertResult.reset();
    }
    transaction.commit();
    return runId;
  } catch (const SQLite::Exception& error) {
    throw ReportError("run history " + path_ + ": cannot record the run: " + error.what());
  }
}

std::vector<RunSummary> RunHistory::list() const {
  try {
    SQLite::Statement query(*db_,
                            "SELECT id, started_at, duration_ms, target_name, target_version, "
                            "target_url, suite_commit, total, unexpected FROM runs "
                            "ORDER BY id DESC");
    std::vector<RunSummary> runs;
    while (query.executeStep()) {
      runs.push_back(readSummary(query));
    }
    return runs;
  } catch (const SQLite::Exception& error) {
    throw ReportError("run history " + path_ + ": cannot list the runs: " + error.what());
  }
}

std::optional<json> RunHistory::load(int64_t runId) const {
  try {
    SQLite::Statement query(*db_, "SELECT report_json FROM runs WHERE id = ?");
    query.bind(1, runId);
    if (!query.executeStep()) {
      return std::nullopt;
    }
    return json::parse(query.getColumn(0).getString());
  } catch (const SQLite::Exception& error) {
    throw ReportError("run history " + path_ + ": cannot load run " + std::to_string(runId) + ": " +
                      error.what());
  } catch (const json::parse_error& error) {
    throw ReportError("run history " + path_ + ": run " + std::to_string(runId) +
                      " holds a report that is not JSON: " + error.what());
  }
}

std::optional<int64_t> RunHistory::latest(const std::string& targetName) const {
  try {
    SQLite::Statement query(*db_,
                            "SELECT id FROM runs WHERE ? = '' OR target_name = ? "
                            "ORDER BY id DESC LIMIT 1");
    query.bind(1, targetName);
    query.bind(2, targetName);
    if (!query.executeStep()) {
      return std::nullopt;
    }
    return query.getColumn(0).getInt64();
  } catch (const SQLite::Exception& error) {
    throw ReportError("run history " + path_ + ": cannot find the latest run: " + error.what());
  }
}

std::vector<ResultRecord> RunHistory::resultHistory(const std::string& resultId) const {
  try {
    SQLite::Statement query(*db_,
                            "SELECT results.run_id, runs.started_at, results.status, "
                            "results.expected, results.unexpected, results.message, "
                            "results.duration_ms FROM results JOIN runs ON runs.id = "
                            "results.run_id WHERE results.result_id = ? ORDER BY results.run_id "
                            "DESC");
    query.bind(1, resultId);
    std::vector<ResultRecord> records;
    while (query.executeStep()) {
      ResultRecord record;
      record.runId = query.getColumn(0).getInt64();
      record.startedAt = query.getColumn(1).getString();
      record.status = query.getColumn(2).getString();
      record.expected = query.getColumn(3).getString();
      record.unexpected = query.getColumn(4).getInt() != 0;
      record.message = query.getColumn(5).getString();
      record.durationMs = query.getColumn(6).getDouble();
      records.push_back(std::move(record));
    }
    return records;
  } catch (const SQLite::Exception& error) {
    throw ReportError("run history " + path_ + ": cannot read the history of " + resultId + ": " +
                      error.what());
  }
}

}  // namespace doc::reports
