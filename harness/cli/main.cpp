// do-conformance: runs the conformance scenarios against a target (the reference runtime by
// default, workerd, or any URL that speaks specs/probe-protocol.md) and writes reports.
//
// Exit codes: 0 every result as expected; 1 unexpected results; 2 usage or configuration error;
// 3 target unreachable or harness error; 4 nothing selected.

#include <fnmatch.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/process.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include "common/compat.h"
#include "common/paths.h"
#include "common/yaml_util.h"
#include "harness/cli/console.h"
#include "harness/runner/expectations.h"
#include "harness/runner/suite_runner.h"
#include "harness/scenario/scenario_loader.h"
#include "reports/json_report.h"
#include "reports/junit_report.h"

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
  bool list = false;
  int jobs = 4;
  int deadlineSeconds = 1800;
  double timeoutMultiplier = 1.0;
  double timeScale = 1.0;
  std::string reportDir = "do-conformance-reports";
  std::string jsonPath;
  std::string junitPath;
  std::string expectationsPath;
  std::string writeExpectationsPath;
  bool verbose = false;
  std::string referenceBinary;
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

bool globMatches(const std::vector<std::string>& globs, const std::string& text) {
  for (const auto& glob : globs) {
    if (::fnmatch(glob.c_str(), text.c_str(), 0) == 0) {
      return true;
    }
  }
  return false;
}

// Filters apply to result ids ("fetch/hello[2026-11-24]") and scenario ids alike.
std::vector<PlannedResult> select(const std::vector<PlannedResult>& plan, const RunCommand& run) {
  std::vector<PlannedResult> selected;
  for (const auto& planned : plan) {
    const std::string id = resultId(planned.scenario->id, planned.profile);
    const auto matches = [&](const std::vector<std::string>& globs) {
      return globMatches(globs, id) || globMatches(globs, planned.scenario->id);
    };
    if (!run.filters.empty() && !matches(run.filters)) {
      continue;
    }
    if (matches(run.excludes)) {
      continue;
    }
    if (!run.tags.empty()) {
      const auto& tags = planned.scenario->tags;
      const bool tagged = std::any_of(run.tags.begin(), run.tags.end(), [&](const std::string& t) {
        return std::find(tags.begin(), tags.end(), t) != tags.end();
      });
      if (!tagged) {
        continue;
      }
    }
    selected.push_back(planned);
  }
  return selected;
}

std::unique_ptr<TargetSession> openTarget(const RunCommand& run,
                                          const std::vector<std::string>& profiles,
                                          const std::string& runId, const LogSink& log) {
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
    std::cerr << "do-conformance: no scenario selected (folder " << folder << ")\n";
    return kNothingSelected;
  }

  ExpectationFile expectations;
  if (!run.expectationsPath.empty()) {
    expectations = loadExpectationFile(run.expectationsPath);
  }

  std::vector<std::string> profiles;
  for (const auto& planned : plan) {
    if (std::find(profiles.begin(), profiles.end(), planned.profile) == profiles.end()) {
      profiles.push_back(planned.profile);
    }
  }

  fs::create_directories(run.reportDir);
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
               " results against " + report.info.targetName + " " + report.info.targetVersion +
               " at " + report.info.targetUrl + " (run " + runId + ")");

  RunOptions options;
  options.jobs = run.jobs;
  options.deadline = std::chrono::seconds(run.deadlineSeconds);
  options.execution.runId = runId;
  options.execution.timeoutScale = run.timeoutMultiplier;
  report.results =
      runPlan(plan, *session, options, [&](const Result& result, size_t done, size_t total) {
        Result judged = result;
        std::vector<Result> one{judged};
        applyExpectations(expectations, one);
        console.resultFinished(one.front(), done, total);
      });
  applyExpectations(expectations, report.results);
  session.reset();  // Stops a managed target before the reports are written.
  report.info.durationMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

  const std::string jsonPath = run.jsonPath.empty() ? run.reportDir + "/report.json" : run.jsonPath;
  const std::string junitPath =
      run.junitPath.empty() ? run.reportDir + "/junit.xml" : run.junitPath;
  reports::writeJsonReport(report, jsonPath);
  reports::writeJunitReport(report, junitPath);
  if (!run.writeExpectationsPath.empty()) {
    std::ofstream(run.writeExpectationsPath)
        << renderExpectationFile(report.results, report.info.targetName);
    console.line("expectations written to " + run.writeExpectationsPath);
  }
  for (const auto& stale : unusedExpectations(expectations, report.results)) {
    if (run.filters.empty() && run.tags.empty() && run.excludes.empty()) {
      console.line("warning: the expectations file names " + stale + ", which this run lacks");
    }
  }

  std::vector<std::string> unexpected;
  int asExpected = 0;
  int skipped = 0;
  for (const auto& result : report.results) {
    if (result.isUnexpected()) {
      unexpected.push_back(result.id);
    } else if (result.status == Status::kPass) {
      ++asExpected;
    } else {
      ++skipped;
    }
  }
  console.line("reports: " + jsonPath + ", " + junitPath);
  if (!unexpected.empty()) {
    std::string rerun = "do-conformance run --target " + shellQuote(run.target);
    for (const auto& id : unexpected) {
      rerun += " --filter " + shellQuote(id);
    }
    console.line("rerun the unexpected results with:\n  " + rerun);
  }
  // The closing line CI systems read: passed = as expected, failed = unexpected.
  console.line("do-conformance: " + std::to_string(asExpected) + " passed, " +
               std::to_string(unexpected.size()) + " failed, " + std::to_string(skipped) +
               " skipped");
  return unexpected.empty() ? kClean : kUnexpected;
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
  runApp->add_flag("--list", run.list, "list the selected result ids and stop");
  runApp->add_option("--jobs", run.jobs, "results run at once")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  runApp->add_option("--deadline", run.deadlineSeconds, "seconds for the whole run")
      ->check(CLI::PositiveNumber)
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
  runApp->add_option("--report-dir", run.reportDir, "where reports and target logs go")
      ->capture_default_str();
  runApp->add_option("--json", run.jsonPath, "JSON report path (default: REPORT_DIR/report.json)");
  runApp->add_option("--junit", run.junitPath, "JUnit XML path (default: REPORT_DIR/junit.xml)");
  runApp->add_option("--expectations", run.expectationsPath,
                     "known results of this target (conformance/expectations/*.yaml)");
  runApp->add_option("--write-expectations", run.writeExpectationsPath,
                     "write an expectations file that makes this run's results expected");
  runApp->add_option("--reference-binary", run.referenceBinary,
                     "do-reference to start (default: the one beside do-conformance)");
  runApp->add_flag("--verbose", run.verbose, "every result and the harness's log");

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
