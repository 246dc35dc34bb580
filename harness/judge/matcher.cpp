#include "harness/judge/matcher.h"

#include <boost/regex.hpp>
#include <cmath>
#include <limits>
#include <regex>
#include <set>

namespace doc::harness {

namespace {

const std::set<std::string> kOperators = {
    "$regex",           "$absent", "$ne",  "$type", "$sameAs", "$notSameAs", "$length", "$contains",
    "$containsInOrder", "$count",  "$gte", "$lte",  "$gt",     "$lt",        "$anyOf",  "$gaps",
    "$delay",           "$atLeast"};

bool isOperatorObject(const Json& pattern) {
  return pattern.is_object() && !pattern.empty() && pattern.begin().key().starts_with("$");
}

std::string show(const Json& value) {
  std::string text = value.dump();
  // Long observations (a whole log) make unreadable messages; the trace has them whole.
  constexpr size_t kMaxShown = 300;
  return text.size() > kMaxShown ? text.substr(0, kMaxShown) + "..." : text;
}

std::string typeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "number";
    default:
      return "other";
  }
}

// nlohmann compares integers exactly and an integer with a float by value (200 equals 200.0).
bool sameValue(const Json& a, const Json& b) {
  return a == b;
}

// A JSON pointer token: '~' and '/' in a field name are escaped (RFC 6901).
std::string pointerToken(const std::string& key) {
  std::string token;
  for (const char c : key) {
    token += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
  }
  return token;
}

const std::set<std::string> kTypeNames = {"null", "boolean", "string", "number", "array", "object"};

Mismatch at(const std::string& path, std::string problem) {
  return Mismatch{path.empty() ? "/" : path, std::move(problem)};
}

std::optional<Json> resolveReference(const std::string& reference, const MatchContext& context,
                                     std::string& problem) {
  const auto slash = reference.find('/');
  const std::string stepId = reference.substr(0, slash);
  if (context.observations == nullptr || !context.observations->contains(stepId)) {
    problem = "refers to step \"" + stepId + "\", which has not run";
    return std::nullopt;
  }
  const Json& observation = context.observations->at(stepId);
  const Json::json_pointer pointer(slash == std::string::npos ? "" : reference.substr(slash));
  if (!observation.contains(pointer)) {
    problem = "refers to " + reference + ", which that step did not observe";
    return std::nullopt;
  }
  return observation.at(pointer);
}

std::optional<Mismatch> matchAt(const Json& pattern, const Json& actual,
                                const MatchContext& context, const std::string& path);

std::optional<Mismatch> matchGaps(const Json& argument, const Json& actual,
                                  const MatchContext& context, const std::string& path);

int countMatches(const Json& where, const Json& list, const MatchContext& context) {
  int count = 0;
  for (const auto& element : list) {
    count += matchAt(where, element, context, "") ? 0 : 1;
  }
  return count;
}

// The time between consecutive events that match `where`, each inside its window: from the
// nominal gap less the slack to the nominal gap stretched by the jitter plus the slack. The slack
// is real time (scheduling latency on a loaded machine), so on a faster clock it is worth more
// of the target's milliseconds.
std::optional<Mismatch> matchGaps(const Json& argument, const Json& actual,
                                  const MatchContext& context, const std::string& path) {
  if (!actual.is_array()) {
    return at(path, "expected a list of events, got " + show(actual));
  }
  const std::string field = argument.value("field", std::string("ts"));
  const double jitter = argument.value("jitter", 0.0);
  const double slack = context.slackRealMs / context.clockScale;
  std::vector<double> times;
  for (const auto& event : actual) {
    if (!matchAt(argument.at("where"), event, context, "")) {
      if (!event.contains(field) || !event[field].is_number()) {
        return at(path, "an event matching " + show(argument.at("where")) + " has no number \"" +
                            field + "\": " + show(event));
      }
      times.push_back(event[field].get<double>());
    }
  }
  const Json& nominal = argument.at("nominal");
  if (times.size() != nominal.size() + 1) {
    return at(path, "expected " + std::to_string(nominal.size() + 1) + " events matching " +
                        show(argument.at("where")) + ", got " + std::to_string(times.size()));
  }
  for (size_t i = 0; i < nominal.size(); ++i) {
    const double gap = times[i + 1] - times[i];
    const double low = nominal[i].get<double>() - slack;
    const double high = nominal[i].get<double>() * (1 + jitter) + slack;
    if (gap < low || gap > high) {
      return at(path, "gap " + std::to_string(i + 1) + " was " + std::to_string(long(gap)) +
                          " ms, outside [" + std::to_string(long(low)) + ", " +
                          std::to_string(long(high)) + "] (nominal " + nominal[i].dump() +
                          " ms, jitter " + std::to_string(int(jitter * 100)) + " %, slack " +
                          std::to_string(long(slack)) + " ms)");
    }
  }
  return std::nullopt;
}

