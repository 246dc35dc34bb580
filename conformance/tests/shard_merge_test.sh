#!/usr/bin/env bash
# A run split over three shards and merged equals the unsharded run, result by result: the same
# ids, each once, with the same status and expectation. Usage: shard_merge_test.sh CLI WORK_DIR
set -euo pipefail

cli="$1"
work="$2"
rm -rf "$work" && mkdir -p "$work"
select=(--exclude 'alarm/*')  # Everything but the slow alarm chains: enough ids to spread out.

"$cli" run "${select[@]}" --report-dir "$work/whole" >"$work/whole.out" 2>&1
for i in 1 2 3; do
  "$cli" run "${select[@]}" --shard "$i/3" --report-dir "$work/shard-$i" >"$work/shard-$i.out" 2>&1
done
"$cli" merge --out "$work/merged" "$work"/shard-{1,2,3}/report.json

/usr/bin/python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
load = lambda path: json.load(open(path))
whole = {r["id"]: r for r in load(f"{work}/whole/report.json")["results"]}
merged = {r["id"]: r for r in load(f"{work}/merged/report.json")["results"]}
shard_sizes = [len(load(f"{work}/shard-{i}/report.json")["results"]) for i in (1, 2, 3)]
problems = []
if set(whole) != set(merged):
    problems.append(f"ids differ: only whole {sorted(set(whole) - set(merged))}, "
                    f"only merged {sorted(set(merged) - set(whole))}")
if sum(shard_sizes) != len(whole) or 0 in shard_sizes:
    problems.append(f"shard sizes {shard_sizes} do not partition {len(whole)} results")
for rid in sorted(set(whole) & set(merged)):
    for field in ("status", "expected", "requirements", "scenario", "profile"):
        if whole[rid][field] != merged[rid][field]:
            problems.append(f"{rid}: {field} {whole[rid][field]!r} vs {merged[rid][field]!r}")
for problem in problems:
    print("FAIL", problem)
print(f"shards {shard_sizes}, {len(whole)} results, {len(problems)} differences")
sys.exit(1 if problems else 0)
PY
