#include "reference/runtime/object_host.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cstring>
#include <future>
#include <regex>
#include <thread>

#include "reference/runtime/io_test_support.h"

namespace doc::ref {
namespace {

using namespace std::chrono_literals;

using test_io::kDeadline;
using test_io::runTask;
using test_io::runUntil;
// A thousand times faster than real time: a 1 s wait of an object takes 1 ms.
constexpr double kFastScale = 0.001;
// The origin every test request is addressed to; the objects strip it to find the path.
constexpr const char* kOrigin = "https://object.invalid";

HttpRequest get(const std::string& path) {
  return HttpRequest{"GET", kOrigin + path, {}, ""};
}

FlagSet flagsOf(std::initializer_list<const char*> names) {
  FlagSet flags;
  for (const char* name : names) {
    flags.set(name);
  }
  return flags;
}

// What the test objects report back, shared by every instance of one host.
struct Observations {
  std::atomic<int> constructions{0};
  // How many handlers are inside their unsuspended section right now, and the most ever seen.
  std::atomic<int> inside{0};
  std::atomic<int> mostInside{0};
  std::atomic<bool> quickRan{false};

  std::mutex lock;
  std::vector<std::string> events;

  void record(const std::string& event) {
    const std::lock_guard guard(lock);
    events.push_back(event);
  }
  std::vector<std::string> snapshot() {
    const std::lock_guard guard(lock);
    return events;
  }
};

// A class whose fetch paths exercise the host: overlap detection, interleaving at a timer wait,
// errors of both kinds and URL echoing; plus two RPC methods.
class TestObject : public DurableObject {
 public:
  TestObject(DurableObjectState& ctx, Env& env, Observations& seen)
      : DurableObject(ctx, env), seen_(seen) {
    seen_.constructions++;
    seen_.record("constructor");
  }

  Task<HttpResponse> fetch(HttpRequest request) override {
    const std::string path =
        request.url.starts_with(kOrigin) ? request.url.substr(std::strlen(kOrigin)) : "";
    if (path == "/busy") {
      occupyWithoutSuspending();
      co_return HttpResponse{200, {}, "busy"};
    }
    if (path == "/rendezvous") {
      co_return HttpResponse{waitForAnotherObject() ? 200 : 504, {}, ""};
    }
    if (path == "/slow") {
      seen_.record("slow started");
      // Waits on a timer (an open gate) until the quick event has run, with a bound so that a
      // runtime that never lets it in fails the test instead of hanging.
      for (int i = 0; i < 100000 && !seen_.quickRan; ++i) {
        co_await ctx.sleep(1);
      }
      seen_.record("slow ended");
      co_return HttpResponse{200, {}, "slow"};
    }
    if (path == "/quick") {
      seen_.record("quick");
      seen_.quickRan = true;
      co_return HttpResponse{200, {}, "quick"};
    }
    if (path == "/count") {
      const long long next = ctx.storage().get("count").value_or(0).get<long long>() + 1;
      ctx.storage().put("count", next);
      co_return HttpResponse{200, {}, std::to_string(next)};
    }
    if (path == "/throw") {
      throw JsError("RangeError", "out of range");
    }
    if (path == "/throw-cpp") {
      throw std::runtime_error("a plain C++ failure");
    }
    co_return HttpResponse{200, {{"x-url", request.url}}, "hello from " + ctx.id().name()};
  }

  const std::map<std::string, RpcMethod>& rpcMethods() const override {
    static const std::map<std::string, RpcMethod> methods = {
        {"add",
         [](DurableObject&, const Json& args) -> Task<Json> {
           co_return args.at(0).get<double>() + args.at(1).get<double>();
         }},
        {"fail",
         [](DurableObject&, const Json& args) -> Task<Json> {
           throw JsError("Error", args.at(0).get<std::string>());
           co_return nullptr;
         }},
    };
    return methods;
  }

 private:
  // A section with no await in it: if two handlers of one object ever ran on two threads at
  // once, `inside` would reach 2 while both are here.
  void occupyWithoutSuspending() {
    const int now = ++seen_.inside;
    int most = seen_.mostInside.load();
    while (now > most && !seen_.mostInside.compare_exchange_weak(most, now)) {
    }
    // Stay 50 us, long enough that an overlap, if the runtime allowed one, would be seen; a spin,
    // not a yield, so that a busy machine does not stretch 200 of them past the deadline.
    const auto until = std::chrono::steady_clock::now() + 50us;
    while (std::chrono::steady_clock::now() < until) {
    }
    --seen_.inside;
  }

