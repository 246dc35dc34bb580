#include "harness/runner/step_executor.h"

#include <algorithm>
#include <thread>

#include "harness/judge/matcher.h"
#include "harness/runner/ws_sockets.h"
#include "harness/ws/ws_observation.h"

namespace doc::harness {

namespace {

using Clock = std::chrono::steady_clock;

// The least time a request is given even when the scenario's budget is nearly spent, so that
// the last step fails as a timeout rather than as a refused connection.
constexpr auto kMinRequestTimeout = std::chrono::milliseconds(100);
// How often waitLog reads the log, at most and at least: often enough to see an event soon
// after it happened, rarely enough not to load the target.
constexpr auto kMaxPollInterval = std::chrono::milliseconds(100);
constexpr auto kMinPollInterval = std::chrono::milliseconds(5);

// A step could not be carried out: the target broke the protocol or could not be reached.
struct StepError {
  std::string message;
  bool timedOut = false;
};

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

Json exchangeToJson(const HttpExchange& exchange) {
  Json request = {{"method", exchange.method}, {"url", exchange.url}};
  if (!exchange.requestBody.empty()) {
    request["body"] = exchange.requestBody;
  }
  return request;
}

class Execution {
 public:
  Execution(const Scenario& scenario, const std::string& profile, TargetSession& session,
            const ExecutionOptions& options)
      : scenario_(scenario),
        profile_(profile),
        session_(session),
        options_(options),
        client_(session.protocolVersion()),
        sockets_(session.clockScale()),
        started_(Clock::now()),
        deadline_(std::min(options.runDeadline,
                           started_ + std::chrono::milliseconds(static_cast<long long>(
                                          (scenario.timeoutSeconds * session.clockScale() +
                                           options.transportAllowanceSeconds) *
                                          options.timeoutScale * 1000)))) {}

  Result run() {
    Result result = resultFor(scenario_, profile_);

    if (const auto missing = unmetPrecondition()) {
      result.status = Status::kPreconditionFailed;
      result.message = *missing;
      return result;
    }

    for (const auto& step : scenario_.steps) {
      StepTrace trace;
      trace.id = step.id;
      trace.kind = toString(step.kind);
      trace.startedMs = msSince(started_);
      try {
        trace.observation = perform(step, trace.request);
      } catch (const StepError& error) {
        trace.durationMs = msSince(started_) - trace.startedMs;
        result.trace.push_back(std::move(trace));
        result.status = error.timedOut ? Status::kTimeout : Status::kError;
        result.message = "step \"" + step.id + "\" (" + scenario_.file + ":" +
                         std::to_string(step.line) + "): " + error.message;
        break;
      }
      trace.durationMs = msSince(started_) - trace.startedMs;
      observations_[step.id] = trace.observation;

      judge(step, trace, result);
      result.trace.push_back(std::move(trace));
    }
    if (!sockets_.empty()) {
      result.trace.push_back(socketsTrace());
    }
    result.durationMs = msSince(started_);
    return result;
  }

 private:
  std::optional<std::string> unmetPrecondition() const {
    if (session_.baseUrl(profile_).empty()) {
      return "the target does not serve compatibility profile " + profile_;
    }
    for (const auto& capability : scenario_.needs) {
      if (capability == "restart" && !session_.hasCapability(capability)) {
        return "restarting needs a target the harness started itself (--target reference or "
               "workerd), not a URL";
      }
      if (!session_.hasCapability(capability)) {
        return "the target's /info does not declare capability \"" + capability + "\"";
      }
    }
    return std::nullopt;
  }

  MatchContext matchContext() const {
    return MatchContext{&observations_, session_.clockScale(), options_.timingSlackRealMs};
  }

  static void recordFailure(Result& result, const std::string& message) {
    if (result.status == Status::kPass) {
      result.status = Status::kFail;
      result.message = message;
    }
  }

