-- wrk script of tools/bench/bench.py: one Durable Object fetch per request, through the probe
-- front.
--
--   wrk -s fetch.lua URL -- BASE_PATH OBJECTS MODE RUN_ID
--
-- BASE_PATH is the profile's base path ("" for workerd, "/p/<profile>" for the reference);
-- OBJECTS how many objects the requests spread over (1: all on one object); MODE "hello" (the
-- object's /hello, no storage) or "put" (the action storage.put, one durable write). RUN_ID keeps
-- the objects of one run apart from those of another run against the same data. At the end it
-- prints one JSON line (prefixed "BENCH_JSON ") that bench.py reads.

local basePath, objects, mode, runId
local counter = 0

function init(args)
  basePath = args[1] or ""
  objects = tonumber(args[2] or "1")
  mode = args[3] or "hello"
  runId = args[4] or "bench"
  -- Each wrk thread has its own Lua state: a distinct seed gives each its own object sequence.
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

local function objectPath()
  local index = objects > 1 and math.random(0, objects - 1) or 0
  return basePath .. "/obj/Probe/" .. runId .. "-" .. index
end

function request()
  counter = counter + 1
  local headers = { ["x-probe-protocol"] = "1" }
  if mode == "put" then
    headers["content-type"] = "application/json"
    local body = '{"op":"storage.put","key":"k","value":' .. counter .. '}'
    return wrk.format("POST", objectPath() .. "/action", headers, body)
  end
  return wrk.format("GET", objectPath() .. "/fetch/hello", headers)
end

-- Non-2xx answers (a target that fails under load) must not count as throughput.
function done(summary, latency, requests)
  local errors = summary.errors
  local failed = errors.connect + errors.read + errors.write + errors.timeout + errors.status
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"failed":%d,"non2xx":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, failed, errors.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
