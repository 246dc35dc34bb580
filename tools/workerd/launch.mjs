#!/usr/bin/env node
// Starts workerd as a do-conformance target: one worker per compatibility profile, all in one
// workerd process, each on its own 127.0.0.1 port, every worker running
// conformance/probe-js/probe.js. Prints one line to stdout once every profile answers /info:
//
//   do-conformance target ready: http://127.0.0.1:PORT
//
// and then runs until SIGTERM or SIGINT, which stop workerd. Everything else (workerd's own
// output included) goes to stderr. Node standard library only: it must run before `npm ci` has
// been checked, and the harness calls it as a plain program.
//
// Ports: the launcher binds each listening socket itself (port 0, so the kernel picks a free
// one), hands the open descriptor to workerd (`--socket-fd`) and never closes it in between, so
// no other process can take the port after it was chosen. The ports are therefore known before
// workerd starts, which the config needs: every worker's PROFILES binding lists every profile's
// base URL. workerd's `--control-fd` then reports each socket as listening, which is the
// event the launcher waits for before it checks /info.
//
// Eviction: the probe's evict route needs workerd's `workerd:unsafe` module, which needs the
// experimental compatibility flag `unsafe_module` and `workerd serve --experimental`. The
// launcher adds both unless --no-eviction is given; the profiles keep the names and flags asked
// for, and /info lists the added flag per profile as `extraCompatibilityFlags`.
//
// Usage: node tools/workerd/launch.mjs --profile 2024-04-03 --profile 2024-04-03+no_rpc
//          [--data-dir DIR] [--ready-file FILE] [--startup-timeout-ms MS] [--workerd PATH]
//          [--no-eviction]

