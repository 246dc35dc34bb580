#include "harness/scenario/scenario_loader.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "common/compat.h"
#include "common/yaml_util.h"
#include "harness/judge/matcher.h"
#include "harness/ws/bytes.h"

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
      {StepKind::kWsConnect,
       "wsConnect",
       {"socket", "object", "class", "kind", "tags", "headers"},
       {"socket", "object"}},
      {StepKind::kWsSend,
       "wsSend",
       {"socket", "masked", "text", "binary", "textSize", "binarySize", "ping", "pong", "close",
        "fragments", "frame"},
       {"socket"}},
      {StepKind::kWsReceive, "wsReceive", {"socket", "until", "within", "requirement"}, {"socket"}},
      {StepKind::kWsDrop, "wsDrop", {"socket", "how"}, {"socket"}},
      {StepKind::kEvict, "evict", {"object", "class"}, {"object"}},
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

std::string knownRequirement(const YamlField& field, const LoadOptions& options) {
  const std::string id = field.asString();
  if (!options.knownRequirements.empty() && !options.knownRequirements.contains(id)) {
    throw field.error("no requirement \"" + id + "\" in specs/requirements.yaml");
  }
  return id;
}

// --- WebSocket steps ---------------------------------------------------------------------------
// wsSend's forms are turned into one list of frames (args["wire"]), each with every bit spelled
// out, so the runner writes what the loader checked and nothing is decided twice.

// Socket names travel in the upgrade's query and come back in the probe's log events
// (specs/probe-protocol.md, "WebSockets").
const std::regex kSocketName("[A-Za-z0-9._-]{1,64}");
// The largest generated payload: twice the 32 MiB message limit workerd enforces, so a scenario
// can cross the limit while the harness stays bounded.
constexpr double kMaxGeneratedPayload = 64.0 * 1024 * 1024;
const std::vector<std::string> kSocketKinds = {"hibernatable", "accept"};
const std::vector<std::string> kDropHows = {"fin", "reset"};
const std::vector<std::string> kSendForms = {"text", "binary", "textSize",  "binarySize", "ping",
                                             "pong", "close",  "fragments", "frame"};
const std::vector<std::string> kFrameBits = {"fin", "rsv1", "rsv2", "rsv3", "masked"};
const std::vector<std::string> kFrameKeys = {"opcode", "fin",  "rsv1",   "rsv2", "rsv3",
                                             "masked", "text", "base64", "size"};
const std::vector<std::string> kFragmentKeys = {
    "opcode", "fin", "rsv1", "rsv2", "rsv3", "masked", "text", "base64", "size", "ping", "pong"};
constexpr int kOpcodeContinuation = 0;
constexpr int kOpcodeText = 1;
constexpr int kOpcodeBinary = 2;
constexpr int kOpcodeClose = 8;
constexpr int kOpcodePing = 9;
constexpr int kOpcodePong = 10;

std::string joined(const std::vector<std::string>& names) {
  std::string list;
  for (const auto& name : names) {
    list += (list.empty() ? "" : ", ") + name;
  }
  return list;
}

std::string socketName(const YamlField& field) {
  const std::string name = field.asString();
  if (!std::regex_match(name, kSocketName)) {
    throw field.error("a socket name is 1 to 64 characters of A-Z a-z 0-9 . _ -, got \"" + name +
                      "\"");
  }
  return name;
}

uint64_t payloadSize(const YamlField& field) {
  const double value = field.asNumber();
  if (value < 0 || value != std::floor(value) || value > kMaxGeneratedPayload) {
    throw field.error("expected a whole number of bytes from 0 to 67108864 (64 MiB), got " +
                      field.asString());
  }
  return uint64_t(value);
}

int opcodeOf(const YamlField& field) {
  static const std::map<std::string, int> names = {{"continuation", 0}, {"text", 1}, {"binary", 2},
                                                   {"close", 8},        {"ping", 9}, {"pong", 10}};
  static const std::regex number("[0-9]{1,2}");
  const std::string text = field.asString();
  if (const auto found = names.find(text); found != names.end()) {
    return found->second;
  }
  if (std::regex_match(text, number) && std::stoi(text) <= 15) {
    return std::stoi(text);
  }
  throw field.error(
      "expected an opcode: 0 to 15, or continuation, text, binary, close, ping, pong; got \"" +
      text + "\"");
}

