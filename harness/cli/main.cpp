// do-conformance: runs the conformance scenarios against a target (the reference runtime by
// default, workerd, or any URL that speaks specs/probe-protocol.md) and writes reports.
//
// Exit codes: 0 every result as expected; 1 unexpected results; 2 usage or configuration error;
// 3 target unreachable or harness error; 4 nothing selected.

#include <fnmatch.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/process.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <regex>
#include <sstream>

#include "common/compat.h"
#include "common/paths.h"
#include "common/yaml_util.h"
#include "harness/cli/console.h"
#include "harness/compare/report_diff.h"
#include "harness/runner/expectations.h"
#include "harness/runner/shard.h"
#include "harness/runner/suite_runner.h"
#include "harness/scenario/scenario_loader.h"
#include "harness/target/info_check.h"
#include "reports/coverage.h"
#include "reports/history.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/junit_report.h"
#include "reports/markdown_summary.h"
#include "reports/merge.h"
#include "reports/requirements_doc.h"
#include "reports/run_diff.h"

namespace {

using namespace doc;
using namespace doc::harness;
namespace fs = std::filesystem;

enum ExitCode { kClean = 0, kUnexpected = 1, kUsage = 2, kTargetError = 3, kNothingSelected = 4 };

struct RunCommand {
  std::string target = "reference";
  std::string scenarios;
  std::vector<std::string> filters;
  std::vector<std::string> excludes;
  std::vector<std::string> tags;
  std::vector<std::string> excludeTags;
  bool list = false;
  int jobs = 4;
  int deadlineSeconds = 1800;
  int repeat = 1;
  int retryUnexpected = 0;
  double timeoutMultiplier = 1.0;
  // The reference's clock runs ten times as fast by default: the longest alarm chain (about
  // 160 s of retries) then takes 16 s, and 20 ms of real slack is still 200 ms of the target's
  // time, small enough to tell a 2 s first retry from a 1 s or 3 s one.
  double timeScale = 0.1;
  double timingSlackMs = 20;
  std::string reportDir = "do-conformance-reports";
  std::string jsonPath;
  std::string junitPath;
  std::string expectationsPath;
  std::string writeExpectationsPath;
  std::string htmlPath;
  std::string markdownPath;
  std::string historyPath;
  std::string shard;
  bool verbose = false;
  std::string referenceBinary;
  std::vector<std::string> referenceArgs;
};

std::string selfDirectory() {
  return fs::canonical("/proc/self/exe").parent_path().string();
}

std::string nowIso() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

std::string newRunId() {
  std::random_device random;
  static const char* digits = "0123456789abcdef";
  std::string id = "r";
  for (int i = 0; i < 8; ++i) {
    id += digits[random() % 16];
  }
  return id;
}

std::string suiteCommit() {
  namespace bp = boost::process;
  try {
    bp::ipstream out;
    bp::child git(bp::search_path("git"), "-C", sourceRoot(), "describe", "--always", "--dirty",
                  bp::std_out > out, bp::std_err > bp::null);
    std::string line;
    std::getline(out, line);
    git.wait();
    return git.exit_code() == 0 && !line.empty() ? line : "unknown";
  } catch (const std::exception&) {
    return "unknown";
  }
}

// Only * and ? are wildcards: result ids contain brackets ("fetch/hello[2026-11-24]"), which
// fnmatch would read as a character class.
std::string literalBrackets(const std::string& glob) {
  std::string escaped;
  for (const char c : glob) {
    if (c == '[' || c == ']') {
      escaped += '\\';
    }
    escaped += c;
  }
  return escaped;
}

bool globMatches(const std::vector<std::string>& globs, const std::string& text) {
  for (const auto& glob : globs) {
    if (::fnmatch(literalBrackets(glob).c_str(), text.c_str(), 0) == 0) {
      return true;
    }
  }
  return false;
}

// Filters apply to result ids ("fetch/hello[2026-11-24]") and scenario ids alike; --shard keeps
// the results whose id hashes to this job's shard.
std::vector<PlannedResult> select(const std::vector<PlannedResult>& plan, const RunCommand& run) {
  std::vector<PlannedResult> selected;
  const std::optional<Shard> shard =
      run.shard.empty() ? std::nullopt : std::optional(parseShard(run.shard));
  for (const auto& planned : plan) {
    const std::string id = resultId(planned.scenario->id, planned.profile);
    if (shard && !inShard(id, *shard)) {
      continue;
    }
    const auto matches = [&](const std::vector<std::string>& globs) {
      return globMatches(globs, id) || globMatches(globs, planned.scenario->id);
    };
    if (!run.filters.empty() && !matches(run.filters)) {
      continue;
    }
    if (matches(run.excludes)) {
      continue;
    }
    const auto& tags = planned.scenario->tags;
    const auto hasAnyOf = [&tags](const std::vector<std::string>& wanted) {
      return std::any_of(wanted.begin(), wanted.end(), [&](const std::string& tag) {
        return std::find(tags.begin(), tags.end(), tag) != tags.end();
      });
    };
    if ((!run.tags.empty() && !hasAnyOf(run.tags)) || hasAnyOf(run.excludeTags)) {
      continue;
    }
    selected.push_back(planned);
  }
  return selected;
}

std::unique_ptr<TargetSession> openTarget(const RunCommand& run,
                                          const std::vector<std::string>& profiles,
                                          const std::string& runId, const LogSink& log) {
  if (run.target.starts_with("http://") &&
      !boost::urls::parse_absolute_uri(run.target).has_value()) {
    throw CLI::ValidationError("--target", "\"" + run.target + "\" is not a valid URL");
  }
  if (run.target.starts_with("http://")) {
    std::string url = run.target;
    while (url.ends_with("/")) {
      url.pop_back();
    }
    return std::make_unique<TargetSession>(url, nullptr);
  }

  LaunchCommand command;
  std::chrono::milliseconds startTimeout;
  const std::string dataDir = fs::absolute(run.reportDir + "/" + run.target + "-data-" + runId);
  if (run.target == "reference") {
    command.name = "do-reference";
    command.executable =
        run.referenceBinary.empty() ? selfDirectory() + "/do-reference" : run.referenceBinary;
    command.args = {"--listen", "127.0.0.1:0",  "--data-dir",
                    dataDir,    "--time-scale", std::to_string(run.timeScale)};
    command.args.insert(command.args.end(), run.referenceArgs.begin(), run.referenceArgs.end());
    startTimeout = std::chrono::seconds(30);  // Opening SQLite and binding: well under a second.
  } else if (run.target == "workerd") {
    command.name = "workerd";
    command.executable = boost::process::search_path("node").string();
    if (command.executable.empty()) {
      throw TargetError("--target workerd needs node on the PATH (tools/install-deps.sh)");
    }
    command.args = {sourcePath("tools/workerd/launch.mjs"), "--data-dir", dataDir};
    // A cold start of the 160 MB binary took up to 9 s here; the launcher bounds its own steps.
    startTimeout = std::chrono::seconds(90);
  } else {
    throw CLI::ValidationError(
        "--target", "expected reference, workerd or an http:// URL, got \"" + run.target + "\"");
  }
  for (const auto& profile : profiles) {
    command.args.push_back("--profile");
    command.args.push_back(profile);
  }

  auto managed =
      std::make_unique<ManagedTarget>(command, run.reportDir + "/target.log", startTimeout, log);
  const std::string url = managed->start();
  return std::make_unique<TargetSession>(url, std::move(managed));
}

std::string shellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return quoted + "'";
}

