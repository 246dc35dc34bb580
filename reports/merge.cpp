#include "reports/merge.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>

#include "reports/json_report.h"
#include "reports/report_file.h"

namespace doc::reports {

namespace {

using nlohmann::json;

// Run fields that must agree for the shards to be one run of one suite against one target.
const std::vector<std::string> kSameRunFields = {"suiteCommit",   "harnessVersion",  "targetName",
                                                 "targetVersion", "protocolVersion", "clockScale"};

std::string nameOf(const std::vector<std::string>& names, size_t index, size_t count) {
  if (index < names.size() && !names[index].empty()) {
    return names[index];
  }
  return "report " + std::to_string(index + 1) + " of " + std::to_string(count);
}

// "2026-12-03T14:57:39Z" as milliseconds since the epoch; nullopt for any other shape.
std::optional<double> isoToEpochMs(const std::string& text) {
  int year = 0;
  unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char zone = 0;
  if (std::sscanf(text.c_str(), "%4d-%2u-%2uT%2u:%2u:%2u%c", &year, &month, &day, &hour, &minute,
                  &second, &zone) != 7 ||
      zone != 'Z') {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                         std::chrono::day(day)};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  const auto seconds = std::chrono::sys_days(date).time_since_epoch() + std::chrono::hours(hour) +
                       std::chrono::minutes(minute) + std::chrono::seconds(second);
  return std::chrono::duration<double, std::milli>(seconds).count();
}

void requireReportShape(const json& report, const std::string& name) {
  if (!report.is_object() || !report.contains("run") || !report["run"].is_object() ||
      !report.contains("results") || !report["results"].is_array()) {
    throw ReportError(name + ": not a do-conformance JSON report (no run or results)");
  }
}

void requireSameRun(const json& first, const std::string& firstName, const json& other,
                    const std::string& otherName) {
  if (first.value("schemaVersion", json()) != other.value("schemaVersion", json())) {
    throw ReportError("cannot merge " + otherName + " with " + firstName +
                      ": schemaVersion differs (" + other.value("schemaVersion", json()).dump() +
                      " vs " + first.value("schemaVersion", json()).dump() + ")");
  }
  for (const std::string& field : kSameRunFields) {
    const json a = first["run"].value(field, json());
    const json b = other["run"].value(field, json());
    if (a != b) {
      throw ReportError("cannot merge " + otherName + " with " + firstName + ": run." + field +
                        " differs (" + b.dump() + " vs " + a.dump() +
                        "); shards must run one suite commit against one target");
    }
  }
}

json mergedRunInfo(const std::vector<json>& reports) {
  // The earliest readable start; with none readable, the first report's.
  size_t earliest = 0;
  std::optional<double> earliestMs;
  for (size_t i = 0; i < reports.size(); ++i) {
    const auto startMs = isoToEpochMs(reports[i]["run"].value("startedAt", ""));
    if (startMs && (!earliestMs || *startMs < *earliestMs)) {
      earliest = i;
      earliestMs = startMs;
    }
  }

  json run = reports[earliest]["run"];
  double longest = 0;
  double lastEndMs = 0;  // Since the earliest start; starts are whole seconds, so this is exact.
  bool everyStartKnown = earliestMs.has_value();
  std::vector<std::string> commandLines;
  json profiles = json::array();
  for (const json& report : reports) {
    const json& info = report["run"];
    const double durationMs = info.value("durationMs", 0.0);
    longest = std::max(longest, durationMs);
    if (const auto startMs = isoToEpochMs(info.value("startedAt", "")); startMs && earliestMs) {
      lastEndMs = std::max(lastEndMs, (*startMs - *earliestMs) + durationMs);
    } else {
      everyStartKnown = false;
    }

    const std::string commandLine = info.value("commandLine", "");
    if (std::find(commandLines.begin(), commandLines.end(), commandLine) == commandLines.end()) {
      commandLines.push_back(commandLine);
    }
    for (const json& profile : info.value("profiles", json::array())) {
      if (std::find(profiles.begin(), profiles.end(), profile) == profiles.end()) {
        profiles.push_back(profile);
      }
    }
  }

  run["durationMs"] = everyStartKnown ? std::max(longest, lastEndMs) : longest;
  std::string joined;
  for (const std::string& commandLine : commandLines) {
    joined += (joined.empty() ? "" : "; ") + commandLine;
  }
  run["commandLine"] = joined;
  run["profiles"] = profiles;
  return run;
}

}  // namespace

json summarizeResults(const json& results) {
  json summary = {{"total", results.size()}};
  for (harness::Status status : kAllStatuses) {
    summary[harness::toString(status)] = 0;
  }
  int unexpected = 0;
  for (const json& result : results) {
    const std::string status = result.value("status", "");
    if (summary.contains(status) && status != "total") {
      summary[status] = summary[status].get<int>() + 1;
    }
    unexpected += result.value("unexpected", false) ? 1 : 0;
  }
  summary["unexpected"] = unexpected;
  return summary;
}

json mergeReports(const std::vector<json>& shardReports, const std::vector<std::string>& names) {
  if (shardReports.empty()) {
    throw ReportError("nothing to merge: no reports given");
  }
  const size_t count = shardReports.size();
  for (size_t i = 0; i < count; ++i) {
    requireReportShape(shardReports[i], nameOf(names, i, count));
  }
  for (size_t i = 1; i < count; ++i) {
    requireSameRun(shardReports[0], nameOf(names, 0, count), shardReports[i],
                   nameOf(names, i, count));
  }

  std::map<std::string, size_t> reportOfResult;
  std::vector<json> results;
  for (size_t i = 0; i < count; ++i) {
    for (const json& result : shardReports[i]["results"]) {
      const std::string id = result.value("id", "");
      const auto [seen, inserted] = reportOfResult.emplace(id, i);
      if (!inserted) {
        throw ReportError("cannot merge: result " + id + " is in both " +
                          nameOf(names, seen->second, count) + " and " + nameOf(names, i, count) +
                          " (a shard given twice, or shards of different splits)");
      }
      results.push_back(result);
    }
  }
  std::stable_sort(results.begin(), results.end(), [](const json& a, const json& b) {
    return a.value("scenario", "") < b.value("scenario", "");
  });

  json merged = {
      {"schemaVersion", shardReports[0].value("schemaVersion", kJsonSchemaVersion)},
      {"run", mergedRunInfo(shardReports)},
      {"results", json(results)},
  };
  merged["summary"] = summarizeResults(merged["results"]);
  return merged;
}

}  // namespace doc::reports
