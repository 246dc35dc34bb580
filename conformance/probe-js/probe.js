// The JavaScript probe: the target side of specs/probe-protocol.md (version 1) for workerd and
// other runtimes that run Workers-style ES modules with Durable Objects.
//
// One module holds three parts:
//   - the front (the default export): a stateless worker that turns the protocol's HTTP routes
//     into calls on the probe objects (and evicts them with workerd's `workerd:unsafe`, when
//     the worker may import it);
//   - the probe classes `Probe` and `ProbeMinimal`, whose handlers log every invocation;
//   - `ProbeLog`, one instance per probed object, which keeps that object's event log and its
//     behaviour document. The log lives outside the probed object so that reading it never
//     wakes or constructs the probed object, and it talks only over `fetch` so that it works
//     on profiles where RPC is off.
//
// workerd runs this file as is (no bundler), so it is plain JavaScript typed with JSDoc and
// checked by `tsc --checkJs` (see jsconfig.json beside it).

import { DurableObject } from "cloudflare:workers";

/** The protocol versions this front speaks, highest last. */
const SUPPORTED_PROTOCOL_VERSIONS = [1];

/** The origin of every URL the objects see: the protocol names it; nothing ever resolves it. */
const OBJECT_ORIGIN = "https://probe.invalid";

/** The log objects are reached over `fetch` only; this origin is never resolved either. */
const LOG_ORIGIN = "https://probe-log.invalid";

/** The message the protocol gives to a fetch failure configured with `fetch.throwCount`. */
const CONFIGURED_FETCH_FAILURE = "probe: configured fetch failure";

/** The message the protocol gives to an alarm failure configured with `alarm.throwCount`. */
const CONFIGURED_ALARM_FAILURE = "probe: configured alarm failure";

/** The message the protocol gives to a failure configured with `webSocketMessage.throwCount`. */
const CONFIGURED_WEBSOCKET_MESSAGE_FAILURE = "probe: configured webSocketMessage failure";

/**
 * Messages up to this many bytes are logged with their content; longer ones with a SHA-256 only,
 * so that a 32 MiB message does not become a 43 MiB log entry.
 */
const LOGGED_MESSAGE_MAX_BYTES = 4096;

/** What the protocol allows as a socket id (the `socket` query parameter of the ws route). */
const SOCKET_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The log event names of each socket kind: hibernatable sockets log the names of the
 * DurableObject handlers, `accept()`ed sockets the names of the events their listeners got.
 * @typedef {{message: string, close: string, closeReply: string, error: string}} SocketEventNames
 * @type {{hibernatable: SocketEventNames, accept: SocketEventNames}}
 */
const SOCKET_EVENT_NAMES = {
  hibernatable: {
    message: "webSocketMessage",
    close: "webSocketClose",
    closeReply: "webSocketCloseReply",
    error: "webSocketError",
  },
  accept: { message: "message", close: "close", closeReply: "closeReply", error: "error" },
};

/**
 * The module specifier of workerd's test helpers. Imported dynamically, so that a worker
 * without the `unsafe_module` flag still loads and only reports `eviction: false`.
 */
const UNSAFE_MODULE_SPECIFIER = "workerd:unsafe";

/**
 * What `evict()` of workerd 2026-11-17 throws for an object that has no live instance. The
 * protocol answers `ok` then (the object is as evicted as it gets); matched on the message
 * because the error has no other mark.
 */
const EVICT_NOT_RUNNING_MESSAGE = "it is not currently running";

/**
 * Hop-by-hop headers (RFC 9110 section 7.6.1) describe one connection, not the request, so the
 * pass-through route drops them as the protocol says.
 */
const HOP_BY_HOP_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Bindings that exist for the probe's own plumbing. The `env` action reports the bindings of
 * the protocol's table only, so that a target's plumbing never shows up as a difference.
 */
const PLUMBING_BINDINGS = new Set(["PROBE_LOG", "PROFILES", "RUNTIME_VERSION"]);

/** Log keys are zero-padded so that lexicographic order (what `list()` gives) is seq order. */
const LOG_KEY_PREFIX = "event:";
const LOG_KEY_DIGITS = 15;

/** The statuses whose response must not carry a body (the Response constructor rejects one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * @typedef {object} ProbeEnv
 * @property {DurableObjectNamespace} PROBE
 * @property {DurableObjectNamespace} PROBE_MINIMAL
 * @property {DurableObjectNamespace} PROBE_LOG
 * @property {string} PROBE_VAR
 * @property {string | ProfileEntry[]} PROFILES JSON text (a `json` binding's value also works)
 * @property {string} RUNTIME_VERSION
 */

/**
 * @typedef {object} ProfileEntry
 * @property {string} name
 * @property {string} compatibilityDate
 * @property {string[]} compatibilityFlags the flags of the profile's name
 * @property {string[]} [extraCompatibilityFlags] flags the worker runs with on top of them
 * @property {string} baseUrl
 */

/**
 * @typedef {object} EncodedError
 * @property {string} name
 * @property {string} message
 * @property {boolean} remote
 */

/** @typedef {Record<string, unknown>} LogRecord */

/**
 * What one `alarm()` call must do after it logged, decided by the log object from the behaviour
 * document in the same request that stored the event.
 * @typedef {object} AlarmPlan
 * @property {boolean} mustThrow a unit of `alarm.throwCount` was taken
 * @property {string | null} writeKey `alarm.writeKey`
 * @property {number | null} rescheduleDelayMs set when a unit of `alarm.rescheduleCount` was
 *   taken: the delay of the new alarm (`alarm.rescheduleDelayMs`, 0 when absent)
 * @property {number} hangMs `alarm.hangMs`, 0 when absent
 */

/**
 * What one `webSocketMessage` call (or `message` listener) does after it logged.
 * @typedef {object} WebSocketMessagePlan
 * @property {boolean} mustThrow a unit of `webSocketMessage.throwCount` was taken
 * @property {number} hangMs `webSocketMessage.hangMs`, 0 when absent
 * @property {"echo" | "none"} reply `webSocketMessage.reply`, "echo" unless it says "none"
 */

/**
 * How one `webSocketClose` call (or `close` listener) answers the close.
 * @typedef {object} WebSocketClosePlan
 * @property {"none" | "echo" | "fixed"} reply `webSocketClose.reply`, "none" when absent
 * @property {number | undefined} code `webSocketClose.code`, for "fixed"
 * @property {string | undefined} reason `webSocketClose.reason`, for "fixed"
 */

/**
 * What an append also does with the behaviour document, in the same request that stores the
 * event (see ObjectLogWriter.append).
 * @typedef {"fetch" | "alarm" | "webSocketMessage" | "webSocketClose" | null} Consume
 */

/**
 * The log object's answer to an append.
 * @typedef {object} AppendResult
 * @property {number} seq
 * @property {boolean} fetchMustThrow only ever true for `consume: "fetch"`
 * @property {AlarmPlan | null} alarmPlan set for `consume: "alarm"` only
 * @property {WebSocketMessagePlan | null} webSocketMessagePlan for `consume: "webSocketMessage"`
 * @property {WebSocketClosePlan | null} webSocketClosePlan for `consume: "webSocketClose"`
 */

/**
 * workerd's `workerd:unsafe` module, as far as the probe uses it.
 * @typedef {object} UnsafeModule
 * @property {(stub: DurableObjectStub, options?: {webSockets?: "hibernate" | "close"}) =>
 *   Promise<void>} evict
 */