// For every event that matches `where`: the time from one of its fields to another (say, from
// alarmInfo.scheduledTime to ts) lies in [min, max + slack]. The lower bound has no slack: "not
// before its time" is exact.
std::optional<Mismatch> matchDelay(const Json& argument, const Json& actual,
                                   const MatchContext& context, const std::string& path) {
  if (!actual.is_array()) {
    return at(path, "expected a list of events, got " + show(actual));
  }
  const Json::json_pointer from("/" + argument.at("from").get<std::string>());
  const Json::json_pointer to("/" + argument.value("to", std::string("ts")));
  const double low = argument.value("min", 0.0);
  const double high = argument.contains("max")
                          ? argument["max"].get<double>() + context.slackRealMs / context.clockScale
                          : std::numeric_limits<double>::infinity();
  int matched = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const Json& event = actual[i];
    if (matchAt(argument.at("where"), event, context, "")) {
      continue;
    }
    ++matched;
    if (!event.contains(from) || !event.contains(to) || !event[from].is_number() ||
        !event[to].is_number()) {
      return at(path + "/" + std::to_string(i),
                "the event lacks a number at " + from.to_string() + " or " + to.to_string());
    }
    const double delay = event[to].get<double>() - event[from].get<double>();
    if (delay < low || delay > high) {
      return at(path + "/" + std::to_string(i),
                "from " + from.to_string() + " to " + to.to_string() + " took " +
                    std::to_string(long(delay)) + " ms, outside [" + std::to_string(long(low)) +
                    ", " + (std::isinf(high) ? std::string("∞") : std::to_string(long(high))) +
                    "]");
    }
  }
  if (matched == 0) {
    return at(path, "no event matches " + show(argument.at("where")));
  }
  return std::nullopt;
}

