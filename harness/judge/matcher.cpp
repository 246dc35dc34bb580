#include "harness/judge/matcher.h"

#include <regex>
#include <set>

namespace doc::harness {

namespace {

const std::set<std::string> kOperators = {
    "$regex",           "$absent", "$ne",  "$type", "$sameAs", "$notSameAs", "$length", "$contains",
    "$containsInOrder", "$count",  "$gte", "$lte",  "$gt",     "$lt",        "$anyOf"};

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

// Numbers compare by value (200 equals 200.0); everything else as JSON.
bool sameValue(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    return a.get<double>() == b.get<double>();
  }
  return a == b;
}

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

int countMatches(const Json& where, const Json& list, const MatchContext& context) {
  int count = 0;
  for (const auto& element : list) {
    count += matchAt(where, element, context, "") ? 0 : 1;
  }
  return count;
}

std::optional<Mismatch> matchOperator(const std::string& name, const Json& argument,
                                      const Json& actual, const MatchContext& context,
                                      const std::string& path) {
  if (name == "$regex") {
    if (!actual.is_string() ||
        !std::regex_search(actual.get<std::string>(), std::regex(argument.get<std::string>()))) {
      return at(path, "expected a string matching /" + argument.get<std::string>() + "/, got " +
                          show(actual));
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
      const std::string childPath = path + "/" + key;
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
      std::regex check(argument.get<std::string>());
    } catch (const std::regex_error& error) {
      return "$regex /" + argument.get<std::string>() + "/ is not a valid regular expression";
    }
  }
  if ((name == "$absent") && !argument.is_boolean()) {
    return name + " takes true or false";
  }
  if ((name == "$type" || name == "$sameAs" || name == "$notSameAs") && !argument.is_string()) {
    return name + " takes a string";
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
