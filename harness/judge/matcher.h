// Judging: does what a step observed match what a scenario expects? A pattern is JSON in which a
// plain value must be equal, an object must match key by key (extra keys in the observation are
// fine), a list must match element by element, and an object whose keys start with '$' is an
// operator ($regex, $sameAs, $containsInOrder, ...; the list is in conformance/README.md).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace doc::harness {

using Json = nlohmann::json;

struct MatchContext {
  // Observations of the steps run so far, by step id, for $sameAs and $notSameAs.
  const std::map<std::string, Json>* observations = nullptr;
  // For $gaps: the target's clock scale (real s per target s) and the real-time slack allowed
  // for scheduling latency on top of a window.
  double clockScale = 1.0;
  double slackRealMs = 20;
};

struct Mismatch {
  std::string path;     // JSON pointer into the observation: "/events/3/code".
  std::string problem;  // "expected 1000, got 1006".
};

// Nothing when `actual` matches `pattern`, else the first place where it does not.
std::optional<Mismatch> match(const Json& pattern, const Json& actual, const MatchContext& context);

// Checks a pattern's operators and their arguments before anything runs; the problem, if any.
std::optional<std::string> validatePattern(const Json& pattern);

}  // namespace doc::harness