import { execFile, spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, rename, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const TOOL_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(TOOL_DIR, "../..");
const PROBE_SCRIPT = path.join(REPO_ROOT, "conformance/probe-js/probe.js");

const READY_PREFIX = "do-conformance target ready: ";
const LOOPBACK = "127.0.0.1";

/**
 * The experimental flag that lets a worker import `workerd:unsafe`, whose `evict()` serves the
 * probe's evict route (capability `eviction`).
 */
const UNSAFE_MODULE_FLAG = "unsafe_module";

/** Starting workerd and compiling six workers takes about a second here; 20 s is ample. */
const DEFAULT_STARTUP_TIMEOUT_MS = 20_000;
/** `workerd --version` only prints a line; anything slower means the binary is broken. */
const VERSION_TIMEOUT_MS = 10_000;
/** One /info request to a listening worker answers in milliseconds. */
const INFO_REQUEST_TIMEOUT_MS = 2_000;
/**
 * workerd waits for open connections before it exits on SIGTERM (about 10 s after the last
 * WebSocket closes). Durable Object storage is already on disk when a response leaves, so a
 * SIGKILL after this grace period loses nothing.
 */
const STOP_GRACE_MS = 5_000;
/** After SIGKILL the kernel ends the process at once; this only bounds a wait that can't hang. */
const KILL_WAIT_MS = 2_000;
/** Enough of workerd's stderr to hold its startup errors, which come as a few short lines. */
const STDERR_TAIL_BYTES = 8_192;

/**
 * workerd's npm platform packages, by Node's platform and architecture.
 * @type {Record<string, string | undefined>}
 */
const PLATFORM_PACKAGES = {
  "linux-x64": "@cloudflare/workerd-linux-64",
  "linux-arm64": "@cloudflare/workerd-linux-arm64",
  "darwin-x64": "@cloudflare/workerd-darwin-64",
  "darwin-arm64": "@cloudflare/workerd-darwin-arm64",
};

/** The one error path of this program: a message that says what failed, and an exit code. */
class LaunchError extends Error {
  /**
   * @param {string} message
   * @param {number} [exitCode] 2 for a wrong command line, 1 for everything else
   */
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

// ---------------------------------------------------------------------------------------------
// Command line.

function usage() {
  return (
    "usage: node tools/workerd/launch.mjs --profile DATE[+flag...] [--profile ...] " +
    "[--data-dir DIR] [--ready-file FILE] [--startup-timeout-ms MS] [--workerd PATH] " +
    "[--no-eviction]"
  );
}

/**
 * A profile name is its compatibility date followed by each flag with a "+".
 * @param {string} name
 */
function parseProfile(name) {
  const [compatibilityDate, ...compatibilityFlags] = name.split("+");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(compatibilityDate)) {
    throw new LaunchError(`--profile ${name}: "${compatibilityDate}" is not a YYYY-MM-DD date`, 2);
  }
  for (const flag of compatibilityFlags) {
    if (!/^[a-z0-9_]+$/.test(flag)) {
      throw new LaunchError(`--profile ${name}: "${flag}" is not a compatibility flag name`, 2);
    }
  }
  return { name, compatibilityDate, compatibilityFlags };
}

/** @param {string[]} argv */
function parseArguments(argv) {
  const options = {
    profiles: /** @type {ReturnType<typeof parseProfile>[]} */ ([]),
    dataDir: /** @type {string | null} */ (null),
    readyFile: /** @type {string | null} */ (null),
    startupTimeoutMs: DEFAULT_STARTUP_TIMEOUT_MS,
    workerd: /** @type {string | null} */ (null),
    eviction: true,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const option = argv[i];
    const value = argv[i + 1];
    if (option === "--help" || option === "-h") {
      process.stdout.write(usage() + "\n");
      process.exit(0);
    }
    if (option === "--no-eviction") {
      options.eviction = false;
      continue;
    }
    if (value === undefined) throw new LaunchError(`${option} needs a value\n${usage()}`, 2);
    i += 1;
    if (option === "--profile") options.profiles.push(parseProfile(value));
    else if (option === "--data-dir") options.dataDir = path.resolve(value);
    else if (option === "--ready-file") options.readyFile = path.resolve(value);
    else if (option === "--workerd") options.workerd = path.resolve(value);
    else if (option === "--startup-timeout-ms") {
      options.startupTimeoutMs = Number(value);
      if (!Number.isInteger(options.startupTimeoutMs) || options.startupTimeoutMs <= 0) {
        throw new LaunchError(`--startup-timeout-ms ${value}: not a positive integer`, 2);
      }
    } else throw new LaunchError(`unknown option ${option}\n${usage()}`, 2);
  }

  if (options.profiles.length === 0) throw new LaunchError(`no --profile given\n${usage()}`, 2);
  const names = options.profiles.map((profile) => profile.name);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated) throw new LaunchError(`--profile ${repeated} is given twice`, 2);
  return options;
}

// ---------------------------------------------------------------------------------------------
// The workerd binary.

/** @param {string | null} explicitPath */
function findWorkerd(explicitPath) {
  if (explicitPath !== null) {
    if (!existsSync(explicitPath)) throw new LaunchError(`--workerd ${explicitPath}: no such file`);
    return explicitPath;
  }
  // The platform package's binary directly: the `workerd` package's bin entry may be a Node
  // wrapper, and a wrapper between us and workerd would have to forward signals.
  const platformKey = `${process.platform}-${process.arch}`;
  const platformPackage = PLATFORM_PACKAGES[platformKey];
  const candidates = [
    platformPackage && path.join(TOOL_DIR, "node_modules", platformPackage, "bin/workerd"),
    path.join(TOOL_DIR, "node_modules/.bin/workerd"),
  ].filter((candidate) => typeof candidate === "string");
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new LaunchError(
      `workerd is not installed (looked for ${candidates.join(", ")}); ` +
        `run: npm ci --prefix ${path.relative(process.cwd(), TOOL_DIR) || "."}`,
    );
  }
  return found;
}

/**
 * What `workerd --version` says ("workerd 2026-11-17" gives "2026-11-17").
 * @param {string} workerdPath
 * @returns {Promise<string>}
 */
