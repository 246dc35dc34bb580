// specs/requirements.yaml as JSON, for the reports that list requirements (reports/coverage.h).
// harness/scenario/scenario_loader.h reads only the ids, to check citations; this reads the rest.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace doc::reports {

// {"requirements": [{"id", "level", "text", "source": {"kind", "ref"}, "divergence"?,
// "status"?}, ...]} in the file's order, every scalar as a string. Checked: each entry has an
// id, a level of MUST, SHOULD or MAY and a text; an id appears once; `status`, when given, is
// "withdrawn" or "planned" (see kPlannedStatus). Throws ConfigError naming the file, the line and
// the field.
nlohmann::json loadRequirementsDocument(const std::string& path);

// A requirement no scenario checks yet, on purpose (a feature the reference does not implement):
// coverage lists it apart and CI does not fail on it. Withdrawn ones are never expected to be
// cited.
inline constexpr const char* kPlannedStatus = "planned";
inline constexpr const char* kWithdrawnStatus = "withdrawn";

}  // namespace doc::reports
