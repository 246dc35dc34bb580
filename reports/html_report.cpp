#include "reports/html_report.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "reports/json_report.h"
#include "reports/junit_report.h"
#include "reports/report_file.h"
#include "reports/requirements_doc.h"

namespace doc::reports {

namespace {

using harness::CheckResult;
using harness::Result;
using harness::RunInfo;
using harness::RunReport;
using harness::Status;
using harness::StepTrace;
using nlohmann::json;

// --- Safe HTML ---------------------------------------------------------------------------------

// Markup written in this file. Its constructor runs at compile time only, so a value computed at
// run time cannot become one; it goes through escapeHtml() instead.
struct Markup {
  std::string_view text;
};

consteval Markup operator""_m(const char* text, std::size_t size) {
  return Markup{std::string_view(text, size)};
}

// HTML under construction: literals pass through, everything else is escaped.
class Html {
 public:
  Html& operator<<(Markup markup) {
    out_ += markup.text;
    return *this;
  }
  Html& operator<<(std::string_view text) {
    out_ += escapeHtml(text);
    return *this;
  }
  Html& operator<<(const Html& fragment) {
    out_ += fragment.out_;
    return *this;
  }
  Html& operator<<(int number) { return *this << std::string_view(std::to_string(number)); }
  Html& operator<<(std::size_t number) { return *this << std::string_view(std::to_string(number)); }

  bool empty() const { return out_.empty(); }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

// --- Numbers and values ------------------------------------------------------------------------

// to_chars, not printf, so a locale with a decimal comma cannot change the page.
std::string fixed(double value, int decimals) {
  char buffer[48];
  const auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
  return error == std::errc() ? std::string(buffer, end) : "?";
}

// `value` with at most `decimals` decimals and no trailing zeros: "2", "2.5", "1.25".
std::string trimmed(double value, int decimals) {
  std::string text = fixed(value, decimals);
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') {
      text.pop_back();
    }
  }
  return text;
}

// A duration for a person: "850 ms", "2.5 s", "1.25 s", "4 min 12 s".
std::string duration(double milliseconds) {
  if (std::abs(milliseconds) < 1000) {
    return fixed(milliseconds, 0) + " ms";
  }
  if (std::abs(milliseconds) < 60000) {
    return trimmed(milliseconds / 1000, 2) + " s";
  }
  const long long seconds = std::llround(milliseconds / 1000);
  return std::to_string(seconds / 60) + " min " + std::to_string(seconds % 60) + " s";
}

std::string compactJson(const json& value) {
  return dumpJson(value, -1);
}

std::string stringField(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) {
    return "";
  }
  const json& value = object.at(key);
  return value.is_string() ? value.get<std::string>() : compactJson(value);
}

// --- Verdicts: a status read against its expectation --------------------------------------------

// Ordered from best to worst: a matrix cell that aggregates several results shows the worst.
enum class Verdict {
  kPass,
  kSkip,
  kPrecondition,
  kKnown,           // Not PASS, and the expectations file says so.
  kFlaky,           // Expected in some attempts, not in others: listed, not counted against.
  kUnexpectedPass,  // PASS where the expectations file expects otherwise: a stale entry.
  kFail,
  kTimeout,
  kError,
};

Verdict verdictOf(const Result& result) {
  if (result.status == Status::kSkip) {
    return Verdict::kSkip;
  }
  if (result.status == Status::kPreconditionFailed) {
    return Verdict::kPrecondition;
  }
  if (result.status == Status::kPass) {
    return result.expected == Status::kPass ? Verdict::kPass : Verdict::kUnexpectedPass;
  }
  if (result.status == result.expected) {
    return Verdict::kKnown;
  }
  switch (result.status) {
    case Status::kTimeout:
      return Verdict::kTimeout;
    case Status::kError:
      return Verdict::kError;
    case Status::kFlaky:
      return Verdict::kFlaky;
    default:
      return Verdict::kFail;
  }
}

// The CSS class that colours a verdict (see kStyle).
Markup verdictClass(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "v-pass"_m;
    case Verdict::kSkip:
      return "v-skip"_m;
    case Verdict::kPrecondition:
      return "v-pre"_m;
    case Verdict::kKnown:
      return "v-known"_m;
    case Verdict::kUnexpectedPass:
      return "v-xpass"_m;
    case Verdict::kFlaky:
      return "v-flaky"_m;
    case Verdict::kFail:
      return "v-fail"_m;
    case Verdict::kTimeout:
      return "v-timeout"_m;
    case Verdict::kError:
      return "v-error"_m;
  }
  return "v-fail"_m;
}

// A status short enough for a matrix cell.
std::string shortStatus(Status status) {
  switch (status) {
    case Status::kPreconditionFailed:
      return "N/A";
    case Status::kTimeout:
      return "TIME";
    case Status::kError:
      return "ERR";
    default:
      return harness::toString(status);
  }
}

// "FAIL, expected FAIL: reason" or "PASS".
std::string statusSentence(const Result& result) {
  std::string text = harness::toString(result.status);
  if (result.expected != Status::kPass || result.status != Status::kPass) {
    text += ", expected " + harness::toString(result.expected);
  }
  if (!result.expectationReason.empty()) {
    text += ": " + result.expectationReason;
  }
  return text;
}

Html badge(const Result& result) {
  Html html;
  html << "<span class=\"badge "_m << verdictClass(verdictOf(result)) << "\">"_m
       << harness::toString(result.status) << "</span>"_m;
  return html;
}

// --- What the page is made of ------------------------------------------------------------------

struct RunView {
  const RunReport* report;
  std::string label;  // The target's name, made unique among the runs.
};

struct ResultRef {
  std::size_t run = 0;
  std::size_t index = 0;
};

// The anchor of a result's <details>: indexes, so no id a target chose ends up in a URL.
std::string anchorOf(ResultRef ref) {
  return "r" + std::to_string(ref.run) + "-" + std::to_string(ref.index);
}

std::vector<RunView> runViews(const std::vector<RunReport>& runs) {
  std::vector<RunView> views;
  std::map<std::string, int> seen;
  for (const RunReport& run : runs) {
    std::string label = run.info.targetName;
    if (label.empty()) {
      label = run.info.targetUrl.empty() ? "run" : run.info.targetUrl;
    }
    if (const int count = ++seen[label]; count > 1) {
      label += " #" + std::to_string(count);
    }
    views.push_back({&run, label});
  }
  return views;
}