function readWorkerdVersion(workerdPath) {
  return new Promise((resolve, reject) => {
    const options = { timeout: VERSION_TIMEOUT_MS };
    execFile(workerdPath, ["--version"], options, (error, stdout, stderr) => {
      if (error) {
        const detail = `${error.message}${stderr ? `; stderr: ${stderr.trim()}` : ""}`;
        reject(new LaunchError(`${workerdPath} --version failed: ${detail}`));
        return;
      }
      resolve(stdout.trim().replace(/^workerd\s+/, ""));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Listening sockets and the config.

/**
 * Binds a listening socket on a port the kernel picks. Node only holds it until workerd has
 * its own copy of the descriptor; node accepts nothing in between because nobody knows the
 * port yet.
 * @returns {Promise<{server: net.Server, port: number, fd: number}>}
 */
function bindLoopbackSocket() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (error) => {
      reject(new LaunchError(`cannot listen on ${LOOPBACK}:0: ${error.message}`));
    });
    server.listen({ host: LOOPBACK, port: 0 }, () => {
      const address = server.address();
      // `_handle.fd` is Node's internal view of the descriptor (POSIX only). There is no public
      // API to hand a listening socket to a child that is not a Node process.
      const fd = /** @type {{_handle?: {fd?: number}}} */ (/** @type {unknown} */ (server))._handle
        ?.fd;
      if (typeof address !== "object" || address === null || typeof fd !== "number" || fd < 0) {
        server.close();
        reject(new LaunchError("cannot read a listening socket's descriptor on this platform"));
        return;
      }
      resolve({ server, port: address.port, fd });
    });
  });
}

/**
 * A Cap'n Proto text literal. The values written here are paths, profile names and JSON made
 * of them; control characters have no business in any of them.
 * @param {string} text
 */
function capnpText(text) {
  if (/[\u0000-\u001f\u007f]/.test(text)) {
    throw new LaunchError(`cannot write ${JSON.stringify(text)} into the workerd config`);
  }
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * The flags a profile's worker runs with beyond those of its name: `unsafe_module` for the
 * evict route, unless the profile already names it (workerd rejects a flag given twice).
 * @param {{compatibilityFlags: string[]}} profile
 * @param {boolean} eviction
 * @returns {string[]}
 */
function extraCompatibilityFlags(profile, eviction) {
  if (!eviction || profile.compatibilityFlags.includes(UNSAFE_MODULE_FLAG)) return [];
  return [UNSAFE_MODULE_FLAG];
}

/**
 * @param {{name: string, compatibilityDate: string, compatibilityFlags: string[],
 *          extraCompatibilityFlags: string[]}} profile
 * @param {number} index
 * @param {{profilesJson: string, runtimeVersion: string, probeEmbedPath: string}} shared
 */
function workerConstant(profile, index, shared) {
  // Each profile gets its own uniqueKey, so objects of different profiles never share storage
  // or ids, even under the same name; it is also the folder name under the storage directory.
  const keyOf = (/** @type {string} */ className) =>
    capnpText(`do-conformance-${profile.name}-${className}`);
  const flags = [...profile.compatibilityFlags, ...profile.extraCompatibilityFlags]
    .map(capnpText)
    .join(", ");
  return `const profile${index} :Workerd.Worker = (
  modules = [(name = "probe.js", esModule = embed ${capnpText(shared.probeEmbedPath)})],
  compatibilityDate = ${capnpText(profile.compatibilityDate)},
  compatibilityFlags = [${flags}],
  bindings = [
    (name = "PROBE", durableObjectNamespace = "Probe"),
    (name = "PROBE_MINIMAL", durableObjectNamespace = "ProbeMinimal"),
    (name = "PROBE_LOG", durableObjectNamespace = "ProbeLog"),
    (name = "PROBE_VAR", text = "probe-variable"),
    (name = "PROFILES", text = ${capnpText(shared.profilesJson)}),
    (name = "RUNTIME_VERSION", text = ${capnpText(shared.runtimeVersion)}),
  ],
  durableObjectNamespaces = [
    (className = "Probe", uniqueKey = ${keyOf("Probe")}),
    (className = "ProbeMinimal", uniqueKey = ${keyOf("ProbeMinimal")}),
    (className = "ProbeLog", uniqueKey = ${keyOf("ProbeLog")}),
  ],
  # On disk, not inMemory: workerd drops inMemory storage when an idle object is evicted.
  durableObjectStorage = (localDisk = "probe-storage"),
);`;
}

/**
 * @param {{name: string, compatibilityDate: string, compatibilityFlags: string[],
 *          extraCompatibilityFlags: string[], port: number}[]} profiles
 * @param {{configDir: string, storageDir: string, runtimeVersion: string}} where
 */
function workerdConfig(profiles, where) {
  // The profile as asked for (its name and flags are how the harness selects it), plus the
  // flags the worker runs with on top, so that /info does not hide them.
  const profilesJson = JSON.stringify(
    profiles.map((profile) => ({
      name: profile.name,
      compatibilityDate: profile.compatibilityDate,
      compatibilityFlags: profile.compatibilityFlags,
      extraCompatibilityFlags: profile.extraCompatibilityFlags,
      baseUrl: `http://${LOOPBACK}:${profile.port}`,
    })),
  );
  const shared = {
    profilesJson,
    runtimeVersion: where.runtimeVersion,
    // embed paths are relative to the config file.
    probeEmbedPath: path.relative(where.configDir, PROBE_SCRIPT),
  };
  const services = profiles.map(
    (profile, index) => `    (name = ${capnpText(profile.name)}, worker = .profile${index}),`,
  );
  // The address is what the socket is bound to; --socket-fd makes workerd use the launcher's
  // descriptor instead of binding it again.
  const sockets = profiles.map(
    (profile) =>
      `    (name = ${capnpText(profile.name)}, address = "${LOOPBACK}:${profile.port}", ` +
      `http = (), service = ${capnpText(profile.name)}),`,
  );
  return `# Written by tools/workerd/launch.mjs on every launch; edits here are overwritten.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
${services.join("\n")}
    (name = "probe-storage", disk = (path = ${capnpText(where.storageDir)}, writable = true)),
  ],
  sockets = [
${sockets.join("\n")}
  ],
);

${profiles.map((profile, index) => workerConstant(profile, index, shared)).join("\n\n")}
`;
}

// ---------------------------------------------------------------------------------------------
// Running workerd.

/** Keeps the end of a stream, for error messages. */
class OutputTail {
  constructor() {
    this.text = "";
  }

  /** @param {Buffer} chunk */
  add(chunk) {
    this.text = (this.text + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
  }

  describe() {
    const trimmed = this.text.trim();
    return trimmed === "" ? "workerd printed nothing" : `workerd's output ends with:\n${trimmed}`;
  }
}

/**
 * @param {string} workerdPath
 * @param {string} configPath
 * @param {{name: string, fd: number}[]} sockets
 * @param {boolean} experimental whether to pass --experimental (for `unsafe_module`)
 */
function startWorkerd(workerdPath, configPath, sockets, experimental) {
  // The child sees the listening sockets as descriptors 3, 4, ... and the control pipe after
  // them.
  const firstSocketFd = 3;
  const controlFd = firstSocketFd + sockets.length;
  const args = ["serve", configPath, `--control-fd=${controlFd}`];
  if (experimental) args.push("--experimental");
  sockets.forEach((socket, index) => {
    args.push(`--socket-fd=${socket.name}=${firstSocketFd + index}`);
  });

  /** @type {import("node:child_process").StdioOptions} */
  const stdio = ["ignore", "pipe", "pipe", ...sockets.map((socket) => socket.fd), "pipe"];
  const child = spawn(workerdPath, args, { stdio });
  const tail = new OutputTail();
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on("data", (/** @type {Buffer} */ chunk) => {
      tail.add(chunk);
      process.stderr.write(chunk);
    });
  }
  const control = /** @type {import("node:stream").Readable} */ (child.stdio[controlFd]);
  return { child, tail, control, args };
}

/**
 * Resolves when workerd reports every socket as listening (its control messages are JSON
 * lines such as {"event":"listen","socket":"2024-04-03","port":40123}).
 * @param {import("node:stream").Readable} control
 * @param {string[]} socketNames
 * @returns {Promise<void>}
 */
function waitForListening(control, socketNames) {
  const waiting = new Set(socketNames);
  let buffered = "";
  return new Promise((resolve) => {
    control.on("data", (/** @type {Buffer} */ chunk) => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        let message;
        try {
          message = JSON.parse(line);
        } catch {
          continue; // a control message this launcher does not know
        }
        if (message?.event === "listen") waiting.delete(message.socket);
      }
      if (waiting.size === 0) resolve();
    });
  });
}

