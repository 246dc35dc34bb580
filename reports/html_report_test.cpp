#include "reports/html_report.h"

#include <gtest/gtest.h>

#include "reports/json_report.h"
#include "reports/report_file.h"
#include "reports/test_support.h"

namespace doc::reports {
namespace {

using harness::Status;
using nlohmann::json;
using namespace test_support;

const json kRequirements = {
    {"requirements",
     {
         {{"id", "FETCH-001"}, {"level", "MUST"}, {"text", "fetch reaches the handler"}},
         {{"id", "FETCH-002"}, {"level", "SHOULD"}, {"text", "the body comes back"}},
         {{"id", "ALARM-012"}, {"level", "MUST"}, {"text", "retries back off"}},
         {{"id", "UNUSED-001"}, {"level", "MUST"}, {"text", "nothing cites this"}},
     }}};

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

// The part of `html` from the first `from` to the next `to` after it.
std::string between(const std::string& html, const std::string& from, const std::string& to) {
  const std::size_t start = html.find(from);
  if (start == std::string::npos) {
    return "";
  }
  return html.substr(start, html.find(to, start + from.size()) - start);
}

RunReport oneOfEachStatus() {
  RunReport report = makeRunReport();
  for (Status status : kAllStatuses) {
    const Status expected = status == Status::kFail ? Status::kFail : Status::kPass;
    report.results.push_back(
        makeResult("scenario-" + harness::toString(status), "2024-04-03", status, expected));
  }
  report.results[1].expectationReason = "known bug #12";
  return report;
}

// A log step with seven alarm invocations between other events, checked by one $gaps pattern.
Result alarmChainResult() {
  Result result = makeResult("alarm/retry-chain", "2024-04-03", Status::kPass);
  result.requirements = {"ALARM-012"};
  json events = json::array();
  events.push_back({{"event", "constructor"}, {"seq", 1}, {"ts", 1000}});
  double ts = 1100;
  const double gaps[] = {0, 2100, 4200, 8300, 16400, 32500, 64600};
  for (int retry = 0; retry < 7; ++retry) {
    ts += gaps[retry];
    events.push_back({{"event", "alarm"},
                      {"alarmInfo", {{"retryCount", retry}, {"isRetry", retry > 0}}},
                      {"ts", ts}});
    events.push_back({{"event", "fetch"}, {"ts", ts + 5}});
  }

  harness::StepTrace step;
  step.id = "chain";
  step.kind = "waitLog";
  step.observation = {{"events", events}};
  step.checks.push_back({"ALARM-012",
                         true,
                         "",
                         {{"events",
                           {{"$gaps",
                             {{"where", {{"event", "alarm"}}},
                              {"nominal", {2000, 4000, 8000, 16000, 32000, 64000}},
                              {"jitter", 0.25}}}}}}});
  result.trace = {step};
  return result;
}

// --- Escaping ----------------------------------------------------------------------------------

TEST(EscapeHtml, EscapesTheFiveCharactersThatMeanSomethingInHtml) {
  EXPECT_EQ(escapeHtml("&"), "&amp;");
  EXPECT_EQ(escapeHtml("<"), "&lt;");
  EXPECT_EQ(escapeHtml(">"), "&gt;");
  EXPECT_EQ(escapeHtml("\""), "&quot;");
  EXPECT_EQ(escapeHtml("'"), "&#39;");
  EXPECT_EQ(escapeHtml("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
}

TEST(EscapeHtml, LeavesOtherTextAndValidUtf8Alone) {
  EXPECT_EQ(escapeHtml("plain text, 100 %"), "plain text, 100 %");
  EXPECT_EQ(escapeHtml("tab\tline\ncr\r"), "tab\tline\ncr\r");
  EXPECT_EQ(escapeHtml("ü → 日本 😀"), "ü → 日本 😀");
  EXPECT_EQ(escapeHtml("&amp;"), "&amp;amp;") << "an entity in a value is text, not markup";
}

TEST(EscapeHtml, TurnsEachInvalidUtf8ByteIntoAReplacementCharacter) {
  EXPECT_EQ(escapeHtml("a\xff"
                       "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(escapeHtml("\xC3"), "\xEF\xBF\xBD") << "truncated sequence";
  EXPECT_EQ(escapeHtml("\xC0\xBC"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "overlong '<'";
  EXPECT_EQ(escapeHtml("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") << "surrogate";
}

TEST(EscapeHtml, ShowsControlCharactersInsteadOfPassingThemThrough) {
  EXPECT_EQ(escapeHtml(std::string("a\0b", 3)), "a\\u0000b");
  EXPECT_EQ(escapeHtml("\x1b[31m"), "\\u001b[31m");
}

// --- The page ----------------------------------------------------------------------------------

TEST(HtmlReport, IsOneSelfContainedDocumentWithoutScriptOrExternalAssets) {
  const std::string html = toHtml({oneOfEachStatus()}, kRequirements);

  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_TRUE(html.ends_with("</html>\n"));
  EXPECT_EQ(occurrences(html, "<script"), 0u);
  EXPECT_EQ(occurrences(html, "src="), 0u);
  EXPECT_EQ(occurrences(html, "<link"), 0u);
  EXPECT_EQ(occurrences(html, "url("), 0u);
  EXPECT_EQ(occurrences(html, "http://127.0.0.1:8787"), 2u) << "the target URL, as text only";
}

TEST(HtmlReport, SummarizesEachRunFirst) {
  const std::string html = toHtml({oneOfEachStatus()}, kRequirements);
  const std::string card = between(html, "<section class=\"card\">", "</section>");

  EXPECT_NE(card.find("do-reference"), std::string::npos);
  EXPECT_NE(card.find("v0.1.0-3-gabcdef"), std::string::npos) << "suite commit";
  EXPECT_NE(card.find("2024-04-03+no_rpc"), std::string::npos) << "profiles";
  EXPECT_NE(card.find("clock scale"), std::string::npos);
  for (Status status : kAllStatuses) {
    EXPECT_NE(card.find(harness::toString(status) + " 1<"), std::string::npos)
        << harness::toString(status);
  }
  // TIMEOUT and ERROR are unexpected; FAIL is expected; SKIP, N/A and FLAKY never count.
  EXPECT_NE(card.find("unexpected 2<"), std::string::npos);
  EXPECT_LT(html.find("class=\"card\""), html.find("<table"));
}

TEST(HtmlReport, RendersEveryStatusInItsOwnColour) {
  const std::string html = toHtml({oneOfEachStatus()}, kRequirements);

  for (Status status : kAllStatuses) {
    EXPECT_NE(html.find("\">" + harness::toString(status) + "</span><span class=\"id\">"),
              std::string::npos)
        << "the badge of the " << harness::toString(status) << " result";
  }
  const char* classes[] = {"v-pass", "v-known", "v-timeout", "v-error",
                           "v-skip", "v-pre",   "v-flaky"};
  for (const char* name : classes) {
    EXPECT_NE(html.find(std::string("<details class=\"result ") + name), std::string::npos) << name;
  }
  EXPECT_NE(html.find("FAIL, expected FAIL: known bug #12"), std::string::npos);
}

TEST(HtmlReport, UnexpectedPassIsCalledOut) {
  RunReport report = makeRunReport();
  report.results.push_back(makeResult("stale", "2024-04-03", Status::kPass, Status::kFail));
  const std::string html = toHtml({report}, kRequirements);

  EXPECT_NE(html.find("<details class=\"result v-xpass\""), std::string::npos);
  EXPECT_NE(between(html, "<h2>Needs attention", "<h2>").find("stale[2024-04-03]"),
            std::string::npos);
}

TEST(HtmlReport, EscapesAHostileValueEverywhereItAppears) {
  const std::string hostile = "<script>alert(1)</script>";
  RunReport report = makeRunReport();
  report.info.targetName = hostile;
  report.info.commandLine = hostile;
  Result result = makeResult("evil", "2024-04-03", Status::kFail);
  result.message = hostile;
  result.description = hostile;
  result.profile = hostile;
  result.requirements = {hostile};
  result.trace[0].observation = {{"body", hostile}};
  result.trace[0].checks[1].message = hostile;
  report.results.push_back(result);

  json requirements = kRequirements;
  requirements["requirements"].push_back({{"id", hostile}, {"level", hostile}, {"text", hostile}});
  const std::string html = toHtml({report}, requirements);

  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("\"<"), std::string::npos) << "no attribute value starts with markup";
}

TEST(HtmlReport, QuotesInValuesCannotLeaveAnAttribute) {
  RunReport report = makeRunReport();
  Result result = makeResult("quotes", "2024-04-03", Status::kFail);
  result.id = "x\" onmouseover=\"alert(1)";
  result.description = "it's \"quoted\"";
  report.results.push_back(result);
  const std::string html = toHtml({report}, kRequirements);

  EXPECT_EQ(html.find("onmouseover=\""), std::string::npos);
  EXPECT_NE(html.find("it&#39;s &quot;quoted&quot;"), std::string::npos);
}

TEST(HtmlReport, ShowsStepsRequestsObservationsAndChecks) {
  RunReport report = makeRunReport();
  report.results.push_back(makeResult("fetch/echo", "2024-04-03", Status::kFail));
  const std::string html = toHtml({report}, kRequirements);
  const std::string details = between(html, "<details class=\"result", "</details>\n");

  EXPECT_NE(details.find("what fetch/echo checks"), std::string::npos);
  EXPECT_NE(details.find("fetch reaches the handler"), std::string::npos) << "requirement text";
  EXPECT_NE(details.find("the body comes back"), std::string::npos) << "a check's requirement";
  EXPECT_NE(details.find("/counter"), std::string::npos) << "the request";
  EXPECT_NE(details.find("&quot;boom&quot;"), std::string::npos) << "the observation";
  EXPECT_NE(details.find("<li class=\"passed\">"), std::string::npos);
  EXPECT_NE(details.find("<li class=\"failed\">"), std::string::npos);
  EXPECT_NE(details.find("body: wanted &quot;ok&quot;, got &quot;boom&quot;"), std::string::npos);
  EXPECT_NE(details.find("expected {&quot;status&quot;:500}"), std::string::npos);
}

// --- Matrices ----------------------------------------------------------------------------------

TEST(HtmlReport, RequirementMatrixHasARowPerRequirementCited) {
  RunReport report = makeRunReport();
  report.results.push_back(makeResult("a", "2024-04-03", Status::kFail));  // FETCH-001, -002
  Result other = makeResult("b", "2024-04-03", Status::kPass);
  other.requirements = {"ALARM-012", "NOT-IN-FILE-001"};
  report.results.push_back(other);
  const std::string html = toHtml({report}, kRequirements);
  const std::string matrix = between(html, "<table class=\"matrix requirements\">", "</table>");

  EXPECT_EQ(occurrences(matrix, "<tr class=\"requirement\">"), 4u);
  for (const char* id : {"FETCH-001", "FETCH-002", "ALARM-012", "NOT-IN-FILE-001"}) {
    EXPECT_NE(matrix.find(std::string(">") + id + "<"), std::string::npos) << id;
  }
  EXPECT_EQ(matrix.find("UNUSED-001"), std::string::npos);
  EXPECT_NE(html.find("1 requirements no result in these runs cites"), std::string::npos);
}

TEST(HtmlReport, RequirementCellShowsTheWorstResultThatCitesIt) {
  RunReport report = makeRunReport();
  report.results.push_back(makeResult("passes", "2024-04-03", Status::kPass));
  report.results.push_back(makeResult("fails", "2024-04-03", Status::kFail));
  report.results.push_back(makeResult("also-passes", "2024-04-03", Status::kPass));
  const std::string html = toHtml({report}, kRequirements);
  const std::string matrix = between(html, "<table class=\"matrix requirements\">", "</table>");
  const std::string row = between(matrix, "FETCH-001</span>", "</tr>");

  EXPECT_NE(row.find("<a class=\"v-fail\" href=\"#r0-1\""), std::string::npos) << row;
  EXPECT_EQ(row.find("v-pass"), std::string::npos);
  EXPECT_NE(row.find("passes[2024-04-03]: PASS"), std::string::npos) << "hover lists them all";
}

TEST(HtmlReport, PutsRunsSideBySideUnderEachProfile) {
  RunReport reference = makeRunReport();
  reference.results.push_back(makeResult("a", "2024-04-03", Status::kPass));
  RunReport workerd = makeRunReport();
  workerd.info.targetName = "workerd";
  workerd.info.profiles = {"2024-04-03"};
  workerd.results.push_back(makeResult("a", "2024-04-03", Status::kFail, Status::kFail));
  const std::string html = toHtml({reference, workerd}, kRequirements);
  const std::string matrix = between(html, "<table class=\"matrix scenarios\">", "</table>");

  EXPECT_EQ(occurrences(matrix, "<tr class=\"scenario\">"), 1u);
  EXPECT_NE(matrix.find("colspan=\"2\""), std::string::npos);
  const std::string row = between(matrix, "<tr class=\"scenario\">", "</tr>");
  EXPECT_LT(row.find("v-pass"), row.find("v-known")) << "reference, then workerd";
  EXPECT_NE(html.find("id=\"r1-0\""), std::string::npos) << "the second run's results";
}

// --- Timelines ---------------------------------------------------------------------------------

TEST(HtmlReport, TimelineHasOneMarkPerAlarmEventAndAWindowPerGap) {
  RunReport report = makeRunReport();
  report.results.push_back(alarmChainResult());
  const std::string html = toHtml({report}, kRequirements);
  const std::string svg = between(html, "<svg", "</svg>");

  ASSERT_FALSE(svg.empty());
  EXPECT_EQ(occurrences(svg, "class=\"alarm-mark\""), 7u);
  EXPECT_EQ(occurrences(svg, "class=\"event-mark\""), 8u) << "the constructor and the fetches";
  EXPECT_EQ(occurrences(svg, "class=\"gap-window\""), 6u);
  for (int retry = 0; retry < 7; ++retry) {
    EXPECT_NE(svg.find(">" + std::to_string(retry) + "</text>"), std::string::npos) << retry;
  }
}

TEST(HtmlReport, TimelineWindowsStartAtTheNominalGapAfterEachEvent) {
  RunReport report = makeRunReport();
  Result result = alarmChainResult();
  // Two alarms 1000 apart: the window is [1000, 1250], which ends the span.
  result.trace[0].observation["events"] = {
      {{"event", "alarm"}, {"ts", 0}},
      {{"event", "alarm"}, {"ts", 1000}},
  };
  result.trace[0].checks[0].expected["events"]["$gaps"]["nominal"] = {1000};
  report.results.push_back(result);
  const std::string svg = between(toHtml({report}, kRequirements), "<svg", "</svg>");

  // 960 wide, 56 left and 24 right margins: x = 56 + t / 1250 × 880.
  EXPECT_NE(svg.find("class=\"gap-window\" x=\"760.0\" y=\"30\" width=\"176.0\""),
            std::string::npos)
      << svg;
  EXPECT_NE(svg.find("next within 1 s .. 1.25 s"), std::string::npos);
}

TEST(HtmlReport, TimelineMarksAFailedGapCheck) {
  RunReport report = makeRunReport();
  Result result = alarmChainResult();
  result.status = Status::kFail;
  result.trace[0].checks[0].passed = false;
  report.results.push_back(result);
  const std::string html = toHtml({report}, kRequirements);

  EXPECT_EQ(occurrences(html, "class=\"gap-window failed\""), 6u);
}

TEST(HtmlReport, NoTimelineWithoutAlarmEvents) {
  RunReport report = makeRunReport();
  Result result = makeResult("log", "2024-04-03", Status::kPass);
  result.trace[0].observation = {{"events", {{{"event", "fetch"}, {"ts", 1}}}}};
  report.results.push_back(result);

  EXPECT_EQ(toHtml({report}, kRequirements).find("<svg"), std::string::npos);
}

TEST(HtmlReport, ListsWebSocketEventsAsAFrameSequence) {
  RunReport report = makeRunReport();
  Result result = makeResult("ws", "2024-04-03", Status::kPass);
  result.trace[0].observation = {{"events",
                                  {{{"event", "webSocketMessage"}, {"data", "<hi>"}, {"ts", 10}},
                                   {{"event", "fetch"}, {"ts", 12}},
                                   {{"event", "webSocketClose"}, {"code", 1000}, {"ts", 30}}}}};
  report.results.push_back(result);
  const std::string frames =
      between(toHtml({report}, kRequirements), "<ol class=\"frames\">", "</ol>");

  EXPECT_EQ(occurrences(frames, "<li>"), 2u);
  EXPECT_LT(frames.find("webSocketMessage"), frames.find("webSocketClose"));
  EXPECT_NE(frames.find("&lt;hi&gt;"), std::string::npos);
  EXPECT_NE(frames.find("+20 ms"), std::string::npos);
}

TEST(HtmlReport, ShowsEachSocketsFramesOnTheWireInOrderAndHowItEnded) {
  RunReport report = makeRunReport();
  Result result = makeResult("ws", "2024-04-03", Status::kPass);
  harness::StepTrace sockets;
  sockets.id = "(sockets)";
  sockets.kind = "wsSockets";
  sockets.observation = {
      {"s1",
       {{"wire",
         {{{"at", 1}, {"dir", "out"}, {"opcode", "text"}, {"text", "<hello>"}},
          {{"at", 2}, {"dir", "out"}, {"opcode", "close"}, {"code", 4000}, {"reason", "custom"}},
          {{"at", 9}, {"dir", "in"}, {"opcode", "close"}, {"payloadLength", 0}}}},
        {"ended", true},
        {"endedAt", 12},
        {"endedBy", "fin"},
        {"clientCode", 1005}}}};
  result.trace.push_back(sockets);
  report.results.push_back(result);
  const std::string html = toHtml({report}, kRequirements);
  const std::string wire = between(html, "<table class=\"wire\">", "</table>");

  EXPECT_EQ(occurrences(wire, "<tr><td"), 3u);
  ASSERT_NE(wire.find("(empty payload)"), std::string::npos);
  EXPECT_LT(wire.find("&lt;hello&gt;"), wire.find("4000 &quot;custom&quot;"));
  EXPECT_LT(wire.find("4000 &quot;custom&quot;"), wire.find("(empty payload)"));
  EXPECT_NE(wire.find("target → harness"), std::string::npos);
  EXPECT_NE(html.find("ended (fin) at +12 ms, client close code 1005"), std::string::npos);
}

// --- Files and JSON ----------------------------------------------------------------------------

TEST(HtmlReport, WritesThePageAndNamesAPathItCannotWrite) {
  const std::string dir = scratchDirectory("html");
  writeHtmlReport({oneOfEachStatus()}, kRequirements, dir + "/nested/report.html");
  EXPECT_EQ(readFile(dir + "/nested/report.html"), toHtml({oneOfEachStatus()}, kRequirements));

  writeReportFile(dir + "/file", "x");
  try {
    writeHtmlReport({}, kRequirements, dir + "/file/report.html");
    FAIL() << "expected a ReportError";
  } catch (const ReportError& error) {
    EXPECT_NE(std::string(error.what()).find(dir + "/file"), std::string::npos) << error.what();
  }
}

TEST(HtmlReport, RendersWithoutRequirementTextsOrResults) {
  EXPECT_NO_THROW(toHtml({makeRunReport()}, nullptr));
  EXPECT_NO_THROW(toHtml({}, nullptr));
  RunReport report = makeRunReport();
  report.results.push_back(makeResult("a", "2024-04-03", Status::kPass));
  EXPECT_NE(toHtml({report}, json::object()).find("not in the requirements file"),
            std::string::npos);
}

TEST(RunReportFromJson, ReadsBackWhatToJsonWrote) {
  RunReport report = oneOfEachStatus();
  report.results.push_back(alarmChainResult());
  report.results.back().attempts = 3;
  const json written = toJson(report);

  EXPECT_EQ(toJson(runReportFromJson(written)), written);
}

TEST(RunReportFromJson, NamesTheResultWithAnUnknownStatus) {
  json written = toJson(oneOfEachStatus());
  written["results"][2]["status"] = "MAYBE";
  try {
    runReportFromJson(written);
    FAIL() << "expected a ReportError";
  } catch (const ReportError& error) {
    EXPECT_NE(std::string(error.what()).find("scenario-TIMEOUT[2024-04-03]"), std::string::npos)
        << error.what();
    EXPECT_NE(std::string(error.what()).find("MAYBE"), std::string::npos);
  }
}

}  // namespace
}  // namespace doc::reports
