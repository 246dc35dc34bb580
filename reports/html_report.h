// The report a person reads: one self-contained HTML page (inline CSS and SVG, no script, no
// network) that puts one or more runs side by side. A summary per run comes first, then the
// requirements and scenarios as matrices coloured by status, then every result with its trace,
// and for alarm logs a timeline drawn to scale against the windows the scenario allows.
//
// Every value that reaches the page goes through escapeHtml(); html_report.cpp can only append
// markup written in its own source as literals.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "harness/result.h"

namespace doc::reports {

// `bytes` as HTML text, safe in element content and in quoted attribute values: & < > " ' become
// references, invalid UTF-8 becomes U+FFFD (one per byte) and control characters other than tab,
// LF and CR a visible "\u0001", as toXmlText() (junit_report.h) does for XML.
std::string escapeHtml(std::string_view bytes);

// The page for `runs`, in the order given (for a differential report: reference first).
// `requirements` is specs/requirements.yaml as JSON ({"requirements": [{id, level, text, source:
// {kind, ref}, status?}, ...]}), as loadRequirementsDocument() (requirements_doc.h) returns it;
// requirement texts come from there, and a requirement it lacks is still listed, by id. It may be
// null (no texts).
std::string toHtml(const std::vector<harness::RunReport>& runs, const nlohmann::json& requirements);

// Writes toHtml(runs, requirements) to `path`, creating missing parent directories. Throws
// ReportError naming the path.
void writeHtmlReport(const std::vector<harness::RunReport>& runs,
                     const nlohmann::json& requirements, const std::string& path);

// A RunReport back from the JSON report (toJson() in json_report.h), so a page can be made from
// reports written earlier, for example one run against each target. Throws ReportError naming
// the result and field when a status is unknown or a field has the wrong type.
// TODO(cleanup): belongs beside toJson() in json_report.h.
harness::RunReport runReportFromJson(const nlohmann::json& report);

}  // namespace doc::reports
