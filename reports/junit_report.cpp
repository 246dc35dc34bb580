#include "reports/junit_report.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <pugixml.hpp>
#include <sstream>
#include <vector>

#include "reports/json_report.h"
#include "reports/report_file.h"

namespace doc::reports {

namespace {

using harness::Result;
using harness::RunReport;
using harness::Status;

// --- Text XML 1.0 can hold --------------------------------------------------------------------

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8.

bool isXmlChar(std::uint32_t codePoint) {
  if (codePoint < 0x20) {
    return codePoint == '\t' || codePoint == '\n' || codePoint == '\r';
  }
  return codePoint != 0xFFFE && codePoint != 0xFFFF;
}

// The length of the valid UTF-8 sequence starting at `at` and its code point, or 0 when the bytes
// there are not one (overlong, a surrogate, past U+10FFFF, truncated or a stray continuation).
std::size_t decodeUtf8(std::string_view bytes, std::size_t at, std::uint32_t& codePoint) {
  const auto lead = std::uint8_t(bytes[at]);
  std::size_t length = 0;
  std::uint32_t smallest = 0;  // Below this the sequence is overlong.
  if (lead < 0x80) {
    codePoint = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, smallest = 0x80, codePoint = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, smallest = 0x800, codePoint = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, smallest = 0x10000, codePoint = lead & 0x07;
  } else {
    return 0;
  }

  if (at + length > bytes.size()) {
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    const auto next = std::uint8_t(bytes[at + i]);
    if ((next & 0xC0) != 0x80) {
      return 0;
    }
    codePoint = (codePoint << 6) | (next & 0x3F);
  }

  const bool surrogate = codePoint >= 0xD800 && codePoint <= 0xDFFF;
  if (codePoint < smallest || codePoint > 0x10FFFF || surrogate) {
    return 0;
  }
  return length;
}

// --- Attributes and elements -------------------------------------------------------------------

void setAttribute(pugi::xml_node node, const char* name, std::string_view value) {
  node.append_attribute(name).set_value(toXmlText(value).c_str());
}

void setAttribute(pugi::xml_node node, const char* name, long long value) {
  node.append_attribute(name).set_value(value);
}

void setText(pugi::xml_node node, std::string_view text) {
  if (!text.empty()) {
    node.append_child(pugi::node_pcdata).set_value(toXmlText(text).c_str());
  }
}

// JUnit times are seconds. to_chars, not printf, so a locale with a decimal comma cannot change it.
std::string seconds(double milliseconds) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, milliseconds / 1000.0,
                                          std::chars_format::fixed, 3);
  return error == std::errc() ? std::string(buffer, end) : "0.000";
}

// --- What each result becomes ------------------------------------------------------------------

enum class CaseKind { kPassed, kFailure, kError, kSkipped };

struct CaseOutcome {
  CaseKind kind = CaseKind::kPassed;
  std::string type;     // The failure's type attribute: the status that decided it.
  std::string message;  // One line for the CI summary.
  std::string details;  // The element's text.
};

// "expected FAIL: <reason>", or "expected FAIL" when the expectations file gave no reason.
std::string expectationNote(const Result& result) {
  std::string note = "expected " + harness::toString(result.expected);
  if (!result.expectationReason.empty()) {
    note += ": " + result.expectationReason;
  }
  return note;
}

// Every failed check with its step and what the scenario wanted, so the CI page alone says what
// broke.
std::string failedChecks(const Result& result) {
  std::string text;
  for (const harness::StepTrace& step : result.trace) {
    for (const harness::CheckResult& check : step.checks) {
      if (check.passed) {
        continue;
      }
      text += "step " + step.id + " (" + step.kind + "), " + check.requirement + ": " +
              check.message + "\n  expected: " + dumpJson(check.expected, -1) + "\n";
    }
  }
  return text;
}

CaseOutcome classify(const Result& result) {
  const std::string status = harness::toString(result.status);
  const bool knownNonPass = result.expected != Status::kPass;

  if (knownNonPass && result.status == result.expected) {
    return {CaseKind::kSkipped, status, expectationNote(result), result.message};
  }
  if (result.status == Status::kPass) {
    if (knownNonPass) {
      return {CaseKind::kFailure, "UNEXPECTED_PASS", "unexpected PASS: " + expectationNote(result),
              "The expectations file expects " + harness::toString(result.expected) + " for " +
                  result.id + "; remove or update that entry.\n"};
    }
    return {};
  }

  std::string message = result.message.empty() ? status : result.message;
  if (knownNonPass) {
    message = expectationNote(result) + ", got " + status + ": " + message;
  }
  std::string details = failedChecks(result);
  if (details.empty()) {
    details = result.message;
  }

  switch (result.status) {
    case Status::kError:
      return {CaseKind::kError, status, message, details};
    case Status::kSkip:
    case Status::kPreconditionFailed:
      // <skipped> has no type attribute, so the status goes into the message.
      return {CaseKind::kSkipped, status, message == status ? status : status + ": " + message, ""};
    default:  // FAIL, TIMEOUT, FLAKY: a flaky result is red until it is fixed or expected.
      return {CaseKind::kFailure, status, message, details};
  }
}

