#!/usr/bin/env node
// Smoke test of the probe's WebSocket and eviction routes against real workerd: starts
// tools/workerd/launch.mjs with two profiles (one on each side of web_socket_auto_reply_to_close),
// drives each profile with a raw WebSocket client and checks the log. Offline and loopback only;
// needs `npm ci --prefix tools/workerd`. Exits 0 when every check passed, 1 otherwise.
//
// Usage: node conformance/probe-js/tests/websocket-eviction-smoke.mjs

import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { RawWebSocket } from "./raw-websocket.mjs";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const PROFILES = ["2026-04-06", "2026-11-24"];
/** Starting workerd takes about a second; the launcher's own limit is 20 s. */
const READY_TIMEOUT_MS = 30_000;
/** Every answer here comes within milliseconds on loopback; this only bounds a broken run. */
const FRAME_TIMEOUT_MS = 5_000;
const PROTOCOL_HEADERS = { "x-probe-protocol": "1", "content-type": "application/json" };

let failures = 0;

/**
 * @param {string} what
 * @param {unknown} actual
 * @param {unknown} expected compared as JSON
 */
function check(what, actual, expected) {
  const ok = JSON.stringify(actual) === JSON.stringify(expected);
  if (!ok) failures += 1;
  const detail = ok
    ? ""
    : `\n    expected ${JSON.stringify(expected)}\n    got      ${JSON.stringify(actual)}`;
  process.stdout.write(`${ok ? "ok  " : "FAIL"} ${what}${detail}\n`);
}

