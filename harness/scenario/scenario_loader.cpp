#include "harness/scenario/scenario_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "common/compat.h"
#include "common/yaml_util.h"
#include "harness/judge/matcher.h"

namespace doc::harness {

namespace {

const std::vector<std::string> kScenarioKeys = {"description", "level", "tags", "timeout",
                                                "profiles",    "needs", "steps"};
const std::vector<std::string> kLevels = {"MUST", "SHOULD", "MAY"};
const std::vector<std::string> kCapabilities = {"fetch",  "rpc",        "storage",  "env",
                                                "alarms", "websockets", "eviction", "restart"};

struct KindSpec {
  StepKind kind;
  const char* key;
  std::vector<std::string> argKeys;  // Empty with `openArgs`: any key is allowed.
  std::vector<std::string> requiredArgs;
  bool openArgs = false;
};

const std::vector<KindSpec>& kindSpecs() {
  static const std::vector<KindSpec> specs = {
      {StepKind::kFetch,
       "fetch",
       {"object", "class", "method", "path", "headers", "body"},
       {"object", "path"}},
      {StepKind::kCallFetch,
       "callFetch",
       {"object", "class", "method", "path", "headers", "body", "relativeUrl"},
       {"object", "path"}},
      {StepKind::kRpc, "rpc", {"object", "class", "method", "args"}, {"object", "method"}},
      {StepKind::kAction, "action", {}, {"object", "op"}, true},
      {StepKind::kLog, "log", {"object", "class"}, {"object"}},
      {StepKind::kWaitLog,
       "waitLog",
       {"object", "class", "until", "within", "requirement"},
       {"object", "until", "within", "requirement"}},
      {StepKind::kWait, "wait", {"for"}, {"for"}},
      {StepKind::kBehaviour, "behaviour", {"object", "class", "set"}, {"object", "set"}},
      {StepKind::kRestart, "restart", {}, {}},
  };
  return specs;
}

// How deep and how large one pattern or argument may be: far beyond any real scenario, and small
// enough that an alias pointing into itself, or aliases nested to expand exponentially ("billion
// laughs"), is an error naming the place instead of exhausting memory.
constexpr int kMaxYamlDepth = 64;
constexpr size_t kMaxYamlNodes = 100000;

struct ConversionBudget {
  size_t nodes = 0;
};

Json toJson(const YamlField& field, ConversionBudget& budget, int depth);

// YAML scalars carry no type of their own: a quoted scalar is a string, a plain one is a
// boolean, null or number when it reads as one, as a YAML 1.2 core schema reader would type it.
Json toJson(const YamlField& field) {
  ConversionBudget budget;
  return toJson(field, budget, 0);
}

Json toJson(const YamlField& field, ConversionBudget& budget, int depth) {
  if (depth > kMaxYamlDepth) {
    throw field.error("nested more than " + std::to_string(kMaxYamlDepth) +
                      " levels deep (an alias that refers to itself?)");
  }
  if (++budget.nodes > kMaxYamlNodes) {
    throw field.error("expands to more than " + std::to_string(kMaxYamlNodes) +
                      " values (aliases that multiply?)");
  }
  const YAML::Node& node = field.node;
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Sequence: {
      Json list = Json::array();
      for (size_t i = 0; i < node.size(); ++i) {
        list.push_back(toJson(field.at(i), budget, depth + 1));
      }
      return list;
    }
    case YAML::NodeType::Map: {
      Json map = Json::object();
      for (const auto& entry : node) {
        const std::string key = entry.first.Scalar();
        if (map.contains(key)) {
          throw ConfigError(field.file, entry.first.Mark().line + 1,
                            field.path + (field.path.empty() ? "" : ".") + key,
                            "is given twice in the same map");
        }
        map[key] = toJson(*field.optional(key), budget, depth + 1);
      }
      return map;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") {
    return text;
  }
  static const std::regex integer(R"([-+]?[0-9]+)");
  static const std::regex real(R"([-+]?([0-9]*\.[0-9]+|[0-9]+\.?[0-9]*)([eE][-+]?[0-9]+)?)");
  if (text == "true" || text == "false") {
    return text == "true";
  }
  if (text == "null" || text == "~") {
    return nullptr;
  }
  if (std::regex_match(text, integer)) {
    try {
      return std::stoll(text);
    } catch (const std::out_of_range&) {
      // Too large for 64 bits: still a number, as a double.
    }
  }
  if (std::regex_match(text, real)) {
    try {
      return std::stod(text);
    } catch (const std::out_of_range&) {
      throw field.error("the number " + text + " is out of range");
    }
  }
  return text;
}

// "30", "30s", "500ms", "2m": seconds.
double parseDuration(const YamlField& field) {
  static const std::regex shape(R"(([0-9]+(\.[0-9]+)?)\s*(ms|s|m)?)");
  std::smatch match;
  const std::string text = field.asString();
  if (!std::regex_match(text, match, shape)) {
    throw field.error("expected a duration such as 30, 30s, 500ms or 2m, got \"" + text + "\"");
  }
  const double value = std::stod(match[1]);
  const std::string unit = match[3];
  return unit == "ms" ? value / 1000 : unit == "m" ? value * 60 : value;
}

void requireOneOf(const YamlField& field, const std::string& value,
                  const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
    std::string list;
    for (const auto& name : allowed) {
      list += (list.empty() ? "" : ", ") + name;
    }
    throw field.error("\"" + value + "\" is not one of: " + list);
  }
}

Expectation loadExpectation(const YamlField& field, const LoadOptions& options) {
  field.rejectUnknownKeys({"requirement", "that", "note"});
  Expectation expectation;
  expectation.line = field.line();
  const YamlField requirement = field.required("requirement");
  expectation.requirement = requirement.asString();
  if (!options.knownRequirements.empty() &&
      !options.knownRequirements.contains(expectation.requirement)) {
    throw requirement.error("no requirement \"" + expectation.requirement +
                            "\" in specs/requirements.yaml");
  }
  const YamlField that = field.required("that");
  expectation.pattern = toJson(that);
  if (const auto problem = validatePattern(expectation.pattern)) {
    throw that.error(*problem);
  }
  expectation.note = field.optionalString("note").value_or("");
  return expectation;
}

Step loadStep(const YamlField& field, size_t index, const LoadOptions& options) {
  Step step;
  step.line = field.line();
  step.id = field.optionalString("id").value_or("step" + std::to_string(index + 1));

  std::vector<std::string> known = {"id", "expect"};
  const KindSpec* found = nullptr;
  for (const auto& spec : kindSpecs()) {
    known.push_back(spec.key);
    if (field.has(spec.key)) {
      if (found != nullptr) {
        throw field.error(std::string("a step does one thing; it has both \"") + found->key +
                          "\" and \"" + spec.key + "\"");
      }
      found = &spec;
    }
  }
  field.rejectUnknownKeys(known);
  if (found == nullptr) {
    std::string list;
    for (const auto& spec : kindSpecs()) {
      list += (list.empty() ? "" : ", ") + std::string(spec.key);
    }
    throw field.error("a step needs one of: " + list);
  }

  step.kind = found->kind;
  const YamlField args = field.required(found->key);
  if (args.node.IsNull()) {
    if (!found->requiredArgs.empty()) {
      std::string list;
      for (const auto& name : found->requiredArgs) {
        list += (list.empty() ? "" : ", ") + name;
      }
      // The line of the step: a null node's own mark points past it.
      throw ConfigError(field.file, field.line(), args.path,
                        std::string("\"") + found->key + "\" needs " + list);
    }
    step.args = Json::object();
  } else {
    if (!found->openArgs) {
      args.rejectUnknownKeys(found->argKeys);
    }
    for (const auto& name : found->requiredArgs) {
      args.required(name);
    }
    step.args = toJson(args);
    if (found->kind == StepKind::kWaitLog) {
      if (const auto problem = validatePattern(step.args["until"])) {
        throw args.required("until").error(*problem);
      }
      step.args["withinSeconds"] = parseDuration(args.required("within"));
      const YamlField requirement = args.required("requirement");
      if (!options.knownRequirements.empty() &&
          !options.knownRequirements.contains(requirement.asString())) {
        throw requirement.error("no requirement \"" + requirement.asString() +
                                "\" in specs/requirements.yaml");
      }
    }
    if (found->kind == StepKind::kWait) {
      step.args["forSeconds"] = parseDuration(args.required("for"));
    }
  }

  if (const auto expect = field.optional("expect")) {
    for (size_t i = 0; i < expect->node.size(); ++i) {
      step.expect.push_back(loadExpectation(expect->at(i), options));
    }
  }
  return step;
}

}  // namespace