  // Spins (bounded) until a handler of another object is inside too: shows that the meter above
  // sees overlaps when they are allowed.
  bool waitForAnotherObject() {
    const int now = ++seen_.inside;
    int most = seen_.mostInside.load();
    while (now > most && !seen_.mostInside.compare_exchange_weak(most, now)) {
    }
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (seen_.mostInside < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    --seen_.inside;
    return seen_.mostInside >= 2;
  }

  Observations& seen_;
};

// A class that defines no handler at all.
class BareObject : public DurableObject {
 public:
  using DurableObject::DurableObject;
};

// One profile's worker over an in-memory store, with classes "Test" and "Bare".
struct Host {
  explicit Host(FlagSet flags, std::string profile = "2026-01-01")
      : worker(std::move(profile), std::move(flags), store, alarms, AlarmPolicy{}, clock,
               io.get_executor(), silentLogSink()) {
    worker.defineClass("Test", [this](DurableObjectState& ctx, Env& env) {
      return std::make_unique<TestObject>(ctx, env, seen);
    });
    worker.defineClass("Bare", [](DurableObjectState& ctx, Env& env) {
      return std::make_unique<BareObject>(ctx, env);
    });
  }

  DurableObjectNamespace& ns(const std::string& className) {
    return *worker.findNamespace(className);
  }
  DurableObjectStub stub(const std::string& name, const std::string& className = "Test") {
    return ns(className).get(ns(className).idFromName(name));
  }

  Observations seen;
  boost::asio::io_context io;
  ObjectStore store{":memory:"};
  AlarmStore alarms{store};
  ScaledClock clock{kFastScale};
  Worker worker;
};

// Runs `call` and returns the JsError it threw; fails the test when it threw none.
template <class T>
JsError errorOf(boost::asio::io_context& io, Task<T> call) {
  try {
    runTask(io, std::move(call));
  } catch (const JsError& error) {
    return error;
  }
  ADD_FAILURE() << "the call did not throw";
  return JsError("", "");
}

TEST(ObjectHost, IdFromNameIsStableAndSixtyFourLowerCaseHexDigits) {
  Host host(FlagSet{});
  const DurableObjectId first = host.ns("Test").idFromName("alpha");
  const DurableObjectId again = host.ns("Test").idFromName("alpha");

  EXPECT_EQ(first.toString(), again.toString());
  EXPECT_EQ(first.name(), "alpha");
  EXPECT_TRUE(std::regex_match(first.toString(), std::regex("[0-9a-f]{64}"))) << first.toString();
}

TEST(ObjectHost, IdFromNameDiffersByNameByClassAndByProfile) {
  Host host(FlagSet{}, "2026-01-01");
  Host otherProfile(FlagSet{}, "2026-01-01+no_rpc");
  const std::string id = host.ns("Test").idFromName("alpha").toString();

  EXPECT_NE(id, host.ns("Test").idFromName("beta").toString());
  EXPECT_NE(id, host.ns("Bare").idFromName("alpha").toString());
  EXPECT_NE(id, otherProfile.ns("Test").idFromName("alpha").toString());
}

TEST(ObjectHost, AnObjectIsNotConstructedUntilItsFirstEvent) {
  Host host(FlagSet{});
  DurableObjectStub stub = host.stub("lazy");
  EXPECT_EQ(host.seen.constructions, 0);

  runTask(host.io, stub.fetch(get("/hello")));
  EXPECT_EQ(host.seen.constructions, 1);
}

TEST(ObjectHost, AStubsFetchReachesTheInstanceWhichIsConstructedOnce) {
  Host host(FlagSet{});
  DurableObjectStub stub = host.stub("alpha");

  for (int i = 0; i < 3; ++i) {
    const HttpResponse response = runTask(host.io, stub.fetch(get("/hello")));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "hello from alpha");
  }
  // A second stub for the same name reaches the same instance.
  DurableObjectStub again = host.stub("alpha");
  runTask(host.io, again.fetch(get("/hello")));