/** @returns {Promise<{launcher: import("node:child_process").ChildProcess, url: string}>} */
function startTarget() {
  const args = ["tools/workerd/launch.mjs", ...PROFILES.flatMap((p) => ["--profile", p])];
  /** @type {import("node:child_process").StdioOptions} */
  const stdio = ["ignore", "pipe", "pipe"];
  const launcher = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio });
  let stderr = "";
  launcher.stderr?.on("data", (/** @type {Buffer} */ chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ready line; launcher said:\n${stderr}`)),
      READY_TIMEOUT_MS,
    );
    launcher.stdout?.on("data", (/** @type {Buffer} */ chunk) => {
      const match = /do-conformance target ready: (\S+)/.exec(String(chunk));
      if (match) {
        clearTimeout(timer);
        resolve({ launcher, url: match[1] });
      }
    });
    launcher.once("exit", (/** @type {number | null} */ code) => {
      clearTimeout(timer);
      reject(new Error(`launcher exited with ${code}:\n${stderr}`));
    });
  });
}

/**
 * The routes of one object of one profile.
 * @param {string} baseUrl
 * @param {string} className
 * @param {string} name
 */
function probeObject(baseUrl, className, name) {
  const root = `${baseUrl}/obj/${className}/${encodeURIComponent(name)}`;
  const post = async (/** @type {string} */ route, /** @type {unknown} */ body) => {
    const response = await fetch(`${root}/${route}`, {
      method: "POST",
      headers: PROTOCOL_HEADERS,
      body: JSON.stringify(body ?? {}),
    });
    return response.json();
  };
  return {
    action: (/** @type {Record<string, unknown>} */ body) => post("action", body),
    evict: () => post("evict", {}),
    behaviour: (/** @type {unknown} */ document) =>
      fetch(`${root}/behaviour`, {
        method: "PUT",
        headers: PROTOCOL_HEADERS,
        body: JSON.stringify(document),
      }),
    /** @returns {Promise<Record<string, any>[]>} the events without seq and ts */
    events: async () => {
      const response = await fetch(`${root}/log`, { headers: PROTOCOL_HEADERS });
      const { events } = await response.json();
      return events.map((/** @type {Record<string, unknown>} */ { seq, ts, ...rest }) => rest);
    },
    /** @param {string} query */
    open: (query) =>
      RawWebSocket.connect(baseUrl, `${new URL(root).pathname}/ws?${query}`, {
        "x-probe-protocol": "1",
      }),
  };
}

/**
 * @param {string} baseUrl
 * @param {string} run a prefix that keeps this run's objects apart from earlier runs'
 */
async function checkProfile(baseUrl, run) {
  const a = probeObject(baseUrl, "Probe", `${run}/a`);
  const opened = await a.open("socket=s1&tag=extra");
  check("hibernatable upgrade answers 101", opened.status, 101);
  const s1 = /** @type {RawWebSocket} */ (opened.socket);

  s1.sendText("héllo");
  s1.sendBinary(new Uint8Array([1, 2, 3]));
  s1.sendPing("p1");
  await s1.until((socket) => socket.frames.length >= 3, FRAME_TIMEOUT_MS);
  const frames = s1.frames.map((f) => [f.opcode, f.text ?? f.base64]);
  check("echo of text and binary, pong for ping", frames.sort(), [
    ["binary", "AQID"],
    ["pong", "p1"],
    ["text", "héllo"],
  ]);
  const messages = (await a.events()).filter((e) => e.event === "webSocketMessage");
  const logged = (/** @type {Record<string, unknown>} */ message) => ({
    event: "webSocketMessage",
    socket: "s1",
    message,
  });
  check("messages logged typed, with byte length", messages, [
    logged({ type: "string", value: "héllo", length: 6 }),
    logged({ type: "arraybuffer", base64: "AQID", length: 3 }),
  ]);

  const calls = await a.action({
    op: "ws.call",
    socket: "s1",
    calls: [{ call: "getTags" }, { call: "close", code: 1005 }, { call: "readyState" }],
  });
  check("ws.call: tags, DOMException name, readyState", calls, {
    ok: true,
    result: [
      { ok: true, result: ["s1", "extra"] },
      {
        ok: false,
        error: {
          name: "InvalidAccessError",
          message: "Invalid WebSocket close code: 1005.",
          remote: false,
        },
      },
      { ok: true, result: 1 },
    ],
  });

  await a.action({ op: "memory.set", value: "before eviction" });
  check("evict answers ok", await a.evict(), { ok: true });
  const eventsBefore = (await a.events()).length;
  s1.sendText("after eviction");
  const echoed = (/** @type {RawWebSocket} */ socket) =>
    socket.frames.some((f) => f.text === "after eviction");
  await s1.until(echoed, FRAME_TIMEOUT_MS);
  const afterEviction = (await a.events()).slice(eventsBefore).map((e) => e.event);
  check("the next message constructs the object again", afterEviction, [
    "constructor",
    "webSocketMessage",
  ]);
  check("memory is gone with the instance", await a.action({ op: "memory.get" }), {
    ok: true,
    result: null,
  });

  await a.behaviour({ webSocketClose: { reply: "echo" } });
  s1.sendClose(4000, "custom");
  await s1.until((socket) => socket.frames.some((f) => f.opcode === "close"), FRAME_TIMEOUT_MS);
  const close = s1.frames.find((f) => f.opcode === "close");
  const closeFrame = [close?.code, close?.reason];
  check("echo reply: the client gets its Close back", closeFrame, [4000, "custom"]);
  const closeEvents = (await a.events()).filter((e) => e.event.startsWith("webSocketClose"));
  check("close and its reply are logged", closeEvents, [
    {
      event: "webSocketClose",
      socket: "s1",
      code: 4000,
      reason: "custom",
      wasClean: true,
      readyState: 2,
      listed: true,
    },
    {
      event: "webSocketCloseReply",
      socket: "s1",
      call: { code: 4000, reason: "custom" },
      ok: true,
      readyState: 3,
    },
  ]);
  s1.destroy();

  const b = probeObject(baseUrl, "Probe", `${run}/b`);
  const acceptOpened = await b.open("socket=k1&kind=accept");
  const k1 = /** @type {RawWebSocket} */ (acceptOpened.socket);
  k1.sendBinary(new Uint8Array([9]));
  await k1.until((socket) => socket.frames.length >= 1, FRAME_TIMEOUT_MS);
  const acceptMessages = (await b.events()).filter((e) => e.event === "message");
  check("accept socket: binary arrives as a Blob", acceptMessages, [
    { event: "message", socket: "k1", message: { type: "blob", base64: "CQ==", length: 1 } },
  ]);
  k1.destroy();

  const minimal = probeObject(baseUrl, "ProbeMinimal", `${run}/m`);
  check("ProbeMinimal has no ws route", (await minimal.open("socket=s1")).status, 404);

  const never = probeObject(baseUrl, "Probe", `${run}/never`);
  check("evict of an object never constructed", await never.evict(), { ok: true });
  check("... and it stays unconstructed", await never.events(), []);
}

async function main() {
  const { launcher, url } = await startTarget();
  try {
    const info = await (await fetch(`${url}/info`)).json();
    check("capabilities", [info.capabilities.websockets, info.capabilities.eviction], [true, true]);
    const run = `smoke-${Date.now().toString(36)}`;
    for (const profile of info.profiles) {
      process.stdout.write(`-- profile ${profile.name}\n`);
      await checkProfile(profile.baseUrl, run);
    }
  } finally {
    // The launcher stops workerd (SIGTERM, SIGKILL after 5 s) before it exits.
    const exited = new Promise((resolve) => launcher.once("exit", resolve));
    launcher.kill("SIGTERM");
    await exited;
  }
  process.stdout.write(failures === 0 ? "all checks passed\n" : `${failures} checks failed\n`);
  process.exitCode = failures === 0 ? 0 : 1;
}

main().catch((error) => {
  const shown = error instanceof Error ? error.stack : String(error);
  process.stderr.write(`websocket-eviction-smoke: ${shown}\n`);
  process.exit(1);
});