int runSuite(const RunCommand& run, const std::string& commandLine) {
  const LogSink log = stderrLogSink(run.verbose ? LogLevel::kDebug : LogLevel::kWarning);
  const CompatTable table = CompatTable::loadDefault();
  LoadOptions loadOptions{table.newestSupportedDate().iso,
                          loadRequirementIds(sourcePath("specs/requirements.yaml"))};
  const std::string folder =
      run.scenarios.empty() ? sourcePath("conformance/scenarios") : run.scenarios;
  const std::vector<Scenario> scenarios = loadScenarioFolder(folder, loadOptions);
  const std::vector<PlannedResult> plan = select(planResults(scenarios), run);

  if (run.list) {
    for (const auto& planned : plan) {
      std::cout << resultId(planned.scenario->id, planned.profile) << "\n";
    }
    return plan.empty() ? kNothingSelected : kClean;
  }
  if (plan.empty()) {
    std::cerr << "do-conformance: no scenario selected: " << scenarios.size() << " scenarios in "
              << folder
              << (run.filters.empty() && run.tags.empty() && run.excludes.empty() &&
                          run.excludeTags.empty()
                      ? ""
                      : ", none left after --filter, --exclude and --tag")
              << "\n";
    return kNothingSelected;
  }

  // A target the suite ships expectations for uses them unless told otherwise.
  std::string expectationsPath = run.expectationsPath;
  if (expectationsPath.empty() && run.target == "workerd") {
    expectationsPath = sourcePath("conformance/expectations/workerd.yaml");
  }
  ExpectationFile expectations;
  if (!expectationsPath.empty() && expectationsPath != "none") {
    expectations = loadExpectationFile(expectationsPath);
  }

  std::vector<std::string> profiles;
  for (const auto& planned : plan) {
    if (std::find(profiles.begin(), profiles.end(), planned.profile) == profiles.end()) {
      profiles.push_back(planned.profile);
    }
  }

  std::error_code folderError;
  fs::create_directories(run.reportDir, folderError);
  if (folderError) {
    throw ConfigError(run.reportDir, 0, "--report-dir",
                      "cannot create the report folder: " + folderError.message());
  }
  const std::string runId = newRunId();
  const auto started = std::chrono::steady_clock::now();
  RunReport report;
  report.info.harnessVersion = DOC_VERSION;
  report.info.suiteCommit = suiteCommit();
  report.info.startedAt = nowIso();
  report.info.commandLine = commandLine;

  std::unique_ptr<TargetSession> session;
  try {
    session = openTarget(run, profiles, runId, log);
  } catch (const TargetError& error) {
    std::cerr << "do-conformance: target " << run.target << " unreachable: " << error.what()
              << "\n";
    return kTargetError;
  }
  report.info.targetUrl = session->rootUrl();
  report.info.targetName = session->info().value("/runtime/name"_json_pointer, std::string());
  report.info.targetVersion = session->info().value("/runtime/version"_json_pointer, std::string());
  report.info.protocolVersion = session->protocolVersion();
  report.info.clockScale = session->clockScale();
  report.info.profiles = session->profiles();

  Console console(stdout, run.verbose);
  console.line("do-conformance " + std::string(DOC_VERSION) + ": " + std::to_string(plan.size()) +
               (plan.size() == 1 ? " result" : " results") + " against " + report.info.targetName +
               " " + report.info.targetVersion + " at " + report.info.targetUrl + " (run " + runId +
               ")");

  RunOptions options;
  options.jobs = run.jobs;
  options.deadline = std::chrono::seconds(run.deadlineSeconds);
  options.execution.runId = runId;
  options.execution.timeoutScale = run.timeoutMultiplier;
  options.execution.timingSlackRealMs = run.timingSlackMs;
  const ProgressSink progress = [&](const Result& result, size_t done, size_t total) {
    std::vector<Result> one{result};
    applyExpectations(expectations, one);
    console.resultFinished(one.front(), done, total);
  };

  // --repeat: every result that many times; disagreeing attempts make it FLAKY.
  std::vector<std::vector<Result>> attempts(plan.size());
  for (int round = 0; round < run.repeat; ++round) {
    const auto results = runPlan(plan, *session, options, progress);
    for (size_t i = 0; i < results.size(); ++i) {
      attempts[i].push_back(results[i]);
    }
  }
  report.results.clear();
  for (const auto& tries : attempts) {
    report.results.push_back(combineAttempts(tries));
  }
  applyExpectations(expectations, report.results);

  // --retry-unexpected: each unexpected result again, up to that many times; one that then
  // comes out as expected is FLAKY, reported but not counted as a failure.
  for (int retry = 0; retry < run.retryUnexpected; ++retry) {
    std::vector<size_t> again;
    std::vector<PlannedResult> retryPlan;
    for (size_t i = 0; i < report.results.size(); ++i) {
      if (report.results[i].isUnexpected()) {
        again.push_back(i);
        retryPlan.push_back(plan[i]);
      }
    }
    if (again.empty()) {
      break;
    }
    console.line("retrying " + std::to_string(again.size()) + " unexpected results (retry " +
                 std::to_string(retry + 1) + " of " + std::to_string(run.retryUnexpected) + ")");
    const auto results = runPlan(retryPlan, *session, options, progress);
    for (size_t k = 0; k < again.size(); ++k) {
      std::vector<Result> tries = attempts[again[k]];
      tries.push_back(results[k]);
      attempts[again[k]] = tries;
      std::vector<Result> one{results[k]};
      applyExpectations(expectations, one);
      if (!one.front().isUnexpected()) {
        report.results[again[k]] = combineAttempts(tries);
        report.results[again[k]].status = Status::kFlaky;
      }
    }
    applyExpectations(expectations, report.results);
  }
  report.info.targetUrl = session->rootUrl();  // Where it ended up, after any restart.
  session.reset();  // Stops a managed target before the reports are written.
  report.info.durationMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

  const std::string jsonPath = run.jsonPath.empty() ? run.reportDir + "/report.json" : run.jsonPath;
  const std::string junitPath =
      run.junitPath.empty() ? run.reportDir + "/junit.xml" : run.junitPath;
  const std::string htmlPath = run.htmlPath.empty() ? run.reportDir + "/report.html" : run.htmlPath;
  const std::string markdownPath =
      run.markdownPath.empty() ? run.reportDir + "/summary.md" : run.markdownPath;
  const std::string historyPath =
      run.historyPath.empty() ? run.reportDir + "/history.sqlite" : run.historyPath;
  reports::writeJsonReport(report, jsonPath);
  reports::writeJunitReport(report, junitPath);
  const Json requirements =
      reports::loadRequirementsDocument(sourcePath("specs/requirements.yaml"));
  reports::writeHtmlReport({report}, requirements, htmlPath);
  const Json reportJson = reports::toJson(report);
  const auto coverage = reports::computeCoverage(requirements, scenarios, {reportJson});
  {
    std::ofstream summary(markdownPath);
    summary << reports::renderMarkdownSummary({reportJson}, reports::coverageSummaryLine(coverage));
  }
  reports::RunHistory(historyPath).record(report);
  if (!run.writeExpectationsPath.empty()) {
    std::ofstream out(run.writeExpectationsPath);
    out << renderExpectationFile(report.results, report.info.targetName);
    out.close();
    if (!out) {
      std::cerr << "do-conformance: cannot write the expectations file "
                << run.writeExpectationsPath << "\n";
      return kTargetError;
    }
    console.line("expectations written to " + run.writeExpectationsPath);
  }
  for (const auto& stale : unusedExpectations(expectations, report.results)) {
    if (run.filters.empty() && run.tags.empty() && run.excludes.empty() &&
        run.excludeTags.empty()) {
      console.line("warning: the expectations file names " + stale + ", which this run lacks");
    }
  }

  std::vector<std::string> unexpected;
  int asExpected = 0;
  int knownFailures = 0;
  int notRun = 0;
  std::vector<std::string> flaky;
  for (const auto& result : report.results) {
    if (result.isUnexpected()) {
      unexpected.push_back(result.id);
    } else if (result.status == Status::kFlaky) {
      flaky.push_back(result.id + ": " + result.message);
    } else if (result.status == Status::kPass) {
      ++asExpected;
    } else if (result.status == Status::kSkip || result.status == Status::kPreconditionFailed) {
      ++notRun;
    } else {
      ++knownFailures;
    }
  }
  console.line("reports: " + htmlPath + ", " + jsonPath + ", " + junitPath + ", " + markdownPath +
               "; history: " + historyPath);
  if (!unexpected.empty()) {
    std::string rerun =
        shellQuote(selfDirectory() + "/do-conformance") + " run --target " + shellQuote(run.target);
    if (!run.scenarios.empty()) {
      rerun += " --scenarios " + shellQuote(fs::absolute(run.scenarios).string());
    }
    if (run.target == "reference" && run.timeScale != RunCommand{}.timeScale) {
      std::ostringstream scale;
      scale << run.timeScale;
      rerun += " --time-scale " + scale.str();
    }
    if (run.expectationsPath == "none") {
      rerun += " --expectations none";
    } else if (!run.expectationsPath.empty()) {
      rerun += " --expectations " + shellQuote(fs::absolute(run.expectationsPath).string());
    }
    for (const auto& id : unexpected) {
      rerun += " --filter " + shellQuote(id);
    }
    console.line("rerun the unexpected results with:\n  " + rerun);
  }
  for (const auto& line : flaky) {
    console.line("FLAKY " + line);
  }
  if (knownFailures + notRun > 0) {
    console.line("not passed but as expected: " + std::to_string(knownFailures) +
                 " known failures (expectations file), " + std::to_string(notRun) +
                 " not run here (SKIP or PRECONDITION_FAILED)");
  }
  // The closing line CI systems read: passed = PASS as expected, failed = not as expected,
  // skipped = everything else (known failures, preconditions not met).
  console.line("do-conformance: " + std::to_string(asExpected + int(flaky.size())) + " passed, " +
               std::to_string(unexpected.size()) + " failed, " +
               std::to_string(knownFailures + notRun) + " skipped");
  return unexpected.empty() ? kClean : kUnexpected;
}

