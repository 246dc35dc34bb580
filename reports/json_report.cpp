#include "reports/json_report.h"

#include "reports/report_file.h"

namespace doc::reports {

namespace {

using harness::CheckResult;
using harness::Result;
using harness::RunInfo;
using harness::RunReport;
using harness::StepTrace;
using nlohmann::json;

json runJson(const RunInfo& info) {
  return {
      {"harnessVersion", info.harnessVersion}, {"suiteCommit", info.suiteCommit},
      {"targetUrl", info.targetUrl},           {"targetName", info.targetName},
      {"targetVersion", info.targetVersion},   {"protocolVersion", info.protocolVersion},
      {"clockScale", info.clockScale},         {"profiles", info.profiles},
      {"startedAt", info.startedAt},           {"durationMs", info.durationMs},
      {"commandLine", info.commandLine},
  };
}

json summaryJson(const RunReport& report) {
  json summary = {{"total", report.results.size()}};
  for (harness::Status status : kAllStatuses) {
    summary[harness::toString(status)] = report.count(status);
  }
  summary["unexpected"] = report.unexpectedCount();
  return summary;
}

json checkJson(const CheckResult& check) {
  return {
      {"requirement", check.requirement},
      {"passed", check.passed},
      {"message", check.message},
      {"expected", check.expected},
  };
}

json stepJson(const StepTrace& step) {
  json checks = json::array();
  for (const CheckResult& check : step.checks) {
    checks.push_back(checkJson(check));
  }
  return {
      {"id", step.id},
      {"kind", step.kind},
      {"request", step.request},
      {"observation", step.observation},
      {"startedMs", step.startedMs},
      {"durationMs", step.durationMs},
      {"checks", std::move(checks)},
  };
}

json resultJson(const Result& result) {
  json trace = json::array();
  for (const StepTrace& step : result.trace) {
    trace.push_back(stepJson(step));
  }

  json out = {
      {"id", result.id},
      {"scenario", result.scenarioId},
      {"profile", result.profile},
      {"description", result.description},
      {"level", result.level},
      {"requirements", result.requirements},
      {"status", harness::toString(result.status)},
      {"expected", harness::toString(result.expected)},
      {"unexpected", result.isUnexpected()},
      {"durationMs", result.durationMs},
      {"attempts", result.attempts},
      {"message", result.message},
      {"trace", std::move(trace)},
  };
  // Present only when an expectations file gave one, so its absence means "none was given".
  if (!result.expectationReason.empty()) {
    out["expectationReason"] = result.expectationReason;
  }
  return out;
}

}  // namespace

json toJson(const RunReport& report) {
  json results = json::array();
  for (const Result& result : report.results) {
    results.push_back(resultJson(result));
  }
  return {
      {"schemaVersion", kJsonSchemaVersion},
      {"run", runJson(report.info)},
      {"summary", summaryJson(report)},
      {"results", std::move(results)},
  };
}

std::string dumpJson(const json& value, int indent) {
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

void writeJsonReport(const RunReport& report, const std::string& path) {
  writeReportFile(path, dumpJson(toJson(report)) + "\n");
}

}  // namespace doc::reports