/**
 * What an instance of a probe class keeps in memory, for the actions and the socket listeners.
 * Lost on eviction, which is the point of `memory.get`.
 * @typedef {object} InstanceMemory
 * @property {unknown} value what `memory.set` stored; null in a new instance
 * @property {Map<string, WebSocket>} acceptSockets `accept()`ed sockets by id. A socket stays
 *   after it closed (a later `ws.call` can still read its readyState); a new socket under the
 *   same id replaces it.
 * @property {WebSocket[]} unconnectedClientEnds the client ends of `ws.acceptPairs`, held so
 *   that their server ends are not disconnected when the client ends are collected
 */

/**
 * Everything a probed object's fetch needs.
 * @typedef {object} ProbedObject
 * @property {DurableObjectState} ctx
 * @property {Record<string, unknown>} env
 * @property {ObjectLogWriter} log
 * @property {InstanceMemory} memory
 * @property {boolean} handlesSockets whether the class has the WebSocket handlers (Probe)
 */

// ---------------------------------------------------------------------------------------------
// Small helpers shared by every part.

/**
 * @param {unknown} value
 * @param {number} [status]
 */
function jsonResponse(value, status = 200) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/**
 * @param {string} message
 * @param {number} status
 */
function jsonError(message, status) {
  return jsonResponse({ error: message }, status);
}

/**
 * Encodes a thrown value the protocol's way. `remote` is workerd's own mark on errors that
 * crossed from an object to its caller.
 * @param {unknown} thrown
 * @returns {EncodedError}
 */
function encodeError(thrown) {
  // Not only `instanceof Error`: a DOMException (InvalidAccessError, SyntaxError, …) must keep
  // its name wherever the runtime puts it in the prototype chain.
  if (thrown instanceof Error || isErrorLike(thrown)) {
    const error = /** @type {{name: string, message: string, remote?: unknown}} */ (thrown);
    return { name: error.name, message: error.message, remote: error.remote === true };
  }
  return { name: typeof thrown, message: String(thrown), remote: false };
}

/**
 * @param {unknown} value
 * @returns {boolean} whether it has a string name and message, as every error and DOMException
 */
function isErrorLike(value) {
  if (typeof value !== "object" || value === null) return false;
  const { name, message } = /** @type {{name?: unknown, message?: unknown}} */ (value);
  return typeof name === "string" && typeof message === "string";
}