// Tells someone porting the probe what their target gets wrong: the /info document field by
// field, the protocol's version handling, then the probe and smoke scenarios with every failure.
int checkTarget(const std::string& rawUrl, int jobs) {
  std::string url = rawUrl;
  while (url.ends_with("/")) {
    url.pop_back();
  }
  Console console(stdout, false);
  std::vector<std::string> problems;
  const auto report = [&](bool ok, const std::string& what) {
    console.line((ok ? "ok       " : "PROBLEM  ") + what);
    if (!ok) {
      problems.push_back(what);
    }
  };

  TargetClient client;
  Json info;
  try {
    info = client.info(url, std::chrono::seconds(10));
  } catch (const TargetError& error) {
    std::cerr << "do-conformance: target " << url << " unreachable: " << error.what() << "\n";
    return kTargetError;
  }
  const auto infoProblems = checkInfoDocument(info);
  report(infoProblems.empty(), "GET /info follows specs/probe-protocol.md");
  for (const auto& problem : infoProblems) {
    report(false, "  /info " + problem);
  }
  if (!infoProblems.empty()) {
    console.line("check-target: fix /info first; " + std::to_string(problems.size()) + " problems");
    return kUnexpected;
  }

  for (const auto& profile : info["profiles"]) {
    const std::string base = profile["baseUrl"];
    try {
      const Json again = client.info(base, std::chrono::seconds(10));
      report(again == info, base + "/info answers the same document as " + url + "/info");
      TargetClient wrongVersion(999);
      const auto exchange = wrongVersion.send("GET", base + "/obj/Probe/check-target/log", {}, "",
                                              std::chrono::seconds(10));
      report(exchange.status == 400, base + " answers 400 to x-probe-protocol: 999 (got " +
                                         std::to_string(exchange.status) + ")");
    } catch (const TargetError& error) {
      report(false, base + ": " + error.what());
    }
  }

  const CompatTable table = CompatTable::loadDefault();
  LoadOptions loadOptions{table.newestSupportedDate().iso,
                          loadRequirementIds(sourcePath("specs/requirements.yaml"))};
  const auto scenarios = loadScenarioFolder(sourcePath("conformance/scenarios"), loadOptions);
  std::vector<PlannedResult> plan;
  for (const auto& planned : planResults(scenarios)) {
    const auto& tags = planned.scenario->tags;
    if (std::find(tags.begin(), tags.end(), "probe") != tags.end() ||
        std::find(tags.begin(), tags.end(), "smoke") != tags.end()) {
      plan.push_back(planned);
    }
  }
  TargetSession session(url, nullptr);
  RunOptions options;
  options.jobs = jobs;
  options.execution.runId = "check-" + newRunId();
  const auto results = runPlan(plan, session, options, [](const Result&, size_t, size_t) {});
  for (const auto& result : results) {
    const bool ok = !result.isUnexpected();
    report(ok, "scenario " + result.id + ": " + toString(result.status) +
                   (result.message.empty() ? "" : "\n           " + result.message));
  }
  console.line("check-target: " + std::to_string(problems.size()) + " problems");
  return problems.empty() ? kClean : kUnexpected;
}

