// A conformance scenario as loaded from YAML: what it checks, under which compat profiles, the
// steps that drive the target and the expectations on what each step observes. The format is
// described in conformance/README.md; every field is validated here, and an error names the file,
// the line and the field.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace doc::harness {

using Json = nlohmann::json;

struct Expectation {
  std::string requirement;  // The requirement id this checks, e.g. "FETCH-001".
  Json pattern;             // Matched against the step's observation (harness/judge/).
  std::string note;
  int line = 0;  // Where it is written, for failure messages.
};

// The step kinds a scenario can use; each is one request of specs/probe-protocol.md, or an
// action of the harness on the target itself (restart).
enum class StepKind {
  kFetch,
  kCallFetch,
  kRpc,
  kAction,
  kLog,
  kWaitLog,  // Polls the log until a pattern matches, within a time on the target's clock.
  kWait,     // Lets time pass on the target's clock, for "nothing happens within N".
  kBehaviour,
  kRestart,
  // WebSockets (capability websockets): a connection the harness drives frame by frame.
  kWsConnect,  // Opens a socket to an object (its own upgrade) under a name local to the scenario.
  kWsSend,     // Writes frames, valid or not, exactly as described.
  kWsReceive,  // The socket's record, or waits until a pattern matches it.
  kWsDrop,     // Ends the TCP connection without a Close frame (FIN or RST).
  kEvict,      // Evicts the object now (capability eviction).
};

std::string toString(StepKind kind);

struct Step {
  std::string id;  // Unique in the scenario; "step1", "step2", ... when not given.
  StepKind kind = StepKind::kFetch;
  Json args;  // The kind's arguments, validated by the loader.
  std::vector<Expectation> expect;
  int line = 0;
};

struct Scenario {
  std::string id;    // The file's path under the scenario folder without ".yaml": "fetch/hello".
  std::string file;  // The path it was loaded from.
  std::string description;
  std::string level = "MUST";
  std::vector<std::string> tags;
  // On the target's clock: the harness allows timeoutSeconds × clock scale of real time, plus a
  // fixed allowance for the transport (step_executor.cpp).
  double timeoutSeconds = 30;
  std::vector<std::string> profiles;  // Profile names; each gives one result.
  std::vector<std::string> needs;     // Capabilities from /info (and "restart").
  std::vector<Step> steps;

  // Scenarios that restart the target run alone: others would see it go away.
  bool exclusive() const;
  // Every requirement id its expectations cite, once each, in order of appearance.
  std::vector<std::string> requirements() const;
};

}  // namespace doc::harness
