// Reports and shell helpers shared by the reports tests (test code only).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "harness/result.h"

namespace doc::reports::test_support {

using harness::Result;
using harness::RunReport;
using harness::Status;

// A result with one step holding one passed and, unless it passed, one failed check.
inline Result makeResult(const std::string& scenario, const std::string& profile, Status status,
                         Status expected = Status::kPass) {
  Result result;
  result.id = scenario + "[" + profile + "]";
  result.scenarioId = scenario;
  result.profile = profile;
  result.description = "what " + scenario + " checks";
  result.level = "MUST";
  result.requirements = {"FETCH-001"};
  result.status = status;
  result.expected = expected;
  result.durationMs = 1500;
  if (status != Status::kPass) {
    result.message = harness::toString(status) + " in step get";
  }

  harness::StepTrace step;
  step.id = "get";
  step.kind = "fetch";
  step.request = {{"method", "GET"}, {"url", "/counter"}};
  step.observation = {{"status", 500}, {"body", "boom"}};
  step.startedMs = 1;
  step.durationMs = 2;
  step.checks.push_back({"FETCH-001", true, "", {{"status", 500}}});
  if (status != Status::kPass) {
    step.checks.push_back({"FETCH-002", false, "body: wanted \"ok\", got \"boom\"", "ok"});
  }
  result.trace.push_back(step);
  return result;
}

inline RunReport makeRunReport() {
  RunReport report;
  report.info.harnessVersion = "0.1.0";
  report.info.suiteCommit = "v0.1.0-3-gabcdef";
  report.info.targetUrl = "http://127.0.0.1:8787";
  report.info.targetName = "do-reference";
  report.info.targetVersion = "0.1.0";
  report.info.protocolVersion = 1;
  report.info.clockScale = 10;
  report.info.profiles = {"2024-04-03", "2024-04-03+no_rpc"};
  report.info.startedAt = "2024-05-01T12:00:00Z";
  report.info.durationMs = 12345;
  report.info.commandLine = "do-conformance run --target http://127.0.0.1:8787";
  return report;
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh, empty directory under gtest's temporary directory. The process id keeps two builds'
// test runs, or ctest's parallel ones, out of each other's files; the whole tree goes at exit.
inline std::string scratchDirectory(const std::string& name) {
  struct Root {
    std::filesystem::path path =
        std::filesystem::path(::testing::TempDir()) / ("doc-reports-" + std::to_string(::getpid()));
    ~Root() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Root root;

  const std::filesystem::path path = root.path / name;
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path.string();
}

inline std::string shellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return quoted + "'";
}

// The command's exit status; 127 when the shell could not find it.
inline int runShell(const std::string& command) {
  const int raw = std::system(command.c_str());
  return raw != -1 && WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

}  // namespace doc::reports::test_support
