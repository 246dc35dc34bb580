#include "reference/probe/probe_front.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>

#include "reference/probe/probe_worker.h"
#include "reference/runtime/io_test_support.h"

namespace doc::ref {
namespace {

using namespace std::chrono_literals;

using test_io::kDeadline;
using test_io::runTask;
constexpr double kFastScale = 0.001;
constexpr const char* kPlain = "2024-04-03";
constexpr const char* kWithFlags = "2024-04-03+no_rpc";

// The probe as main.cpp wires it, for two profiles, over an in-memory store. Profile kPlain has
// rpc and requires full URLs; kWithFlags has neither.
struct ProbeSetup {
  ProbeSetup()
      : journal(store), alarms(store), runtime{store,          alarms,        journal,
                                               clock,          AlarmPolicy{}, io.get_executor(),
                                               silentLogSink()} {
    FlagSet plainFlags;
    plainFlags.set("rpc");
    plainFlags.set("durable_object_fetch_requires_full_url");
    workers.push_back(makeProbeWorker(kPlain, plainFlags, runtime));
    workers.push_back(makeProbeWorker(kWithFlags, FlagSet{}, runtime));
    front = std::make_unique<ProbeFront>(
        std::map<std::string, Worker*>{{kPlain, workers[0].get()}, {kWithFlags, workers[1].get()}},
        journal, RuntimeDescription{"do-reference", "9.9.9", kFastScale}, silentLogSink());
    front->setPublicOrigin("http://127.0.0.1:8787");
  }

  HttpResponse send(const std::string& method, const std::string& target,
                    const std::string& body = "", Headers headers = {{"x-probe-protocol", "1"}}) {
    return runTask(io, front->handle(HttpRequest{method, target, std::move(headers), body}));
  }
  Json sendJson(const std::string& method, const std::string& target,
                const std::string& body = "") {
    const HttpResponse response = send(method, target, body);
    EXPECT_EQ(response.headers.at("content-type"), "application/json") << target;
    return Json::parse(response.body);
  }
  Json events(const std::string& objectPath) {
    return journal.readSince(std::string(kPlain) + "/" + objectPath, 0);
  }