/**
 * Asks one profile's front for /info and checks that it lists every profile.
 * @param {{name: string, port: number}} profile
 * @param {number} profileCount
 */
async function checkInfo(profile, profileCount) {
  const url = `http://${LOOPBACK}:${profile.port}/info`;
  let response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(INFO_REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw new LaunchError(`profile ${profile.name}: GET ${url} failed: ${describeCause(error)}`);
  }
  const body = await response.text();
  if (response.status !== 200) {
    const answer = `${response.status}: ${body}`;
    throw new LaunchError(`profile ${profile.name}: GET ${url} answered ${answer}`);
  }
  let listed;
  try {
    listed = JSON.parse(body).profiles?.length;
  } catch {
    throw new LaunchError(`profile ${profile.name}: GET ${url} answered non-JSON: ${body}`);
  }
  if (listed !== profileCount) {
    throw new LaunchError(
      `profile ${profile.name}: GET ${url} lists ${listed} profiles, expected ${profileCount}`,
    );
  }
}

/** @param {unknown} error */
function describeCause(error) {
  if (!(error instanceof Error)) return String(error);
  const cause = /** @type {{cause?: unknown}} */ (error).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {() => string} describeTimeout
 * @returns {Promise<T>}
 */
function withTimeout(promise, ms, describeTimeout) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new LaunchError(describeTimeout())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Stops workerd: SIGTERM, then SIGKILL after STOP_GRACE_MS. Resolves once it has exited, or
 * after the last bounded wait.
 * @param {import("node:child_process").ChildProcess} child
 * @returns {Promise<void>}
 */
function stopWorkerd(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const exited = () => {
      clearTimeout(killTimer);
      clearTimeout(giveUpTimer);
      resolve();
    };
    child.once("exit", exited);
    const killTimer = setTimeout(() => {
      const waited = `${STOP_GRACE_MS} ms`;
      process.stderr.write(`launch.mjs: workerd still running ${waited} after SIGTERM; SIGKILL\n`);
      child.kill("SIGKILL");
    }, STOP_GRACE_MS);
    const giveUpTimer = setTimeout(() => {
      process.stderr.write(`launch.mjs: workerd (pid ${child.pid}) did not exit after SIGKILL\n`);
      resolve();
    }, STOP_GRACE_MS + KILL_WAIT_MS);
    child.kill("SIGTERM");
  });
}

