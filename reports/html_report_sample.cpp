// Writes an HTML report (html_report.h) for the browser test and for looking at the page:
//
//   html_report_sample OUT.html                      two made-up runs with every status, an alarm
//                                                    retry chain and WebSocket frames
//   html_report_sample OUT.html A.json [B.json ...]  the JSON reports given, side by side
//
// Requirement texts come from specs/requirements.yaml under the source root (DOC_ROOT).
#include <exception>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "common/paths.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/report_file.h"
#include "reports/requirements_doc.h"

namespace {

using doc::harness::CheckResult;
using doc::harness::Result;
using doc::harness::RunReport;
using doc::harness::Status;
using doc::harness::StepTrace;
using nlohmann::json;

RunReport sampleRun(const std::string& name, const std::string& version, double clockScale) {
  RunReport run;
  run.info.harnessVersion = "0.1.0";
  run.info.suiteCommit = "sample";
  run.info.targetUrl = "http://127.0.0.1:8787";
  run.info.targetName = name;
  run.info.targetVersion = version;
  run.info.protocolVersion = 1;
  run.info.clockScale = clockScale;
  run.info.profiles = {"2024-04-03", "2026-11-24"};
  run.info.startedAt = "2026-12-03T12:00:00Z";
  run.info.durationMs = 95000;
  run.info.commandLine = "do-conformance run --target " + name;
  return run;
}

Result sampleResult(const std::string& scenario, const std::string& profile, Status status,
                    Status expected, const std::string& requirement) {
  Result result;
  result.id = scenario + "[" + profile + "]";
  result.scenarioId = scenario;
  result.profile = profile;
  result.description = "Sample scenario " + scenario + ".";
  result.level = "MUST";
  result.requirements = {requirement};
  result.status = status;
  result.expected = expected;
  result.durationMs = 420;
  if (status != Status::kPass) {
    result.message = "step get: status: wanted 200, got 500";
  }

  StepTrace step;
  step.id = "get";
  step.kind = "fetch";
  step.request = {{"method", "GET"}, {"url", "/obj/Probe/a/echo"}};
  step.observation = {{"status", status == Status::kPass ? 200 : 500}, {"body", "hello"}};
  step.durationMs = 3;
  step.checks.push_back({requirement,
                         status == Status::kPass,
                         status == Status::kPass ? "" : result.message,
                         {{"status", 200}}});
  result.trace.push_back(step);
  return result;
}

// An alarm that throws every time: seven invocations, the gaps doubling from 2 s. `lateBy` delays
// the fifth, which then falls outside its window.
Result alarmChain(const std::string& profile, double lateBy) {
  Result result =
      sampleResult("alarm/retry-chain", profile, lateBy > 0 ? Status::kFail : Status::kPass,
                   Status::kPass, "ALARM-012");
  result.description =
      "An alarm handler that always throws is retried six times, 2 s apart "
      "and doubling.";
  result.durationMs = 128000;
  if (lateBy > 0) {
    result.message = "step chain: events: gap 4 is 23 s, outside [16 s, 20 s]";
  }

  json events = json::array();
  double ts = 1796309392461;
  events.push_back({{"event", "constructor"}, {"seq", 1}, {"ts", ts}});
  events.push_back({{"event", "fetch"}, {"op", "alarm.set"}, {"seq", 2}, {"ts", ts + 49}});
  ts += 207;
  const double gaps[] = {0, 2300, 4400, 8500, 16800 + lateBy, 33000, 64500};
  for (int retry = 0; retry < 7; ++retry) {
    ts += gaps[retry];
    if (retry == 4) {
      events.push_back({{"event", "constructor"}, {"seq", 3 + 2 * retry}, {"ts", ts - 2}});
    }
    events.push_back({{"event", "alarm"},
                      {"alarmInfo", {{"isRetry", retry > 0}, {"retryCount", retry}}},
                      {"seq", 4 + 2 * retry},
                      {"ts", ts}});
  }

  StepTrace step;
  step.id = "chain";
  step.kind = "waitLog";
  step.request = {{"method", "GET"}, {"url", "/obj/Probe/a/log"}};
  step.observation = {{"events", events}, {"matched", true}};
  step.durationMs = 127000;
  step.checks.push_back({"ALARM-012",
                         lateBy == 0,
                         lateBy == 0 ? "" : result.message,
                         {{"events",
                           {{"$gaps",
                             {{"where", {{"event", "alarm"}}},
                              {"nominal", {2000, 4000, 8000, 16000, 32000, 64000}},
                              {"jitter", 0.25}}}}}}});
  result.trace = {step};
  return result;
}

Result webSocketEcho(const std::string& profile) {
  Result result = sampleResult("websocket/echo", profile, Status::kPass, Status::kPass, "WS-001");
  result.description = "A hibernatable WebSocket echoes text and closes cleanly.";
  json events = json::array({
      {{"event", "fetch"}, {"path", "/ws"}, {"seq", 1}, {"ts", 1000}},
      {{"event", "webSocketMessage"}, {"data", "hello"}, {"seq", 2}, {"ts", 1012}},
      {{"event", "webSocketMessage"}, {"data", "<b>not bold</b>"}, {"seq", 3}, {"ts", 1020}},
      {{"event", "webSocketClose"}, {"code", 1000}, {"reason", "bye"}, {"seq", 4}, {"ts", 1031}},
  });
  StepTrace step;
  step.id = "log";
  step.kind = "log";
  step.observation = {{"events", events}};
  step.checks.push_back({"WS-001", true, "", {{"events", {{"$count", {{"is", 3}}}}}}});
  result.trace = {step};
  return result;
}

std::vector<RunReport> sampleRuns() {
  RunReport reference = sampleRun("do-reference", "0.1.0", 0.1);
  RunReport workerd = sampleRun("workerd", "2026-11-17", 1);
  for (const std::string profile : {"2024-04-03", "2026-11-24"}) {
    reference.results.push_back(
        sampleResult("fetch/echo", profile, Status::kPass, Status::kPass, "FETCH-001"));
    reference.results.push_back(alarmChain(profile, 0));
    reference.results.push_back(webSocketEcho(profile));
  }
  workerd.results = {
      sampleResult("fetch/echo", "2024-04-03", Status::kPass, Status::kPass, "FETCH-001"),
      sampleResult("fetch/echo", "2026-11-24", Status::kFail, Status::kFail, "FETCH-001"),
      alarmChain("2024-04-03", 0),
      alarmChain("2026-11-24", 7000),
      sampleResult("storage/timeout", "2024-04-03", Status::kTimeout, Status::kPass, "STORAGE-001"),
      sampleResult("storage/error", "2024-04-03", Status::kError, Status::kPass, "STORAGE-002"),
      sampleResult("rpc/skipped", "2024-04-03", Status::kSkip, Status::kPass, "RPC-001"),
      sampleResult("rpc/needs-rpc", "2024-04-03", Status::kPreconditionFailed, Status::kPass,
                   "RPC-002"),
      sampleResult("rpc/flaky", "2026-11-24", Status::kFlaky, Status::kPass, "RPC-003"),
      sampleResult("fetch/stale", "2026-11-24", Status::kPass, Status::kFail, "FETCH-002"),
  };
  workerd.results[1].expectationReason = "workerd 2026-11-17 answers 500 (observed §3)";
  workerd.results[9].expectationReason = "fixed upstream; remove the entry";
  workerd.results[4].message = "<script>alert(1)</script> & \xff not UTF-8";
  return {reference, workerd};
}

json readJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path);
  }
  try {
    return json::parse(in);
  } catch (const json::exception& error) {
    throw std::runtime_error(path + ": " + error.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: html_report_sample OUT.html [REPORT.json ...]\n";
    return 2;
  }
  try {
    std::vector<RunReport> runs;
    for (int i = 2; i < argc; ++i) {
      runs.push_back(doc::reports::runReportFromJson(readJsonFile(argv[i])));
    }
    if (runs.empty()) {
      runs = sampleRuns();
    }
    const json requirements =
        doc::reports::loadRequirementsDocument(doc::sourcePath("specs/requirements.yaml"));
    doc::reports::writeHtmlReport(runs, requirements, argv[1]);
  } catch (const std::exception& error) {
    std::cerr << "html_report_sample: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