  boost::asio::io_context io;
  ObjectStore store{":memory:"};
  ProbeJournal journal;
  AlarmStore alarms;
  ScaledClock clock{kFastScale};
  ProbeRuntime runtime;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<ProbeFront> front;
};

std::vector<std::string> eventNames(const Json& events) {
  std::vector<std::string> names;
  for (const auto& event : events) {
    names.push_back(event.at("event"));
  }
  return names;
}

TEST(ProbeFront, InfoDescribesTheRuntimeProtocolClockProfilesAndCapabilities) {
  ProbeSetup probe;
  // /info works without the protocol header, so that the version can be negotiated.
  const HttpResponse response = probe.send("GET", "/info", "", {});
  ASSERT_EQ(response.status, 200);
  const Json info = Json::parse(response.body);

  EXPECT_EQ(info["runtime"], (Json{{"name", "do-reference"}, {"version", "9.9.9"}}));
  EXPECT_EQ(info["protocol"]["versions"], Json::array({1}));
  EXPECT_DOUBLE_EQ(info["clock"]["scale"].get<double>(), kFastScale);
  ASSERT_EQ(info["profiles"].size(), 2u);
  EXPECT_EQ(info["profiles"][0], (Json{{"name", kPlain},
                                       {"compatibilityDate", "2024-04-03"},
                                       {"compatibilityFlags", Json::array()},
                                       {"baseUrl", "http://127.0.0.1:8787/p/2024-04-03"}}));
  EXPECT_EQ(info["profiles"][1]["compatibilityFlags"], Json::array({"no_rpc"}));
  EXPECT_EQ(info["profiles"][1]["baseUrl"], "http://127.0.0.1:8787/p/2024-04-03+no_rpc");
  for (const char* capability :
       {"fetch", "rpc", "storage", "env", "alarms", "websockets", "eviction"}) {
    EXPECT_TRUE(info["capabilities"][capability].is_boolean()) << capability;
  }
}

TEST(ProbeFront, EveryProfilesFrontAnswersInfoWithTheSameDocument) {
  ProbeSetup probe;
  EXPECT_EQ(probe.send("GET", "/p/2024-04-03/info").body, probe.send("GET", "/info").body);
}

TEST(ProbeFront, ReadingTheLogAndTheBehaviourNeverConstructsTheObject) {
  ProbeSetup probe;
  const Json log = probe.sendJson("GET", "/p/2024-04-03/obj/Probe/a/log");
  EXPECT_EQ(log, (Json{{"events", Json::array()}, {"last", 0}}));
  EXPECT_EQ(probe.sendJson("GET", "/p/2024-04-03/obj/Probe/a/behaviour"), Json::object());
  const Json stored = probe.sendJson("PUT", "/p/2024-04-03/obj/Probe/a/behaviour",
                                     R"({"fetch": {"throwCount": 0}})");
  EXPECT_EQ(stored, (Json{{"fetch", {{"throwCount", 0}}}}));
  probe.sendJson("GET", "/p/2024-04-03/obj/Probe/a/log?after=0");

  EXPECT_TRUE(probe.events("Probe/a").empty());

  // The first real event constructs it, and the log shows both.
  EXPECT_EQ(probe.send("GET", "/p/2024-04-03/obj/Probe/a/fetch/hello").body, "Hello, World!");
  EXPECT_EQ(eventNames(probe.events("Probe/a")),
            (std::vector<std::string>{"constructor", "fetch"}));
}

// BUG: probe_front.cpp parses `after` with parse_origin_form("/?" + query), a url_view of a
// temporary string that is gone when params() reads it, so `after` is read from freed memory and
// usually comes out as 0 (every event). Fix: keep "/?" + query in a named local (or parse the
// query with boost::urls::parse_query(query)) before reading params().
TEST(ProbeFront, TheLogAnswersOnlyEventsAfterTheGivenSeq) {
  ProbeSetup probe;
  probe.send("GET", "/p/2024-04-03/obj/Probe/a/fetch/hello");
  probe.send("GET", "/p/2024-04-03/obj/Probe/a/fetch/echo");

  const Json log = probe.sendJson("GET", "/p/2024-04-03/obj/Probe/a/log?after=2");
  ASSERT_EQ(log["events"].size(), 1u);
  EXPECT_EQ(log["events"][0]["seq"], 3);
  EXPECT_EQ(log["events"][0]["path"], "/echo");
  EXPECT_EQ(log["last"], 3);
}

TEST(ProbeFront, AnUnsupportedProtocolVersionIs400) {
  ProbeSetup probe;
  const HttpResponse response =
      probe.send("GET", "/p/2024-04-03/obj/Probe/a/log", "", {{"x-probe-protocol", "2"}});

  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(Json::parse(response.body),
            (Json{{"error", "unsupported probe protocol version 2; this target speaks [1]"}}));
}

TEST(ProbeFront, ARequestWithoutTheProtocolHeaderIs400) {
  ProbeSetup probe;
  const HttpResponse response = probe.send("GET", "/p/2024-04-03/obj/Probe/a/log", "", {});

  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(Json::parse(response.body),
            (Json{{"error", "no x-probe-protocol header; this target speaks [1]"}}));
}

TEST(ProbeFront, AnUnknownProfileIs404WithAJsonError) {
  ProbeSetup probe;
  const HttpResponse response = probe.send("GET", "/p/1999-01-01/obj/Probe/a/fetch/hello");

  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.headers.at("content-type"), "application/json");
  EXPECT_EQ(Json::parse(response.body),
            (Json{{"error", "profile \"1999-01-01\" is not served by this target"}}));
}

TEST(ProbeFront, AnUnknownClassOrRouteIs404) {
  ProbeSetup probe;
  EXPECT_EQ(probe.send("GET", "/p/2024-04-03/obj/Nope/a/fetch/hello").status, 404);
  EXPECT_EQ(probe.send("GET", "/p/2024-04-03/nothing/here/at/all/x").status, 404);
  EXPECT_EQ(probe.send("POST", "/p/2024-04-03/obj/Probe/a/nope", "{}").status, 404);
}

TEST(ProbeFront, AnErrorUncaughtInTheObjectsFetchIs500) {
  ProbeSetup probe;
  const HttpResponse response =
      probe.send("GET", "/p/2024-04-03/obj/Probe/a/fetch/throw?name=TypeError&message=no");
  EXPECT_EQ(response.status, 500);
}

TEST(ProbeFront, CallFetchWithARelativeUrlFailsOnlyWhereFullUrlsAreRequired) {
  ProbeSetup probe;
  const std::string body = R"({"path": "/hello", "relativeUrl": true})";

  const Json strict = probe.sendJson("POST", "/p/2024-04-03/obj/Probe/a/call-fetch", body);
  EXPECT_EQ(strict["ok"], false);
  EXPECT_EQ(strict["error"]["name"], "TypeError");

  const Json lenient = probe.sendJson("POST", "/p/2024-04-03+no_rpc/obj/Probe/a/call-fetch", body);
  EXPECT_EQ(lenient["ok"], true);
  EXPECT_EQ(lenient["response"]["body"], "Hello, World!");
}

TEST(ProbeFront, RpcWorksOnlyInAProfileWithTheRpcFlag) {
  ProbeSetup probe;
  const std::string body = R"({"method": "hello", "args": ["world"]})";

  EXPECT_EQ(probe.sendJson("POST", "/p/2024-04-03/obj/Probe/a/rpc", body),
            (Json{{"ok", true}, {"result", "Hello, world!"}}));
  const Json off = probe.sendJson("POST", "/p/2024-04-03+no_rpc/obj/Probe/a/rpc", body);
  EXPECT_EQ(off["ok"], false);
  EXPECT_EQ(off["error"]["name"], "TypeError");
}

TEST(ProbeFront, AnActionRunsInsideTheObjectAndIsLoggedAsAFetch) {
  ProbeSetup probe;
  const Json result = probe.sendJson("POST", "/p/2024-04-03/obj/Probe/a/action", R"({"op": "id"})");

  EXPECT_EQ(result["ok"], true);
  EXPECT_EQ(result["result"]["name"], "a");
  EXPECT_EQ(result["result"]["id"].get<std::string>().size(), 64u);
  const Json events = probe.events("Probe/a");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]["path"], "/__probe/action");
  EXPECT_EQ(events[1]["op"], "id");
}

