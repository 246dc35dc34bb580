// Joining the JSON reports of a sharded run (harness/runner/shard.h) into the report one unsharded
// run would have written, so that renderers, diffs and the run history see one run.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace doc::reports {

// One report whose results are the union of the shards' results and whose summary is recounted
// from them. The shards must come from one suite and one target: a different schemaVersion,
// suiteCommit, harnessVersion, targetName, targetVersion, protocolVersion or clockScale is a
// ReportError naming the field, both values and both reports; so is a result id found in two
// reports (a shard given twice, or shards of different counts).
//
// The run information:
//   startedAt    the earliest start of any shard (empty ones, "unknown", are ignored);
//   durationMs   from the earliest start to the latest end (start + duration) of any shard, and at
//                least the longest shard: the wall-clock time the sharded run took, whether its
//                jobs ran in parallel or one after another. startedAt has whole seconds, so the
//                span is exact to a second; when a start cannot be read, the longest shard;
//   profiles     the union, in order of first appearance;
//   targetUrl    the earliest shard's: each job's target listens on its own port, so the URLs
//                differ without the target differing;
//   commandLine  the distinct command lines, in report order, joined by "; ".
// Results are grouped by scenario in id order (the order a run plans them); a scenario's results
// keep the order the reports list them in.
//
// `names` (file paths, usually) name the reports in messages; without them, "report 2 of 3".
nlohmann::json mergeReports(const std::vector<nlohmann::json>& shardReports,
                            const std::vector<std::string>& names = {});

// The summary object of a report (total, one count per status, unexpected), counted from its
// results' "status" and "unexpected" fields.
nlohmann::json summarizeResults(const nlohmann::json& results);

}  // namespace doc::reports
