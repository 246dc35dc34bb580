#!/usr/bin/env python3
"""Side-by-side benchmark of the reference runtime and workerd (issue #7).

Starts both targets on loopback (the reference from a Release build, workerd through
tools/workerd/launch.mjs, both serving the same compatibility profile and the same probe routes),
measures every cell on both, alternating which target goes first, and writes a Markdown and a JSON
table with each figure, the ratio reference / workerd, the goals and the machine. Run it through
tools/bench.sh, which installs what is missing and builds first.

Standard library only. Every figure comes from a measurement of this run; a cell that cannot be
measured says why ("not available: ...") instead of a number.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY_PREFIX = "do-conformance target ready: "
# A compatibility date both targets accept: the newest one workerd 2026-11-17 supports
# (specs/compat-flags.yaml, newestSupportedDate).
DEFAULT_PROFILE = "2026-11-24"
# wrk's connections and threads: the load of the workerd baseline
# (/work/shared/research/workerd-perf.md), so its figures compare with ours.
WRK_CONNECTIONS = 32
WRK_THREADS = 2
# workerd evicts an idle object after 10 s of real time; 5 s more lets the eviction finish.
WORKERD_IDLE_EVICTION_S = 10
HIBERNATION_MARGIN_S = 5
# The goals of issue #7.
GOAL_FETCH_RATIO = 10.0
GOAL_WS_RATIO = 10.0
GOAL_RSS_PER_SOCKET_BYTES = 5 * 1024
GOAL_REALTIME_SUITE_FACTOR = 1.2
GOAL_SCALED_SUITE_SECONDS = 10.0


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------
# The machine.


def machine_description() -> dict:
    model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_kib = 0
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memoryGiB": round(memory_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "loadAverageAtStart": list(os.getloadavg()),
    }


# ------------------------------------------------------------------------------------------------
# Targets.


class Target:
    """A target process started in a process group of its own, stopped with the whole group."""

    def __init__(self, name: str, command: list[str], data_dir: Path):
        self.name = name
        self.data_dir = data_dir
        self.log_path = data_dir.parent / f"{name}.log"
        self.log_file = open(self.log_path, "wb")
        log(f"starting {name}: {' '.join(command)}")
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self.log_file, start_new_session=True,
            cwd=ROOT)
        self.origin = self._wait_ready()
        self.info = self.get_json("/info")
        profile = self.info["profiles"][0]
        self.base_url = profile["baseUrl"]
        self.base_path = self.base_url[len(self.origin):]
        self.capabilities = self.info.get("capabilities", {})
        self.version = f"{self.info['runtime']['name']} {self.info['runtime']['version']}"

    def _wait_ready(self) -> str:
        # The launchers print exactly one line on stdout once they serve.
        line = self.process.stdout.readline().decode().strip()
        if not line.startswith(READY_PREFIX):
            raise RuntimeError(f"{self.name} did not get ready; see {self.log_path}")
        return line[len(READY_PREFIX):]

    def get_json(self, path: str, method: str = "GET", body: dict | None = None) -> dict:
        request = urllib.request.Request(
            self.origin + path if path.startswith("/") else path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"x-probe-protocol": "1", "content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def pids(self) -> list[int]:
        """The target's process tree: the launcher and every descendant."""
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
        tree, pending = [], [self.process.pid]
        while pending:
            pid = pending.pop()
            tree.append(pid)
            pending.extend(children.get(pid, []))
        return tree

    def rss_bytes(self) -> int:
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/status", encoding="utf-8") as status:
                    for line in status:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=8)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_file.close()


def start_reference(args, work: Path, name: str = "reference") -> Target:
    data_dir = work / f"{name}-data"
    command = [str(args.build_dir / "bin/do-reference"), "--listen", "127.0.0.1:0",
               "--profile", args.profile, "--data-dir", str(data_dir), "--time-scale", "1",
               "--log-level", "warning"]
    if args.reference_threads:
        command += ["--threads", str(args.reference_threads)]
    return Target(name, command + args.reference_arg, data_dir)


def start_workerd(args, work: Path, name: str = "workerd") -> Target:
    data_dir = work / f"{name}-data"
    command = ["node", str(ROOT / "tools/workerd/launch.mjs"), "--profile", args.profile,
               "--data-dir", str(data_dir)]
    return Target(name, command, data_dir)