Json loadReportFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw ConfigError(path, 0, "", "cannot open the report");
  }
  Json report = Json::parse(in, nullptr, false);
  if (!report.is_object() || !report.contains("results")) {
    throw ConfigError(path, 0, "", "not a do-conformance JSON report");
  }
  return report;
}

// Joins the reports of a sharded run (--shard i/n on n jobs) into one, with its HTML page.
int mergeShards(const std::string& outputDir, const std::vector<std::string>& paths) {
  std::vector<Json> shards;
  for (const auto& path : paths) {
    shards.push_back(loadReportFile(path));
  }
  const Json merged = reports::mergeReports(shards, paths);
  fs::create_directories(outputDir);
  std::ofstream(outputDir + "/report.json") << merged.dump(2);
  const RunReport report = reports::runReportFromJson(merged);
  reports::writeJunitReport(report, outputDir + "/junit.xml");
  reports::writeHtmlReport({report},
                           reports::loadRequirementsDocument(sourcePath("specs/requirements.yaml")),
                           outputDir + "/report.html");
  std::cout << "merge: " << merged["results"].size() << " results from " << paths.size()
            << " reports into " << outputDir << "\n";
  return kClean;
}

// A report.json path, or HISTORY.sqlite:RUN for a run recorded in a history database.
Json loadReportOrRun(const std::string& reference) {
  static const std::regex historyRun(R"((.+\.sqlite):([0-9]+))");
  std::smatch match;
  if (std::regex_match(reference, match, historyRun)) {
    const auto report = reports::RunHistory(match[1]).load(std::stoll(match[2]));
    if (!report) {
      throw ConfigError(match[1], 0, "", "no run " + std::string(match[2]) + " in this history");
    }
    return *report;
  }
  return loadReportFile(reference);
}