std::string base64Of(const YamlField& field) {
  const std::string text = field.asString();
  if (!harness::ws::base64Decode(text)) {
    throw field.error("is not base64 (RFC 4648, with padding)");
  }
  return text;
}

// The payload of a `frame` or a fragment: text, base64 or size (generated bytes, text-like for
// a text message); none is an empty payload.
void addFramePayload(const YamlField& field, bool textMessage, Json& frame) {
  int given = 0;
  for (const char* key : {"text", "base64", "size"}) {
    given += field.has(key) ? 1 : 0;
  }
  if (given > 1) {
    throw field.error("a frame has one payload: text, base64 or size");
  }
  if (field.has("text")) {
    frame["text"] = field.requiredString("text");
  } else if (field.has("base64")) {
    frame["base64"] = base64Of(field.required("base64"));
  } else if (field.has("size")) {
    frame["size"] = payloadSize(field.required("size"));
    frame["generated"] = textMessage ? "text" : "binary";
  } else {
    frame["text"] = "";
  }
}

Json wireFrame(int opcode) {
  return {{"opcode", opcode}, {"fin", true},   {"rsv1", false},
          {"rsv2", false},    {"rsv3", false}, {"masked", true}};
}

void applyFrameBits(const YamlField& field, Json& frame) {
  for (const auto& bit : kFrameBits) {
    if (field.has(bit)) {
      frame[bit] = field.required(bit).asBool();
    }
  }
}

bool isControlFragment(const YamlField& fragment) {
  return fragment.node.IsMap() && (fragment.has("ping") || fragment.has("pong"));
}

// {ping: x} and {pong: x} between fragments are whole control frames (§5.4 allows them).
Json controlFragment(const YamlField& fragment) {
  const char* control = fragment.has("ping") ? "ping" : "pong";
  fragment.rejectUnknownKeys({control, "rsv1", "rsv2", "rsv3", "masked"});
  Json frame = wireFrame(std::string(control) == "ping" ? kOpcodePing : kOpcodePong);
  const YamlField payload = fragment.required(control);
  frame["text"] = payload.node.IsNull() ? std::string() : payload.asString();
  applyFrameBits(fragment, frame);
  return frame;
}

// The first data fragment is text (when it has text) or binary, the others continuations; only
// the last one has FIN. Each may say otherwise with opcode and fin.
Json fragmentFrames(const YamlField& list) {
  if (!list.node.IsSequence() || list.node.size() == 0) {
    throw list.error("expected a non-empty list of fragments");
  }
  size_t lastData = 0;
  for (size_t i = 0; i < list.node.size(); ++i) {
    if (!isControlFragment(list.at(i))) {
      lastData = i;
    }
  }
  Json frames = Json::array();
  bool first = true;
  bool textMessage = false;
  for (size_t i = 0; i < list.node.size(); ++i) {
    const YamlField fragment = list.at(i);
    if (!fragment.node.IsMap()) {
      throw fragment.error(
          "a fragment is a map: {text: ...}, {base64: ...}, {size: n}, {ping: ...} or {pong: ...}");
    }
    if (isControlFragment(fragment)) {
      frames.push_back(controlFragment(fragment));
      continue;
    }
    fragment.rejectUnknownKeys(kFragmentKeys);
    int opcode = first ? (fragment.has("text") ? kOpcodeText : kOpcodeBinary) : kOpcodeContinuation;
    if (fragment.has("opcode")) {
      opcode = opcodeOf(fragment.required("opcode"));
    }
    if (first) {
      textMessage = opcode == kOpcodeText;
      first = false;
    }
    Json frame = wireFrame(opcode);
    frame["fin"] = i == lastData || opcode >= kOpcodeClose;
    addFramePayload(fragment, textMessage, frame);
    applyFrameBits(fragment, frame);
    frames.push_back(std::move(frame));
  }
  return frames;
}