std::optional<Mismatch> matchOperator(const std::string& name, const Json& argument,
                                      const Json& actual, const MatchContext& context,
                                      const std::string& path) {
  if (name == "$regex") {
    // Boost.Regex bounds the work of one match and throws past it, so a pattern with
    // catastrophic backtracking fails the expectation instead of hanging the run.
    try {
      if (!actual.is_string() ||
          !boost::regex_search(actual.get<std::string>(), boost::regex(argument.get<std::string>(),
                                                                       boost::regex::ECMAScript))) {
        return at(path, "expected a string matching /" + argument.get<std::string>() + "/, got " +
                            show(actual));
      }
    } catch (const std::runtime_error& error) {
      return at(path,
                "matching /" + argument.get<std::string>() + "/ was abandoned: " + error.what());
    }
    return std::nullopt;
  }
  if (name == "$absent") {
    // Only reached for a value that is present: the object matcher handles absent keys.
    return argument.get<bool>() ? std::optional(at(path, "expected no value, got " + show(actual)))
                                : std::nullopt;
  }
  if (name == "$ne") {
    return sameValue(argument, actual)
               ? std::optional(at(path, "expected anything but " + show(argument)))
               : std::nullopt;
  }
  if (name == "$type") {
    return typeName(actual) == argument.get<std::string>()
               ? std::nullopt
               : std::optional(at(
                     path, "expected a " + argument.get<std::string>() + ", got " + show(actual)));
  }
  if (name == "$atLeast") {
    std::string problem;
    const auto referenced = resolveReference(argument.get<std::string>(), context, problem);
    if (!referenced) {
      return at(path, name + " " + problem);
    }
    if (!actual.is_number() || !referenced->is_number() ||
        actual.get<double>() < referenced->get<double>()) {
      return at(path, "expected at least " + argument.get<std::string>() + " (" +
                          show(*referenced) + "), got " + show(actual));
    }
    return std::nullopt;
  }
  if (name == "$sameAs" || name == "$notSameAs") {
    std::string problem;
    const auto referenced = resolveReference(argument.get<std::string>(), context, problem);
    if (!referenced) {
      return at(path, name + " " + problem);
    }
    const bool same = sameValue(*referenced, actual);
    if (name == "$sameAs" && !same) {
      return at(path, "expected the same value as " + argument.get<std::string>() + " (" +
                          show(*referenced) + "), got " + show(actual));
    }
    if (name == "$notSameAs" && same) {
      return at(path, "expected a value different from " + argument.get<std::string>() +
                          ", got the same: " + show(actual));
    }
    return std::nullopt;
  }
  if (name == "$length") {
    if (!actual.is_array() && !actual.is_string() && !actual.is_object()) {
      return at(path, "expected something with a length, got " + show(actual));
    }
    const Json length =
        actual.is_string() ? Json(actual.get<std::string>().size()) : Json(actual.size());
    if (auto mismatch = matchAt(argument, length, context, "")) {
      return at(path, "length " + length.dump() + ": " + mismatch->problem);
    }
    return std::nullopt;
  }
  if (name == "$contains") {
    if (!actual.is_array() || countMatches(argument, actual, context) == 0) {
      return at(path, "expected a list with an element matching " + show(argument) + ", got " +
                          show(actual));
    }
    return std::nullopt;
  }
  if (name == "$containsInOrder") {
    if (!actual.is_array()) {
      return at(path, "expected a list, got " + show(actual));
    }
    size_t next = 0;
    for (size_t i = 0; i < argument.size(); ++i) {
      while (next < actual.size() && matchAt(argument[i], actual[next], context, "")) {
        ++next;
      }
      if (next == actual.size()) {
        return at(path, "element " + std::to_string(i) + " of the expected sequence, " +
                            show(argument[i]) + ", was not found in order");
      }
      ++next;
    }
    return std::nullopt;
  }
  if (name == "$count") {
    if (!actual.is_array()) {
      return at(path, "expected a list, got " + show(actual));
    }
    const int count = countMatches(argument.at("where"), actual, context);
    if (auto mismatch = matchAt(argument.at("is"), Json(count), context, "")) {
      return at(path, std::to_string(count) + " elements match " + show(argument.at("where")) +
                          ": " + mismatch->problem);
    }
    return std::nullopt;
  }
  if (name == "$gte" || name == "$lte" || name == "$gt" || name == "$lt") {
    if (!actual.is_number()) {
      return at(path, "expected a number, got " + show(actual));
    }
    const double value = actual.get<double>();
    const double bound = argument.get<double>();
    const bool holds = name == "$gte"   ? value >= bound
                       : name == "$lte" ? value <= bound
                       : name == "$gt"  ? value > bound
                                        : value < bound;
    return holds ? std::nullopt
                 : std::optional(at(path, "expected " + name.substr(1) + " " + argument.dump() +
                                              ", got " + show(actual)));
  }
  if (name == "$gaps") {
    return matchGaps(argument, actual, context, path);
  }
  if (name == "$delay") {
    return matchDelay(argument, actual, context, path);
  }
  if (name == "$anyOf") {
    for (const auto& option : argument) {
      if (!matchAt(option, actual, context, path)) {
        return std::nullopt;
      }
    }
    return at(path, "expected one of " + show(argument) + ", got " + show(actual));
  }
  return at(path, "unknown operator " + name);
}

std::optional<Mismatch> matchAt(const Json& pattern, const Json& actual,
                                const MatchContext& context, const std::string& path) {
  if (isOperatorObject(pattern)) {
    for (const auto& [name, argument] : pattern.items()) {
      if (auto mismatch = matchOperator(name, argument, actual, context, path)) {
        return mismatch;
      }
    }
    return std::nullopt;
  }
  if (pattern.is_object()) {
    if (!actual.is_object()) {
      return at(path, "expected an object, got " + show(actual));
    }
    for (const auto& [key, expected] : pattern.items()) {
      const std::string childPath = path + "/" + pointerToken(key);
      const bool wantsAbsent = isOperatorObject(expected) && expected.contains("$absent") &&
                               expected["$absent"].get<bool>();
      if (!actual.contains(key)) {
        if (wantsAbsent) {
          continue;
        }
        return at(childPath, "expected " + show(expected) + ", but there is no such field");
      }
      if (auto mismatch = matchAt(expected, actual[key], context, childPath)) {
        return mismatch;
      }
    }
    return std::nullopt;
  }
  if (pattern.is_array()) {
    if (!actual.is_array()) {
      return at(path, "expected a list, got " + show(actual));
    }
    if (pattern.size() != actual.size()) {
      return at(path, "expected a list of " + std::to_string(pattern.size()) + ", got " +
                          std::to_string(actual.size()) + ": " + show(actual));
    }
    for (size_t i = 0; i < pattern.size(); ++i) {
      if (auto mismatch = matchAt(pattern[i], actual[i], context, path + "/" + std::to_string(i))) {
        return mismatch;
      }
    }
    return std::nullopt;
  }
  if (!sameValue(pattern, actual)) {
    return at(path, "expected " + show(pattern) + ", got " + show(actual));
  }
  return std::nullopt;
}