  EXPECT_EQ(host.seen.constructions, 1);
}

TEST(ObjectHost, AnErrorThrownInFetchReachesTheCallerMarkedRemote) {
  Host host(FlagSet{});
  DurableObjectStub stub = host.stub("alpha");

  const JsError error = errorOf(host.io, stub.fetch(get("/throw")));
  EXPECT_EQ(error.name(), "RangeError");
  EXPECT_EQ(error.message(), "out of range");
  EXPECT_TRUE(error.remote());
}

TEST(ObjectHost, ACppExceptionInAHandlerReachesTheCallerAsARemoteError) {
  Host host(FlagSet{});
  DurableObjectStub stub = host.stub("alpha");

  const JsError error = errorOf(host.io, stub.fetch(get("/throw-cpp")));
  EXPECT_EQ(error.name(), "Error");
  EXPECT_EQ(error.message(), "a plain C++ failure");
  EXPECT_TRUE(error.remote());

  // The object is still usable afterwards.
  EXPECT_EQ(runTask(host.io, stub.fetch(get("/hello"))).status, 200);
}

TEST(ObjectHost, FetchOnAClassWithoutFetchGivesWorkerdsError) {
  Host host(FlagSet{});
  DurableObjectStub stub = host.stub("alpha", "Bare");

  const JsError error = errorOf(host.io, stub.fetch(get("/hello")));
  EXPECT_EQ(error.name(), "Error");
  EXPECT_EQ(error.message(), "Handler does not export a fetch() function.");
  EXPECT_TRUE(error.remote());
}

TEST(ObjectHost, ARelativeUrlIsATypeErrorWhenTheProfileRequiresFullUrls) {
  Host host(flagsOf({"durable_object_fetch_requires_full_url"}));
  DurableObjectStub stub = host.stub("alpha");

  const JsError error = errorOf(host.io, stub.fetch(HttpRequest{"GET", "/hello", {}, ""}));
  EXPECT_EQ(error.name(), "TypeError");
  EXPECT_EQ(error.message(), "Invalid URL: /hello");
  // Thrown by the caller's own stub, never by the object.
  EXPECT_FALSE(error.remote());
  EXPECT_EQ(host.seen.constructions, 0);
}

TEST(ObjectHost, ARelativeUrlIsResolvedAgainstTheFakeHostWhenFullUrlsAreNotRequired) {
  Host host(FlagSet{});
  DurableObjectStub stub = host.stub("alpha");

  const HttpResponse withSlash = runTask(host.io, stub.fetch(HttpRequest{"GET", "/a?b=1", {}, ""}));
  EXPECT_EQ(withSlash.headers.at("x-url"), "http://fake-host/a?b=1");
  const HttpResponse bare = runTask(host.io, stub.fetch(HttpRequest{"GET", "a", {}, ""}));
  EXPECT_EQ(bare.headers.at("x-url"), "http://fake-host/a");
}

TEST(ObjectHost, AnAbsoluteUrlReachesTheObjectUnchangedWhateverTheFlag) {
  Host host(flagsOf({"durable_object_fetch_requires_full_url"}));
  DurableObjectStub stub = host.stub("alpha");

  const HttpResponse response = runTask(host.io, stub.fetch(get("/x?y=z")));
  EXPECT_EQ(response.headers.at("x-url"), std::string(kOrigin) + "/x?y=z");
}

TEST(ObjectHost, AnRpcCallReachesTheObjectWhenTheRpcFlagIsOn) {
  Host host(flagsOf({"rpc"}));
  DurableObjectStub stub = host.stub("alpha");

  EXPECT_EQ(runTask(host.io, stub.call("add", Json::array({2, 3}))), Json(5.0));
  EXPECT_EQ(host.seen.constructions, 1);
}

TEST(ObjectHost, WithoutTheRpcFlagAStubHasNoMethodsAndTheObjectIsNotWoken) {
  Host host(FlagSet{});
  DurableObjectStub stub = host.stub("alpha");

  const JsError error = errorOf(host.io, stub.call("add", Json::array({2, 3})));
  EXPECT_EQ(error.name(), "TypeError");
  EXPECT_EQ(error.message(), "stub.add is not a function");
  EXPECT_FALSE(error.remote());
  EXPECT_EQ(host.seen.constructions, 0);
}

TEST(ObjectHost, HandlerNamesAreReservedAndCannotBeCalledOverRpc) {
  Host host(flagsOf({"rpc"}));
  DurableObjectStub stub = host.stub("alpha");

  for (const char* name : {"fetch", "connect", "alarm", "webSocketMessage", "webSocketClose",
                           "webSocketError", "dup", "constructor"}) {
    const JsError error = errorOf(host.io, stub.call(name, Json::array()));
    EXPECT_EQ(error.name(), "TypeError") << name;
    EXPECT_EQ(error.message(),
              "'" + std::string(name) + "' is a reserved method and cannot be called over RPC.");
  }
  EXPECT_EQ(host.seen.constructions, 0);
}

TEST(ObjectHost, AnUnknownRpcMethodIsATypeErrorFromTheReceiver) {
  Host host(flagsOf({"rpc"}));
  DurableObjectStub stub = host.stub("alpha");

  const JsError error = errorOf(host.io, stub.call("nope", Json::array()));
  EXPECT_EQ(error.name(), "TypeError");
  EXPECT_EQ(error.message(), "The RPC receiver does not implement the method \"nope\".");
  EXPECT_TRUE(error.remote());
}

TEST(ObjectHost, AnErrorThrownByAnRpcMethodReachesTheCallerMarkedRemote) {
  Host host(flagsOf({"rpc"}));
  DurableObjectStub stub = host.stub("alpha");

  const JsError error = errorOf(host.io, stub.call("fail", Json::array({"nope"})));
  EXPECT_EQ(error.name(), "Error");
  EXPECT_EQ(error.message(), "nope");
  EXPECT_TRUE(error.remote());
}

// Runs `host.io` on `threads` threads while `work` runs on this one, then stops them.
void withThreads(Host& host, int threads, const std::function<void()>& work) {
  auto guard = boost::asio::make_work_guard(host.io);
  std::vector<std::thread> runners;
  for (int i = 0; i < threads; ++i) {
    runners.emplace_back([&host] { host.io.run(); });
  }
  work();
  guard.reset();
  host.io.stop();
  for (auto& runner : runners) {
    runner.join();
  }
}

// Waits (bounded) for every future; true when all completed.
bool allReady(std::vector<std::future<HttpResponse>>& futures) {
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  for (auto& future : futures) {
    if (future.wait_until(deadline) != std::future_status::ready) {
      return false;
    }
  }
  return true;
}

TEST(ObjectHost, AnObjectsHandlersNeverRunOnTwoThreadsAtOnce) {
  Host host(FlagSet{});
  DurableObjectStub stub = host.stub("alpha");
  constexpr int kSubmitters = 4;
  constexpr int kFetches = 200;
  std::vector<std::future<HttpResponse>> futures(kFetches);

  bool allDone = false;
  withThreads(host, 4, [&] {
    // Delivered from several threads at once, onto an io_context run by four.
    std::vector<std::thread> submitters;
    for (int t = 0; t < kSubmitters; ++t) {
      submitters.emplace_back([&, t] {
        for (int i = t; i < kFetches; i += kSubmitters) {
          futures[i] =
              boost::asio::co_spawn(host.io, stub.fetch(get("/busy")), boost::asio::use_future);
        }
      });
    }
    for (auto& submitter : submitters) {
      submitter.join();
    }
    allDone = allReady(futures);
  });

  ASSERT_TRUE(allDone);
  for (auto& future : futures) {
    EXPECT_EQ(future.get().status, 200);
  }
  EXPECT_EQ(host.seen.mostInside, 1);
  // The constructor ran once, before every event, though they all arrived at once.
  EXPECT_EQ(host.seen.constructions, 1);
  EXPECT_EQ(host.seen.snapshot().front(), "constructor");
}

TEST(ObjectHost, TwoObjectsMayRunOnTwoThreadsAtOnce) {
  Host host(FlagSet{});
  DurableObjectStub first = host.stub("first");
  DurableObjectStub second = host.stub("second");
  std::vector<std::future<HttpResponse>> futures;
  bool bothDone = false;

  withThreads(host, 2, [&] {
    futures.push_back(
        boost::asio::co_spawn(host.io, first.fetch(get("/rendezvous")), boost::asio::use_future));
    futures.push_back(
        boost::asio::co_spawn(host.io, second.fetch(get("/rendezvous")), boost::asio::use_future));
    bothDone = allReady(futures);
  });

  ASSERT_TRUE(bothDone);
  // Each handler saw the other inside at the same time: the overlap meter works.
  EXPECT_EQ(futures[0].get().status, 200);
  EXPECT_EQ(futures[1].get().status, 200);
  EXPECT_EQ(host.seen.mostInside, 2);
}

TEST(ObjectHost, AnotherEventOfTheSameObjectRunsWhileAHandlerWaitsOnATimer) {
  Host host(FlagSet{});
  DurableObjectStub stub = host.stub("alpha");

  auto slow = boost::asio::co_spawn(host.io, stub.fetch(get("/slow")), boost::asio::use_future);
  ASSERT_TRUE(runUntil(host.io, [&] { return host.seen.snapshot().size() == 2; }));
  auto quick = boost::asio::co_spawn(host.io, stub.fetch(get("/quick")), boost::asio::use_future);
  ASSERT_TRUE(runUntil(host.io, [&] {
    return slow.wait_for(0s) == std::future_status::ready &&
           quick.wait_for(0s) == std::future_status::ready;
  }));

  EXPECT_EQ(host.seen.snapshot(),
            (std::vector<std::string>{"constructor", "slow started", "quick", "slow ended"}));
}

TEST(ObjectHost, StorageWrittenByOneEventIsReadByTheNextAndKeptApartPerObject) {
  Host host(FlagSet{});
  DurableObjectStub alpha = host.stub("alpha");
  DurableObjectStub beta = host.stub("beta");

  EXPECT_EQ(runTask(host.io, alpha.fetch(get("/count"))).body, "1");
  EXPECT_EQ(runTask(host.io, alpha.fetch(get("/count"))).body, "2");
  EXPECT_EQ(runTask(host.io, beta.fetch(get("/count"))).body, "1");
}

}  // namespace
}  // namespace doc::ref
