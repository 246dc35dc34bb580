#include "reports/junit_report.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "reports/test_support.h"

namespace doc::reports {
namespace {

using harness::Status;
using namespace test_support;
using namespace std::string_literals;

void parse(const std::string& xml, pugi::xml_document& document) {
  const pugi::xml_parse_result parsed = document.load_buffer(xml.data(), xml.size());
  ASSERT_TRUE(parsed) << parsed.description() << " at byte " << parsed.offset << " of\n" << xml;
}

pugi::xml_node testCase(const pugi::xml_document& document, const std::string& id) {
  return document.select_node(("//testcase[@name='" + id + "']").c_str()).node();
}

// The one child element of a test case that says how it ended, or an empty node when it passed.
pugi::xml_node verdict(const pugi::xml_document& document, const std::string& id) {
  pugi::xml_node node = testCase(document, id);
  for (const char* name : {"failure", "error", "skipped"}) {
    if (pugi::xml_node child = node.child(name)) {
      return child;
    }
  }
  return {};
}

RunReport singleResult(Status status, Status expected = Status::kPass) {
  RunReport report = makeRunReport();
  report.results.push_back(makeResult("counter-increments", "2024-04-03", status, expected));
  return report;
}

constexpr const char* kId = "counter-increments[2024-04-03]";

// --- Structure ---------------------------------------------------------------------------------

TEST(JunitReport, EachProfileIsOneSuiteInTheOrderItFirstAppears) {
  RunReport report = makeRunReport();
  report.results.push_back(makeResult("a", "2024-04-03+no_rpc", Status::kPass));
  report.results.push_back(makeResult("b", "2024-04-03", Status::kPass));
  report.results.push_back(makeResult("c", "2024-04-03+no_rpc", Status::kFail));
  pugi::xml_document document;

  parse(toJunitXml(report), document);

  const pugi::xml_node suites = document.child("testsuites");
  std::vector<std::string> names;
  for (pugi::xml_node suite : suites.children("testsuite")) {
    names.push_back(suite.attribute("name").value());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"2024-04-03+no_rpc", "2024-04-03"}));

  const pugi::xml_node first = suites.child("testsuite");
  EXPECT_STREQ(first.attribute("tests").value(), "2");
  const pugi::xml_node c = testCase(document, "c[2024-04-03+no_rpc]");
  EXPECT_STREQ(c.attribute("classname").value(), "c");
  EXPECT_EQ(c.parent(), first);
}

TEST(JunitReport, TimesAreInSecondsWithMilliseconds) {
  RunReport report = singleResult(Status::kPass);
  report.results[0].durationMs = 1234.5678;
  pugi::xml_document document;

  parse(toJunitXml(report), document);

  EXPECT_STREQ(testCase(document, kId).attribute("time").value(), "1.235");
  EXPECT_STREQ(document.child("testsuites").attribute("time").value(), "12.345");
}

TEST(JunitReport, CountsInTheAttributesMatchTheTestCases) {
  RunReport report = makeRunReport();
  const Status statuses[] = {Status::kPass,  Status::kFail, Status::kTimeout,
                             Status::kError, Status::kSkip, Status::kPreconditionFailed,
                             Status::kFlaky};
  for (Status status : statuses) {
    report.results.push_back(makeResult(harness::toString(status), "p", status));
  }
  report.results.push_back(makeResult("known", "q", Status::kFail, Status::kFail));
  report.results.push_back(makeResult("fixed", "q", Status::kPass, Status::kFail));
  pugi::xml_document document;

  parse(toJunitXml(report), document);

  const pugi::xml_node suites = document.child("testsuites");
  const pugi::xml_node p = suites.find_child_by_attribute("testsuite", "name", "p");
  const pugi::xml_node q = suites.find_child_by_attribute("testsuite", "name", "q");
  // p: FAIL, TIMEOUT and FLAKY fail; ERROR errs; SKIP and PRECONDITION_FAILED are skipped.
  EXPECT_STREQ(p.attribute("tests").value(), "7");
  EXPECT_STREQ(p.attribute("failures").value(), "3");
  EXPECT_STREQ(p.attribute("errors").value(), "1");
  EXPECT_STREQ(p.attribute("skipped").value(), "2");
  // q: the known failure is skipped, the unexpected pass fails.
  EXPECT_STREQ(q.attribute("tests").value(), "2");
  EXPECT_STREQ(q.attribute("failures").value(), "1");
  EXPECT_STREQ(q.attribute("skipped").value(), "1");
  EXPECT_STREQ(suites.attribute("tests").value(), "9");
  EXPECT_STREQ(suites.attribute("failures").value(), "4");
  EXPECT_STREQ(suites.attribute("errors").value(), "1");
  EXPECT_STREQ(suites.attribute("skipped").value(), "3");
}