// Every profile any run served or produced a result for, sorted: dates sort in time order and a
// profile's flagged variants follow it.
std::vector<std::string> allProfiles(const std::vector<RunReport>& runs) {
  std::set<std::string> profiles;
  for (const RunReport& run : runs) {
    profiles.insert(run.info.profiles.begin(), run.info.profiles.end());
    for (const Result& result : run.results) {
      profiles.insert(result.profile);
    }
  }
  return {profiles.begin(), profiles.end()};
}

// The requirement ids a result cites: its own list and those of its checks.
std::set<std::string> citedBy(const Result& result) {
  std::set<std::string> ids(result.requirements.begin(), result.requirements.end());
  for (const StepTrace& step : result.trace) {
    for (const CheckResult& check : step.checks) {
      if (!check.requirement.empty()) {
        ids.insert(check.requirement);
      }
    }
  }
  return ids;
}

// The requirements file, indexed by id, in file order.
struct Requirements {
  std::vector<std::string> order;
  std::map<std::string, json> byId;

  explicit Requirements(const json& document) {
    if (!document.is_object() || !document.contains("requirements") ||
        !document["requirements"].is_array()) {
      return;
    }
    for (const json& entry : document["requirements"]) {
      const std::string id = stringField(entry, "id");
      if (!id.empty() && byId.emplace(id, entry).second) {
        order.push_back(id);
      }
    }
  }

  const json* find(const std::string& id) const {
    const auto found = byId.find(id);
    return found == byId.end() ? nullptr : &found->second;
  }
};

// --- Page frame --------------------------------------------------------------------------------

