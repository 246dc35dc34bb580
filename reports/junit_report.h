// The report CI systems read: JUnit XML, one <testsuite> per profile and one <testcase> per
// result. Known failures listed in an expectations file come out as <skipped>, so CI goes red only
// for what changed; a result that passes against its expectation comes out as <failure>, so the
// stale entry gets noticed.
#pragma once

#include <string>
#include <string_view>

#include "harness/result.h"

namespace doc::reports {

std::string toJunitXml(const harness::RunReport& report);

// Writes toJunitXml(report) to `path`, creating missing parent directories. Throws ReportError
// naming the path.
void writeJunitReport(const harness::RunReport& report, const std::string& path);

// `bytes` made into text that XML 1.0 can hold, for messages that quote what a target sent:
// invalid UTF-8 becomes U+FFFD (one per byte), and characters XML 1.0 forbids even as references
// (control characters other than tab, LF and CR; U+FFFE; U+FFFF) become a visible "\u0001", as
// JSON writes them, so the trace in <system-out> and the message read alike.
// pugixml escapes <, & and quotes itself but passes both of these through, and strict parsers
// (xmllint, the JVM's) then reject the whole file.
std::string toXmlText(std::string_view bytes);

}  // namespace doc::reports