  void judge(const Step& step, StepTrace& trace, Result& result) const {
    const MatchContext context = matchContext();
    const bool waited = step.kind == StepKind::kWaitLog ||
                        (step.kind == StepKind::kWsReceive && step.args.contains("until"));
    if (waited && !trace.observation.value("matched", false)) {
      const std::string requirement = step.args.value("requirement", std::string());
      CheckResult check{requirement, false, trace.observation.value("problem", std::string()),
                        step.args["until"]};
      recordFailure(result, requirement + " (" + scenario_.file + ":" + std::to_string(step.line) +
                                ", step \"" + step.id + "\"): " + check.message);
      trace.checks.push_back(std::move(check));
    }
    for (const auto& expectation : step.expect) {
      CheckResult check{expectation.requirement, true, "", expectation.pattern};
      if (const auto mismatch = match(expectation.pattern, trace.observation, context)) {
        check.passed = false;
        check.message = "at " + mismatch->path + ": " + mismatch->problem;
        if (result.status == Status::kPass) {
          result.status = Status::kFail;
          result.message = expectation.requirement + " (" + scenario_.file + ":" +
                           std::to_string(expectation.line) + ", step \"" + step.id +
                           "\"): " + check.message;
        }
      }
      trace.checks.push_back(std::move(check));
    }
  }

  std::chrono::milliseconds remaining() const {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    return std::max<std::chrono::milliseconds>(left, kMinRequestTimeout);
  }

  std::string objectUrl(const Json& args) const {
    const std::string className = args.value("class", std::string("Probe"));
    // Unique per run, scenario and profile, so no two results ever share an object.
    const std::string name = options_.runId + "/" + resultId(scenario_.id, profile_) + "/" +
                             args.at("object").get<std::string>();
    return session_.baseUrl(profile_) + "/obj/" + encodePathSegment(className) + "/" +
           encodePathSegment(name);
  }

  HttpExchange send(const std::string& method, const std::string& url,
                    std::map<std::string, std::string> headers, const std::string& body,
                    Json& request) {
    const auto budget = remaining();
    const auto sentAt = Clock::now();
    try {
      HttpExchange exchange = client_.send(method, url, std::move(headers), body, budget);
      request = exchangeToJson(exchange);
      return exchange;
    } catch (const TargetError& error) {
      request = {{"method", method}, {"url", url}};
      const auto now = Clock::now();
      throw StepError{error.what(), now >= deadline_ || now - sentAt >= budget};
    }
  }

  // For the routes that answer JSON: the parsed body, or a StepError saying what came instead.
  Json sendForJson(const std::string& method, const std::string& url, const Json& body,
                   Json& request) {
    const HttpExchange exchange = send(method, url, {{"content-type", "application/json"}},
                                       body.is_null() ? "" : body.dump(), request);
    Json parsed = Json::parse(exchange.responseBody, nullptr, false);
    if (exchange.status != 200 || parsed.is_discarded()) {
      throw StepError{method + " " + url + " answered " + std::to_string(exchange.status) + ": " +
                      exchange.responseBody.substr(0, 300)};
    }
    return parsed;
  }

  Json perform(const Step& step, Json& request) {
    const Json& args = step.args;
    switch (step.kind) {
      case StepKind::kFetch: {
        std::map<std::string, std::string> headers;
        const Json headerArgs = args.value("headers", Json::object());
        for (const auto& [name, value] : headerArgs.items()) {
          headers[name] = value.is_string() ? value.get<std::string>() : value.dump();
        }
        std::string path = args.at("path").get<std::string>();
        const HttpExchange exchange =
            send(args.value("method", std::string("GET")), objectUrl(args) + "/fetch" + path,
                 std::move(headers), args.value("body", std::string()), request);
        Json observation = {{"status", exchange.status},
                            {"headers", exchange.responseHeaders},
                            {"body", exchange.responseBody}};
        Json parsed = Json::parse(exchange.responseBody, nullptr, false);
        if (!parsed.is_discarded()) {
          observation["json"] = std::move(parsed);
        }
        return observation;
      }
      case StepKind::kCallFetch: {
        Json body = args;
        body.erase("object");
        body.erase("class");
        return sendForJson("POST", objectUrl(args) + "/call-fetch", body, request);
      }
      case StepKind::kRpc:
        return sendForJson(
            "POST", objectUrl(args) + "/rpc",
            {{"method", args.at("method")}, {"args", args.value("args", Json::array())}}, request);
      case StepKind::kAction: {
        Json body = args;
        body.erase("object");
        body.erase("class");
        return sendForJson("POST", objectUrl(args) + "/action", body, request);
      }
      case StepKind::kLog:
        return sendForJson("GET", objectUrl(args) + "/log", nullptr, request);
      case StepKind::kWaitLog:
        return waitForLog(args, request);
      case StepKind::kWait: {
        const auto realWait = realDuration(args.at("forSeconds").get<double>());
        request = {{"wait", args.at("for")}, {"realMs", realWait.count()}};
        // Waiting for nothing to happen: the one wait no event can end early.
        if (Clock::now() + realWait > deadline_) {
          throw StepError{"waiting " + args.at("for").dump() +
                              " would pass the scenario's or the run's deadline",
                          true};
        }
        std::this_thread::sleep_for(realWait);
        return {{"waitedMs", realWait.count()}};
      }
      case StepKind::kBehaviour:
        return sendForJson("PUT", objectUrl(args) + "/behaviour", args.at("set"), request);
      case StepKind::kWsConnect:
        return connectSocket(args, request);
      case StepKind::kWsSend: {
        const std::string socket = args.at("socket").get<std::string>();
        request = args;
        request.erase("wire");
        return onSocket([&] { return sockets_.send(socket, args.at("wire"), remaining()); });
      }
      case StepKind::kWsReceive:
        return receiveOnSocket(args, request);
      case StepKind::kWsDrop: {
        const std::string how = args.value("how", std::string("fin"));
        request = {{"socket", args.at("socket")}, {"how", how}};
        return onSocket([&] { return sockets_.drop(args.at("socket").get<std::string>(), how); });
      }
      case StepKind::kEvict:
        return sendForJson("POST", objectUrl(args) + "/evict", nullptr, request);
      case StepKind::kRestart:
        request = {{"restart", session_.rootUrl()}};
        try {
          session_.restart();
        } catch (const TargetError& error) {
          throw StepError{std::string("restarting the target failed: ") + error.what()};
        }
        return {{"restarted", true}};
    }
    throw StepError{"unknown step kind"};
  }

