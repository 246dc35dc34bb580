#include "reference/probe/probe_object.h"

#include <boost/url/parse.hpp>
#include <limits>

#include "reference/runtime/object_host.h"

namespace doc::ref {

namespace {

HttpResponse textResponse(int status, std::string body) {
  return HttpResponse{status, {{"content-type", "text/plain;charset=UTF-8"}}, std::move(body)};
}

HttpResponse jsonResponse(const Json& body) {
  return HttpResponse{200, {{"content-type", "application/json"}}, body.dump()};
}

// The errors /throw can make: the names JavaScript code would throw.
JsError errorNamed(const std::string& name, const std::string& message) {
  static const std::set<std::string> known = {"Error", "TypeError", "RangeError"};
  return JsError(known.contains(name) ? name : "Error", message);
}

std::optional<std::string> optionalString(const Json& object, const char* key) {
  if (!object.contains(key) || object[key].is_null()) {
    return std::nullopt;
  }
  return object[key].get<std::string>();
}

Json describeEnv(const Env& env) {
  Json bindings = Json::object();
  for (const auto& [name, binding] : env.bindings) {
    if (std::holds_alternative<std::string>(binding)) {
      bindings[name] = {{"type", "string"}, {"value", std::get<std::string>(binding)}};
    } else {
      bindings[name] = {{"type", "namespace"}};
    }
  }
  return bindings;
}

}  // namespace

MinimalProbeObject::MinimalProbeObject(DurableObjectState& ctx, Env& env, ProbeContext probe)
    : DurableObject(ctx, env), probe_(std::move(probe)) {
  record({{"event", "constructor"}});
}

void MinimalProbeObject::record(nlohmann::json event) {
  probe_.journal.append(probe_.journalKey, probe_.clock.nowMs(), std::move(event));
}

Task<HttpResponse> MinimalProbeObject::fetch(HttpRequest request) {
  const auto url = boost::urls::parse_absolute_uri(request.url);
  if (!url) {
    throw JsError("TypeError", "Invalid URL: " + request.url);
  }
  const std::string path = url->path();
  std::string pathAndQuery = path;
  if (url->has_query()) {
    pathAndQuery += "?" + std::string(url->encoded_query());
  }

  if (path == "/__probe/action") {
    const Json action = Json::parse(request.body, nullptr, false);
    const std::string op = action.is_object() ? action.value("op", std::string()) : "";
    record({{"event", "fetch"}, {"method", request.method}, {"path", pathAndQuery}, {"op", op}});
    try {
      co_return jsonResponse({{"ok", true}, {"result", performAction(action)}});
    } catch (const JsError& error) {
      co_return jsonResponse({{"ok", false}, {"error", error.toJson()}});
    } catch (const Json::exception& error) {
      // An argument of the wrong type: what JavaScript code would meet as a TypeError.
      const JsError typeError(
          "TypeError", "bad arguments for action \"" + op + "\": " + std::string(error.what()));
      co_return jsonResponse({{"ok", false}, {"error", typeError.toJson()}});
    }
  }

  record({{"event", "fetch"}, {"method", request.method}, {"path", pathAndQuery}});
  if (probe_.journal.consumeCount(probe_.journalKey, Json::json_pointer("/fetch/throwCount"))) {
    throw JsError("Error", "probe: configured fetch failure");
  }

  if (path == "/hello") {
    co_return textResponse(200, "Hello, World!");
  }
  if (path == "/echo") {
    co_return jsonResponse({{"method", request.method},
                            {"url", request.url},
                            {"headers", request.headers},
                            {"body", request.body}});
  }
  if (path.starts_with("/status/")) {
    const int status = std::atoi(path.substr(8).c_str());
    if (status >= 200 && status <= 599) {
      co_return textResponse(status, "status " + std::to_string(status));
    }
  }
  if (path == "/throw") {
    const auto params = url->params();
    const auto name = params.find("name");
    const auto message = params.find("message");
    throw errorNamed(name != params.end() ? std::string((*name).value) : "Error",
                     message != params.end() ? std::string((*message).value) : "probe: thrown");
  }
  co_return textResponse(404, "Not found");
}

Json MinimalProbeObject::performAction(const Json& action) {
  if (!action.is_object() || !action.contains("op") || !action["op"].is_string()) {
    throw JsError("TypeError", "an action needs a string \"op\"");
  }
  const std::string op = action["op"];
  auto& storage = ctx.storage();

  if (op == "now") {
    return ctx.now();
  }
  if (op == "alarm.set") {
    const double time = action.contains("delayMs") ? ctx.now() + action["delayMs"].get<double>()
                                                   : action.value("scheduledTime", 0.0);
    storage.setAlarm(time);
    return {{"alarm", storage.getAlarm() ? Json(*storage.getAlarm()) : Json()}};
  }
  if (op == "alarm.get") {
    const auto alarm = storage.getAlarm();
    return alarm ? Json(*alarm) : Json();
  }
  if (op == "alarm.delete") {
    storage.deleteAlarm();
    return nullptr;
  }
  if (op == "id") {
    return {{"id", ctx.id().toString()}, {"name", ctx.id().name()}};
  }
  if (op == "env") {
    return describeEnv(env);
  }
  if (op == "storage.put") {
    storage.put(action.at("key").get<std::string>(), action.value("value", Json()));
    return nullptr;
  }
  if (op == "storage.get") {
    const auto value = storage.get(action.at("key").get<std::string>());
    return {{"found", value.has_value()}, {"value", value.value_or(nullptr)}};
  }
  if (op == "storage.delete") {
    return storage.deleteKey(action.at("key").get<std::string>());
  }
  if (op == "storage.deleteAll") {
    storage.deleteAll();
    return nullptr;
  }
  if (op == "storage.list") {
    DurableObjectStorage::ListOptions options;
    options.start = optionalString(action, "start");
    options.end = optionalString(action, "end");
    options.prefix = optionalString(action, "prefix");
    if (action.contains("limit")) {
      // JavaScript numbers: a fraction or a huge value must not wrap around an int.
      const double limit = action["limit"].get<double>();
      if (!(limit >= 1)) {
        throw JsError("TypeError", "List limit must be positive.");
      }
      options.limit = int(std::min(limit, double(std::numeric_limits<int>::max())));
    }
    options.reverse = action.value("reverse", false);
    Json entries = Json::array();
    for (auto& [key, value] : storage.list(options)) {
      entries.push_back({key, value});
    }
    return entries;
  }
  throw JsError("TypeError", "unknown probe action \"" + op + "\"");
}

Task<void> ProbeObject::alarm(AlarmInvocationInfo alarmInfo) {
  auto& storage = ctx.storage();
  const auto alarmNow = storage.getAlarm();
  record({{"event", "alarm"},
          {"alarmInfo",
           {{"retryCount", alarmInfo.retryCount},
            {"isRetry", alarmInfo.isRetry},
            {"scheduledTime", alarmInfo.scheduledTime}}},
          {"getAlarm", alarmNow ? Json(*alarmNow) : Json()}});

  // The order of specs/probe-protocol.md, "behaviour": counts, write, reschedule, hang, throw.
  const std::string& key = probe_.journalKey;
  const bool shouldThrow =
      probe_.journal.consumeCount(key, Json::json_pointer("/alarm/throwCount"));
  const bool shouldReschedule =
      probe_.journal.consumeCount(key, Json::json_pointer("/alarm/rescheduleCount"));
  const Json behaviour = probe_.journal.behaviour(key).value("alarm", Json::object());

  if (behaviour.contains("writeKey")) {
    const std::string writeKey = behaviour["writeKey"].get<std::string>();
    storage.put(writeKey, storage.get(writeKey).value_or(0).get<long long>() + 1);
  }
  if (shouldReschedule) {
    storage.setAlarm(ctx.now() + behaviour.value("rescheduleDelayMs", 0.0));
  }
  if (behaviour.value("hangMs", 0.0) > 0) {
    co_await ctx.sleep(behaviour["hangMs"].get<double>());
  }
  if (shouldThrow) {
    throw JsError("Error", "probe: configured alarm failure");
  }
}

const std::map<std::string, DurableObject::RpcMethod>& ProbeObject::rpcMethods() const {
  static const std::map<std::string, RpcMethod> methods = {
      {"hello",
       [](DurableObject& self, const Json& args) -> Task<Json> {
         auto& probe = static_cast<ProbeObject&>(self);
         probe.record({{"event", "rpc"}, {"method", "hello"}, {"args", args}});
         co_return "Hello, " + args.at(0).get<std::string>() + "!";
       }},
      {"add",
       [](DurableObject& self, const Json& args) -> Task<Json> {
         auto& probe = static_cast<ProbeObject&>(self);
         probe.record({{"event", "rpc"}, {"method", "add"}, {"args", args}});
         co_return args.at(0).get<double>() + args.at(1).get<double>();
       }},
      {"fail",
       [](DurableObject& self, const Json& args) -> Task<Json> {
         auto& probe = static_cast<ProbeObject&>(self);
         probe.record({{"event", "rpc"}, {"method", "fail"}, {"args", args}});
         throw JsError("Error", args.empty() ? "" : args.at(0).get<std::string>());
         co_return nullptr;
       }},
      {"increment",
       [](DurableObject& self, const Json& args) -> Task<Json> {
         auto& probe = static_cast<ProbeObject&>(self);
         probe.record({{"event", "rpc"}, {"method", "increment"}, {"args", args}});
         auto& storage = probe.ctx.storage();
         // A JavaScript number: double arithmetic, as `counter + 1` would do.
         const double next = storage.get("rpc-counter").value_or(0).get<double>() + 1;
         storage.put("rpc-counter", next);
         co_return next;
       }},
  };
  return methods;
}

}  // namespace doc::ref
