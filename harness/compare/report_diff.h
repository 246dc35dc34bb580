// The differential run: the same results from two targets (or two runs), compared status by
// status and step by step, after removing what always differs between runs and runtimes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace doc::harness {

struct ResultDifference {
  std::string id;
  std::string statusA;  // "PASS", ..., or "-" when the result is missing from that report.
  std::string statusB;
  std::string firstDifference;  // Empty when only the statuses differ, or nothing does.
};

// What the comparison ignores, so that only behaviour remains: timestamps and durations (with a
// WebSocket frame's `at` and a connection's `endedAt`), epoch times anywhere (scheduled alarm
// times), object ids (64 hex digits), the run id in object names and URLs, response headers
// (each runtime adds its own), and the log's bookkeeping (`last`, `reads`, `waitedMs`). A string
// holding JSON is compared as JSON. Everything else, error names and messages included, is
// compared.
nlohmann::json normaliseObservation(const nlohmann::json& observation);

// Every result whose status or normalised trace differs between two JSON reports, by id.
std::vector<ResultDifference> diffReports(const nlohmann::json& a, const nlohmann::json& b);

// A Markdown table of the differences, titled with both targets' names and versions.
std::string renderDifferences(const nlohmann::json& a, const nlohmann::json& b,
                              const std::vector<ResultDifference>& differences);

}  // namespace doc::harness