  // Runs a socket operation, turning a target that broke the protocol (or a socket that is not
  // open) into the step's error.
  template <class Operation>
  Json onSocket(Operation operation) {
    const auto startedAt = Clock::now();
    try {
      return operation();
    } catch (const TargetError& error) {
      throw StepError{error.what(), startedAt >= deadline_ || Clock::now() >= deadline_};
    }
  }

  // GET <object>/ws?socket=..&kind=..&tag=.. as a WebSocket upgrade (probe protocol,
  // "WebSockets"). The socket's name is sent as the scenario gives it: the object is already
  // unique to this result.
  Json connectSocket(const Json& args, Json& request) {
    const std::string socket = args.at("socket").get<std::string>();
    std::string url = objectUrl(args) + "/ws?socket=" + encodePathSegment(socket);
    if (args.contains("kind")) {
      url += "&kind=" + encodePathSegment(args["kind"].get<std::string>());
    }
    // Named locals: items() of a temporary would outlive the temporary in the loop.
    const Json tags = args.value("tags", Json::array());
    for (const auto& tag : tags) {
      url += "&tag=" + encodePathSegment(tag.get<std::string>());
    }
    const Json headerArgs = args.value("headers", Json::object());
    std::map<std::string, std::string> headers;
    for (const auto& [name, value] : headerArgs.items()) {
      headers[name] = value.get<std::string>();
    }
    headers["x-probe-protocol"] = std::to_string(session_.protocolVersion());
    request = {{"method", "GET"}, {"url", url}, {"socket", socket}, {"upgrade", "websocket"}};
    const auto budget = remaining();
    const auto sentAt = Clock::now();
    try {
      return sockets_.connect(socket, url, headers, budget);
    } catch (const TargetError& error) {
      const auto now = Clock::now();
      throw StepError{error.what(), now >= deadline_ || now - sentAt >= budget};
    }
  }

