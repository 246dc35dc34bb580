#include "reports/markdown_summary.h"

#include <map>

#include "reports/json_report.h"
#include "reports/text_util.h"

namespace doc::reports {

namespace {

using nlohmann::json;

// Enough of a message to recognise the failure in a table cell; the full one is in the report.
constexpr size_t kMessageLimit = 120;

struct Row {
  std::string target;
  const json* result;
};

std::string targetLabel(const json& report) {
  const json run = report.value("run", json::object());
  std::string label = run.value("targetName", "unknown target");
  if (const std::string version = run.value("targetVersion", ""); !version.empty()) {
    label += " " + version;
  }
  return label;
}

// The report's results in place (rows point into them), or an empty list.
const json& resultsOf(const json& report) {
  static const json kNone = json::array();
  const auto found = report.find("results");
  return found != report.end() && found->is_array() ? *found : kNone;
}

bool isUnexpected(const json& result) {
  if (result.contains("unexpected")) {
    return result["unexpected"].get<bool>();
  }
  const std::string status = result.value("status", "");
  return status != result.value("expected", "PASS") && status != "SKIP" &&
         status != "PRECONDITION_FAILED";
}

// A known failure: not passing, expected so by an expectations file, and not merely not run.
bool isKnownFailure(const json& result) {
  const std::string status = result.value("status", "");
  return !isUnexpected(result) && status != "PASS" && status != "SKIP" &&
         status != "PRECONDITION_FAILED";
}

std::string headline(const json& report, const std::string& label) {
  const json& results = resultsOf(report);
  int unexpected = 0;
  int known = 0;
  std::map<std::string, int> byStatus;
  for (const json& result : results) {
    unexpected += isUnexpected(result) ? 1 : 0;
    known += isKnownFailure(result) ? 1 : 0;
    ++byStatus[result.value("status", "")];
  }

  std::string counts;
  for (harness::Status status : kAllStatuses) {
    const std::string name = harness::toString(status);
    if (byStatus[name] > 0) {
      counts += (counts.empty() ? "" : ", ") + std::to_string(byStatus[name]) + " " + name;
    }
  }
  std::string line = std::string(unexpected == 0 ? "✅" : "❌") + " **" + markdownCell(label) +
                     "**: " + std::to_string(results.size()) + " results, ";
  line += unexpected == 0 ? "all as expected" : std::to_string(unexpected) + " unexpected";
  if (known > 0) {
    line += ", " + std::to_string(known) + (known == 1 ? " known failure" : " known failures");
  }
  return line + (counts.empty() ? "" : " (" + counts + ")") + "\n";
}

std::string table(const std::vector<Row>& rows, bool withTarget, bool withReason) {
  std::string text = withTarget ? "| Target " : "";
  text +=
      "| Result | Status | Expected | " + std::string(withReason ? "Reason" : "Message") + " |\n";
  text += withTarget ? "|---" : "";
  text += "|---|---|---|---|\n";
  for (size_t i = 0; i < rows.size() && i < kMaxSummaryRows; ++i) {
    const json& result = *rows[i].result;
    const std::string note =
        withReason ? result.value("expectationReason", "") : result.value("message", "");
    text += withTarget ? "| " + markdownCell(rows[i].target) + " " : "";
    text += "| `" + markdownCell(result.value("id", "")) + "` | " + result.value("status", "") +
            " | " + result.value("expected", "") + " | " +
            markdownCell(oneLine(note, kMessageLimit)) + " |\n";
  }
  if (rows.size() > kMaxSummaryRows) {
    text += "\n… and " + std::to_string(rows.size() - kMaxSummaryRows) +
            " more; the full list is in the JSON report.\n";
  }
  return text;
}

}  // namespace

std::string renderMarkdownSummary(const std::vector<json>& reports,
                                  const std::string& coverageLine) {
  std::string text = "### do-conformance\n\n";
  std::vector<Row> unexpected;
  std::vector<Row> known;
  for (const json& report : reports) {
    const std::string label = targetLabel(report);
    text += headline(report, label);
    for (const json& result : resultsOf(report)) {
      if (isUnexpected(result)) {
        unexpected.push_back({label, &result});
      } else if (isKnownFailure(result)) {
        known.push_back({label, &result});
      }
    }
  }
  if (reports.empty()) {
    text += "No reports.\n";
  }

  const bool withTarget = reports.size() > 1;
  if (!unexpected.empty()) {
    text += "\n#### Unexpected results (" + std::to_string(unexpected.size()) + ")\n\n";
    text += table(unexpected, withTarget, false);
  }
  if (!known.empty()) {
    // A blank line after <summary> lets GitHub render the Markdown table inside <details>.
    text += "\n<details><summary>Known failures (" + std::to_string(known.size()) +
            ")</summary>\n\n" + table(known, withTarget, true) + "\n</details>\n";
  }
  if (!coverageLine.empty()) {
    text += "\n" + coverageLine + "\n";
  }
  return text;
}

}  // namespace doc::reports