// What changed between two runs (or two targets), result by result: never net totals.
int diffRunReports(const std::string& before, const std::string& after) {
  const auto diff = reports::diffRuns(loadReportOrRun(before), loadReportOrRun(after));
  std::cout << reports::renderRunDiff(diff);
  return kClean;
}

// Every requirement with the expectations that cite it; fails when a MUST requirement that is
// not marked planned has none, or a planned one is cited (the mark is stale).
int requirementCoverage(const std::vector<std::string>& reportPaths, const std::string& out) {
  const CompatTable table = CompatTable::loadDefault();
  const LoadOptions loadOptions{table.newestSupportedDate().iso,
                                loadRequirementIds(sourcePath("specs/requirements.yaml"))};
  const auto scenarios = loadScenarioFolder(sourcePath("conformance/scenarios"), loadOptions);
  std::vector<Json> reportsJson;
  for (const auto& path : reportPaths) {
    reportsJson.push_back(loadReportFile(path));
  }
  const auto coverage = reports::computeCoverage(
      reports::loadRequirementsDocument(sourcePath("specs/requirements.yaml")), scenarios,
      reportsJson);
  const std::string markdown = reports::renderCoverageMarkdown(coverage);
  if (!out.empty()) {
    std::ofstream(out) << markdown;
  }
  std::cout << reports::coverageSummaryLine(coverage) << "\n";
  const auto uncovered = reports::uncoveredMust(coverage);
  const auto stale = reports::plannedButCited(coverage);
  for (const auto& id : uncovered) {
    std::cout << "MUST requirement without an expectation: " << id << "\n";
  }
  for (const auto& id : stale) {
    std::cout << "marked planned but cited by a scenario (remove the mark): " << id << "\n";
  }
  return uncovered.empty() && stale.empty() ? kClean : kUnexpected;
}