  // The socket's record now, or, with `until`, once it matches (waiting on the client's
  // condition variable, never polling) or `within` (on the target's clock, plus the slack) has
  // passed. A connection that has ended cannot change any more, so a mismatch then is final.
  Json receiveOnSocket(const Json& args, Json& request) {
    const std::string socket = args.at("socket").get<std::string>();
    request = args;
    request.erase("withinSeconds");
    return onSocket([&] {
      ws::WsClient& client = sockets_.client(socket);
      if (!args.contains("until")) {
        return ws::recordJson(client.snapshot(), session_.clockScale());
      }
      const auto window =
          realDuration(args.at("withinSeconds").get<double>()) +
          std::chrono::milliseconds(static_cast<long long>(options_.timingSlackRealMs));
      const auto giveUp = std::min(deadline_, Clock::now() + window);
      const MatchContext context = matchContext();
      for (;;) {
        const ws::SocketRecord record = client.snapshot();
        Json observation = ws::recordJson(record, session_.clockScale());
        const auto mismatch = match(args.at("until"), observation, context);
        if (!mismatch) {
          observation["matched"] = true;
          return observation;
        }
        if (Clock::now() >= giveUp || record.ended()) {
          observation["matched"] = false;
          observation["problem"] =
              (record.ended()
                   ? "the connection ended (" + ws::toString(record.endedBy) +
                         ") and the socket never matched"
                   : "within " + args.at("within").dump() + " the socket never matched") +
              "; last at " + mismatch->path + ": " + mismatch->problem;
          return observation;
        }
        client.waitForChange(record.version, giveUp);
      }
    });
  }

  // The last entry of a trace that used sockets: each one's frames in both directions and how
  // it ended, after the harness dropped those still open.
  StepTrace socketsTrace() {
    StepTrace trace;
    trace.id = "(sockets)";
    trace.kind = "wsSockets";
    trace.startedMs = msSince(started_);
    trace.request = {{"drop", "fin"}};
    trace.observation = sockets_.closeAll();
    trace.durationMs = msSince(started_) - trace.startedMs;
    return trace;
  }

  // Seconds on the target's clock as real time.
  std::chrono::milliseconds realDuration(double targetSeconds) const {
    return std::chrono::milliseconds(
        static_cast<long long>(targetSeconds * session_.clockScale() * 1000));
  }

  // Reads the log until `until` matches it or `within` (on the target's clock, plus the slack)
  // has passed. The observation is the last log read, with whether it matched.
  Json waitForLog(const Json& args, Json& request) {
    const auto window =
        realDuration(args.at("withinSeconds").get<double>()) +
        std::chrono::milliseconds(static_cast<long long>(options_.timingSlackRealMs));
    const auto interval = std::clamp<std::chrono::milliseconds>(
        std::chrono::duration_cast<std::chrono::milliseconds>(window / 50), kMinPollInterval,
        kMaxPollInterval);
    const auto giveUp = std::min(deadline_, Clock::now() + window);
    const std::string url = objectUrl(args) + "/log";
    const MatchContext context = matchContext();
    int reads = 0;
    for (;;) {
      Json observation = sendForJson("GET", url, nullptr, request);
      ++reads;
      const auto mismatch = match(args.at("until"), observation, context);
      if (!mismatch) {
        observation["matched"] = true;
        observation["reads"] = reads;
        return observation;
      }
      if (Clock::now() + interval > giveUp) {
        observation["matched"] = false;
        observation["reads"] = reads;
        observation["problem"] = "within " + args.at("within").dump() +
                                 " the log never matched; last at " + mismatch->path + ": " +
                                 mismatch->problem;
        return observation;
      }
      // Bounded polling of the log, as the probe protocol offers no push: the interval is a
      // fiftieth of the window, between 5 and 100 ms.
      std::this_thread::sleep_for(interval);
    }
  }

  const Scenario& scenario_;
  const std::string& profile_;
  TargetSession& session_;
  const ExecutionOptions& options_;
  TargetClient client_;
  ScenarioSockets sockets_;
  Clock::time_point started_;
  Clock::time_point deadline_;
  std::map<std::string, Json> observations_;
};

}  // namespace

std::string resultId(const std::string& scenarioId, const std::string& profile) {
  return scenarioId + "[" + profile + "]";
}

Result resultFor(const Scenario& scenario, const std::string& profile) {
  Result result;
  result.id = resultId(scenario.id, profile);
  result.scenarioId = scenario.id;
  result.profile = profile;
  result.description = scenario.description;
  result.level = scenario.level;
  result.requirements = scenario.requirements();
  return result;
}

Result executeScenario(const Scenario& scenario, const std::string& profile, TargetSession& session,
                       const ExecutionOptions& options) {
  try {
    return Execution(scenario, profile, session, options).run();
  } catch (const std::exception& error) {
    // A bug of the harness or a target answer no step anticipated: ERROR, never a crash.
    Result result = resultFor(scenario, profile);
    result.status = Status::kError;
    result.message = std::string("harness error: ") + error.what();
    return result;
  }
}

}  // namespace doc::harness