std::optional<std::string> validateOperator(const std::string& name, const Json& argument) {
  if (!kOperators.contains(name)) {
    return "unknown operator \"" + name + "\"";
  }
  if (name == "$regex") {
    if (!argument.is_string()) {
      return "$regex takes a string";
    }
    try {
      boost::regex check(argument.get<std::string>(), boost::regex::ECMAScript);
    } catch (const boost::regex_error& error) {
      return "$regex /" + argument.get<std::string>() + "/ is not a valid regular expression";
    }
  }
  if ((name == "$absent") && !argument.is_boolean()) {
    return name + " takes true or false";
  }
  if ((name == "$type" || name == "$sameAs" || name == "$notSameAs" || name == "$atLeast") &&
      !argument.is_string()) {
    return name + " takes a string";
  }
  if (name == "$type" && !kTypeNames.contains(argument.get<std::string>())) {
    return "$type \"" + argument.get<std::string>() +
           "\" is not a JSON type (null, boolean, string, number, array, object)";
  }
  if (name == "$gaps" && argument.is_object() && argument.contains("jitter") &&
      argument["jitter"].is_number() && argument["jitter"].get<double>() < 0) {
    return "$gaps jitter is a fraction of at least 0";
  }
  if (name == "$delay" && argument.is_object() && argument.contains("min") &&
      argument.contains("max") && argument["min"].is_number() && argument["max"].is_number() &&
      argument["max"].get<double>() < argument["min"].get<double>()) {
    return "$delay max is smaller than its min";
  }
  if (name == "$count" && argument.is_object() && argument.contains("is") &&
      argument["is"].is_number() && argument["is"].get<double>() < 0) {
    return "$count is a count: at least 0";
  }
  if (name == "$delay" && (!argument.is_object() || !argument.contains("where") ||
                           !argument.contains("from") || !argument["from"].is_string())) {
    return "$delay takes {where: <pattern>, from: <field path>, to: ts, min: ms, max: ms}";
  }
  if (name == "$gaps" && (!argument.is_object() || !argument.contains("where") ||
                          !argument.contains("nominal") || !argument["nominal"].is_array() ||
                          (argument.contains("jitter") && !argument["jitter"].is_number()))) {
    return "$gaps takes {where: <pattern>, nominal: [ms, ...], jitter: <fraction>, field: ts}";
  }
  if ((name == "$gte" || name == "$lte" || name == "$gt" || name == "$lt") &&
      !argument.is_number()) {
    return name + " takes a number";
  }
  if ((name == "$containsInOrder" || name == "$anyOf") && !argument.is_array()) {
    return name + " takes a list";
  }
  if (name == "$count" && (!argument.is_object() || !argument.contains("where") ||
                           !argument.contains("is") || argument.size() != 2)) {
    return "$count takes {where: <pattern>, is: <pattern>}";
  }
  return std::nullopt;
}

}  // namespace

std::optional<Mismatch> match(const Json& pattern, const Json& actual,
                              const MatchContext& context) {
  return matchAt(pattern, actual, context, "");
}

std::optional<std::string> validatePattern(const Json& pattern) {
  if (pattern.is_object()) {
    const bool operators = isOperatorObject(pattern);
    for (const auto& [key, value] : pattern.items()) {
      if (key.starts_with("$") != operators) {
        return "an object mixes operators and fields (\"" + key + "\"); nest one in the other";
      }
      if (operators) {
        if (auto problem = validateOperator(key, value)) {
          return problem;
        }
      }
      if (auto problem = validatePattern(value)) {
        return problem;
      }
    }
  } else if (pattern.is_array()) {
    for (const auto& element : pattern) {
      if (auto problem = validatePattern(element)) {
        return problem;
      }
    }
  }
  return std::nullopt;
}

}  // namespace doc::harness