// --- The document ------------------------------------------------------------------------------

struct Counts {
  int tests = 0;
  int failures = 0;
  int errors = 0;
  int skipped = 0;
  double durationMs = 0;

  void add(CaseKind kind, double milliseconds) {
    ++tests;
    failures += kind == CaseKind::kFailure;
    errors += kind == CaseKind::kError;
    skipped += kind == CaseKind::kSkipped;
    durationMs += milliseconds;
  }
};

void setCounts(pugi::xml_node node, const Counts& counts) {
  setAttribute(node, "tests", counts.tests);
  setAttribute(node, "failures", counts.failures);
  setAttribute(node, "errors", counts.errors);
  setAttribute(node, "skipped", counts.skipped);
}

void addTestCase(pugi::xml_node suite, const Result& result, const CaseOutcome& outcome) {
  pugi::xml_node testCase = suite.append_child("testcase");
  setAttribute(testCase, "classname", result.scenarioId);
  setAttribute(testCase, "name", result.id);
  setAttribute(testCase, "time", seconds(result.durationMs));

  const char* element = nullptr;
  switch (outcome.kind) {
    case CaseKind::kPassed:
      return;
    case CaseKind::kFailure:
      element = "failure";
      break;
    case CaseKind::kError:
      element = "error";
      break;
    case CaseKind::kSkipped:
      element = "skipped";
      break;
  }
  pugi::xml_node child = testCase.append_child(element);
  setAttribute(child, "message", outcome.message);
  if (outcome.kind != CaseKind::kSkipped) {
    setAttribute(child, "type", outcome.type);
  }
  setText(child, outcome.details);

  // The whole trace only where someone will read it: a red test.
  if (outcome.kind == CaseKind::kFailure || outcome.kind == CaseKind::kError) {
    nlohmann::json trace = toJson(RunReport{{}, {result}})["results"][0]["trace"];
    setText(testCase.append_child("system-out"), dumpJson(trace));
  }
}

void addProperties(pugi::xml_node suite, const harness::RunInfo& info) {
  pugi::xml_node properties = suite.append_child("properties");
  const std::pair<const char*, std::string> values[] = {
      {"harnessVersion", info.harnessVersion},
      {"suiteCommit", info.suiteCommit},
      {"targetUrl", info.targetUrl},
      {"targetName", info.targetName},
      {"targetVersion", info.targetVersion},
      {"protocolVersion", std::to_string(info.protocolVersion)},
      {"clockScale", dumpJson(info.clockScale, -1)},
      {"startedAt", info.startedAt},
      {"commandLine", info.commandLine},
  };
  for (const auto& [name, value] : values) {
    pugi::xml_node property = properties.append_child("property");
    setAttribute(property, "name", name);
    setAttribute(property, "value", value);
  }
}

}  // namespace

std::string toXmlText(std::string_view bytes) {
  std::string text;
  text.reserve(bytes.size());
  for (std::size_t at = 0; at < bytes.size();) {
    std::uint32_t codePoint = 0;
    const std::size_t length = decodeUtf8(bytes, at, codePoint);
    if (length == 0) {
      text += kReplacement;
      ++at;
      continue;
    }
    if (isXmlChar(codePoint)) {
      text.append(bytes.substr(at, length));
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", unsigned(codePoint));
      text += escaped;
    }
    at += length;
  }
  return text;
}

std::string toJunitXml(const RunReport& report) {
  // Suites in the order their profiles first appear, so two runs of one plan diff cleanly.
  std::vector<std::string> profiles;
  for (const Result& result : report.results) {
    if (std::find(profiles.begin(), profiles.end(), result.profile) == profiles.end()) {
      profiles.push_back(result.profile);
    }
  }

  pugi::xml_document document;
  pugi::xml_node declaration = document.append_child(pugi::node_declaration);
  declaration.append_attribute("version").set_value("1.0");
  declaration.append_attribute("encoding").set_value("UTF-8");

  pugi::xml_node suites = document.append_child("testsuites");
  setAttribute(suites, "name", "do-conformance");
  Counts total;
  for (const std::string& profile : profiles) {
    pugi::xml_node suite = suites.append_child("testsuite");
    setAttribute(suite, "name", profile);
    addProperties(suite, report.info);

    Counts counts;
    for (const Result& result : report.results) {
      if (result.profile != profile) {
        continue;
      }
      const CaseOutcome outcome = classify(result);
      addTestCase(suite, result, outcome);
      counts.add(outcome.kind, result.durationMs);
      total.add(outcome.kind, result.durationMs);
    }
    setCounts(suite, counts);
    setAttribute(suite, "time", seconds(counts.durationMs));
  }
  setCounts(suites, total);
  setAttribute(suites, "time", seconds(report.info.durationMs));

  std::ostringstream out;
  document.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

void writeJunitReport(const RunReport& report, const std::string& path) {
  writeReportFile(path, toJunitXml(report));
}

}  // namespace doc::reports
