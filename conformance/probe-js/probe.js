// The JavaScript probe: the target side of specs/probe-protocol.md (version 1) for workerd and
// other runtimes that run Workers-style ES modules with Durable Objects.
//
// One module holds three parts:
//   - the front (the default export): a stateless worker that turns the protocol's HTTP routes
//     into calls on the probe objects;
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
 * @property {string[]} compatibilityFlags
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
 * The log object's answer to an append.
 * @typedef {object} AppendResult
 * @property {number} seq
 * @property {boolean} fetchMustThrow only ever true for `consume: "fetch"`
 * @property {AlarmPlan | null} alarmPlan set for `consume: "alarm"` only
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
  if (thrown instanceof Error) {
    const remote = /** @type {{remote?: unknown}} */ (thrown).remote === true;
    return { name: thrown.name, message: thrown.message, remote };
  }
  return { name: typeof thrown, message: String(thrown), remote: false };
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
  if (value instanceof Error) return { type: "error", ...encodeError(value) };
  return { type: "json", value: value === undefined ? null : value };
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

/** @param {ProbeEnv} env */
function infoDocument(env) {
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
      // TODO(conform): no route of version 1 drives WebSockets or eviction yet; the WebSocket
      // handlers already log.
      websockets: false,
      eviction: false,
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
    return jsonResponse(infoDocument(env));
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
  const postRoutes = { "call-fetch": callFetchCaught, rpc: callRpc, action: forwardAction };
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
   * `alarm.rescheduleCount` and answers the alarm's plan. One call, so the event and the
   * decrements become durable together, before the handler does anything else.
   * @param {LogRecord} record must already carry its `ts`
   * @param {"fetch" | "alarm" | null} [consume]
   * @returns {Promise<AppendResult>}
   */
  append(record, consume = null) {
    const appended = this.tail.then(async () => {
      const response = await this.logStub.fetch(`${LOG_ORIGIN}/append`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ record, consume }),
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
 * @param {DurableObjectState} ctx
 * @param {Record<string, unknown>} env
 * @param {ObjectLogWriter} log
 * @returns {Promise<Response>}
 */
async function handleObjectFetch(request, ctx, env, log) {
  const ts = Date.now();
  const url = new URL(request.url);

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
      return jsonResponse({ ok: true, result: await performAction(action, ctx, env) });
    } catch (thrown) {
      return jsonResponse({ ok: false, error: encodeError(thrown) });
    }
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
 * @param {DurableObjectState} ctx
 * @param {Record<string, unknown>} env
 */
async function performAction(body, ctx, env) {
  const action = isPlainObject(body.args) ? { op: body.op, ...body.args } : body;
  const storage = ctx.storage;
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
    default:
      throw new TypeError(`unknown action op: ${JSON.stringify(action.op)}`);
  }
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

// ---------------------------------------------------------------------------------------------
// The probe classes.

/** Every handler of the protocol, each logging before it does anything else. */
export class Probe extends DurableObject {
  /** @type {ObjectLogWriter} */
  #log;

  /**
   * @param {DurableObjectState} ctx
   * @param {ProbeEnv} env
   */
  constructor(ctx, env) {
    super(ctx, env);
    this.#log = new ObjectLogWriter(env, "Probe", ctx.id);
    logConstruction(ctx, this.#log);
  }

  /** @param {Request} request */
  fetch(request) {
    const env = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (this.env));
    return handleObjectFetch(request, this.ctx, env, this.#log);
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
  async webSocketMessage(ws, message) {
    const ts = Date.now();
    const socket = socketTag(this.ctx, ws);
    const typedMessage = await encodeTyped(message);
    await this.#log.append({ ts, event: "webSocketMessage", socket, message: typedMessage });
  }

  /**
   * @param {WebSocket} ws
   * @param {number} code
   * @param {string} reason
   * @param {boolean} wasClean
   */
  async webSocketClose(ws, code, reason, wasClean) {
    const ts = Date.now();
    // Read before the first await: the state the handler was called in is what is logged.
    const readyState = ws.readyState;
    const socket = socketTag(this.ctx, ws);
    const record = { ts, event: "webSocketClose", socket, code, reason, wasClean, readyState };
    await this.#log.append(record);
  }

  /**
   * @param {WebSocket} ws
   * @param {unknown} error
   */
  async webSocketError(ws, error) {
    const ts = Date.now();
    const socket = socketTag(this.ctx, ws);
    const typedError = await encodeTyped(error);
    await this.#log.append({ ts, event: "webSocketError", socket, error: typedError });
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

  /**
   * @param {DurableObjectState} ctx
   * @param {ProbeEnv} env
   */
  constructor(ctx, env) {
    super(ctx, env);
    this.#log = new ObjectLogWriter(env, "ProbeMinimal", ctx.id);
    logConstruction(ctx, this.#log);
  }

  /** @param {Request} request */
  fetch(request) {
    const env = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (this.env));
    return handleObjectFetch(request, this.ctx, env, this.#log);
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
    const result = { seq, fetchMustThrow: false, alarmPlan: null };
    if (consume === "fetch" || consume === "alarm") {
      const behaviour = await this.#behaviour();
      const before = JSON.stringify(behaviour);
      if (consume === "fetch") result.fetchMustThrow = takeCount(behaviour, "fetch", "throwCount");
      else result.alarmPlan = takeAlarmPlan(behaviour);
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