/**
 * Writes the ready line to a file without a reader ever seeing half of it.
 * @param {string} file
 * @param {string} line
 */
async function writeReadyFile(file, line) {
  const partial = `${file}.partial-${process.pid}`;
  await writeFile(partial, line);
  await rename(partial, file);
}

// ---------------------------------------------------------------------------------------------
// The steps, in order.

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const workerdPath = findWorkerd(options.workerd);
  const runtimeVersion = await readWorkerdVersion(workerdPath);

  // Without --data-dir the state lives in a temporary folder that goes away with the launcher;
  // a --data-dir keeps logs and storage across restarts.
  const temporaryDir =
    options.dataDir === null ? await mkdtemp(path.join(os.tmpdir(), "do-conformance-")) : null;
  const dataDir = options.dataDir ?? /** @type {string} */ (temporaryDir);
  if (temporaryDir !== null) {
    process.on("exit", () => rmSync(temporaryDir, { recursive: true, force: true }));
  }
  const storageDir = path.join(dataDir, "storage");
  await mkdir(storageDir, { recursive: true });

  const bound = await Promise.all(options.profiles.map(() => bindLoopbackSocket()));
  const profiles = options.profiles.map((profile, index) => ({
    ...profile,
    extraCompatibilityFlags: extraCompatibilityFlags(profile, options.eviction),
    ...bound[index],
  }));

  const configPath = path.join(dataDir, "workerd.capnp");
  const config = workerdConfig(profiles, { configDir: dataDir, storageDir, runtimeVersion });
  await writeFile(configPath, config);
  process.stderr.write(`launch.mjs: workerd ${runtimeVersion}, config ${configPath}\n`);

  const sockets = profiles.map((profile) => ({ name: profile.name, fd: profile.fd }));
  const { child, tail, control, args } = startWorkerd(
    workerdPath,
    configPath,
    sockets,
    options.eviction,
  );
  // Last resort for every way out of this process that skipped stopWorkerd (a bug, an uncaught
  // error): workerd must not outlive its launcher. Only SIGKILL of the launcher escapes this.
  process.on("exit", () => child.kill("SIGKILL"));
  // workerd holds its own copies of the descriptors now; closing ours keeps the sockets open.
  for (const profile of profiles) profile.server.close();

  let stopping = false;
  const stopAndExit = async (/** @type {number} */ exitCode) => {
    if (stopping) return;
    stopping = true;
    await stopWorkerd(child);
    process.exit(exitCode);
  };
  process.on("SIGTERM", () => void stopAndExit(0));
  process.on("SIGINT", () => void stopAndExit(0));

  const exitedEarly = new Promise((_, reject) => {
    child.once("exit", (code, signal) => {
      const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
      reject(new LaunchError(`workerd exited during startup (${how}); ${tail.describe()}`));
    });
    child.once("error", (error) => {
      reject(new LaunchError(`cannot run ${workerdPath}: ${error.message}`));
    });
  });

  const startedAt = Date.now();
  try {
    await withTimeout(
      Promise.race([waitForListening(control, sockets.map((socket) => socket.name)), exitedEarly]),
      options.startupTimeoutMs,
      () =>
        `workerd did not report every socket listening within ${options.startupTimeoutMs} ms ` +
        `(${workerdPath} ${args.join(" ")}); ${tail.describe()}`,
    );
    const remainingMs = Math.max(1, options.startupTimeoutMs - (Date.now() - startedAt));
    await withTimeout(
      Promise.race([Promise.all(profiles.map((p) => checkInfo(p, profiles.length))), exitedEarly]),
      remainingMs,
      () => `the fronts did not all answer /info within ${options.startupTimeoutMs} ms`,
    );
  } catch (error) {
    stopping = true;
    await stopWorkerd(child);
    throw error;
  }

  const readyLine = `${READY_PREFIX}http://${LOOPBACK}:${profiles[0].port}\n`;
  if (options.readyFile !== null) await writeReadyFile(options.readyFile, readyLine);
  process.stdout.write(readyLine);

  child.once("exit", (code, signal) => {
    if (stopping) return;
    const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
    process.stderr.write(`launch.mjs: workerd exited unexpectedly (${how}); ${tail.describe()}\n`);
    process.exit(1);
  });
}

main().catch((error) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`launch.mjs: ${message}\n`);
  process.exit(error instanceof LaunchError ? error.exitCode : 1);
});