/** @param {ArrayBuffer} buffer */
function base64FromBuffer(buffer) {
  let binary = "";
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * The protocol's typed encoding, for values whose JavaScript type matters.
 * @param {unknown} value
 * @returns {Promise<Record<string, unknown>>}
 */
async function encodeTyped(value) {
  if (typeof value === "string") return { type: "string", value };
  if (value instanceof ArrayBuffer) return { type: "arraybuffer", base64: base64FromBuffer(value) };
  if (value instanceof Blob) {
    return { type: "blob", base64: base64FromBuffer(await value.arrayBuffer()) };
  }
  if (value instanceof Error || isErrorLike(value)) return { type: "error", ...encodeError(value) };
  return { type: "json", value: value === undefined ? null : value };
}

/** @param {Uint8Array} bytes */
async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * A WebSocket message, typed and with its size in bytes (UTF-8 for a string). Above
 * LOGGED_MESSAGE_MAX_BYTES the content is replaced by its SHA-256.
 * @param {string | ArrayBuffer | Blob} message
 * @returns {Promise<Record<string, unknown>>}
 */
async function encodeMessage(message) {
  if (typeof message === "string") {
    const bytes = new TextEncoder().encode(message);
    if (bytes.byteLength <= LOGGED_MESSAGE_MAX_BYTES) {
      return { type: "string", value: message, length: bytes.byteLength };
    }
    return { type: "string", length: bytes.byteLength, sha256: await sha256Hex(bytes) };
  }
  const type = message instanceof Blob ? "blob" : "arraybuffer";
  const buffer = message instanceof Blob ? await message.arrayBuffer() : message;
  if (buffer.byteLength <= LOGGED_MESSAGE_MAX_BYTES) {
    return { type, base64: base64FromBuffer(buffer), length: buffer.byteLength };
  }
  return { type, length: buffer.byteLength, sha256: await sha256Hex(new Uint8Array(buffer)) };
}

/**
 * The protocol's typed message (`string` or `arraybuffer`) as something `ws.send()` takes.
 * @param {unknown} typed
 * @returns {string | ArrayBuffer}
 */
function decodeTypedMessage(typed) {
  if (isPlainObject(typed) && typed.type === "string" && typeof typed.value === "string") {
    return typed.value;
  }
  if (isPlainObject(typed) && typed.type === "arraybuffer" && typeof typed.base64 === "string") {
    return Uint8Array.from(atob(typed.base64), (char) => char.charCodeAt(0)).buffer;
  }
  throw new TypeError(
    'a message must be {"type": "string", "value": …} or {"type": "arraybuffer", "base64": …}',
  );
}

/**
 * @param {Headers} headers
 * @returns {Record<string, string>} lower-case names, as Headers already gives them
 */
function headersToObject(headers) {
  /** @type {Record<string, string>} */
  const result = {};
  headers.forEach((value, name) => {
    result[name] = value;
  });
  return result;
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isPlainObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A request the front cannot make sense of: answered 400, never blamed on the target. */
class BadRequest extends Error {
  name = "BadRequest";
}

/**
 * Reads a request body as a JSON object; a missing body is an empty object.
 * @param {Request} request
 * @returns {Promise<Record<string, unknown>>}
 */
async function readJsonObject(request) {
  const text = await request.text();
  if (text === "") return {};
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (thrown) {
    throw new BadRequest(`request body is not JSON: ${encodeError(thrown).message}`);
  }
  if (!isPlainObject(parsed)) throw new BadRequest("request body must be a JSON object");
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// The front.

/** @param {ProbeEnv} env */
function parseProfiles(env) {
  const profiles = typeof env.PROFILES === "string" ? JSON.parse(env.PROFILES) : env.PROFILES;
  if (!Array.isArray(profiles)) throw new TypeError("binding PROFILES is not a JSON array");
  return /** @type {ProfileEntry[]} */ (profiles);
}

/** @type {Promise<UnsafeModule | null> | null} */
let unsafeModuleLoad = null;

/**
 * workerd's `workerd:unsafe`, or null when this worker may not import it (it lacks the
 * experimental `unsafe_module` flag, or the runtime is not workerd). Loaded once per isolate.
 * @returns {Promise<UnsafeModule | null>}
 */
function loadUnsafeModule() {
  unsafeModuleLoad ??= (async () => {
    try {
      // A variable specifier: the type checker must not look for a module it has no types for.
      const specifier = UNSAFE_MODULE_SPECIFIER;
      const loaded = await import(specifier);
      const module = /** @type {{default?: Partial<UnsafeModule>}} */ (loaded).default;
      return typeof module?.evict === "function" ? /** @type {UnsafeModule} */ (module) : null;
    } catch {
      return null; // workerd: `No such module "workerd:unsafe".`
    }
  })();
  return unsafeModuleLoad;
}

/** @param {ProbeEnv} env */
async function infoDocument(env) {
  return {
    runtime: { name: "workerd", version: env.RUNTIME_VERSION ?? "unknown" },
    protocol: { versions: SUPPORTED_PROTOCOL_VERSIONS },
    // workerd runs on the real clock; nothing here speeds it up.
    clock: { scale: 1 },
    profiles: parseProfiles(env),
    capabilities: {
      fetch: true,
      rpc: true,
      storage: true,
      env: true,
      alarms: true,
      websockets: true,
      // The evict route needs workerd:unsafe; the launcher gives every worker the flag for it
      // unless told not to (tools/workerd/README.md).
      eviction: (await loadUnsafeModule()) !== null,
    },
  };
}

/**
 * @param {ProbeEnv} env
 * @param {string} className
 * @returns {DurableObjectNamespace | undefined}
 */
function namespaceOf(env, className) {
  if (className === "Probe") return env.PROBE;
  if (className === "ProbeMinimal") return env.PROBE_MINIMAL;
  return undefined;
}

/**
 * The log object that belongs to one probed object. Its name is "<class>/<name>", so objects of
 * both classes under the same name keep separate logs.
 * @param {ProbeEnv} env
 * @param {string} className
 * @param {string} objectName
 */
function logStubFor(env, className, objectName) {
  return env.PROBE_LOG.get(env.PROBE_LOG.idFromName(`${className}/${objectName}`));
}

/**
 * `ANY /obj/<class>/<name>/fetch/<path>`: forwards without catching, so that an error thrown by
 * the object reaches the runtime's own handling (workerd answers 500).
 * @param {Request} request
 * @param {DurableObjectStub} stub
 * @param {string} objectPath the path after `/fetch`, still URL-encoded, starting with "/"
 * @param {string} search
 */
function forwardUncaught(request, stub, objectPath, search) {
  const headers = new Headers();
  request.headers.forEach((value, name) => {
    // Host names the front, not the object: the forwarded URL's authority replaces it.
    if (name === "host" || name.startsWith("x-probe-") || HOP_BY_HOP_HEADERS.has(name)) return;
    headers.set(name, value);
  });
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  const forwarded = new Request(OBJECT_ORIGIN + objectPath + search, {
    method: request.method,
    headers,
    body: hasBody ? request.body : null,
  });
  return stub.fetch(forwarded);
}

/**
 * `GET /obj/<class>/<name>/ws`: the upgrade request goes to the object's `/__probe/ws` with
 * its headers, upgrade headers included, and the object's answer (101 with the client end of
 * its WebSocketPair, or an error) comes back as is: the upgrade is the object's own.
 * @param {Request} request
 * @param {DurableObjectStub} stub
 * @param {string} search
 */
async function forwardWebSocket(request, stub, search) {
  if (request.method !== "GET") return jsonError("ws: only GET (a WebSocket upgrade)", 405);
  const headers = new Headers();
  request.headers.forEach((value, name) => {
    if (name === "host" || name.startsWith("x-probe-")) return;
    headers.set(name, value);
  });
  try {
    return await stub.fetch(`${OBJECT_ORIGIN}/__probe/ws${search}`, { headers });
  } catch (thrown) {
    return jsonResponse({ ok: false, error: encodeError(thrown) }, 500);
  }
}

/**
 * `POST /obj/<class>/<name>/evict`: destroys the object's instance now, as its idle timeout
 * would: hibernatable sockets are kept (`webSockets: "hibernate"`), storage is on disk anyway.
 * @param {Request} request
 * @param {DurableObjectStub} stub
 */
async function evictObject(request, stub) {
  const unsafe = await loadUnsafeModule();
  if (unsafe === null) {
    const why = `${UNSAFE_MODULE_SPECIFIER} is not available (no unsafe_module flag)`;
    return jsonResponse({ ok: false, error: { name: "Error", message: why, remote: false } }, 501);
  }
  try {
    await unsafe.evict(stub, { webSockets: "hibernate" });
  } catch (thrown) {
    // Not running is as evicted as an object gets; the protocol answers ok for it.
    const { message } = encodeError(thrown);
    if (!message.includes(EVICT_NOT_RUNNING_MESSAGE)) {
      return jsonResponse({ ok: false, error: encodeError(thrown) }, 500);
    }
  }
  return jsonResponse({ ok: true });
}

/**
 * `POST /obj/<class>/<name>/call-fetch`: the object's fetch inside a try.
 * @param {Request} request
 * @param {DurableObjectStub} stub
 */
async function callFetchCaught(request, stub) {
  const call = await readJsonObject(request);
  const path = typeof call.path === "string" ? call.path : "/";
  const method = typeof call.method === "string" ? call.method : "GET";
  /** @type {RequestInit} */
  const init = { method };
  if (isPlainObject(call.headers)) {
    init.headers = /** @type {Record<string, string>} */ (call.headers);
  }
  if (typeof call.body === "string") init.body = call.body;

  // With relativeUrl the bare path goes to stub.fetch, to show what the compat flag
  // durable_object_fetch_requires_full_url (2021-11-10) does with it.
  const target = call.relativeUrl === true ? path : OBJECT_ORIGIN + path;
  try {
    const response = await stub.fetch(target, init);
    const body = await response.text();
    const headers = headersToObject(response.headers);
    return jsonResponse({ ok: true, response: { status: response.status, headers, body } });
  } catch (thrown) {
    return jsonResponse({ ok: false, error: encodeError(thrown) });
  }
}

/**
 * `POST /obj/<class>/<name>/rpc`: `stub[method](...args)`. When the profile has RPC off the
 * call fails however the runtime makes it fail; that failure is the answer.
 * @param {Request} request
 * @param {DurableObjectStub} fetchStub
 */
async function callRpc(request, fetchStub) {
  const call = await readJsonObject(request);
  const method = call.method;
  if (typeof method !== "string") return jsonError("rpc: body needs a string method", 400);
  const args = Array.isArray(call.args) ? call.args : [];
  // Named `stub` and `method` because, with RPC off, V8 builds the TypeError's message from
  // this very expression: "stub[method] is not a function".
  const stub = /** @type {Record<string, (...args: unknown[]) => unknown>} */ (
    /** @type {unknown} */ (fetchStub)
  );
  try {
    const result = await stub[method](...args);
    return jsonResponse({ ok: true, result: result === undefined ? null : result });
  } catch (thrown) {
    return jsonResponse({ ok: false, error: encodeError(thrown) });
  }
}

/**
 * `POST /obj/<class>/<name>/action`: the object performs the action in its own fetch.
 * @param {Request} request
 * @param {DurableObjectStub} stub
 */
async function forwardAction(request, stub) {
  const body = await request.text();
  try {
    return await stub.fetch(`${OBJECT_ORIGIN}/__probe/action`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
  } catch (thrown) {
    // The object answers its own failures as {ok: false}; reaching here means the call itself
    // broke (for example the object's constructor failed), which is worth the same shape.
    return jsonResponse({ ok: false, error: encodeError(thrown) });
  }
}

/**
 * `GET /log` and `GET`/`PUT /behaviour`: served by the log object, never by the probed one.
 * @param {Request} request
 * @param {DurableObjectStub} logStub
 * @param {"log" | "behaviour"} route
 * @param {string} search
 */
async function forwardToLog(request, logStub, route, search) {
  if (route === "log") {
    if (request.method !== "GET") return jsonError("log: only GET", 405);
    return logStub.fetch(`${LOG_ORIGIN}/log${search}`);
  }
  if (request.method === "GET") return logStub.fetch(`${LOG_ORIGIN}/behaviour`);
  if (request.method !== "PUT") return jsonError("behaviour: only GET and PUT", 405);

  const text = await request.text();
  let document;
  try {
    document = JSON.parse(text);
  } catch {
    return jsonError("behaviour: body is not JSON", 400);
  }
  if (!isPlainObject(document)) return jsonError("behaviour: body must be a JSON object", 400);
  return logStub.fetch(`${LOG_ORIGIN}/behaviour`, { method: "PUT", body: text });
}

/**
 * Answers every route of the front. The pass-through route comes back as `{uncaught}`, a
 * response still on its way, so that the caller can return it outside its own try.
 * @param {Request} request
 * @param {ProbeEnv} env
 * @returns {Promise<Response | {uncaught: Promise<Response>}>}
 */
async function handleFront(request, env) {
  const url = new URL(request.url);
  if (url.pathname === "/info") {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return jsonError("/info: only GET", 405);
    }
    return jsonResponse(await infoDocument(env));
  }

  const version = request.headers.get("x-probe-protocol");
  if (version === null || !SUPPORTED_PROTOCOL_VERSIONS.map(String).includes(version)) {
    const shown = version === null ? "(no x-probe-protocol header)" : version;
    return jsonError(
      `unsupported probe protocol version ${shown}; ` +
        `this target speaks ${JSON.stringify(SUPPORTED_PROTOCOL_VERSIONS)}`,
      400,
    );
  }

  // pathname keeps percent-encoding, so a name with an encoded "/" stays one segment.
  const [empty, obj, className, encodedName, route, ...rest] = url.pathname.split("/");
  if (empty !== "" || obj !== "obj" || !className || encodedName === undefined || !route) {
    return jsonError(`no such route: ${request.method} ${url.pathname}`, 404);
  }
  const namespace = namespaceOf(env, className);
  if (namespace === undefined) {
    return jsonError(`no such probe class: ${className} (expected Probe or ProbeMinimal)`, 404);
  }
  let objectName;
  try {
    objectName = decodeURIComponent(encodedName);
  } catch {
    throw new BadRequest(`object name ${encodedName} is not valid percent-encoding`);
  }
  if (rest.length === 0 && (route === "log" || route === "behaviour")) {
    // No stub of the probed object is even made here: these routes must not reach it.
    return forwardToLog(request, logStubFor(env, className, objectName), route, url.search);
  }

  const stub = namespace.get(namespace.idFromName(objectName));
  if (route === "fetch") {
    return { uncaught: forwardUncaught(request, stub, "/" + rest.join("/"), url.search) };
  }
  if (route === "ws" && rest.length === 0) return forwardWebSocket(request, stub, url.search);
  const postRoutes = {
    "call-fetch": callFetchCaught,
    rpc: callRpc,
    action: forwardAction,
    evict: evictObject,
  };
  if (rest.length > 0 || !Object.hasOwn(postRoutes, route)) {
    return jsonError(`no such route: ${request.method} ${url.pathname}`, 404);
  }
  if (request.method !== "POST") return jsonError(`${route}: only POST`, 405);
  return postRoutes[/** @type {keyof typeof postRoutes} */ (route)](request, stub);
}

export default {
  /**
   * @param {Request} request
   * @param {ProbeEnv} env
   */
  async fetch(request, env) {
    let answer;
    try {
      answer = await handleFront(request, env);
    } catch (thrown) {
      if (thrown instanceof BadRequest) return jsonError(thrown.message, 400);
      // Anything else is the front's own failure (a broken binding, a bug), answered as JSON.
      return jsonResponse({ error: "probe front failed", cause: encodeError(thrown) }, 500);
    }
    // Outside the try on purpose: an error thrown by the object's fetch must stay uncaught,
    // so that the runtime's own handling shows (workerd answers 500).
    return answer instanceof Response ? answer : answer.uncaught;
  },
};

// ---------------------------------------------------------------------------------------------
// What the probed objects share. Kept outside the classes on purpose: every method of a class
// that extends DurableObject is callable over RPC, and ProbeMinimal must expose none.

/**
 * Appends the events of one probed object instance to its log object, one append at a time, so
 * that seq order is the order in which the handlers started.
 */
class ObjectLogWriter {
  /**
   * @param {ProbeEnv} env
   * @param {string} className
   * @param {DurableObjectId} id
   */
  constructor(env, className, id) {
    // ctx.id.name is set for every id made by idFromName, which is how the front makes them.
    this.logStub = logStubFor(env, className, id.name ?? id.toString());
    /** @type {Promise<unknown>} */
    this.tail = Promise.resolve();
  }

  /**
   * Appends one event. With `consume` the log object also reads the behaviour document in the
   * same call, after storing the event: `"fetch"` takes one unit off `fetch.throwCount` and says
   * whether this fetch must throw; `"alarm"` takes one unit off each of `alarm.throwCount` and
   * `alarm.rescheduleCount` and answers the alarm's plan; `"webSocketMessage"` takes one unit off
   * `webSocketMessage.throwCount` and answers the message's plan; `"webSocketClose"` answers how
   * to reply to the close. One call, so the event and the decrements become durable together,
   * before the handler does anything else.
   *
   * The record may still be on its way (a message whose SHA-256 is being computed): its place
   * in the log is taken when append is called, so handlers that start in order log in order.
   * @param {LogRecord | Promise<LogRecord>} record must already carry its `ts`
   * @param {Consume} [consume]
   * @returns {Promise<AppendResult>}
   */
  append(record, consume = null) {
    const appended = this.tail.then(async () => {
      const body = JSON.stringify({ record: await record, consume });
      const response = await this.logStub.fetch(`${LOG_ORIGIN}/append`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      if (!response.ok) {
        throw new Error(`probe log append failed: ${response.status} ${await response.text()}`);
      }
      return /** @type {AppendResult} */ (await response.json());
    });
    // A failed append fails its own handler; the next append must still run.
    this.tail = appended.catch(() => undefined);
    return appended;
  }
}

/**
 * Records the construction before any handler of this instance can log.
 * @param {DurableObjectState} ctx
 * @param {ObjectLogWriter} log
 */
function logConstruction(ctx, log) {
  const ts = Date.now();
  ctx.blockConcurrencyWhile(() => log.append({ ts, event: "constructor" }));
}

/** @type {Record<string, ErrorConstructor>} */
const THROWABLE_ERRORS = { Error, TypeError, RangeError };

/**
 * The routes of the object's own `fetch`, the same for both classes.
 * @param {Request} request
 * @param {ProbedObject} object
 * @returns {Promise<Response>}
 */
async function handleObjectFetch(request, object) {
  const ts = Date.now();
  const url = new URL(request.url);
  const { log } = object;

  if (url.pathname === "/__probe/action") {
    /** @type {Record<string, unknown>} */
    let action = {};
    /** @type {unknown} */
    let parseError = null;
    try {
      action = await readJsonObject(request);
    } catch (thrown) {
      parseError = thrown;
    }
    const op = typeof action.op === "string" ? action.op : null;
    await log.append({ ts, event: "fetch", method: request.method, path: "/__probe/action", op });

    if (parseError !== null) return jsonResponse({ ok: false, error: encodeError(parseError) });
    try {
      return jsonResponse({ ok: true, result: await performAction(action, object) });
    } catch (thrown) {
      return jsonResponse({ ok: false, error: encodeError(thrown) });
    }
  }

  if (url.pathname === "/__probe/ws") {
    const path = url.pathname + url.search;
    await log.append({ ts, event: "fetch", method: request.method, path });
    return acceptProbeSocket(request, url, object);
  }

  const path = url.pathname + url.search;
  const logged = await log.append({ ts, event: "fetch", method: request.method, path }, "fetch");
  if (logged.fetchMustThrow) throw new Error(CONFIGURED_FETCH_FAILURE);

  if (url.pathname === "/hello") {
    return new Response("Hello, World!", {
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
  }
  if (url.pathname === "/echo") {
    return jsonResponse({
      method: request.method,
      url: request.url,
      headers: headersToObject(request.headers),
      body: await request.text(),
    });
  }
  const statusMatch = /^\/status\/(\d{3})$/.exec(url.pathname);
  if (statusMatch) {
    const status = Number(statusMatch[1]);
    return new Response(NULL_BODY_STATUSES.has(status) ? null : `status ${status}`, { status });
  }
  if (url.pathname === "/throw") {
    const ErrorClass = THROWABLE_ERRORS[url.searchParams.get("name") ?? "Error"] ?? Error;
    throw new ErrorClass(url.searchParams.get("message") ?? "probe: thrown by /throw");
  }
  return new Response("Not found", { status: 404 });
}

/**
 * One entry per binding of the protocol's table, typed.
 * @param {Record<string, unknown>} env
 */
function describeEnv(env) {
  /** @type {Record<string, unknown>} */
  const described = {};
  for (const [name, value] of Object.entries(env)) {
    if (PLUMBING_BINDINGS.has(name)) continue;
    const isNamespace =
      typeof value === "object" &&
      value !== null &&
      typeof (/** @type {{idFromName?: unknown}} */ (value).idFromName) === "function";
    if (isNamespace) described[name] = { type: "namespace" };
    else if (typeof value === "string") described[name] = { type: "string", value };
    else described[name] = { type: "other", description: Object.prototype.toString.call(value) };
  }
  return described;
}

/**
 * @param {Record<string, unknown>} action
 * @param {string} field
 */
function requireStringArgument(action, field) {
  const value = action[field];
  if (typeof value !== "string") {
    throw new TypeError(`action ${action.op}: argument "${field}" must be a string`);
  }
  return value;
}

/**
 * The time of `alarm.set`: `scheduledTime` as given, or `delayMs` after the object's own clock.
 * @param {Record<string, unknown>} action
 */
function alarmTimeArgument(action) {
  if (typeof action.scheduledTime === "number") return action.scheduledTime;
  if (typeof action.delayMs === "number") return Date.now() + action.delayMs;
  throw new TypeError('action alarm.set: needs a number "scheduledTime" or "delayMs"');
}

/**
 * Performs one action of the protocol's table and returns its result.
 * @param {Record<string, unknown>} body `{op, ...arguments}`; arguments may also sit in `args`
 * @param {ProbedObject} object
 */
async function performAction(body, object) {
  const action = isPlainObject(body.args) ? { op: body.op, ...body.args } : body;
  const { ctx, env } = object;
  const storage = ctx.storage;
  if (typeof action.op === "string" && action.op.startsWith("ws.")) {
    return performSocketAction(action, object);
  }
  switch (action.op) {
    case "id":
      return { id: ctx.id.toString(), name: ctx.id.name ?? null };
    case "env":
      return describeEnv(env);
    case "storage.put":
      await storage.put(requireStringArgument(action, "key"), action.value);
      return null;
    case "storage.get": {
      const value = await storage.get(requireStringArgument(action, "key"));
      return value === undefined ? { found: false, value: null } : { found: true, value };
    }
    case "storage.delete":
      return storage.delete(requireStringArgument(action, "key"));
    case "storage.list": {
      /** @type {DurableObjectListOptions} */
      const options = {};
      if (typeof action.prefix === "string") options.prefix = action.prefix;
      if (typeof action.start === "string") options.start = action.start;
      if (typeof action.end === "string") options.end = action.end;
      if (typeof action.limit === "number") options.limit = action.limit;
      if (typeof action.reverse === "boolean") options.reverse = action.reverse;
      return [...(await storage.list(options)).entries()];
    }
    case "storage.deleteAll":
      await storage.deleteAll();
      return null;
    case "now":
      return Date.now();
    case "alarm.set": {
      // No check of the time itself: setAlarm(0) and a class without alarm() must fail the
      // runtime's own way, and that error is the action's answer.
      await storage.setAlarm(alarmTimeArgument(action));
      return { alarm: await storage.getAlarm() };
    }
    case "alarm.get":
      return storage.getAlarm();
    case "alarm.delete":
      await storage.deleteAlarm();
      return null;
    case "memory.set":
      object.memory.value = action.value ?? null;
      return null;
    case "memory.get":
      return object.memory.value;
    default:
      throw new TypeError(`unknown action op: ${JSON.stringify(action.op)}`);
  }
}

/**
 * The WebSocket actions (`ws.*`), all synchronous: a `ws.call` list runs in one event.
 * @param {Record<string, unknown>} action
 * @param {ProbedObject} object
 */
function performSocketAction(action, object) {
  const { ctx } = object;
  switch (action.op) {
    case "ws.getWebSockets": {
      const sockets =
        typeof action.tag === "string" ? ctx.getWebSockets(action.tag) : ctx.getWebSockets();
      return sockets.map((ws) => socketTag(ctx, ws));
    }
    case "ws.call": {
      const id = requireStringArgument(action, "socket");
      const ws = findSocket(object, id);
      if (ws === null) throw new Error(`ws.call: no open socket has the id ${JSON.stringify(id)}`);
      if (!Array.isArray(action.calls)) throw new TypeError('ws.call: "calls" must be a list');
      return action.calls.map((call) => {
        try {
          const result = performSocketCall(ctx, ws, call);
          return { ok: true, result: result === undefined ? null : result };
        } catch (thrown) {
          return { ok: false, error: encodeError(thrown) };
        }
      });
    }
    case "ws.acceptPairs":
      return acceptUnconnectedPairs(action, object);
    case "ws.setAutoResponse": {
      const { request, response } = action;
      if (request === undefined && response === undefined) {
        ctx.setWebSocketAutoResponse();
        return null;
      }
      if (typeof request !== "string" || typeof response !== "string") {
        throw new TypeError(
          'ws.setAutoResponse: give "request" and "response" as strings, or neither',
        );
      }
      ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(request, response));
      return null;
    }
    case "ws.getAutoResponse": {
      const pair = ctx.getWebSocketAutoResponse();
      return pair === null ? null : { request: pair.request, response: pair.response };
    }
    case "ws.setEventTimeout":
      // No check of the value: what the runtime rejects is the answer.
      if (action.ms === undefined) ctx.setHibernatableWebSocketEventTimeout();
      else ctx.setHibernatableWebSocketEventTimeout(/** @type {number} */ (action.ms));
      return null;
    case "ws.getEventTimeout":
      return ctx.getHibernatableWebSocketEventTimeout();
    default:
      throw new TypeError(`unknown action op: ${JSON.stringify(action.op)}`);
  }
}

/**
 * One call of `ws.call` on one socket. Arguments go to the runtime as given, so that its own
 * checks (close codes, reason length, attachment size) produce the answer.
 * @param {DurableObjectState} ctx
 * @param {WebSocket} ws
 * @param {unknown} call `{call: "send", message}`, `{call: "close", code, reason}`, …
 * @returns {unknown}
 */
function performSocketCall(ctx, ws, call) {
  if (!isPlainObject(call)) throw new TypeError("ws.call: each call must be an object");
  switch (call.call) {
    case "send":
      ws.send(decodeTypedMessage(call.message));
      return null;
    case "close":
      // An absent field is undefined, as the protocol says: close(undefined, "r") is a call too.
      ws.close(
        /** @type {number | undefined} */ (call.code),
        /** @type {string | undefined} */ (call.reason),
      );
      return null;
    case "readyState":
      return ws.readyState;
    case "serializeAttachment":
      ws.serializeAttachment(
        typeof call.stringOfLength === "number" ? "x".repeat(call.stringOfLength) : call.value,
      );
      return null;
    case "deserializeAttachment":
      return ws.deserializeAttachment() ?? null;
    case "getTags":
      return ctx.getTags(ws);
    case "autoResponseTimestamp":
      return ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? null;
    case "accept":
      ws.accept();
      return null;
    case "acceptWebSocket":
      ctx.acceptWebSocket(ws);
      return null;
    default:
      throw new TypeError(`ws.call: unknown call ${JSON.stringify(call.call)}`);
  }
}

/**
 * `ws.acceptPairs`: server ends of unconnected pairs into `acceptWebSocket`, until one throws.
 * For the limits on sockets and tags.
 * @param {Record<string, unknown>} action
 * @param {ProbedObject} object
 */
function acceptUnconnectedPairs(action, object) {
  const count = action.count ?? 1;
  const tags = action.tags ?? [];
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
    throw new TypeError('ws.acceptPairs: "count" must be a non-negative integer');
  }
  if (!Array.isArray(tags)) throw new TypeError('ws.acceptPairs: "tags" must be a list');

  let accepted = 0;
  /** @type {EncodedError | null} */
  let error = null;
  /** @type {WebSocket | null} */
  let last = null;
  for (let i = 0; i < count; i += 1) {
    const pair = new WebSocketPair();
    try {
      object.ctx.acceptWebSocket(pair[1], tags);
    } catch (thrown) {
      error = encodeError(thrown);
      break;
    }
    object.memory.unconnectedClientEnds.push(pair[0]);
    accepted += 1;
    last = pair[1];
  }
  return { accepted, error, tags: last === null ? null : object.ctx.getTags(last) };
}

/**
 * The socket with this id: an `accept()`ed one of this instance, else the oldest hibernatable
 * one whose first tag is the id (a later tag that equals the id does not count).
 * @param {ProbedObject} object
 * @param {string} id
 * @returns {WebSocket | null}
 */
function findSocket(object, id) {
  const accepted = object.memory.acceptSockets.get(id);
  if (accepted !== undefined) return accepted;
  const { ctx } = object;
  return ctx.getWebSockets(id).find((ws) => socketTag(ctx, ws) === id) ?? null;
}

/**
 * The socket's id tag: its first hibernation tag, or null for an untagged socket.
 * @param {DurableObjectState} ctx
 * @param {WebSocket} socket
 */
function socketTag(ctx, socket) {
  try {
    return ctx.getTags(socket)[0] ?? null;
  } catch {
    return null; // getTags throws for a socket that is not hibernatable
  }
}

/**
 * A request the ws route refuses before any socket exists.
 * @param {string} message
 * @param {number} status
 */
function socketRouteError(message, status) {
  return jsonResponse({ ok: false, error: { name: "BadRequest", message, remote: false } }, status);
}

/**
 * The object's `/__probe/ws`: a WebSocketPair whose server end the object keeps (hibernatable
 * or `accept()`ed, per `kind`) and whose client end goes back with the 101.
 * @param {Request} request
 * @param {URL} url
 * @param {ProbedObject} object
 * @returns {Response}
 */
function acceptProbeSocket(request, url, object) {
  if (!object.handlesSockets) return new Response("Not found", { status: 404 });
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return socketRouteError("ws: not a WebSocket upgrade", 426);
  }
  const id = url.searchParams.get("socket") ?? "";
  if (!SOCKET_ID_PATTERN.test(id)) {
    const shown = JSON.stringify(id);
    return socketRouteError(`ws: socket ${shown} is not 1 to 64 of [A-Za-z0-9._-]`, 400);
  }
  const kind = url.searchParams.get("kind") ?? "hibernatable";
  if (kind !== "hibernatable" && kind !== "accept") {
    const shown = JSON.stringify(kind);
    return socketRouteError(`ws: kind ${shown} is neither hibernatable nor accept`, 400);
  }

  const pair = new WebSocketPair();
  const client = pair[0];
  const server = pair[1];
  if (kind === "hibernatable") {
    try {
      object.ctx.acceptWebSocket(server, [id, ...url.searchParams.getAll("tag")]);
    } catch (thrown) {
      return jsonResponse({ ok: false, error: encodeError(thrown) }, 400);
    }
  } else {
    server.accept();
    listenToAcceptedSocket(object, id, server);
    object.memory.acceptSockets.set(id, server);
  }
  return new Response(null, { status: 101, webSocket: client });
}

/**
 * The listeners of an `accept()`ed socket run the steps of the hibernation handlers. A listener
 * cannot hand its promise to anyone, so a configured failure ends as an unhandled rejection,
 * which is how an event listener that throws looks to the runtime.
 * @param {ProbedObject} object
 * @param {string} id
 * @param {WebSocket} ws
 */
function listenToAcceptedSocket(object, id, ws) {
  const names = SOCKET_EVENT_NAMES.accept;
  ws.addEventListener("message", (event) => {
    void onSocketMessage(object.log, names, id, ws, event.data);
  });
  ws.addEventListener("close", (event) => {
    void onSocketClose(object.log, names, id, ws, event, null);
  });
  ws.addEventListener("error", (event) => {
    // workerd puts the Error in `error`; a runtime that gives only `message` still logs it.
    const error = event.error ?? new Error(event.message);
    void onSocketError(object.log, names, id, ws, error, null);
  });
}

/**
 * The steps of `webSocketMessage` and of the `message` listener: log (with the behaviour's
 * plan, consuming `webSocketMessage.throwCount`), throw when configured, hang, reply.
 * @param {ObjectLogWriter} log
 * @param {SocketEventNames} names
 * @param {string | null} socket
 * @param {WebSocket} ws
 * @param {string | ArrayBuffer | Blob} message
 */
async function onSocketMessage(log, names, socket, ws, message) {
  const ts = Date.now();
  const record = encodeMessage(message).then((typed) => ({
    ts,
    event: names.message,
    socket,
    message: typed,
  }));
  const { webSocketMessagePlan: plan } = await log.append(record, "webSocketMessage");
  if (plan === null) throw new Error("probe log answered a message append without a plan");

  if (plan.mustThrow) throw new Error(CONFIGURED_WEBSOCKET_MESSAGE_FAILURE);
  // A timer, never storage: the event timeout is what a hang is for.
  if (plan.hangMs > 0) await scheduler.wait(plan.hangMs);
  if (plan.reply === "echo") {
    // Back as it came: text as text, bytes as binary (send() takes no Blob).
    ws.send(message instanceof Blob ? await message.arrayBuffer() : message);
  }
}

/**
 * The steps of `webSocketClose` and of the `close` listener: log the close as received, then
 * call `ws.close` per the behaviour and log what that call did.
 * @param {ObjectLogWriter} log
 * @param {SocketEventNames} names
 * @param {string | null} socket
 * @param {WebSocket} ws
 * @param {{code: number, reason: string, wasClean: boolean}} close
 * @param {boolean | null} listed whether getWebSockets() still returned ws; null for accept()
 */
async function onSocketClose(log, names, socket, ws, close, listed) {
  const ts = Date.now();
  // Read before the first await: the state the handler was called in is what is logged.
  const readyState = ws.readyState;
  const { code, reason, wasClean } = close;
  const record = { ts, event: names.close, socket, code, reason, wasClean, readyState, listed };
  const { webSocketClosePlan: plan } = await log.append(record, "webSocketClose");
  if (plan === null) throw new Error("probe log answered a close append without a plan");

  /** @type {{code: number | undefined, reason: string | undefined} | null} */
  let call = null;
  if (plan.reply === "echo") call = { code, reason };
  else if (plan.reply === "fixed") call = { code: plan.code, reason: plan.reason };
  /** @type {EncodedError | undefined} */
  let error;
  if (call !== null) {
    try {
      ws.close(call.code, call.reason);
    } catch (thrown) {
      error = encodeError(thrown);
    }
  }
  await log.append({
    ts: Date.now(),
    event: names.closeReply,
    socket,
    call: call === null ? null : { code: call.code ?? null, reason: call.reason ?? null },
    ok: error === undefined,
    ...(error === undefined ? {} : { error }),
    readyState: ws.readyState,
  });
}

/**
 * The steps of `webSocketError` and of the `error` listener: log only.
 * @param {ObjectLogWriter} log
 * @param {SocketEventNames} names
 * @param {string | null} socket
 * @param {WebSocket} ws
 * @param {unknown} error
 * @param {boolean | null} listed
 */
async function onSocketError(log, names, socket, ws, error, listed) {
  const ts = Date.now();
  const readyState = ws.readyState;
  const record = encodeTyped(error).then((typed) => ({
    ts,
    event: names.error,
    socket,
    error: typed,
    readyState,
    listed,
  }));
  await log.append(record);
}

// ---------------------------------------------------------------------------------------------
// The probe classes.

/**
 * The in-memory state of a new instance.
 * @returns {InstanceMemory}
 */
function newInstanceMemory() {
  return { value: null, acceptSockets: new Map(), unconnectedClientEnds: [] };
}

/** Every handler of the protocol, each logging before it does anything else. */
export class Probe extends DurableObject {
  /** @type {ObjectLogWriter} */
  #log;

  /** @type {ProbedObject} */
  #object;

  /**
   * @param {DurableObjectState} ctx
   * @param {ProbeEnv} env
   */
  constructor(ctx, env) {
    super(ctx, env);
    this.#log = new ObjectLogWriter(env, "Probe", ctx.id);
    const plainEnv = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (env));
    const memory = newInstanceMemory();
    this.#object = { ctx, env: plainEnv, log: this.#log, memory, handlesSockets: true };
    logConstruction(ctx, this.#log);
  }

  /** @param {Request} request */
  fetch(request) {
    return handleObjectFetch(request, this.#object);
  }

  /**
   * The protocol's steps, in its order: log (with `getAlarm()`), consume `alarm.throwCount`,
   * add to `alarm.writeKey`, reschedule, hang, then throw or return. The first two are one
   * append, awaited before anything else, so the log shows every invocation even when a later
   * step throws.
   * @param {AlarmInvocationInfo} [alarmInfo]
   */
  async alarm(alarmInfo) {
    const ts = Date.now();
    const storage = this.ctx.storage;
    const received = alarmInfo
      ? {
          retryCount: alarmInfo.retryCount,
          isRetry: alarmInfo.isRetry,
          scheduledTime: alarmInfo.scheduledTime,
        }
      : null;
    const getAlarm = await storage.getAlarm();
    const record = { ts, event: "alarm", alarmInfo: received, getAlarm };
    const { alarmPlan } = await this.#log.append(record, "alarm");
    if (alarmPlan === null) throw new Error("probe log answered an alarm append without a plan");

    if (alarmPlan.writeKey !== null) {
      const current = Number((await storage.get(alarmPlan.writeKey)) ?? 0);
      await storage.put(alarmPlan.writeKey, current + 1);
    }
    if (alarmPlan.rescheduleDelayMs !== null) {
      await storage.setAlarm(Date.now() + alarmPlan.rescheduleDelayMs);
    }
    // A timer, never storage: the wall-time limit is what a hang is for.
    if (alarmPlan.hangMs > 0) await scheduler.wait(alarmPlan.hangMs);
    if (alarmPlan.mustThrow) throw new Error(CONFIGURED_ALARM_FAILURE);
  }

  /**
   * @param {WebSocket} ws
   * @param {string | ArrayBuffer} message
   */
  webSocketMessage(ws, message) {
    const socket = socketTag(this.ctx, ws);
    return onSocketMessage(this.#log, SOCKET_EVENT_NAMES.hibernatable, socket, ws, message);
  }

  /**
   * @param {WebSocket} ws
   * @param {number} code
   * @param {string} reason
   * @param {boolean} wasClean
   */
  webSocketClose(ws, code, reason, wasClean) {
    const socket = socketTag(this.ctx, ws);
    const listed = this.ctx.getWebSockets().includes(ws);
    const close = { code, reason, wasClean };
    return onSocketClose(this.#log, SOCKET_EVENT_NAMES.hibernatable, socket, ws, close, listed);
  }

  /**
   * @param {WebSocket} ws
   * @param {unknown} error
   */
  webSocketError(ws, error) {
    const socket = socketTag(this.ctx, ws);
    const listed = this.ctx.getWebSockets().includes(ws);
    return onSocketError(this.#log, SOCKET_EVENT_NAMES.hibernatable, socket, ws, error, listed);
  }

  /** @param {string} name */
  async hello(name) {
    await this.#log.append({ ts: Date.now(), event: "rpc", method: "hello", args: [name] });
    return `Hello, ${name}!`;
  }

  /**
   * @param {number} a
   * @param {number} b
   */
  async add(a, b) {
    await this.#log.append({ ts: Date.now(), event: "rpc", method: "add", args: [a, b] });
    return a + b;
  }

  /** @param {string} message */
  async fail(message) {
    await this.#log.append({ ts: Date.now(), event: "rpc", method: "fail", args: [message] });
    throw new Error(message);
  }

  async increment() {
    await this.#log.append({ ts: Date.now(), event: "rpc", method: "increment", args: [] });
    const current = (await this.ctx.storage.get("rpc-counter")) ?? 0;
    const next = Number(current) + 1;
    await this.ctx.storage.put("rpc-counter", next);
    return next;
  }
}

/** Only `fetch`: no optional handler and no RPC method. */
export class ProbeMinimal extends DurableObject {
  /** @type {ObjectLogWriter} */
  #log;

  /** @type {ProbedObject} */
  #object;

  /**
   * @param {DurableObjectState} ctx
   * @param {ProbeEnv} env
   */
  constructor(ctx, env) {
    super(ctx, env);
    this.#log = new ObjectLogWriter(env, "ProbeMinimal", ctx.id);
    const plainEnv = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (env));
    const memory = newInstanceMemory();
    this.#object = { ctx, env: plainEnv, log: this.#log, memory, handlesSockets: false };
    logConstruction(ctx, this.#log);
  }

  /** @param {Request} request */
  fetch(request) {
    return handleObjectFetch(request, this.#object);
  }
}

// ---------------------------------------------------------------------------------------------
// The log object.

/**
 * @param {number} seq
 */
function logKey(seq) {
  return LOG_KEY_PREFIX + String(seq).padStart(LOG_KEY_DIGITS, "0");
}

/**
 * Reads one behaviour field. The protocol names fields like `alarm.hangMs`; both spellings of
 * such a name in JSON are honoured, the nested one (`{"alarm": {"hangMs": n}}`) first, then the
 * flat one (`{"alarm.hangMs": n}`).
 * @param {Record<string, unknown>} behaviour
 * @param {string} group
 * @param {string} field
 * @returns {unknown} undefined when neither spelling is there
 */
function behaviourField(behaviour, group, field) {
  const nested = behaviour[group];
  if (isPlainObject(nested) && nested[field] !== undefined) return nested[field];
  return behaviour[`${group}.${field}`];
}

/**
 * @param {Record<string, unknown>} behaviour
 * @param {string} group
 * @param {string} field
 * @returns {number} the field when it is a non-negative finite number, else 0
 */
function behaviourMs(behaviour, group, field) {
  const value = behaviourField(behaviour, group, field);
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Takes one unit off a count of the behaviour (`fetch.throwCount`, `alarm.throwCount`, …), in
 * whichever spelling holds a positive count (nested first).
 * @param {Record<string, unknown>} behaviour changed in place
 * @param {string} group
 * @param {string} field
 * @returns {boolean} whether a unit was taken
 */
function takeCount(behaviour, group, field) {
  const nested = behaviour[group];
  if (isPlainObject(nested) && typeof nested[field] === "number" && nested[field] > 0) {
    nested[field] -= 1;
    return true;
  }
  const flatName = `${group}.${field}`;
  const flat = behaviour[flatName];
  if (typeof flat === "number" && flat > 0) {
    behaviour[flatName] = flat - 1;
    return true;
  }
  return false;
}

/**
 * Decides what one `alarm()` call does after logging and takes its units off the counts. Both
 * counts are consumed when the call starts, so a call that throws or hangs still used its unit.
 * @param {Record<string, unknown>} behaviour changed in place
 * @returns {AlarmPlan}
 */
function takeAlarmPlan(behaviour) {
  const mustThrow = takeCount(behaviour, "alarm", "throwCount");
  const reschedules = takeCount(behaviour, "alarm", "rescheduleCount");
  const writeKey = behaviourField(behaviour, "alarm", "writeKey");
  return {
    mustThrow,
    writeKey: typeof writeKey === "string" ? writeKey : null,
    rescheduleDelayMs: reschedules ? behaviourMs(behaviour, "alarm", "rescheduleDelayMs") : null,
    hangMs: behaviourMs(behaviour, "alarm", "hangMs"),
  };
}

/**
 * Decides what one message handler does after logging and takes its unit off
 * `webSocketMessage.throwCount`.
 * @param {Record<string, unknown>} behaviour changed in place
 * @returns {WebSocketMessagePlan}
 */
function takeWebSocketMessagePlan(behaviour) {
  const mustThrow = takeCount(behaviour, "webSocketMessage", "throwCount");
  const reply = behaviourField(behaviour, "webSocketMessage", "reply") === "none" ? "none" : "echo";
  return { mustThrow, hangMs: behaviourMs(behaviour, "webSocketMessage", "hangMs"), reply };
}

/**
 * How a close handler replies; nothing is consumed.
 * @param {Record<string, unknown>} behaviour
 * @returns {WebSocketClosePlan}
 */
function webSocketClosePlan(behaviour) {
  const reply = behaviourField(behaviour, "webSocketClose", "reply");
  const code = behaviourField(behaviour, "webSocketClose", "code");
  const reason = behaviourField(behaviour, "webSocketClose", "reason");
  return {
    reply: reply === "echo" || reply === "fixed" ? reply : "none",
    // Passed to close() as given when a number or string; anything else is "absent".
    code: typeof code === "number" ? code : undefined,
    reason: typeof reason === "string" ? reason : undefined,
  };
}

/**
 * One instance per probed object ("<class>/<name>"): its event log and its behaviour document,
 * both in durable storage. Reached over fetch only, so it works with RPC off.
 */
export class ProbeLog extends DurableObject {
  /** The highest seq stored; loaded before the first request so appends never read storage. */
  #lastSeq = 0;

  /**
   * @param {DurableObjectState} ctx
   * @param {ProbeEnv} env
   */
  constructor(ctx, env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.#lastSeq = Number((await ctx.storage.get("lastSeq")) ?? 0);
    });
  }

  /** @param {Request} request */
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/append" && request.method === "POST") return this.#append(request);
    if (url.pathname === "/log" && request.method === "GET") return this.#read(url);
    if (url.pathname === "/behaviour" && request.method === "GET") {
      return jsonResponse(await this.#behaviour());
    }
    if (url.pathname === "/behaviour" && request.method === "PUT") {
      const document = JSON.parse(await request.text());
      await this.ctx.storage.put("behaviour", document);
      return jsonResponse(document);
    }
    return jsonError(`probe log: no such route ${request.method} ${url.pathname}`, 404);
  }

  async #behaviour() {
    const stored = await this.ctx.storage.get("behaviour");
    return isPlainObject(stored) ? stored : {};
  }

  /** @param {Request} request */
  async #append(request) {
    const { record, consume } = await request.json();
    // The seq is taken synchronously, before any await, so concurrent appends never share one.
    const seq = ++this.#lastSeq;
    this.ctx.storage.put({ lastSeq: seq, [logKey(seq)]: { seq, ...record } });

    /** @type {AppendResult} */
    const result = {
      seq,
      fetchMustThrow: false,
      alarmPlan: null,
      webSocketMessagePlan: null,
      webSocketClosePlan: null,
    };
    if (consume !== null && consume !== undefined) {
      const behaviour = await this.#behaviour();
      const before = JSON.stringify(behaviour);
      if (consume === "fetch") result.fetchMustThrow = takeCount(behaviour, "fetch", "throwCount");
      else if (consume === "alarm") result.alarmPlan = takeAlarmPlan(behaviour);
      else if (consume === "webSocketMessage") {
        result.webSocketMessagePlan = takeWebSocketMessagePlan(behaviour);
      } else if (consume === "webSocketClose") {
        result.webSocketClosePlan = webSocketClosePlan(behaviour);
      }
      if (JSON.stringify(behaviour) !== before) await this.ctx.storage.put("behaviour", behaviour);
    }
    // The output gate holds this answer until the writes above are durable.
    return jsonResponse(result);
  }

  /** @param {URL} url */
  async #read(url) {
    const afterText = url.searchParams.get("after");
    const after = afterText === null ? 0 : Number(afterText);
    if (!Number.isInteger(after) || after < 0) {
      return jsonError(`log: after must be a non-negative integer, got ${afterText}`, 400);
    }
    const start = logKey(after + 1);
    const stored = await this.ctx.storage.list({ prefix: LOG_KEY_PREFIX, start });
    return jsonResponse({ events: [...stored.values()], last: this.#lastSeq });
  }
}