Json closeFrames(const YamlField& close) {
  Json frame = wireFrame(kOpcodeClose);
  if (close.node.IsNull()) {
    frame["text"] = "";
    return Json::array({frame});
  }
  if (!close.node.IsMap()) {
    throw close.error("expected {code: n, reason: text}, or {} for a Close with no payload");
  }
  close.rejectUnknownKeys({"code", "reason"});
  if (close.has("reason") && !close.has("code")) {
    throw close.required("reason").error("a Close reason needs a code before it (RFC 6455 §5.5.1)");
  }
  if (!close.has("code")) {
    frame["text"] = "";
    return Json::array({frame});
  }
  const YamlField codeField = close.required("code");
  const double code = codeField.asNumber();
  if (code < 0 || code > 65535 || code != std::floor(code)) {
    throw codeField.error(
        "a close code is a whole number from 0 to 65535 (invalid codes may be "
        "sent on purpose), got " +
        codeField.asString());
  }
  frame["close"] = {{"code", int(code)}, {"reason", close.optionalString("reason").value_or("")}};
  return Json::array({frame});
}

// The frames a wsSend writes, from whichever form it uses.
Json sendFrames(const YamlField& args) {
  std::vector<std::string> forms;
  for (const auto& form : kSendForms) {
    if (args.has(form)) {
      forms.push_back(form);
    }
  }
  if (forms.size() != 1) {
    throw args.error(forms.empty() ? "wsSend needs what to send: one of " + joined(kSendForms)
                                   : "a wsSend sends one thing; it has both \"" + forms[0] +
                                         "\" and \"" + forms[1] + "\"");
  }
  const std::string& form = forms[0];
  const YamlField value = args.required(form);
  Json frames = Json::array();
  if (form == "text") {
    Json frame = wireFrame(kOpcodeText);
    frame["text"] = value.asString();
    frames.push_back(frame);
  } else if (form == "binary") {
    if (!value.node.IsMap()) {
      throw value.error("expected {base64: \"...\"}");
    }
    value.rejectUnknownKeys({"base64"});
    Json frame = wireFrame(kOpcodeBinary);
    frame["base64"] = base64Of(value.required("base64"));
    frames.push_back(frame);
  } else if (form == "textSize" || form == "binarySize") {
    Json frame = wireFrame(form == "textSize" ? kOpcodeText : kOpcodeBinary);
    frame["size"] = payloadSize(value);
    frame["generated"] = form == "textSize" ? "text" : "binary";
    frames.push_back(frame);
  } else if (form == "ping" || form == "pong") {
    Json frame = wireFrame(form == "ping" ? kOpcodePing : kOpcodePong);
    frame["text"] = value.node.IsNull() ? std::string() : value.asString();
    frames.push_back(frame);
  } else if (form == "close") {
    frames = closeFrames(value);
  } else if (form == "fragments") {
    frames = fragmentFrames(value);
  } else {
    if (!value.node.IsMap()) {
      throw value.error("expected {opcode: n, fin: ..., text: ... | base64: ... | size: n}");
    }
    value.rejectUnknownKeys(kFrameKeys);
    const int opcode = opcodeOf(value.required("opcode"));
    Json frame = wireFrame(opcode);
    addFramePayload(value, opcode == kOpcodeText, frame);
    applyFrameBits(value, frame);
    frames.push_back(frame);
  }
  if (args.has("masked")) {
    const bool masked = args.required("masked").asBool();
    for (auto& frame : frames) {
      frame["masked"] = masked;
    }
  }
  return frames;
}