// --- What each status becomes ------------------------------------------------------------------

TEST(JunitReport, APassIsATestCaseWithNothingInside) {
  pugi::xml_document document;

  parse(toJunitXml(singleResult(Status::kPass)), document);

  EXPECT_TRUE(testCase(document, kId));
  EXPECT_FALSE(testCase(document, kId).first_child());
}

TEST(JunitReport, FailAndTimeoutAreFailuresListingTheFailedChecks) {
  for (Status status : {Status::kFail, Status::kTimeout}) {
    pugi::xml_document document;

    parse(toJunitXml(singleResult(status)), document);

    const pugi::xml_node failure = verdict(document, kId);
    EXPECT_STREQ(failure.name(), "failure");
    EXPECT_EQ(failure.attribute("type").value(), harness::toString(status));
    EXPECT_EQ(failure.attribute("message").value(), harness::toString(status) + " in step get");
    const std::string text = failure.text().get();
    EXPECT_NE(text.find("step get (fetch), FETCH-002: body: wanted \"ok\", got \"boom\""),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("expected: \"ok\""), std::string::npos) << text;
    EXPECT_EQ(text.find("FETCH-001"), std::string::npos) << "a passed check is listed: " << text;
  }
}

TEST(JunitReport, AFailureCarriesItsTraceAsJsonInSystemOut) {
  pugi::xml_document document;

  parse(toJunitXml(singleResult(Status::kFail)), document);

  const nlohmann::json trace =
      nlohmann::json::parse(testCase(document, kId).child("system-out").text().get());
  EXPECT_EQ(trace[0]["id"], "get");
  EXPECT_EQ(trace[0]["observation"]["body"], "boom");
}

TEST(JunitReport, AnErrorIsAnErrorElement) {
  pugi::xml_document document;

  parse(toJunitXml(singleResult(Status::kError)), document);

  EXPECT_STREQ(verdict(document, kId).name(), "error");
  EXPECT_STREQ(verdict(document, kId).attribute("type").value(), "ERROR");
  EXPECT_TRUE(testCase(document, kId).child("system-out"));
}

TEST(JunitReport, SkipAndPreconditionFailedAreSkippedWithTheStatusInTheMessage) {
  for (Status status : {Status::kSkip, Status::kPreconditionFailed}) {
    pugi::xml_document document;

    parse(toJunitXml(singleResult(status)), document);

    const pugi::xml_node skipped = verdict(document, kId);
    EXPECT_STREQ(skipped.name(), "skipped");
    const std::string name = harness::toString(status);
    EXPECT_EQ(skipped.attribute("message").value(), name + ": " + name + " in step get");
    EXPECT_FALSE(testCase(document, kId).child("system-out"));
  }
}

TEST(JunitReport, AFlakyResultIsAFailureUntilItIsExpected) {
  pugi::xml_document document;

  parse(toJunitXml(singleResult(Status::kFlaky)), document);

  EXPECT_STREQ(verdict(document, kId).name(), "failure");
  EXPECT_STREQ(verdict(document, kId).attribute("type").value(), "FLAKY");
}

TEST(JunitReport, AnExpectedFailureIsSkippedWithItsReason) {
  RunReport report = singleResult(Status::kFail, Status::kFail);
  report.results[0].expectationReason = "workerd issue 1234";
  pugi::xml_document document;

  parse(toJunitXml(report), document);

  const pugi::xml_node skipped = verdict(document, kId);
  EXPECT_STREQ(skipped.name(), "skipped");
  EXPECT_STREQ(skipped.attribute("message").value(), "expected FAIL: workerd issue 1234");
  EXPECT_STREQ(document.child("testsuites").attribute("failures").value(), "0");
}

TEST(JunitReport, AnUnexpectedPassIsAFailure) {
  RunReport report = singleResult(Status::kPass, Status::kFail);
  report.results[0].expectationReason = "workerd issue 1234";
  pugi::xml_document document;

  parse(toJunitXml(report), document);

  const pugi::xml_node failure = verdict(document, kId);
  EXPECT_STREQ(failure.name(), "failure");
  EXPECT_STREQ(failure.attribute("message").value(),
               "unexpected PASS: expected FAIL: workerd issue 1234");
}

TEST(JunitReport, AStatusOtherThanTheExpectedOneSaysBoth) {
  pugi::xml_document document;

  parse(toJunitXml(singleResult(Status::kError, Status::kFail)), document);

  EXPECT_STREQ(verdict(document, kId).name(), "error");
  EXPECT_STREQ(verdict(document, kId).attribute("message").value(),
               "expected FAIL, got ERROR: ERROR in step get");
}