std::string toString(StepKind kind) {
  for (const auto& spec : kindSpecs()) {
    if (spec.kind == kind) {
      return spec.key;
    }
  }
  return "unknown";
}

bool Scenario::exclusive() const {
  return std::any_of(steps.begin(), steps.end(),
                     [](const Step& step) { return step.kind == StepKind::kRestart; });
}

std::vector<std::string> Scenario::requirements() const {
  std::vector<std::string> ids;
  for (const auto& step : steps) {
    if (step.kind == StepKind::kWaitLog) {
      const std::string id = step.args.value("requirement", std::string());
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
        ids.push_back(id);
      }
    }
    for (const auto& expectation : step.expect) {
      if (std::find(ids.begin(), ids.end(), expectation.requirement) == ids.end()) {
        ids.push_back(expectation.requirement);
      }
    }
  }
  return ids;
}

Scenario loadScenarioText(const std::string& text, const std::string& id, const std::string& file,
                          const LoadOptions& options) {
  const YamlField root{file, loadYamlString(text, file), ""};
  if (!root.node.IsMap()) {
    throw root.error("a scenario file holds a map with description, steps and the rest");
  }
  root.rejectUnknownKeys(kScenarioKeys);

  Scenario scenario;
  scenario.id = id;
  scenario.file = file;
  scenario.description = root.requiredString("description");

  if (const auto level = root.optional("level")) {
    scenario.level = level->asString();
    requireOneOf(*level, scenario.level, kLevels);
  }
  if (const auto tags = root.optional("tags")) {
    scenario.tags = tags->asStringList();
  }
  if (const auto timeout = root.optional("timeout")) {
    scenario.timeoutSeconds = parseDuration(*timeout);
  }
  if (const auto profiles = root.optional("profiles")) {
    scenario.profiles = profiles->asStringList();
    for (size_t i = 0; i < scenario.profiles.size(); ++i) {
      try {
        CompatProfile::parseName(scenario.profiles[i]);
      } catch (const CompatError& error) {
        throw(profiles->node.IsSequence() ? profiles->at(i) : *profiles).error(error.what());
      }
    }
  } else {
    scenario.profiles = {options.defaultProfile};
  }
  if (const auto needs = root.optional("needs")) {
    scenario.needs = needs->asStringList();
    for (size_t i = 0; i < scenario.needs.size(); ++i) {
      requireOneOf(needs->node.IsSequence() ? needs->at(i) : *needs, scenario.needs[i],
                   kCapabilities);
    }
  }

  const YamlField steps = root.required("steps");
  if (!steps.node.IsSequence() || steps.node.size() == 0) {
    throw steps.error("expected a non-empty list of steps");
  }
  std::set<std::string> stepIds;
  for (size_t i = 0; i < steps.node.size(); ++i) {
    Step step = loadStep(steps.at(i), i, options);
    if (!stepIds.insert(step.id).second) {
      throw steps.at(i).error("step id \"" + step.id + "\" is used twice");
    }
    scenario.steps.push_back(std::move(step));
  }
  if (scenario.requirements().empty()) {
    throw root.error("a scenario must check something: no step has an expectation");
  }
  return scenario;
}

