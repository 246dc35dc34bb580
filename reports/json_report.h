// The machine-readable report: one JSON document per run, whose shape schema/report.schema.json
// describes. Dashboards and run-to-run diffs read it, so a change a reader could notice goes with a
// new kJsonSchemaVersion and an updated schema.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/result.h"

namespace doc::reports {

// Bumped with any change a reader could notice: a field renamed, removed or retyped, a new status.
inline constexpr int kJsonSchemaVersion = 1;

// Every status, in the order the summary lists them. result.h has no such list; a test fails when a
// status is added there and not here.
inline constexpr std::array<harness::Status, 7> kAllStatuses = {
    harness::Status::kPass,  harness::Status::kFail, harness::Status::kTimeout,
    harness::Status::kError, harness::Status::kSkip, harness::Status::kPreconditionFailed,
    harness::Status::kFlaky,
};

nlohmann::json toJson(const harness::RunReport& report);

// Serializes as valid UTF-8 whatever bytes the strings hold: messages and observations quote what a
// target sent, which need not be UTF-8, and nlohmann::json::dump() throws on such bytes by default.
// Each invalid byte becomes U+FFFD.
std::string dumpJson(const nlohmann::json& value, int indent = 2);

// Writes toJson(report) to `path`, creating missing parent directories. Throws ReportError naming
// the path.
void writeJsonReport(const harness::RunReport& report, const std::string& path);

}  // namespace doc::reports