TEST(ProbeFront, ProfilesKeepSeparateObjectsUnderTheSameName) {
  ProbeSetup probe;
  const std::string put = R"({"op": "storage.put", "key": "k", "value": 1})";
  const std::string get = R"({"op": "storage.get", "key": "k"})";
  probe.sendJson("POST", "/p/2024-04-03/obj/Probe/a/action", put);

  EXPECT_EQ(probe.sendJson("POST", "/p/2024-04-03/obj/Probe/a/action", get)["result"]["found"],
            true);
  EXPECT_EQ(
      probe.sendJson("POST", "/p/2024-04-03+no_rpc/obj/Probe/a/action", get)["result"]["found"],
      false);
}

// The headers of a WebSocket upgrade, as the harness sends them.
Headers upgradeHeaders() {
  return {{"x-probe-protocol", "1"},
          {"upgrade", "websocket"},
          {"connection", "Upgrade"},
          {"sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="},
          {"sec-websocket-version", "13"}};
}

TEST(ProbeFront, InfoDeclaresWebSocketsAndEviction) {
  ProbeSetup probe;
  const Json info = Json::parse(probe.send("GET", "/info", "", {}).body);
  EXPECT_EQ(info["capabilities"]["websockets"], true);
  EXPECT_EQ(info["capabilities"]["eviction"], true);
}