// Checks a WebSocket step's arguments beyond their keys, and writes what the runner needs.
void loadWsArgs(StepKind kind, const YamlField& args, Json& json, const LoadOptions& options) {
  if (kind == StepKind::kEvict) {
    return;
  }
  json["socket"] = socketName(args.required("socket"));
  switch (kind) {
    case StepKind::kWsConnect:
      if (const auto socketKind = args.optional("kind")) {
        requireOneOf(*socketKind, socketKind->asString(), kSocketKinds);
      }
      if (const auto tags = args.optional("tags")) {
        json["tags"] = tags->asStringList();
      }
      if (const auto headers = args.optional("headers")) {
        if (!headers->node.IsMap()) {
          throw headers->error("expected a map of header names to values");
        }
        Json map = Json::object();
        for (const auto& entry : headers->node) {
          map[entry.first.Scalar()] = headers->required(entry.first.Scalar()).asString();
        }
        json["headers"] = std::move(map);
      }
      break;
    case StepKind::kWsSend:
      json["wire"] = sendFrames(args);
      break;
    case StepKind::kWsReceive:
      if (args.has("until")) {
        if (!args.has("within") || !args.has("requirement")) {
          throw args.error("waiting \"until\" a pattern needs \"within\" and \"requirement\"");
        }
        if (const auto problem = validatePattern(json["until"])) {
          throw args.required("until").error(*problem);
        }
        json["withinSeconds"] = parseDuration(args.required("within"));
        knownRequirement(args.required("requirement"), options);
      } else if (args.has("within") || args.has("requirement")) {
        throw args.error("\"within\" and \"requirement\" belong to a wait: add \"until\"");
      }
      break;
    case StepKind::kWsDrop:
      if (const auto how = args.optional("how")) {
        requireOneOf(*how, how->asString(), kDropHows);
      }
      break;
    default:
      break;
  }
}

bool isWsKind(StepKind kind) {
  return kind == StepKind::kWsConnect || kind == StepKind::kWsSend ||
         kind == StepKind::kWsReceive || kind == StepKind::kWsDrop;
}

// A socket is named by one wsConnect and used only after it: a typo in a socket name would
// otherwise be an ERROR halfway through a run.
void checkSocketUse(const Step& step, const YamlField& field,
                    std::map<std::string, int>& connectedAt) {
  if (!isWsKind(step.kind)) {
    return;
  }
  const YamlField socket = field.required(toString(step.kind)).required("socket");
  const std::string name = step.args.at("socket").get<std::string>();
  if (step.kind == StepKind::kWsConnect) {
    if (const auto earlier = connectedAt.find(name); earlier != connectedAt.end()) {
      throw socket.error("socket \"" + name + "\" is already connected at line " +
                         std::to_string(earlier->second) +
                         "; a socket name stands for one connection");
    }
    connectedAt[name] = step.line;
  } else if (!connectedAt.contains(name)) {
    throw socket.error("no earlier wsConnect opens socket \"" + name + "\"");
  }
}

// A step that depends on a capability needs the scenario to declare it, so that a target
// without it reports PRECONDITION_FAILED instead of failing.
void checkNeeds(const Scenario& scenario, const YamlField& steps) {
  for (size_t i = 0; i < scenario.steps.size(); ++i) {
    const Step& step = scenario.steps[i];
    const char* capability = isWsKind(step.kind)             ? "websockets"
                             : step.kind == StepKind::kEvict ? "eviction"
                                                             : nullptr;
    if (capability != nullptr && std::find(scenario.needs.begin(), scenario.needs.end(),
                                           capability) == scenario.needs.end()) {
      throw steps.at(i)
          .required(toString(step.kind))
          .error("a " + toString(step.kind) + " step needs the scenario to declare needs: [" +
                 capability + "]");
    }
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
      knownRequirement(args.required("requirement"), options);
    }
    if (isWsKind(found->kind) || found->kind == StepKind::kEvict) {
      loadWsArgs(found->kind, args, step.args, options);
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
    if (step.kind == StepKind::kWaitLog ||
        (step.kind == StepKind::kWsReceive && step.args.contains("requirement"))) {
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
  std::map<std::string, int> socketsConnectedAt;
  for (size_t i = 0; i < steps.node.size(); ++i) {
    Step step = loadStep(steps.at(i), i, options);
    if (!stepIds.insert(step.id).second) {
      throw steps.at(i).error("step id \"" + step.id + "\" is used twice");
    }
    checkSocketUse(step, steps.at(i), socketsConnectedAt);
    scenario.steps.push_back(std::move(step));
  }
  checkNeeds(scenario, steps);
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