// --- Text that is not XML-safe -----------------------------------------------------------------

TEST(JunitReport, MarkupCharactersInMessagesRoundTripUnchanged) {
  const std::string message = "a<b && c>d \"quoted\" 'single' ]]> <![CDATA[x]]>\nsecond\tline";
  RunReport report = singleResult(Status::kFail);
  report.results[0].message = message;
  report.results[0].trace[0].checks[1].message = message;
  report.results[0].scenarioId = "<scenario & \"co\">";
  pugi::xml_document document;

  parse(toJunitXml(report), document);

  const pugi::xml_node failure = verdict(document, kId);
  EXPECT_EQ(failure.attribute("message").value(), message);
  EXPECT_NE(std::string(failure.text().get()).find(message), std::string::npos);
  EXPECT_STREQ(testCase(document, kId).attribute("classname").value(), "<scenario & \"co\">");
}

TEST(JunitReport, ControlCharactersAndInvalidUtf8BecomeVisibleReplacements) {
  RunReport report = singleResult(Status::kFail);
  report.results[0].message = std::string("nul\0 bell\x07 bad\xFF cut\xC3", 20);
  report.results[0].trace[0].observation["body"] = std::string("\x01\x02\xFE", 3);
  pugi::xml_document document;

  parse(toJunitXml(report), document);

  EXPECT_STREQ(verdict(document, kId).attribute("message").value(),
               "nul\\u0000 bell\\u0007 bad\xEF\xBF\xBD cut\xEF\xBF\xBD");
  // The trace goes through JSON first, which escapes control characters its own way.
  const std::string out = testCase(document, kId).child("system-out").text().get();
  EXPECT_NE(out.find("\"\\u0001\\u0002\xEF\xBF\xBD\""), std::string::npos) << out;
}

// pugixml parses leniently; xmllint or Python's expat reject what the XML 1.0 spec forbids, as
// the JUnit readers of CI systems do.
TEST(JunitReport, HostileTextStillMakesXmlThatAStrictParserAccepts) {
  RunReport report = singleResult(Status::kFail);
  report.results[0].message = "<&\"\0\x01\x1F\x7F\xFF\xC0\xAF\xED\xA0\x80\xEF\xBF\xBE"s;
  report.results[0].trace[0].observation["body"] = report.results[0].message;
  const std::string path = scratchDirectory("strict_xml") + "/junit.xml";
  writeJunitReport(report, path);

  const std::string file = shellQuote(path);
  int exitStatus = runShell("command -v xmllint >/dev/null && xmllint --noout " + file);
  if (exitStatus == 1 || exitStatus == 127) {  // `command -v` found no xmllint.
    exitStatus =
        runShell("python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' " + file);
    if (exitStatus == 127) {
      GTEST_SKIP() << "neither xmllint nor python3 is installed";
    }
  }

  EXPECT_EQ(exitStatus, 0) << readFile(path);
}

TEST(XmlText, KeepsValidUtf8AndTheWhitespaceXmlAllows) {
  EXPECT_EQ(toXmlText("caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80\t\n\r"),
            "caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80\t\n\r");
}

TEST(XmlText, ReplacesEachByteOfAnInvalidSequence) {
  EXPECT_EQ(toXmlText("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // Overlong "/".
  EXPECT_EQ(toXmlText("\xED\xA0\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");               // A UTF-16 surrogate.
  EXPECT_EQ(toXmlText("\xF4\x90\x80\x80").size(), 4 * 3u);         // Past U+10FFFF.
  EXPECT_EQ(toXmlText("a\xE6\x97"), "a\xEF\xBF\xBD\xEF\xBF\xBD");  // Cut short.
  EXPECT_EQ(toXmlText("\x80z"), "\xEF\xBF\xBDz");                  // A stray continuation.
}

TEST(XmlText, EscapesCharactersXmlForbidsEvenAsReferences) {
  EXPECT_EQ(toXmlText(std::string("\0\x1B", 2)), "\\u0000\\u001b");
  EXPECT_EQ(toXmlText("\xEF\xBF\xBE\xEF\xBF\xBF"), "\\ufffe\\uffff");
}

TEST(JunitReport, WritingCreatesMissingParentDirectories) {
  const std::string path = scratchDirectory("junit_parents") + "/ci/out/junit.xml";

  writeJunitReport(singleResult(Status::kPass), path);

  pugi::xml_document document;
  parse(readFile(path), document);
  EXPECT_STREQ(document.child("testsuites").attribute("tests").value(), "1");
}

}  // namespace
}  // namespace doc::reports