TEST(ProbeFront, TheWsRouteUpgradesWithTheSocketIdAsTheFirstTagAndDuplicatesKept) {
  ProbeSetup probe;
  const HttpResponse response = probe.send(
      "GET", "/p/2024-04-03/obj/Probe/a/ws?socket=s1&tag=t&tag=t&tag=u", "", upgradeHeaders());
  EXPECT_EQ(response.status, 101);
  EXPECT_TRUE(response.webSocket);

  const Json listed =
      probe.sendJson("POST", "/p/2024-04-03/obj/Probe/a/action", R"({"op": "ws.getWebSockets"})");
  EXPECT_EQ(listed, (Json{{"ok", true}, {"result", {"s1"}}}));
  const Json calls = probe.sendJson(
      "POST", "/p/2024-04-03/obj/Probe/a/action",
      R"({"op": "ws.call", "socket": "s1", "calls": [{"call": "getTags"}, {"call": "readyState"},
          {"call": "accept"}]})");
  EXPECT_EQ(calls["result"][0], (Json{{"ok", true}, {"result", {"s1", "t", "u"}}}));
  EXPECT_EQ(calls["result"][1], (Json{{"ok", true}, {"result", 1}}));
  EXPECT_EQ(calls["result"][2]["error"]["message"],
            "Can't accept() WebSocket after enabling hibernation.");
}

TEST(ProbeFront, TheWsRouteRefusesBadSocketsTagsAndClassesWithoutHandlers) {
  ProbeSetup probe;
  EXPECT_EQ(probe.send("GET", "/p/2024-04-03/obj/ProbeMinimal/a/ws?socket=s1", "", upgradeHeaders())
                .status,
            404);
  EXPECT_EQ(
      probe.send("GET", "/p/2024-04-03/obj/Probe/a/ws?socket=no%20spaces", "", upgradeHeaders())
          .status,
      400);
  std::string tooMany = "/p/2024-04-03/obj/Probe/a/ws?socket=s1";
  for (int i = 0; i < 10; ++i) {
    tooMany += "&tag=t" + std::to_string(i);
  }
  const HttpResponse refused = probe.send("GET", tooMany, "", upgradeHeaders());
  EXPECT_EQ(refused.status, 400);
  EXPECT_FALSE(refused.webSocket);
  EXPECT_EQ(Json::parse(refused.body)["error"]["message"],
            "a Hibernatable WebSocket cannot have more than 10 tags");
}

TEST(ProbeFront, EvictDestroysTheInstanceWithoutConstructingItAndMemoryStartsOver) {
  ProbeSetup probe;
  EXPECT_EQ(probe.sendJson("POST", "/p/2024-04-03/obj/Probe/a/evict", "{}"), (Json{{"ok", true}}));
  EXPECT_TRUE(probe.events("Probe/a").empty());

  probe.sendJson("POST", "/p/2024-04-03/obj/Probe/a/action", R"({"op": "memory.set", "value": 7})");
  EXPECT_EQ(probe.sendJson("POST", "/p/2024-04-03/obj/Probe/a/action", R"({"op": "memory.get"})"),
            (Json{{"ok", true}, {"result", 7}}));
  probe.sendJson("POST", "/p/2024-04-03/obj/Probe/a/evict", "{}");
  EXPECT_EQ(probe.sendJson("POST", "/p/2024-04-03/obj/Probe/a/action", R"({"op": "memory.get"})"),
            (Json{{"ok", true}, {"result", nullptr}}));
  EXPECT_EQ(eventNames(probe.events("Probe/a")),
            (std::vector<std::string>{"constructor", "fetch", "fetch", "constructor", "fetch"}));
}

}  // namespace
}  // namespace doc::ref