// Status colours: green PASS, red a failure nobody expected, amber a known failure, blue a PASS
// the expectations file does not expect, greys for results that could not run here.
constexpr Markup kStyle = R"css(
:root {
  --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9;
  --known: #9a6700; --known-bg: #fff1c2; --xpass: #0969da; --xpass-bg: #ddf4ff;
  --pre: #59636e; --pre-bg: #e6eaef; --error: #8250df; --error-bg: #fbefff;
  --flaky: #bc4c00; --flaky-bg: #fff1e5;
}
* { box-sizing: border-box; }
body { margin: 0; padding: 28px 32px 64px; color: var(--fg); background: #fff;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 24px 0 8px; }
p.lead { color: var(--muted); margin: 0 0 20px; }
code, pre, .mono { font-family: "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px;
  margin: 4px 0 8px; max-height: 360px; overflow: auto; white-space: pre-wrap; word-break: break-word; }
a { color: var(--xpass); text-decoration: none; }
a:hover { text-decoration: underline; }
.muted { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 16px; }
.card { flex: 1 1 420px; max-width: 720px; border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; }
.card h3 { margin: 0; font-size: 20px; }
.card .version { color: var(--muted); font-weight: normal; }
.verdict { margin: 8px 0 12px; font-size: 15px; font-weight: 600; }
.verdict.ok { color: var(--pass); }
.verdict.bad { color: var(--fail); }
.bar { display: flex; height: 12px; border-radius: 6px; overflow: hidden; margin: 8px 0 12px; background: var(--soft); }
.bar span { display: block; height: 100%; }
.counts { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 12px; }
.count { border-radius: 12px; padding: 1px 10px; font-size: 12px; font-weight: 600; }
.count.zero { opacity: .35; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; font-size: 13px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; word-break: break-word; }
.chip { display: inline-block; background: var(--soft); border: 1px solid var(--line); border-radius: 10px;
  padding: 0 7px; margin: 1px 2px 1px 0; font-size: 11px; }
.badge { display: inline-block; min-width: 46px; text-align: center; border-radius: 4px; padding: 0 6px;
  font-size: 11px; font-weight: 700; letter-spacing: .02em; }
.v-pass { background: var(--pass-bg); color: var(--pass); }
.v-fail, .v-timeout { background: var(--fail-bg); color: var(--fail); }
.v-flaky { background: var(--flaky-bg); color: var(--flaky); }
.v-error { background: var(--error-bg); color: var(--error); }
.v-known { background: var(--known-bg); color: var(--known); }
.v-xpass { background: var(--xpass-bg); color: var(--xpass); }
.v-pre { background: var(--pre-bg); color: var(--pre); }
.v-skip { background: #fff; color: var(--pre); outline: 1px dashed #afb8c1; outline-offset: -1px; }
.bar .v-pass { background: #2da44e; } .bar .v-fail, .bar .v-timeout { background: #cf222e; }
.bar .v-flaky { background: #e16f24; }
.bar .v-error { background: #8250df; } .bar .v-known { background: #d4a72c; }
.bar .v-xpass { background: #0969da; } .bar .v-pre { background: #8c959f; } .bar .v-skip { background: #d0d7de; }
ul.attention { padding-left: 20px; }
ul.attention li { margin: 3px 0; }
.legend { display: flex; flex-wrap: wrap; gap: 8px 16px; margin: 8px 0 14px; font-size: 12px; color: var(--muted); }
.scroll { overflow: auto; max-width: 100%; width: fit-content; border: 1px solid var(--line); border-radius: 8px; max-height: 80vh; }
table.matrix { border-collapse: separate; border-spacing: 0; font-size: 12px; }
table.matrix th, table.matrix td { border-bottom: 1px solid #eaeef2; padding: 3px 4px; }
table.matrix thead { position: sticky; top: 0; z-index: 2; }
table.matrix thead th { background: #fff; vertical-align: bottom; font-weight: 600;
  border-bottom: 1px solid var(--line); }
table.matrix th.row { position: sticky; left: 0; background: #fff; z-index: 1; text-align: left;
  font-weight: normal; min-width: 300px; max-width: 460px; border-right: 1px solid var(--line); }
table.matrix thead th.row { z-index: 3; }
table.matrix th.rot div { writing-mode: vertical-rl; transform: rotate(180deg); max-height: 150px;
  font-weight: 500; margin: 0 auto; line-height: 1.25; text-align: left; }
table.matrix th.all { background: var(--soft); }
table.matrix th.group { border-left: 1px solid var(--line); }
table.matrix td { text-align: center; min-width: 44px; }
table.matrix td.first { border-left: 1px solid var(--line); }
table.matrix td a { display: block; border-radius: 3px; font-weight: 700; font-size: 10.5px; padding: 1px 2px; color: inherit; }
table.matrix td.none { color: #d0d7de; }
.req-text { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden;
  color: var(--muted); font-size: 12px; }
.level { font-size: 10px; font-weight: 700; color: var(--muted); border: 1px solid var(--line); border-radius: 3px;
  padding: 0 3px; margin-left: 4px; }
details.result { border: 1px solid var(--line); border-left-width: 5px; border-radius: 6px; margin: 6px 0; }
details.result > summary { cursor: pointer; padding: 6px 12px; list-style-position: inside; }
details.result > summary .id { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 13px; margin-left: 6px; }
details.result > summary .note { color: var(--muted); font-size: 12px; margin-left: 8px; }
details.result[open] > summary { border-bottom: 1px solid var(--line); background: var(--soft); }
details.result:target { box-shadow: 0 0 0 3px #54aeff66; }
details.result.v-pass, details.result.v-fail, details.result.v-timeout, details.result.v-flaky,
details.result.v-error, details.result.v-known, details.result.v-xpass, details.result.v-pre,
details.result.v-skip { background: #fff; color: var(--fg); outline: none; }
details.result.v-pass { border-left-color: #2da44e; } details.result.v-fail, details.result.v-timeout
{ border-left-color: #cf222e; } details.result.v-flaky { border-left-color: #e16f24; } details.result.v-error { border-left-color: #8250df; }
details.result.v-known { border-left-color: #d4a72c; } details.result.v-xpass { border-left-color: #0969da; }
details.result.v-pre, details.result.v-skip { border-left-color: #8c959f; }
.body { padding: 8px 16px 12px; }
.message { border-left: 3px solid var(--fail); background: var(--fail-bg); padding: 6px 10px; border-radius: 4px;
  white-space: pre-wrap; word-break: break-word; }
.message.known { border-left-color: #d4a72c; background: var(--known-bg); }
ul.reqs { margin: 4px 0 8px; padding-left: 20px; }
.step { border-top: 1px dashed var(--line); margin-top: 10px; padding-top: 6px; }
.step h4 { margin: 4px 0; font-size: 13px; }
.step h4 .kind { color: var(--muted); font-weight: normal; }
ul.checks { list-style: none; padding-left: 0; margin: 4px 0; }
ul.checks li { margin: 3px 0; }
ul.checks .mark { display: inline-block; width: 16px; font-weight: 700; }
ul.checks .ok { color: var(--pass); }
ul.checks .no { color: var(--fail); }
ul.checks code.pattern { display: block; margin: 1px 0 0 16px; color: var(--muted); word-break: break-all; }
details.raw > summary { cursor: pointer; color: var(--muted); font-size: 12px; }
figure.timeline { margin: 8px 0; }
figure.timeline svg { display: block; width: 100%; max-width: 1100px; height: auto; background: #fff; }
figure.timeline figcaption { font-size: 12px; color: var(--muted); }
svg .axis { stroke: #8c959f; stroke-width: 1; }
svg .tick-label, svg .lane-label { font: 10px "DejaVu Sans", sans-serif; fill: #59636e; }
svg .gap-window { fill: #2da44e; fill-opacity: .18; stroke: #2da44e; stroke-opacity: .6; }
svg .gap-window.failed { fill: #cf222e; stroke: #cf222e; }
svg .alarm-mark line { stroke: #0969da; stroke-width: 2; }
svg .alarm-mark circle { fill: #0969da; }
svg .retry-label { font: 600 10px "DejaVu Sans", sans-serif; fill: #0550ae; text-anchor: middle; }
svg .event-mark { stroke: #8c959f; stroke-width: 1.5; }
ol.frames { font-size: 12px; padding-left: 24px; }
ol.frames .t { color: var(--muted); display: inline-block; min-width: 70px; }
table.wire { font-size: 12px; border-collapse: collapse; margin: 4px 0 8px 0; }
table.wire td, table.wire th { padding: 1px 8px; text-align: left; }
table.wire .t { color: var(--muted); }
p.socket { font-size: 12px; margin: 6px 0 2px 0; }
)css"_m;

void legend(Html& page) {
  struct Entry {
    Verdict verdict;
    Markup label;
    Markup meaning;
  };
  const Entry entries[] = {
      {Verdict::kPass, "PASS"_m, "as required"_m},
      {Verdict::kFail, "FAIL"_m, "failed, not expected"_m},
      {Verdict::kTimeout, "TIME"_m, "timed out, not expected"_m},
      {Verdict::kError, "ERR"_m, "harness or target error"_m},
      {Verdict::kFlaky, "FLAKY"_m, "passed in some attempts only"_m},
      {Verdict::kKnown, "FAIL"_m, "known: the expectations file lists it"_m},
      {Verdict::kUnexpectedPass, "PASS"_m, "passed, expected not to (stale expectation)"_m},
      {Verdict::kPrecondition, "N/A"_m, "precondition failed: cannot run here"_m},
      {Verdict::kSkip, "SKIP"_m, "not run on purpose"_m},
  };
  page << "<div class=\"legend\">"_m;
  for (const Entry& entry : entries) {
    page << "<span><span class=\"badge "_m << verdictClass(entry.verdict) << "\">"_m << entry.label
         << "</span> "_m << entry.meaning << "</span>"_m;
  }
  page << "</div>"_m;
}

// --- Summary -----------------------------------------------------------------------------------

void runCard(Html& page, const RunView& view) {
  const RunInfo& info = view.report->info;
  const std::vector<Result>& results = view.report->results;
  const int unexpected = view.report->unexpectedCount();

  page << "<section class=\"card\"><h3>"_m << view.label << " <span class=\"version\">"_m
       << info.targetVersion << "</span></h3>"_m;
  if (unexpected == 0) {
    page << "<div class=\"verdict ok\">All "_m << results.size() << " results as expected</div>"_m;
  } else {
    page << "<div class=\"verdict bad\">"_m << unexpected << " of "_m << results.size()
         << " results unexpected</div>"_m;
  }

  // The bar: one segment per verdict, widths in proportion.
  std::map<Verdict, int> verdicts;
  for (const Result& result : results) {
    ++verdicts[verdictOf(result)];
  }
  page << "<div class=\"bar\">"_m;
  for (const auto& [verdict, count] : verdicts) {
    const double percent = 100.0 * count / double(results.size());
    page << "<span class=\""_m << verdictClass(verdict) << "\" style=\"width:"_m
         << fixed(percent, 3) << "%\" title=\""_m << count << "\"></span>"_m;
  }
  page << "</div>"_m;

  // A status's chip takes the colour of its worst result, so a FAIL every one of which the
  // expectations file lists reads as known, not as red.
  page << "<div class=\"counts\">"_m;
  for (Status status : kAllStatuses) {
    Result probe;
    probe.status = status;
    Verdict worst = verdictOf(probe);
    int count = 0;
    for (const Result& result : results) {
      if (result.status == status) {
        worst = count++ == 0 ? verdictOf(result) : std::max(worst, verdictOf(result));
      }
    }
    page << "<span class=\"count "_m << verdictClass(worst) << (count == 0 ? " zero"_m : ""_m)
         << "\">"_m << harness::toString(status) << " "_m << count << "</span>"_m;
  }
  page << "<span class=\"count "_m << (unexpected == 0 ? "v-pass"_m : "v-fail"_m)
       << "\">unexpected "_m << unexpected << "</span></div>"_m;

  page << "<dl class=\"meta\">"_m;
  const std::pair<Markup, std::string> rows[] = {
      {"target URL"_m, info.targetUrl},
      {"suite commit"_m, info.suiteCommit},
      {"harness"_m, info.harnessVersion},
      {"protocol"_m, std::to_string(info.protocolVersion)},
      {"clock scale"_m, compactJson(info.clockScale) +
                            (info.clockScale == 1 ? " (real time)" : " real s per target s")},
      {"started"_m, info.startedAt},
      {"duration"_m, duration(info.durationMs)},
  };
  for (const auto& [name, value] : rows) {
    page << "<dt>"_m << name << "</dt><dd>"_m << value << "</dd>"_m;
  }
  page << "<dt>profiles</dt><dd>"_m;
  std::vector<std::string> profiles = info.profiles;
  std::sort(profiles.begin(), profiles.end());
  for (const std::string& profile : profiles) {
    page << "<span class=\"chip\">"_m << profile << "</span>"_m;
  }
  page << "</dd><dt>command</dt><dd><code>"_m << info.commandLine
       << "</code></dd></dl></section>"_m;
}

void attention(Html& page, const std::vector<RunView>& views) {
  page << "<h2>Needs attention</h2>"_m;
  // Unexpected results, and flaky ones, which do not count against the target but need a look.
  bool any = false;
  for (std::size_t run = 0; run < views.size(); ++run) {
    const std::vector<Result>& results = views[run].report->results;
    for (std::size_t index = 0; index < results.size(); ++index) {
      const Result& result = results[index];
      if (!result.isUnexpected() && result.status != Status::kFlaky) {
        continue;
      }
      if (!any) {
        page << "<ul class=\"attention\">"_m;
        any = true;
      }
      page << "<li>"_m << badge(result) << " <a href=\"#"_m << anchorOf({run, index}) << "\">"_m
           << result.id << "</a> <span class=\"muted\">on "_m << views[run].label << "</span>"_m;
      if (!result.message.empty()) {
        page << " — "_m << result.message;
      }
      page << "</li>"_m;
    }
  }
  if (any) {
    page << "</ul>"_m;
  } else {
    page << "<p>Nothing: every result in every run was as expected, none flaky.</p>"_m;
  }
}

// --- Matrices ----------------------------------------------------------------------------------

// A matrix cell: the results of one run and profile that a row covers.
struct Cell {
  std::vector<ResultRef> results;
};

// A profile name that can wrap after "+" and "_", so a long flag does not make the header tall.
void profileLabel(Html& page, const std::string& profile) {
  std::size_t from = 0;
  for (std::size_t at = 0; at < profile.size(); ++at) {
    if (profile[at] == '+' || profile[at] == '_') {
      page << std::string_view(profile).substr(from, at + 1 - from) << "<wbr>"_m;
      from = at + 1;
    }
  }
  page << std::string_view(profile).substr(from);
}

// Header rows: "all profiles", then each profile, and under each the runs when there are several.
void matrixHead(Html& page, Markup corner, const std::vector<std::string>& profiles,
                const std::vector<RunView>& views) {
  const bool several = views.size() > 1;
  page << "<thead><tr><th class=\"row\""_m << (several ? " rowspan=\"2\""_m : ""_m) << ">"_m
       << corner << "</th><th class=\"rot group all\" colspan=\""_m << views.size()
       << "\"><div><strong>all profiles</strong></div></th>"_m;
  for (const std::string& profile : profiles) {
    page << "<th class=\"rot group\" colspan=\""_m << views.size() << "\"><div>"_m;
    profileLabel(page, profile);
    page << "</div></th>"_m;
  }
  page << "</tr>"_m;
  if (several) {
    page << "<tr class=\"targets\">"_m;
    for (std::size_t group = 0; group <= profiles.size(); ++group) {
      for (std::size_t run = 0; run < views.size(); ++run) {
        page << "<th class=\"rot"_m << (run == 0 ? " group"_m : ""_m)
             << "\"><div class=\"muted\">"_m << views[run].label << "</div></th>"_m;
      }
    }
    page << "</tr>"_m;
  }
  page << "</thead>"_m;
}

void matrixCell(Html& page, const std::vector<RunView>& views, const Cell& cell, bool first) {
  const Markup open = first ? "<td class=\"first"_m : "<td class=\""_m;
  if (cell.results.empty()) {
    page << open << " none\">–</td>"_m;
    return;
  }

  // Worst wins; the title lists every result so a hover shows what the cell hides.
  ResultRef worst = cell.results.front();
  std::string title;
  for (const ResultRef& ref : cell.results) {
    const Result& result = views[ref.run].report->results[ref.index];
    if (verdictOf(result) > verdictOf(views[worst.run].report->results[worst.index])) {
      worst = ref;
    }
    title += (title.empty() ? "" : "\n") + result.id + ": " + statusSentence(result);
  }
  const Result& shown = views[worst.run].report->results[worst.index];
  page << open << "\"><a class=\""_m << verdictClass(verdictOf(shown)) << "\" href=\"#"_m
       << anchorOf(worst) << "\" title=\""_m << title << "\">"_m << shortStatus(shown.status)
       << "</a></td>"_m;
}

// The row's cells: first one per run over all profiles, then one per profile and run.
void matrixRow(Html& page, const std::vector<RunView>& views,
               const std::vector<std::string>& profiles,
               const std::map<std::pair<std::size_t, std::string>, Cell>& cells) {
  for (std::size_t run = 0; run < views.size(); ++run) {
    Cell all;
    for (const auto& [key, cell] : cells) {
      if (key.first == run) {
        all.results.insert(all.results.end(), cell.results.begin(), cell.results.end());
      }
    }
    matrixCell(page, views, all, run == 0);
  }
  for (const std::string& profile : profiles) {
    for (std::size_t run = 0; run < views.size(); ++run) {
      const auto found = cells.find({run, profile});
      matrixCell(page, views, found == cells.end() ? Cell{} : found->second, run == 0);
    }
  }
}

using RowCells = std::map<std::pair<std::size_t, std::string>, Cell>;

void requirementMatrix(Html& page, const std::vector<RunView>& views,
                       const std::vector<std::string>& profiles, const Requirements& requirements) {
  std::map<std::string, RowCells> rows;
  for (std::size_t run = 0; run < views.size(); ++run) {
    const std::vector<Result>& results = views[run].report->results;
    for (std::size_t index = 0; index < results.size(); ++index) {
      for (const std::string& id : citedBy(results[index])) {
        rows[id][{run, results[index].profile}].results.push_back({run, index});
      }
    }
  }

  // File order first, then ids the file lacks.
  std::vector<std::string> order;
  for (const std::string& id : requirements.order) {
    if (rows.count(id) != 0) {
      order.push_back(id);
    }
  }
  for (const auto& [id, cells] : rows) {
    if (requirements.find(id) == nullptr) {
      order.push_back(id);
    }
  }

  page << "<h2>Requirements</h2><p class=\"lead\">"_m << order.size()
       << " requirements cited by these runs, by compatibility profile. A cell shows the worst "
          "result that cites the requirement (\"all profiles\": the worst over every profile); "
          "hover "
          "for all of them, click for the trace.</p>"_m;
  legend(page);
  page << "<div class=\"scroll\"><table class=\"matrix requirements\">"_m;
  matrixHead(page, "requirement"_m, profiles, views);
  page << "<tbody>"_m;
  for (const std::string& id : order) {
    const json* entry = requirements.find(id);
    page << "<tr class=\"requirement\"><th class=\"row\"><span class=\"mono\">"_m << id
         << "</span>"_m;
    if (entry != nullptr) {
      page << "<span class=\"level\">"_m << stringField(*entry, "level")
           << "</span><div class=\"req-text\" title=\""_m << stringField(*entry, "text") << "\">"_m
           << stringField(*entry, "text") << "</div>"_m;
    } else {
      page << "<div class=\"req-text\">not in the requirements file</div>"_m;
    }
    page << "</th>"_m;
    matrixRow(page, views, profiles, rows[id]);
    page << "</tr>"_m;
  }
  page << "</tbody></table></div>"_m;

  // Active requirements nothing here checks: the gaps in coverage.
  std::vector<const json*> uncovered;
  for (const std::string& id : requirements.order) {
    const json* entry = requirements.find(id);
    if (rows.count(id) == 0 && stringField(*entry, "status") != kWithdrawnStatus) {
      uncovered.push_back(entry);
    }
  }
  if (!uncovered.empty()) {
    page << "<details class=\"raw\"><summary>"_m << uncovered.size()
         << " requirements no result in these runs cites</summary><ul class=\"reqs\">"_m;
    for (const json* entry : uncovered) {
      page << "<li><span class=\"mono\">"_m << stringField(*entry, "id")
           << "</span><span class=\"level\">"_m << stringField(*entry, "level") << "</span> "_m;
      if (stringField(*entry, "status") == kPlannedStatus) {
        page << "<span class=\"chip\">planned</span> "_m;
      }
      page << stringField(*entry, "text") << "</li>"_m;
    }
    page << "</ul></details>"_m;
  }
}

void scenarioMatrix(Html& page, const std::vector<RunView>& views,
                    const std::vector<std::string>& profiles) {
  std::map<std::string, RowCells> rows;
  std::map<std::string, std::string> descriptions;
  for (std::size_t run = 0; run < views.size(); ++run) {
    const std::vector<Result>& results = views[run].report->results;
    for (std::size_t index = 0; index < results.size(); ++index) {
      const Result& result = results[index];
      rows[result.scenarioId][{run, result.profile}].results.push_back({run, index});
      descriptions.emplace(result.scenarioId, result.description);
    }
  }

  page << "<h2>Scenarios</h2><p class=\"lead\">"_m << rows.size()
       << " scenarios, each run once per profile it names.</p>"_m;
  page << "<div class=\"scroll\"><table class=\"matrix scenarios\">"_m;
  matrixHead(page, "scenario"_m, profiles, views);
  page << "<tbody>"_m;
  for (const auto& [scenario, cells] : rows) {
    page << "<tr class=\"scenario\"><th class=\"row\"><span class=\"mono\">"_m << scenario
         << "</span><div class=\"req-text\" title=\""_m << descriptions[scenario] << "\">"_m
         << descriptions[scenario] << "</div></th>"_m;
    matrixRow(page, views, profiles, cells);
    page << "</tr>"_m;
  }
  page << "</tbody></table></div>"_m;
}

// --- Event timelines ---------------------------------------------------------------------------

// Whether `event` matches a $gaps `where` pattern, for drawing only (the judge already decided
// pass or fail): objects match key by key, other values by equality, and operators ($...) match
// anything, since this page cannot resolve them.
bool matchesWhere(const json& event, const json& pattern) {
  if (!pattern.is_object()) {
    return event == pattern;
  }
  for (const auto& [key, wanted] : pattern.items()) {
    if (key.starts_with("$")) {
      continue;
    }
    if (!event.is_object() || !event.contains(key) || !matchesWhere(event[key], wanted)) {
      return false;
    }
  }
  return true;
}

// Every {$gaps: ...} operand inside a check's pattern.
void findGaps(const json& pattern, std::vector<const json*>& found) {
  if (pattern.is_object()) {
    for (const auto& [key, value] : pattern.items()) {
      if (key == "$gaps" && value.is_object()) {
        found.push_back(&value);
      } else {
        findGaps(value, found);
      }
    }
  } else if (pattern.is_array()) {
    for (const json& item : pattern) {
      findGaps(item, found);
    }
  }
}

struct Band {
  double from = 0;  // Target clock, the same unit as the events' ts.
  double to = 0;
  std::string title;
  bool failed = false;
};

// The windows the step's $gaps checks allow: after each matching event, nominal .. nominal ×
// (1 + jitter) for the next one; after the last event still one, where the missing one was due.
std::vector<Band> gapBands(const StepTrace& step, const json& events) {
  std::vector<Band> bands;
  for (const CheckResult& check : step.checks) {
    std::vector<const json*> specs;
    findGaps(check.expected, specs);
    for (const json* spec : specs) {
      const json where = spec->value("where", json::object());
      const json nominal = spec->value("nominal", json::array());
      const double jitter = spec->value("jitter", 0.0);
      const std::string field = spec->value("field", std::string("ts"));

      std::vector<double> times;
      for (const json& event : events) {
        if (matchesWhere(event, where) && event.contains(field) && event[field].is_number()) {
          times.push_back(event[field].get<double>());
        }
      }
      for (std::size_t i = 0; i < times.size() && i < nominal.size(); ++i) {
        if (!nominal[i].is_number()) {
          continue;
        }
        const double gap = nominal[i].get<double>();
        bands.push_back({times[i] + gap, times[i] + gap * (1 + jitter),
                         check.requirement + ": next within " + duration(gap) + " .. " +
                             duration(gap * (1 + jitter)) + " of this one",
                         !check.passed});
      }
    }
  }
  return bands;
}

// A round tick interval (1, 2 or 5 × 10^k) giving about `wanted` ticks over `span`.
double tickStep(double span, int wanted) {
  const double raw = span / wanted;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double factor : {1.0, 2.0, 5.0}) {
    if (factor * power >= raw) {
      return factor * power;
    }
  }
  return 10 * power;
}

std::string tickLabel(double milliseconds, double step) {
  if (step >= 1000) {
    return trimmed(milliseconds / 1000, 1) + " s";
  }
  return fixed(milliseconds, 0) + " ms";
}

// Alarm invocations to scale, with the retryCount each reported, the other log events as grey
// ticks, and the $gaps windows. Empty when the step logged no alarm.
Html alarmTimeline(const StepTrace& step, const json& events) {
  std::vector<const json*> timed;
  std::size_t alarms = 0;
  for (const json& event : events) {
    if (event.is_object() && event.contains("ts") && event["ts"].is_number()) {
      timed.push_back(&event);
      alarms += stringField(event, "event") == "alarm";
    }
  }
  if (alarms == 0) {
    return {};
  }

  const std::vector<Band> bands = gapBands(step, events);
  const double start = (*timed.front())["ts"].get<double>();
  double end = start;
  for (const json* event : timed) {
    end = std::max(end, (*event)["ts"].get<double>());
  }
  for (const Band& band : bands) {
    end = std::max(end, band.to);
  }
  const double span = std::max(end - start, 1.0);

  // Geometry in SVG units; the figure scales to the page width.
  constexpr double kWidth = 960, kLeft = 56, kRight = 24;
  constexpr double kAlarmTop = 34, kAlarmBottom = 70, kOtherY = 84, kAxisY = 100, kHeight = 120;
  const auto x = [&](double ts) { return kLeft + (ts - start) / span * (kWidth - kLeft - kRight); };

  Html svg;
  svg << "<figure class=\"timeline\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "_m
      << fixed(kWidth, 0) << " "_m << fixed(kHeight, 0) << "\" width=\""_m << fixed(kWidth, 0)
      << "\" height=\""_m << fixed(kHeight, 0) << "\" role=\"img\">"_m;
  svg << "<text class=\"lane-label\" x=\"4\" y=\""_m << fixed(kAlarmBottom - 4, 0)
      << "\">alarm</text><text class=\"lane-label\" x=\"4\" y=\""_m << fixed(kOtherY + 3, 0)
      << "\">other</text>"_m;

  for (const Band& band : bands) {
    svg << "<rect class=\"gap-window"_m << (band.failed ? " failed"_m : ""_m) << "\" x=\""_m
        << fixed(x(band.from), 1) << "\" y=\""_m << fixed(kAlarmTop - 4, 0) << "\" width=\""_m
        << fixed(std::max(x(band.to) - x(band.from), 1.5), 1) << "\" height=\""_m
        << fixed(kAlarmBottom - kAlarmTop + 8, 0) << "\"><title>"_m << band.title
        << "</title></rect>"_m;
  }

  // The axis, with round ticks of time since the first event.
  const double interval = tickStep(span, 8);
  svg << "<line class=\"axis\" x1=\""_m << fixed(kLeft, 0) << "\" x2=\""_m
      << fixed(kWidth - kRight, 0) << "\" y1=\""_m << fixed(kAxisY, 0) << "\" y2=\""_m
      << fixed(kAxisY, 0) << "\"/>"_m;
  for (double tick = 0; tick <= span + interval / 1000; tick += interval) {
    const std::string at = fixed(x(start + tick), 1);
    svg << "<line class=\"axis\" x1=\""_m << at << "\" x2=\""_m << at << "\" y1=\""_m
        << fixed(kAxisY, 0) << "\" y2=\""_m << fixed(kAxisY + 4, 0)
        << "\"/><text class=\"tick-label\" text-anchor=\"middle\" x=\""_m << at << "\" y=\""_m
        << fixed(kAxisY + 15, 0) << "\">"_m << tickLabel(tick, interval) << "</text>"_m;
  }

  // Marks. Retry labels alternate between two rows when they would touch.
  double lastLabelX[2] = {-1e9, -1e9};
  for (const json* event : timed) {
    const double ts = (*event)["ts"].get<double>();
    const std::string at = fixed(x(ts), 1);
    const std::string kind = stringField(*event, "event");
    const std::string when = "+" + duration(ts - start);
    if (kind != "alarm") {
      svg << "<line class=\"event-mark\" x1=\""_m << at << "\" x2=\""_m << at << "\" y1=\""_m
          << fixed(kOtherY - 5, 0) << "\" y2=\""_m << fixed(kOtherY + 5, 0) << "\"><title>"_m
          << kind << " at "_m << when << "</title></line>"_m;
      continue;
    }

    const json info = event->value("alarmInfo", json::object());
    const std::string retry = stringField(info, "retryCount");
    const int row = x(ts) - lastLabelX[0] >= 14 ? 0 : 1;
    lastLabelX[row] = x(ts);
    svg << "<g class=\"alarm-mark\"><title>alarm at "_m << when;
    if (!retry.empty()) {
      svg << ", retryCount "_m << retry;
    }
    svg << "</title><line x1=\""_m << at << "\" x2=\""_m << at << "\" y1=\""_m
        << fixed(kAlarmTop, 0) << "\" y2=\""_m << fixed(kAlarmBottom, 0) << "\"/><circle cx=\""_m
        << at << "\" cy=\""_m << fixed(kAlarmTop, 0) << "\" r=\"3.5\"/>"_m;
    if (!retry.empty()) {
      svg << "<text class=\"retry-label\" x=\""_m << at << "\" y=\""_m
          << fixed(row == 0 ? 24 : 12, 0) << "\">"_m << retry << "</text>"_m;
    }
    svg << "</g>"_m;
  }

  svg << "</svg><figcaption>Alarm invocations (numbers: <code>alarmInfo.retryCount</code>) and "
         "other log events (grey) on the target's clock, from its first event"_m;
  if (!bands.empty()) {
    svg << "; shaded: where the scenario's <code>$gaps</code> allows the next invocation (red "
           "when that check failed)"_m;
  }
  svg << ".</figcaption></figure>"_m;
  return svg;
}

// WebSocket events in order, for scenarios that log them.
Html frameSequence(const json& events) {
  Html list;
  double start = 0;
  bool started = false;
  for (const json& event : events) {
    const std::string kind = stringField(event, "event");
    if (!kind.starts_with("webSocket")) {
      continue;
    }
    const double ts =
        event.contains("ts") && event["ts"].is_number() ? event["ts"].get<double>() : 0;
    if (!started) {
      list << "<ol class=\"frames\">"_m;
      start = ts;
      started = true;
    }
    json rest = event;
    for (const char* key : {"event", "ts", "seq"}) {
      rest.erase(key);
    }
    list << "<li><span class=\"t\">+"_m << duration(ts - start) << "</span> <strong>"_m << kind
         << "</strong> <code>"_m << (rest.empty() ? std::string() : compactJson(rest))
         << "</code></li>"_m;
  }
  if (started) {
    list << "</ol>"_m;
  }
  return list;
}

// What one frame carried, in a few words: the text, the close code and reason, or the size.
std::string frameContent(const json& frame) {
  const std::string opcode = stringField(frame, "opcode");
  if (opcode == "close") {
    if (!frame.contains("code")) {
      return "(empty payload)";
    }
    return compactJson(frame["code"]) + " " + compactJson(frame.value("reason", json("")));
  }
  if (frame.contains("text")) {
    return compactJson(frame["text"]);
  }
  if (frame.contains("base64")) {
    return "base64 " + stringField(frame, "base64");
  }
  if (frame.contains("length")) {
    return compactJson(frame["length"]) + " bytes";
  }
  return "";
}

// The frames of every WebSocket of a result, both directions in time order, and how each
// connection ended: the close handshake as it was on the wire.
Html socketWire(const json& sockets) {
  Html page;
  for (const auto& [name, socket] : sockets.items()) {
    if (!socket.is_object() || !socket.contains("wire") || !socket["wire"].is_array()) {
      continue;
    }
    page << "<p class=\"socket\">socket <code>"_m << name << "</code>"_m;
    if (socket.value("ended", false)) {
      page << " ended ("_m << stringField(socket, "endedBy") << ") at +"_m
           << duration(socket.value("endedAt", 0.0)) << ", client close code "_m
           << compactJson(socket.value("clientCode", json()));
    } else {
      page << " still open at the end"_m;
    }
    page << "</p><table class=\"wire\"><tr><th>at</th><th></th><th>frame</th><th>payload</th>"
            "</tr>"_m;
    for (const json& frame : socket["wire"]) {
      const bool out = stringField(frame, "dir") == "out";
      std::string flags;
      for (const char* flag : {"rsv1", "rsv2", "rsv3"}) {
        if (frame.value(flag, false)) {
          flags += std::string(" ") + flag;
        }
      }
      if (frame.contains("fin") && !frame.value("fin", true)) {
        flags += " no-fin";
      }
      if (frame.contains("masked") && out && !frame.value("masked", true)) {
        flags += " unmasked";
      }
      page << "<tr><td class=\"t\">+"_m << duration(frame.value("at", 0.0)) << "</td><td>"_m
           << (out ? "harness → target"_m : "target → harness"_m) << "</td><td>"_m
           << stringField(frame, "opcode") << flags << "</td><td><code>"_m << frameContent(frame)
           << "</code></td></tr>"_m;
    }
    page << "</table>"_m;
    if (socket.contains("violations") && socket["violations"].is_array() &&
        !socket["violations"].empty()) {
      page << "<p class=\"socket\">protocol violations by the target: <code>"_m
           << compactJson(socket["violations"]) << "</code></p>"_m;
    }
  }
  return page;
}

// --- Results -----------------------------------------------------------------------------------

void rawJson(Html& page, Markup name, const json& value, bool open) {
  if (value.is_null()) {
    return;
  }
  page << "<details class=\"raw\""_m << (open ? " open"_m : ""_m) << "><summary>"_m << name
       << "</summary><pre>"_m << dumpJson(value) << "</pre></details>"_m;
}

void stepSection(Html& page, const StepTrace& step) {
  page << "<div class=\"step\"><h4>"_m << step.id << " <span class=\"kind\">"_m << step.kind
       << " · at +"_m << duration(step.startedMs) << ", took "_m << duration(step.durationMs)
       << "</span></h4>"_m;

  bool anyFailed = false;
  if (!step.checks.empty()) {
    page << "<ul class=\"checks\">"_m;
    for (const CheckResult& check : step.checks) {
      anyFailed = anyFailed || !check.passed;
      page << "<li class=\""_m << (check.passed ? "passed"_m : "failed"_m) << "\">"_m
           << (check.passed ? "<span class=\"mark ok\">✓</span>"_m
                            : "<span class=\"mark no\">✗</span>"_m)
           << "<span class=\"mono\">"_m << check.requirement << "</span>"_m;
      if (!check.message.empty()) {
        page << " — "_m << check.message;
      }
      page << "<code class=\"pattern\">expected "_m << compactJson(check.expected)
           << "</code></li>"_m;
    }
    page << "</ul>"_m;
  }

  const json& observation = step.observation;
  if (observation.is_object() && observation.contains("events") &&
      observation["events"].is_array()) {
    page << alarmTimeline(step, observation["events"]) << frameSequence(observation["events"]);
  }
  if (step.kind == "wsSockets" && observation.is_object()) {
    page << socketWire(observation);
  }
  rawJson(page, "request"_m, step.request, false);
  rawJson(page, "observation"_m, step.observation, anyFailed);
  page << "</div>"_m;
}

void resultDetails(Html& page, const Result& result, ResultRef ref,
                   const Requirements& requirements) {
  const Verdict verdict = verdictOf(result);
  page << "<details class=\"result "_m << verdictClass(verdict) << "\" id=\""_m << anchorOf(ref)
       << "\"><summary>"_m << badge(result) << "<span class=\"id\">"_m << result.id << "</span>"_m;
  if (result.expected != Status::kPass) {
    page << "<span class=\"note\">expected "_m << harness::toString(result.expected) << "</span>"_m;
  }
  page << "<span class=\"note\">"_m << duration(result.durationMs) << "</span></summary>"_m;

  page << "<div class=\"body\"><p>"_m << result.description << "</p>"_m;
  page << "<dl class=\"meta\"><dt>scenario</dt><dd class=\"mono\">"_m << result.scenarioId
       << "</dd><dt>profile</dt><dd class=\"mono\">"_m << result.profile
       << "</dd><dt>level</dt><dd>"_m << result.level << "</dd><dt>status</dt><dd>"_m
       << statusSentence(result) << "</dd>"_m;
  if (result.attempts > 1) {
    page << "<dt>attempts</dt><dd>"_m << result.attempts << "</dd>"_m;
  }
  page << "</dl>"_m;
  if (!result.message.empty()) {
    page << "<p class=\"message"_m << (verdict == Verdict::kKnown ? " known"_m : ""_m) << "\">"_m
         << result.message << "</p>"_m;
  }

  page << "<h4>Requirements</h4><ul class=\"reqs\">"_m;
  for (const std::string& id : citedBy(result)) {
    const json* entry = requirements.find(id);
    page << "<li><span class=\"mono\">"_m << id << "</span>"_m;
    if (entry != nullptr) {
      page << "<span class=\"level\">"_m << stringField(*entry, "level") << "</span> "_m
           << stringField(*entry, "text");
    }
    page << "</li>"_m;
  }
  page << "</ul>"_m;

  for (const StepTrace& step : result.trace) {
    stepSection(page, step);
  }
  page << "</div></details>"_m;
}

void resultsSection(Html& page, const std::vector<RunView>& views,
                    const Requirements& requirements) {
  for (std::size_t run = 0; run < views.size(); ++run) {
    const std::vector<Result>& results = views[run].report->results;
    page << "<h2>Results: "_m << views[run].label << " "_m << views[run].report->info.targetVersion
         << "</h2>"_m;
    for (std::size_t index = 0; index < results.size(); ++index) {
      resultDetails(page, results[index], {run, index}, requirements);
    }
  }
}

// --- From JSON ------------------------------------------------------------------------------

// One field of the JSON report, with an error that names it.
template <typename T>
T field(const json& object, const char* key, const std::string& where, T fallback = T()) {
  if (!object.is_object() || !object.contains(key) || object[key].is_null()) {
    return fallback;
  }
  try {
    return object[key].get<T>();
  } catch (const json::exception& error) {
    throw ReportError(where + ": field " + key + ": " + error.what());
  }
}

Status statusField(const json& object, const char* key, const std::string& where) {
  const std::string text = field<std::string>(object, key, where, "PASS");
  const auto status = harness::parseStatus(text);
  if (!status) {
    throw ReportError(where + ": field " + key + ": unknown status \"" + text + "\"");
  }
  return *status;
}

}  // namespace

std::string escapeHtml(std::string_view bytes) {
  const std::string text = toXmlText(bytes);
  std::string escaped;
  escaped.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

std::string toHtml(const std::vector<RunReport>& runs, const json& requirementsJson) {
  const std::vector<RunView> views = runViews(runs);
  const std::vector<std::string> profiles = allProfiles(runs);
  const Requirements requirements(requirementsJson);

  std::string targets;
  for (const RunView& view : views) {
    targets += (targets.empty() ? "" : " vs ") + view.label;
  }

  Html page;
  page << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
          "<title>Durable Object conformance: "_m
       << targets << "</title><style>"_m << kStyle << "</style></head><body>"_m;
  page << "<h1>Durable Object conformance</h1><p class=\"lead\">do-conformance report for "_m
       << targets << ": "_m << runs.size() << (runs.size() == 1 ? " run"_m : " runs"_m)
       << ". A result is unexpected when its status is not the one its expectations file "
          "lists (PASS when none does).</p>"_m;

  page << "<div class=\"cards\">"_m;
  for (const RunView& view : views) {
    runCard(page, view);
  }
  page << "</div>"_m;
  attention(page, views);
  requirementMatrix(page, views, profiles, requirements);
  scenarioMatrix(page, views, profiles);
  resultsSection(page, views, requirements);
  page << "</body></html>\n"_m;
  return page.str();
}

void writeHtmlReport(const std::vector<RunReport>& runs, const json& requirements,
                     const std::string& path) {
  writeReportFile(path, toHtml(runs, requirements));
}

harness::RunReport runReportFromJson(const json& report) {
  RunReport run;
  const json runObject = report.value("run", json::object());
  RunInfo& info = run.info;
  info.harnessVersion = field<std::string>(runObject, "harnessVersion", "run");
  info.suiteCommit = field<std::string>(runObject, "suiteCommit", "run");
  info.targetUrl = field<std::string>(runObject, "targetUrl", "run");
  info.targetName = field<std::string>(runObject, "targetName", "run");
  info.targetVersion = field<std::string>(runObject, "targetVersion", "run");
  info.protocolVersion = field<int>(runObject, "protocolVersion", "run");
  info.clockScale = field<double>(runObject, "clockScale", "run", 1.0);
  info.profiles = field<std::vector<std::string>>(runObject, "profiles", "run");
  info.startedAt = field<std::string>(runObject, "startedAt", "run");
  info.durationMs = field<double>(runObject, "durationMs", "run");
  info.commandLine = field<std::string>(runObject, "commandLine", "run");

  for (const json& entry : report.value("results", json::array())) {
    Result result;
    result.id = field<std::string>(entry, "id", "result");
    const std::string where = "result " + result.id;
    result.scenarioId = field<std::string>(entry, "scenario", where);
    result.profile = field<std::string>(entry, "profile", where);
    result.description = field<std::string>(entry, "description", where);
    result.level = field<std::string>(entry, "level", where);
    result.requirements = field<std::vector<std::string>>(entry, "requirements", where);
    result.status = statusField(entry, "status", where);
    result.expected = statusField(entry, "expected", where);
    result.expectationReason = field<std::string>(entry, "expectationReason", where);
    result.durationMs = field<double>(entry, "durationMs", where);
    result.attempts = field<int>(entry, "attempts", where, 1);
    result.message = field<std::string>(entry, "message", where);

    for (const json& stepJson : entry.value("trace", json::array())) {
      StepTrace step;
      step.id = field<std::string>(stepJson, "id", where);
      const std::string stepWhere = where + " step " + step.id;
      step.kind = field<std::string>(stepJson, "kind", stepWhere);
      step.request = stepJson.value("request", json());
      step.observation = stepJson.value("observation", json());
      step.startedMs = field<double>(stepJson, "startedMs", stepWhere);
      step.durationMs = field<double>(stepJson, "durationMs", stepWhere);
      for (const json& checkJson : stepJson.value("checks", json::array())) {
        step.checks.push_back({field<std::string>(checkJson, "requirement", stepWhere),
                               field<bool>(checkJson, "passed", stepWhere),
                               field<std::string>(checkJson, "message", stepWhere),
                               checkJson.value("expected", json())});
      }
      result.trace.push_back(std::move(step));
    }
    run.results.push_back(std::move(result));
  }
  return run;
}

}  // namespace doc::reports
