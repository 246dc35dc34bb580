#include "reference/probe/probe_front.h"

#include <boost/url/parse.hpp>

#include "reference/probe/probe_worker.h"

namespace doc::ref {

namespace {

HttpResponse json(int status, const Json& body) {
  return HttpResponse{status, {{"content-type", "application/json"}}, body.dump()};
}

HttpResponse problem(int status, const std::string& message) {
  return json(status, {{"error", message}});
}

// Headers the front does not pass on to an object: hop-by-hop ones, and the protocol's own.
bool isFrontOnlyHeader(const std::string& name) {
  static const std::set<std::string> hopByHop = {
      "connection", "keep-alive", "transfer-encoding", "upgrade", "te",
      "trailer",    "host",       "content-length"};
  return name.starts_with("x-probe-") || hopByHop.contains(name);
}

Json responseToJson(const HttpResponse& response) {
  return {{"status", response.status}, {"headers", response.headers}, {"body", response.body}};
}

}  // namespace

ProbeFront::ProbeFront(std::map<std::string, Worker*> workersByProfile, ProbeJournal& journal,
                       RuntimeDescription runtime, LogSink log)
    : workers_(std::move(workersByProfile)),
      journal_(journal),
      runtime_(std::move(runtime)),
      log_(std::move(log)) {}

Json ProbeFront::info() const {
  Json profiles = Json::array();
  for (const auto& [name, worker] : workers_) {
    const CompatProfile profile = CompatProfile::parseName(name);
    profiles.push_back({{"name", name},
                        {"compatibilityDate", profile.date.iso},
                        {"compatibilityFlags", profile.flags},
                        {"baseUrl", publicOrigin_ + "/p/" + name}});
  }
  return {
      {"runtime", {{"name", runtime_.name}, {"version", runtime_.version}}},
      {"protocol", {{"versions", kProbeProtocolVersions}}},
      {"clock", {{"scale", runtime_.clockScale}}},
      {"profiles", profiles},
      {"capabilities",
       {{"fetch", true},
        {"rpc", true},
        {"storage", true},
        {"env", true},
        {"alarms", true},
        {"websockets", true},
        {"eviction", true}}},
  };
}

Task<HttpResponse> ProbeFront::handle(HttpRequest request) {
  const auto target = boost::urls::parse_origin_form(request.url);
  if (!target) {
    co_return problem(400, "malformed request target: " + request.url);
  }
  std::vector<std::string> segments;
  for (const auto& segment : target->segments()) {
    segments.emplace_back(segment);  // Percent-decoded: object names may contain '/'.
  }
  const std::string query = target->has_query() ? std::string(target->encoded_query()) : "";

  // /info, and /p/<profile>/info: every front answers the same document.
  if ((segments.size() == 1 && segments[0] == "info") ||
      (segments.size() == 3 && segments[0] == "p" && segments[2] == "info")) {
    co_return json(200, info());
  }

  const auto version = request.headers.find("x-probe-protocol");
  if (version == request.headers.end() || version->second != "1") {
    co_return problem(400, (version == request.headers.end()
                                ? std::string("no x-probe-protocol header")
                                : "unsupported probe protocol version " + version->second) +
                               "; this target speaks [1]");
  }

  // /p/<profile>/obj/<class>/<name>/<route>[/<rest>...]
  if (segments.size() < 6 || segments[0] != "p" || segments[2] != "obj") {
    co_return problem(404, "no such probe route: " + std::string(target->path()));
  }
  const auto worker = workers_.find(segments[1]);
  if (worker == workers_.end()) {
    co_return problem(404, "profile \"" + segments[1] + "\" is not served by this target");
  }
  // The object sees its path as the caller wrote it: still percent-encoded.
  std::string rest;
  size_t index = 0;
  for (const auto& segment : target->encoded_segments()) {
    if (index++ >= 6) {
      rest += "/" + std::string(segment);
    }
  }
  co_return co_await handleObjectRoute(*worker->second, segments[3], segments[4], segments[5], rest,
                                       query, std::move(request));
}

Task<HttpResponse> ProbeFront::handleObjectRoute(Worker& worker, const std::string& className,
                                                 const std::string& objectName,
                                                 const std::string& route, const std::string& rest,
                                                 const std::string& query, HttpRequest request) {
  DurableObjectNamespace* ns = worker.findNamespace(className);
  if (ns == nullptr) {
    co_return problem(404, "no probe class \"" + className + "\"");
  }
  const std::string journalKey = probeJournalKey(worker.profileName(), className, objectName);

  // The journal routes never touch the object.
  if (route == "log") {
    long long since = 0;
    // Named: the parsed view points into this string, which must outlive it.
    const std::string queryTarget = "/?" + query;
    const auto target = boost::urls::parse_origin_form(queryTarget);
    if (target) {
      const auto found = target->params().find("after");
      if (found != target->params().end()) {
        since = std::atoll(std::string((*found).value).c_str());
      }
    }
    Json events = journal_.readSince(journalKey, since);
    const long long last = events.empty() ? since : events.back()["seq"].get<long long>();
    co_return json(200, {{"events", std::move(events)}, {"last", last}});
  }
  if (route == "behaviour") {
    if (request.method == "PUT") {
      const Json document = Json::parse(request.body, nullptr, false);
      if (!document.is_object()) {
        co_return problem(400, "a behaviour document must be a JSON object");
      }
      journal_.setBehaviour(journalKey, document);
    }
    co_return json(200, journal_.behaviour(journalKey));
  }

  const DurableObjectId id = ns->idFromName(objectName);
  if (route == "evict") {
    if (request.method != "POST") {
      co_return problem(405, "route \"evict\" takes POST");
    }
    // Never constructs the object: an object not in memory is already evicted.
    co_await ns->slot(id).evict();
    co_return json(200, {{"ok", true}});
  }

  DurableObjectStub stub = ns->get(id);
  const std::string objectUrl = "https://probe.invalid";

  if (route == "ws") {
    if (request.method != "GET") {
      co_return problem(405, "route \"ws\" takes GET");
    }
    // The upgrade is the object's own: its headers go through, and its 101 comes back as is.
    HttpRequest forwarded{"GET", objectUrl + "/__probe/ws", {}, ""};
    if (!query.empty()) {
      forwarded.url += "?" + query;
    }
    for (const auto& [name, value] : request.headers) {
      if (!name.starts_with("x-probe-") && name != "host" && name != "content-length") {
        forwarded.headers[name] = value;
      }
    }
    try {
      co_return co_await stub.fetch(std::move(forwarded));
    } catch (const JsError& error) {
      log_(LogLevel::kWarning, "uncaught exception from " + className + " \"" + objectName +
                                   "\" WebSocket upgrade in profile " + worker.profileName() +
                                   ": " + error.what() + "; answering 500");
      co_return HttpResponse{500, {{"connection", "close"}}, "Internal Server Error"};
    }
  }

  if (route == "fetch") {
    HttpRequest forwarded{
        request.method, objectUrl + (rest.empty() ? "/" : rest), {}, request.body};
    if (!query.empty()) {
      forwarded.url += "?" + query;
    }
    for (const auto& [name, value] : request.headers) {
      if (!isFrontOnlyHeader(name)) {
        forwarded.headers[name] = value;
      }
    }
    try {
      co_return co_await stub.fetch(std::move(forwarded));
    } catch (const JsError& error) {
      // Uncaught in the front: what a Worker's runtime answers for an uncaught exception.
      log_(LogLevel::kWarning, "uncaught exception from " + className + " \"" + objectName +
                                   "\" fetch in profile " + worker.profileName() + ": " +
                                   error.what() + "; answering 500");
      co_return HttpResponse{500, {{"connection", "close"}}, "Internal Server Error"};
    }
  }

  if (request.method != "POST") {
    co_return problem(405, "route \"" + route + "\" takes POST");
  }
  const Json body = Json::parse(request.body, nullptr, false);
  if (!body.is_object()) {
    co_return problem(400, "the body of \"" + route + "\" must be a JSON object");
  }

  try {
    if (route == "call-fetch") {
      const std::string path = body.value("path", std::string("/"));
      HttpRequest call{body.value("method", std::string("GET")),
                       body.value("relativeUrl", false) ? path : objectUrl + path,
                       body.value("headers", Headers{}), body.value("body", std::string())};
      // Awaited first: GCC 12 cannot keep an initializer list alive across a co_await.
      const HttpResponse response = co_await stub.fetch(std::move(call));
      co_return json(200, {{"ok", true}, {"response", responseToJson(response)}});
    }
    if (route == "rpc") {
      std::string method = body.value("method", std::string());
      Json args = body.value("args", Json::array());
      Json result = co_await stub.call(std::move(method), std::move(args));
      co_return json(200, {{"ok", true}, {"result", std::move(result)}});
    }
    if (route == "action") {
      HttpRequest call{"POST",
                       objectUrl + "/__probe/action",
                       {{"content-type", "application/json"}},
                       request.body};
      const HttpResponse response = co_await stub.fetch(std::move(call));
      co_return HttpResponse{
          response.status, {{"content-type", "application/json"}}, response.body};
    }
  } catch (const JsError& error) {
    co_return json(200, {{"ok", false}, {"error", error.toJson()}});
  } catch (const Json::exception& error) {
    co_return problem(400, "a field of the \"" + route +
                               "\" body has the wrong type: " + std::string(error.what()));
  }
  co_return problem(404, "no such object route: " + route);
}

}  // namespace doc::ref