Scenario loadScenarioFile(const std::string& path, const std::string& id,
                          const LoadOptions& options) {
  const YAML::Node probe = loadYamlFile(path);  // Reports a missing file by its path.
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return loadScenarioText(text, id, path, options);
}

std::vector<Scenario> loadScenarioFolder(const std::string& folder, const LoadOptions& options) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(folder)) {
    throw ConfigError(folder, 0, "", "no such scenario folder");
  }
  std::vector<Scenario> scenarios;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") {
      continue;
    }
    std::string id = fs::relative(entry.path(), folder).replace_extension().generic_string();
    scenarios.push_back(loadScenarioFile(entry.path().string(), id, options));
  }
  std::sort(scenarios.begin(), scenarios.end(),
            [](const Scenario& a, const Scenario& b) { return a.id < b.id; });
  return scenarios;
}

std::set<std::string> loadRequirementIds(const std::string& path) {
  const YamlField root{path, loadYamlFile(path), ""};
  const YamlField list = root.required("requirements");
  std::set<std::string> ids;
  for (size_t i = 0; i < list.node.size(); ++i) {
    const YamlField id = list.at(i).required("id");
    if (!ids.insert(id.asString()).second) {
      throw id.error("requirement id \"" + id.asString() + "\" is defined twice");
    }
  }
  return ids;
}

}  // namespace doc::harness
