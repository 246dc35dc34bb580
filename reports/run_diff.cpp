#include "reports/run_diff.h"

#include <algorithm>
#include <map>

#include "reports/report_file.h"
#include "reports/text_util.h"

namespace doc::reports {

namespace {

using nlohmann::json;

// The widest label ("newly failing", "newly passing"), so that ids line up in a column.
constexpr size_t kLabelWidth = 13;
// A message long enough to say what differed, short enough to keep the diff scannable.
constexpr size_t kMessageLimit = 200;

bool isUnexpected(const json& result) {
  if (result.contains("unexpected")) {
    return result["unexpected"].get<bool>();
  }
  const std::string status = result.value("status", "");
  return status != result.value("expected", "PASS") && status != "SKIP" &&
         status != "PRECONDITION_FAILED";
}

std::map<std::string, const json*> resultsById(const json& report, const char* which) {
  if (!report.is_object() || !report.contains("results") || !report["results"].is_array()) {
    throw ReportError(std::string("cannot compare runs: the ") + which +
                      " report is not a do-conformance JSON report (no results array)");
  }
  std::map<std::string, const json*> byId;
  for (const json& result : report["results"]) {
    byId[result.value("id", "")] = &result;
  }
  return byId;
}

std::string describeRun(const json& report) {
  const json run = report.value("run", json::object());
  std::string text = run.value("targetName", "unknown target");
  if (const std::string version = run.value("targetVersion", ""); !version.empty()) {
    text += " " + version;
  }
  if (const std::string started = run.value("startedAt", ""); !started.empty()) {
    text += ", " + started;
  }
  return text;
}

ResultChange changeOf(const json* before, const json* after) {
  ResultChange change;
  change.id = (after != nullptr ? *after : *before).value("id", "");
  change.statusBefore = before != nullptr ? before->value("status", "") : "-";
  change.expectedBefore = before != nullptr ? before->value("expected", "") : "-";
  change.statusAfter = after != nullptr ? after->value("status", "") : "-";
  change.expectedAfter = after != nullptr ? after->value("expected", "") : "-";
  change.unexpectedAfter = after != nullptr && isUnexpected(*after);
  change.message = (after != nullptr ? *after : *before).value("message", "");

  if (before == nullptr) {
    change.kind = ChangeKind::kAdded;
  } else if (after == nullptr) {
    change.kind = ChangeKind::kRemoved;
  } else if (!isUnexpected(*before) && change.unexpectedAfter && change.statusAfter != "PASS") {
    change.kind = ChangeKind::kNewlyFailing;
  } else if ((isUnexpected(*before) && !change.unexpectedAfter) ||
             (change.statusBefore != "PASS" && change.statusAfter == "PASS")) {
    change.kind = ChangeKind::kNewlyPassing;
  } else if (change.statusAfter == "FLAKY") {
    change.kind = ChangeKind::kFlaky;
  } else {
    change.kind = ChangeKind::kStatusChanged;
  }
  return change;
}

// A FLAKY result is listed even when it was FLAKY before too: it is never "unchanged" news.
bool isListed(const json* before, const json* after) {
  if (before == nullptr || after == nullptr) {
    return true;
  }
  return before->value("status", "") != after->value("status", "") ||
         before->value("expected", "") != after->value("expected", "") ||
         isUnexpected(*before) != isUnexpected(*after) || after->value("status", "") == "FLAKY";
}

}  // namespace

std::string toString(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kNewlyFailing:
      return "newly failing";
    case ChangeKind::kNewlyPassing:
      return "newly passing";
    case ChangeKind::kFlaky:
      return "flaky";
    case ChangeKind::kStatusChanged:
      return "changed";
    case ChangeKind::kAdded:
      return "added";
    case ChangeKind::kRemoved:
      return "removed";
  }
  return "unknown";
}

RunDiff diffRuns(const json& before, const json& after) {
  const auto beforeById = resultsById(before, "earlier");
  const auto afterById = resultsById(after, "later");

  RunDiff diff;
  diff.before = describeRun(before);
  diff.after = describeRun(after);
  for (const auto& [id, result] : beforeById) {
    const auto found = afterById.find(id);
    const json* later = found != afterById.end() ? found->second : nullptr;
    if (isListed(result, later)) {
      diff.changes.push_back(changeOf(result, later));
    } else {
      ++diff.unchanged;
    }
  }
  for (const auto& [id, result] : afterById) {
    if (!beforeById.contains(id)) {
      diff.changes.push_back(changeOf(nullptr, result));
    }
  }

  std::stable_sort(diff.changes.begin(), diff.changes.end(),
                   [](const ResultChange& a, const ResultChange& b) {
                     return a.kind != b.kind ? a.kind < b.kind : a.id < b.id;
                   });
  return diff;
}

std::string renderRunDiff(const RunDiff& diff) {
  std::string text;
  for (const ResultChange& change : diff.changes) {
    std::string label = toString(change.kind);
    label.resize(std::max(label.size(), kLabelWidth), ' ');
    text += label + "  " + change.id + "  " + change.statusBefore + " -> " + change.statusAfter;
    // The expected status says why a line is here when the status alone does not: a pass that
    // an expectations file still calls a failure, or an expectation that changed.
    if (change.unexpectedAfter &&
        (change.expectedAfter != "PASS" || change.statusBefore == change.statusAfter)) {
      text += " (expected " + change.expectedAfter + ")";
    }
    if (!change.message.empty()) {
      text += ": " + oneLine(change.message, kMessageLimit);
    }
    text += "\n";
  }
  text += "compared " + diff.before + " -> " + diff.after + ": " +
          std::to_string(diff.changes.size()) + " changed, " + std::to_string(diff.unchanged) +
          " unchanged\n";
  return text;
}

}  // namespace doc::reports
