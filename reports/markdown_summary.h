// A run's outcome as a pull-request comment: one headline per target, the unexpected results in
// a table, the known failures folded away, and the coverage in one line.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace doc::reports {

// `reports` are JSON reports, one per target (or run). `coverageLine` (coverageSummaryLine() of
// reports/coverage.h) is appended when not empty. Messages are cut to their first line and 120
// characters, and each table to kMaxSummaryRows rows, so the comment stays under GitHub's size
// limit whatever the run produced.
std::string renderMarkdownSummary(const std::vector<nlohmann::json>& reports,
                                  const std::string& coverageLine = "");

// GitHub refuses comments over 65,536 characters; 100 rows of at most ~400 characters each stay
// well under it with room for the headlines.
inline constexpr size_t kMaxSummaryRows = 100;

}  // namespace doc::reports