# ------------------------------------------------------------------------------------------------
# Cells.


def wrk_command(target: Target, objects: int, mode: str, run_id: str, seconds: float) -> list[str]:
    return ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{max(1, round(seconds))}s",
            "--timeout", "10s", "-s", str(ROOT / "tools/bench/fetch.lua"), target.origin, "--",
            target.base_path, str(objects), mode, run_id]


def sample_failure(target: Target, objects: int, mode: str, run_id: str) -> str:
    """What one request of the cell answers, for a cell whose requests failed."""
    path = f"{target.base_path}/obj/Probe/{run_id}-0"
    request = urllib.request.Request(
        target.origin + path + ("/action" if mode == "put" else "/fetch/hello"),
        method="POST" if mode == "put" else "GET",
        data=b'{"op":"storage.put","key":"k","value":0}' if mode == "put" else None,
        headers={"x-probe-protocol": "1", "content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return f"a request afterwards answered {response.status}"
    except urllib.error.HTTPError as error:
        return f"a request afterwards answered {error.code}: {error.read()[:200]!r}"
    except OSError as error:
        return f"a request afterwards failed: {error}"


def run_wrk(target: Target, objects: int, mode: str, seconds: float, run_id: str) -> dict:
    command = wrk_command(target, objects, mode, run_id, seconds)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^BENCH_JSON (.*)$", output, re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk printed no result line:\n{output}")
    raw = json.loads(match.group(1))
    ok = raw["requests"] - raw["non2xx"]
    result = {
        "requestsPerSecond": ok / (raw["duration_us"] / 1e6),
        "p50Ms": raw["p50_us"] / 1000,
        "p99Ms": raw["p99_us"] / 1000,
        "requests": raw["requests"],
        "failed": raw["failed"],
        "seconds": raw["duration_us"] / 1e6,
    }
    if raw["failed"]:
        result["failure"] = sample_failure(target, objects, mode, run_id)
    return result


def touch_objects(target: Target, objects: int, mode: str, run_id: str) -> None:
    """Constructs every object of the cell once, so that no measurement pays for a first touch."""
    def touch(index: int) -> None:
        put = mode == "put"
        request = urllib.request.Request(
            f"{target.base_url}/obj/Probe/{run_id}-{index}/" + ("action" if put else "fetch/hello"),
            method="POST" if put else "GET",
            data=b'{"op":"storage.put","key":"k","value":0}' if put else None,
            headers={"x-probe-protocol": "1", "content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()

    # Eight at a time: enough to keep either target busy without queueing on one object.
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(touch, range(objects)))


def measure_fetch(args, target: Target, objects: int, mode: str, cell_run: str,
                  label: str) -> dict:
    # Warm-up, not counted: every object constructed once, then the cell's own load.
    touch_objects(target, objects, mode, cell_run)
    run_wrk(target, objects, mode, args.warmup, cell_run)
    result = run_wrk(target, objects, mode, args.seconds, cell_run)
    log(f"{target.name} {label}: {result['requestsPerSecond']:.0f} req/s, "
        f"p50 {result['p50Ms']:.2f} ms, p99 {result['p99Ms']:.2f} ms")
    return result


def fetch_cells(args, targets: list[Target], run_id: str) -> list[dict]:
    cells = []
    plans = [("hello", 1), ("hello", 1000), ("put", 1), ("put", 1000)]
    for index, (mode, objects) in enumerate(plans):
        what = "fetch /hello, no storage" if mode == "hello" else "action storage.put, 1 write"
        label = f"{what}, {'1 object' if objects == 1 else f'{objects:,} objects'}"
        cell = {"id": f"fetch.{mode}.{objects}", "label": label, "unit": "req/s",
                "targets": {}}
        # Alternating: the target that goes first changes from cell to cell.
        order = targets if index % 2 == 0 else list(reversed(targets))
        for target in order:
            cell["targets"][target.name] = guarded(
                f"{target.name} {label}",
                lambda: measure_fetch(args, target, objects, mode, f"{run_id}-{mode}-{objects}",
                                      label))
        cells.append(cell)
    return cells


def websocket_unavailable(target: Target, client: Path) -> str | None:
    if not target.capabilities.get("websockets"):
        return f"{target.version} declares capabilities.websockets false"
    if not client.exists():
        return f"the WebSocket client {client} is not built"
    return None


def ws_url(target: Target, run_id: str) -> str:
    origin = target.origin.replace("http://", "ws://", 1)
    return f"{origin}{target.base_path}/obj/Probe/{run_id}-{{object}}/ws?socket=s{{socket}}"


def run_echo_client(command: list[str], target: Target, cell: dict) -> dict:
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        return {"unavailable": f"the client failed: {completed.stderr.strip()[-300:]}"}
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    log(f"{target.name} {cell['label']}: {result['roundTripsPerSecond']:.0f} round trips/s")
    return result


def ws_echo_cells(args, targets: list[Target], run_id: str) -> list[dict]:
    client = args.build_dir / "bin/do-bench-ws"
    cells = []
    for index, sockets in enumerate((16, 256)):
        # Four sockets per object, as in the workerd baseline (16 sockets over 4 objects).
        objects = max(1, sockets // 4)
        cell = {"id": f"ws.echo.{sockets}", "unit": "round trips/s", "targets": {},
                "label": f"WebSocket echo, {sockets} sockets over {objects} objects"}
        order = targets if index % 2 == 0 else list(reversed(targets))
        for target in order:
            reason = websocket_unavailable(target, client)
            if reason:
                cell["targets"][target.name] = {"unavailable": reason}
                continue
            command = [str(client), "echo", "--url", ws_url(target, f"{run_id}-echo{sockets}"),
                       "--sockets", str(sockets), "--objects", str(objects),
                       "--seconds", str(args.seconds), "--warmup", str(args.warmup)]
            cell["targets"][target.name] = guarded(
                f"{target.name} {cell['label']}", lambda: run_echo_client(command, target, cell))
        cells.append(cell)
    return cells


def rss_socket_count(requested: int) -> tuple[int, str]:
    """As many sockets as asked, or as many as the file limit lets workerd hold."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # workerd holds two descriptors per WebSocket (it dup()s each connection) and needs some for
    # its own files and the objects' databases.
    fitting = (hard - 2048) // 2 if hard != resource.RLIM_INFINITY else requested
    if fitting >= requested:
        return requested, ""
    return fitting, (f"{fitting:,} sockets, not {requested:,}: the file limit here is "
                     f"{hard:,} (ulimit -Hn) and workerd takes two descriptors per socket")


def rss_cell(args, target: Target, run_id: str, sockets: int) -> dict:
    client = args.build_dir / "bin/do-bench-ws"
    objects = args.rss_objects
    reason = websocket_unavailable(target, client)
    if reason:
        return {"unavailable": reason}
    before = target.rss_bytes()
    command = [str(client), "hold", "--url", ws_url(target, f"{run_id}-rss"),
               "--sockets", str(sockets), "--objects", str(objects)]
    holder = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        opened = json.loads(holder.stdout.readline() or "{}")
        if opened.get("opened", 0) == 0:
            return {"unavailable": f"no socket opened: {opened.get('firstError', '')} "
                                   f"{holder.stderr.read().strip()[-300:]}"}
        # Idle long enough for every object to be evicted (hibernated) by the runtime itself:
        # workerd after 10 s of real time, the reference after 10 s of its clock (scale 1 here).
        time.sleep(WORKERD_IDLE_EVICTION_S + HIBERNATION_MARGIN_S)
        after = target.rss_bytes()
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    per_socket = (after - before) / opened["opened"]
    log(f"{target.name} RSS {before/1e6:.1f} MB -> {after/1e6:.1f} MB with "
        f"{opened['opened']} sockets: {per_socket:.0f} bytes per socket")
    return {"bytesPerSocket": per_socket, "rssBefore": before, "rssAfter": after,
            "sockets": opened["opened"], "failed": opened.get("failed", 0),
            "firstError": opened.get("firstError", "")}


def suite_cell(args, name: str, work: Path) -> dict:
    report_dir = work / f"suite-{name}"
    command = [str(args.build_dir / "bin/do-conformance"), "run", "--target", name,
               "--report-dir", str(report_dir)]
    if name == "reference":
        command += ["--reference-binary", str(args.build_dir / "bin/do-reference")]
    else:
        # The 15-minute wall-time scenario is run only against the time-scaled reference, as in
        # the README and CMakeLists.txt: in real time it would be the whole figure.
        command += ["--exclude-tag", "slow"]
    command += args.suite_arg
    log(f"suite against {name}: {' '.join(command)}")
    started = time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    wall = time.monotonic() - started
    try:
        with open(report_dir / "report.json", encoding="utf-8") as report_file:
            report = json.load(report_file)
    except OSError:
        return {"unavailable": f"no report (exit {completed.returncode}): "
                               f"{completed.stderr.strip()[-300:]}"}
    longest = max(report["results"], key=lambda result: result["durationMs"])
    summary = completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else ""
    log(f"suite against {name}: {wall:.1f} s; longest {longest['id']} "
        f"{longest['durationMs']/1000:.1f} s; {summary}")
    return {"wallSeconds": wall, "longestScenarioSeconds": longest["durationMs"] / 1000,
            "command": " ".join(command[1:]),
            "longestScenario": longest["id"], "exitCode": completed.returncode,
            "summary": summary, "clockScale": report["run"].get("clockScale")}


# ------------------------------------------------------------------------------------------------
# The table.


def ratio(cell: dict, key: str) -> float | None:
    ref, wd = cell["targets"].get("reference", {}), cell["targets"].get("workerd", {})
    if key in ref and key in wd and wd[key]:
        return ref[key] / wd[key]
    return None


def goal_at_least(value: float | None, goal: float, what: str) -> str:
    if value is None:
        return "not measured"
    if value >= goal:
        return f"met ({value:.1f}× ≥ {goal:g}×)"
    if value <= 0:
        return f"missed: 0× of {goal:g}×"
    return f"missed: {value:.2f}× of {goal:g}× ({goal / value:.2f}× short)"


def evaluate_goals(result: dict) -> list[dict]:
    goals = []
    for cell in result["cells"]:
        if cell["id"].startswith("fetch."):
            throughput = ratio(cell, "requestsPerSecond")
            p99 = ratio(cell, "p99Ms")
            goals.append({"goal": f"{cell['label']}: reference ≥ {GOAL_FETCH_RATIO:g}× workerd "
                                  "req/s", "status": goal_at_least(throughput, GOAL_FETCH_RATIO,
                                                                   "req/s")})
            inverse = None if not p99 else 1 / p99
            goals.append({"goal": f"{cell['label']}: reference p99 ≤ 1/{GOAL_FETCH_RATIO:g} of "
                                  "workerd's", "status": goal_at_least(inverse, GOAL_FETCH_RATIO,
                                                                       "p99")})
        elif cell["id"].startswith("ws.echo"):
            goals.append({"goal": f"{cell['label']}: reference ≥ {GOAL_WS_RATIO:g}× workerd",
                          "status": goal_at_least(ratio(cell, "roundTripsPerSecond"),
                                                  GOAL_WS_RATIO, "round trips")})
        elif cell["id"] == "ws.rss":
            ref = cell["targets"].get("reference", {})
            if "bytesPerSocket" not in ref:
                status = one_line(ref.get("unavailable", "not measured"))
            elif ref["bytesPerSocket"] <= GOAL_RSS_PER_SOCKET_BYTES:
                status = f"met ({ref['bytesPerSocket'] / 1024:.2f} KB)"
            else:
                status = (f"missed: {ref['bytesPerSocket'] / 1024:.2f} KB, "
                          f"{ref['bytesPerSocket'] / GOAL_RSS_PER_SOCKET_BYTES:.2f}× the goal")
            goals.append({"goal": "reference ≤ 5 KB RSS per hibernated socket", "status": status})
        elif cell["id"] == "suite":
            for name, suite in cell["targets"].items():
                if "wallSeconds" not in suite:
                    goals.append({"goal": f"suite against {name}",
                                  "status": one_line(suite["unavailable"])})
                    continue
                if (suite.get("clockScale") or 1) < 1:
                    limit, text = GOAL_SCALED_SUITE_SECONDS, f"≤ {GOAL_SCALED_SUITE_SECONDS:g} s"
                else:
                    limit = GOAL_REALTIME_SUITE_FACTOR * suite["longestScenarioSeconds"]
                    text = (f"≤ {GOAL_REALTIME_SUITE_FACTOR:g}× its longest scenario "
                            f"({suite['longestScenarioSeconds']:.1f} s)")
                wall = suite["wallSeconds"]
                status = (f"met ({wall:.1f} s ≤ {limit:.1f} s)" if wall <= limit else
                          f"missed: {wall:.1f} s, {wall / limit:.2f}× the limit of {limit:.1f} s")
                goals.append({"goal": f"suite against {name} (clock scale "
                                      f"{suite.get('clockScale')}) {text}", "status": status})
    return goals


def one_line(text: str) -> str:
    """Text that cannot break a Markdown table row."""
    return " ".join(str(text).split()).replace("|", "/")


def figure(cell: dict, name: str) -> str:
    entry = cell["targets"].get(name)
    if entry is None:
        return "not run"
    if "unavailable" in entry:
        return f"not available: {one_line(entry['unavailable'])}"
    if "requestsPerSecond" in entry:
        return (f"{entry['requestsPerSecond']:,.0f} req/s; p50 {entry['p50Ms']:.2f} ms, "
                f"p99 {entry['p99Ms']:.2f} ms" +
                (f"; {entry['failed']:,} failed ({entry.get('failure', '')})"
                 if entry["failed"] else ""))
    if "roundTripsPerSecond" in entry:
        return (f"{entry['roundTripsPerSecond']:,.0f} round trips/s; p50 {entry['p50Ms']:.2f} ms,"
                f" p99 {entry['p99Ms']:.2f} ms")
    if "bytesPerSocket" in entry:
        return (f"{entry['bytesPerSocket'] / 1024:.2f} KB ({entry['rssBefore'] / 1e6:.0f} → "
                f"{entry['rssAfter'] / 1e6:.0f} MB, {entry['sockets']:,} sockets" +
                (f"; {entry['failed']:,} failed to open: {entry['firstError']}"
                 if entry.get("failed") else "") + ")")
    if "wallSeconds" in entry:
        return (f"{entry['wallSeconds']:.1f} s (longest scenario "
                f"{entry['longestScenarioSeconds']:.1f} s; {entry['summary']})")
    return json.dumps(entry)


def ratio_text(cell: dict) -> str:
    for key, suffix in (("requestsPerSecond", ""), ("roundTripsPerSecond", ""),
                        ("bytesPerSocket", ""), ("wallSeconds", "")):
        value = ratio(cell, key)
        if value is not None:
            text = f"{value:.2f}×"
            if key == "requestsPerSecond":
                p99 = ratio(cell, "p99Ms")
                text += f" (p99 {p99:.2f}×)" if p99 is not None else ""
            return text
    return "–"


def markdown(result: dict) -> str:
    machine = result["machine"]
    lines = [
        f"# Benchmark: reference / workerd ({result['startedAt']})",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memoryGiB']} GiB, "
        f"Linux {machine['kernel']}; load average at start "
        f"{', '.join(f'{x:.2f}' for x in machine['loadAverageAtStart'])}. "
        f"Load generator on the same cores.",
        f"Targets: {result['targets']['reference']} (Release, {result['referenceThreads']}), "
        f"{result['targets']['workerd']}; profile {result['profile']}; "
        f"wrk {WRK_THREADS} threads, {WRK_CONNECTIONS} connections, {result['seconds']} s per "
        f"cell after {result['warmup']} s warm-up.",
        "",
        "| what | reference | workerd | reference / workerd |",
        "|---|---|---|---|",
    ]
    for cell in result["cells"]:
        lines.append(f"| {cell['label']} | {figure(cell, 'reference')} | "
                     f"{figure(cell, 'workerd')} | {ratio_text(cell)} |")
    notes = [f"- {cell['label']}: {cell['note']}" for cell in result["cells"] if cell.get("note")]
    lines += [""] + notes if notes else []
    lines += ["", "| goal | status |", "|---|---|"]
    for goal in result["goals"]:
        lines.append(f"| {goal['goal']} | {goal['status']} |")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------


def guarded(what: str, measure):
    """A cell's figure, or why there is none: one failing cell must not lose the others."""
    try:
        return measure()
    except Exception as error:  # noqa: BLE001 - whatever broke, the table says so
        log(f"{what} failed: {error!r}")
        return {"unavailable": f"the measurement failed: {error!r}"[:400]}


def measure_fresh(start, args, work: Path, name: str, run_id: str, sockets: int) -> dict:
    fresh = start(args, work, f"{name}-rss")
    fresh.name = name
    try:
        return rss_cell(args, fresh, run_id, sockets)
    finally:
        fresh.stop()


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build-release")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "bench-results")
    parser.add_argument("--profile", default=DEFAULT_PROFILE)
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per cell")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds per cell")
    parser.add_argument("--reference-threads", type=int, default=0,
                        help="--threads of the reference (default: its own default)")
    parser.add_argument("--reference-arg", action="append", default=[],
                        help="an extra argument for the reference; repeatable")
    parser.add_argument("--rss-sockets", type=int, default=10_000)
    parser.add_argument("--rss-objects", type=int, default=100)
    parser.add_argument("--only", action="append", default=[],
                        choices=["fetch", "ws", "rss", "suite"],
                        help="run only these groups of cells; repeatable (default: all)")
    parser.add_argument("--suite-arg", action="append", default=[],
                        help="an extra argument for both `do-conformance run`s; repeatable")
    parser.add_argument("--keep-work", action="store_true",
                        help="keep the targets' data dirs and logs (printed at the end)")
    return parser.parse_args()


def raise_file_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def main() -> int:
    args = parse_arguments()
    groups = set(args.only) or {"fetch", "ws", "rss", "suite"}
    # Sockets on both ends (client and target) of the RSS cell, plus the targets' own files;
    # children inherit the limit.
    raise_file_limit(4 * args.rss_sockets + 4096)
    for tool in ("wrk", "node"):
        if shutil.which(tool) is None:
            log(f"{tool} is not installed; run tools/install-deps.sh")
            return 2

    started = datetime.datetime.now(datetime.timezone.utc)
    run_id = "bench" + started.strftime("%H%M%S")
    work = Path(tempfile.mkdtemp(prefix="do-bench-"))
    result = {"startedAt": started.isoformat(timespec="seconds"),
              "machine": machine_description(), "profile": args.profile,
              "seconds": args.seconds, "warmup": args.warmup,
              "referenceThreads": (f"--threads {args.reference_threads}" if args.reference_threads
                                   else "default --threads"),
              "cells": [], "targets": {}}
    targets: list[Target] = []
    try:
        if groups & {"fetch", "ws"}:
            targets = [start_reference(args, work), start_workerd(args, work)]
            result["targets"] = {target.name: target.version for target in targets}
        if "fetch" in groups:
            result["cells"] += fetch_cells(args, targets, run_id)
        if "ws" in groups:
            result["cells"] += ws_echo_cells(args, targets, run_id)
        for target in targets:
            target.stop()
        if "rss" in groups:
            sockets, note = rss_socket_count(args.rss_sockets)
            cell = {"id": "ws.rss", "unit": "bytes per socket", "targets": {}, "note": note,
                    "label": f"RSS per hibernated socket, {sockets:,} sockets over "
                             f"{args.rss_objects} objects"}
            # Fresh targets, so that the earlier cells' objects do not blur the difference.
            for start in (start_reference, start_workerd):
                name = start.__name__.removeprefix("start_")
                cell["targets"][name] = guarded(
                    f"{name} RSS", lambda: measure_fresh(start, args, work, name, run_id, sockets))
            result["cells"].append(cell)
        if "suite" in groups:
            suite = {"id": "suite", "label": "whole suite, wall time", "unit": "s",
                     "targets": {}}
            for name in ("reference", "workerd"):
                suite["targets"][name] = guarded(f"suite against {name}",
                                                 lambda: suite_cell(args, name, work))
            result["cells"].append(suite)
    finally:
        for target in targets:
            target.stop()

    result["goals"] = evaluate_goals(result)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    text = markdown(result)
    for name in (f"bench-{stamp}", "latest"):
        (args.out_dir / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        (args.out_dir / f"{name}.md").write_text(text)
    if args.keep_work:
        log(f"target data and logs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(text)
    log(f"written to {args.out_dir}/bench-{stamp}.md and .json (and latest.md, latest.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