// The differential table of two JSON reports (two targets, or two runs of one).
int compareReports(const std::string& pathA, const std::string& pathB,
                   const std::string& markdownPath, const std::string& htmlPath) {
  const Json a = loadReportFile(pathA);
  const Json b = loadReportFile(pathB);
  const auto differences = diffReports(a, b);
  const std::string table = renderDifferences(a, b, differences);
  std::cout << table;
  if (!markdownPath.empty()) {
    std::ofstream(markdownPath) << table;
  }
  if (!htmlPath.empty()) {
    // Both runs side by side on one page: the matrices get a column per target.
    reports::writeHtmlReport(
        {reports::runReportFromJson(a), reports::runReportFromJson(b)},
        reports::loadRequirementsDocument(sourcePath("specs/requirements.yaml")), htmlPath);
  }
  std::cout << "compare: " << differences.size() << " of "
            << std::max(a["results"].size(), b["results"].size())
            << " results differ in status or normalised trace\n";
  return kClean;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"do-conformance: the Durable Objects conformance suite"};
  app.set_version_flag("--version", std::string("do-conformance ") + DOC_VERSION);
  app.require_subcommand(1);

  RunCommand run;
  CLI::App* runApp = app.add_subcommand("run", "run the scenarios against a target");
  runApp
      ->add_option("--target", run.target,
                   "reference (start the reference runtime), workerd (start workerd from "
                   "tools/workerd), or the http:// root URL of a running target")
      ->capture_default_str();
  runApp->add_option("--scenarios", run.scenarios,
                     "a folder of scenario files (default: conformance/scenarios)");
  runApp->add_option("--filter", run.filters, "run only results whose id matches this glob");
  runApp->add_option("--exclude", run.excludes, "skip results whose id matches this glob");
  runApp->add_option("--tag", run.tags, "run only scenarios with this tag");
  runApp->add_option("--exclude-tag", run.excludeTags, "skip scenarios with this tag");
  runApp->add_flag("--list", run.list, "list the selected result ids and stop");
  runApp->add_option("--jobs", run.jobs, "results run at once")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  runApp->add_option("--deadline", run.deadlineSeconds, "seconds for the whole run")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  runApp
      ->add_option("--repeat", run.repeat,
                   "run every result this many times; disagreeing attempts make it FLAKY")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  runApp
      ->add_option("--retry-unexpected", run.retryUnexpected,
                   "run unexpected results again up to this many times; one that then comes out "
                   "as expected is FLAKY (reported, not a failure)")
      ->check(CLI::Range(0, 10))
      ->capture_default_str();
  runApp
      ->add_option("--timeout-multiplier", run.timeoutMultiplier,
                   "multiplies every scenario's timeout (for slow machines)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  runApp
      ->add_option("--time-scale", run.timeScale,
                   "clock scale of a reference the harness starts (real s per runtime s)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  runApp
      ->add_option("--timing-slack-ms", run.timingSlackMs,
                   "real milliseconds of scheduling latency allowed on every timing window")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  runApp->add_option("--report-dir", run.reportDir, "where reports and target logs go")
      ->capture_default_str();
  runApp->add_option("--html", run.htmlPath, "HTML report path (default: REPORT_DIR/report.html)");
  runApp->add_option("--markdown", run.markdownPath,
                     "pull-request summary path (default: REPORT_DIR/summary.md)");
  runApp->add_option(
      "--history", run.historyPath,
      "SQLite run history to record this run in (default: REPORT_DIR/history.sqlite)");
  runApp->add_option("--shard", run.shard,
                     "run only shard I of N (\"I/N\", by a stable hash of each result id); join "
                     "the shards' reports with `do-conformance merge`");
  runApp->add_option("--json", run.jsonPath, "JSON report path (default: REPORT_DIR/report.json)");
  runApp->add_option("--junit", run.junitPath, "JUnit XML path (default: REPORT_DIR/junit.xml)");
  runApp->add_option("--expectations", run.expectationsPath,
                     "known results of this target (default for --target workerd: "
                     "conformance/expectations/workerd.yaml; \"none\" for none)");
  runApp->add_option("--write-expectations", run.writeExpectationsPath,
                     "write an expectations file that makes this run's results expected");
  runApp
      ->add_option("--reference-arg", run.referenceArgs,
                   "an extra argument for a reference the harness starts; repeatable")
      ->allow_extra_args(false);
  runApp->add_option("--reference-binary", run.referenceBinary,
                     "do-reference to start (default: the one beside do-conformance)");
  runApp->add_flag("--verbose", run.verbose,
                   "the wire trace of every result (each step's request and what came back) and "
                   "the harness's own log");

  std::string checkUrl;
  int checkJobs = 4;
  CLI::App* checkApp = app.add_subcommand(
      "check-target",
      "tell a porter what their probe gets wrong: /info, versions, probe scenarios");
  checkApp->add_option("url", checkUrl, "the http:// root URL of a running target")->required();
  checkApp->add_option("--jobs", checkJobs, "scenarios run at once")->check(CLI::Range(1, 64));

  std::string mergeOut;
  std::vector<std::string> mergeInputs;
  CLI::App* mergeApp = app.add_subcommand(
      "merge", "join the report.json files of a sharded run into one report (JSON, JUnit, HTML)");
  mergeApp->add_option("--out", mergeOut, "the folder for the merged reports")->required();
  mergeApp->add_option("reports", mergeInputs, "the shards' report.json files")->required();

  std::string diffBefore, diffAfter;
  CLI::App* diffApp =
      app.add_subcommand("diff", "what changed between two runs or two targets, result by result");
  diffApp->add_option("before", diffBefore, "the earlier report.json, or HISTORY.sqlite:RUN")
      ->required();
  diffApp->add_option("after", diffAfter, "the later report.json, or HISTORY.sqlite:RUN")
      ->required();

  std::vector<std::string> coverageReports;
  std::string coverageOut;
  CLI::App* coverageApp =
      app.add_subcommand("coverage",
                         "every requirement with the expectations citing it; exit 1 when a MUST "
                         "requirement has none");
  coverageApp->add_option("reports", coverageReports, "report.json files for statuses");
  coverageApp->add_option("--markdown", coverageOut, "write the coverage table here");

  std::string compareA, compareB, compareMarkdown, compareHtml;
  CLI::App* compareApp =
      app.add_subcommand("compare",
                         "the differential table of two JSON reports: results whose status or "
                         "normalised trace differ");
  compareApp->add_option("a", compareA, "the first report.json")->required();
  compareApp->add_option("b", compareB, "the second report.json")->required();
  compareApp->add_option("--markdown", compareMarkdown, "also write the table to this file");
  compareApp->add_option("--html", compareHtml, "also write both reports side by side as HTML");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version end here with code 0; every real usage error is exit code 2.
    const int code = app.exit(error);
    return code == 0 ? 0 : kUsage;
  }

  std::string commandLine;
  for (int i = 0; i < argc; ++i) {
    commandLine += (i ? " " : "") + std::string(argv[i]);
  }
  try {
    if (runApp->parsed()) {
      return runSuite(run, commandLine);
    }
    if (mergeApp->parsed()) {
      return mergeShards(mergeOut, mergeInputs);
    }
    if (diffApp->parsed()) {
      return diffRunReports(diffBefore, diffAfter);
    }
    if (coverageApp->parsed()) {
      return requirementCoverage(coverageReports, coverageOut);
    }
    if (compareApp->parsed()) {
      return compareReports(compareA, compareB, compareMarkdown, compareHtml);
    }
    if (checkApp->parsed()) {
      return checkTarget(checkUrl, checkJobs);
    }
  } catch (const ConfigError& error) {
    std::cerr << "do-conformance: " << error.what() << "\n";
    return kUsage;
  } catch (const CompatError& error) {
    std::cerr << "do-conformance: " << error.what() << "\n";
    return kUsage;
  } catch (const CLI::Error& error) {
    std::cerr << "do-conformance: " << error.what() << "\n";
    return kUsage;
  } catch (const std::exception& error) {
    std::cerr << "do-conformance: harness error: " << error.what() << "\n";
    return kTargetError;
  }
  return kUsage;
}
