#include "harness/compare/report_diff.h"

#include <map>
#include <regex>
#include <set>

namespace doc::harness {

namespace {

using Json = nlohmann::json;

// Epoch milliseconds after 2001: no count or size in a trace comes near.
constexpr double kEpochMsThreshold = 1e12;

// "at" and "endedAt" are WebSocket frame and connection-end times (harness/ws/ws_observation.h).
const std::set<std::string> kIgnoredKeys = {
    "ts", "durationMs", "startedMs", "last", "reads", "waitedMs", "headers", "at", "endedAt"};

std::string normaliseText(const std::string& text) {
  static const std::regex objectId("[0-9a-f]{64}");
  static const std::regex runId("(check-)?r[0-9a-f]{8}(/|%2F)");
  std::string result = std::regex_replace(text, objectId, "<id>");
  return std::regex_replace(result, runId, "<run>$2");
}

std::string show(const Json& value) {
  const std::string text = value.dump();
  return text.size() > 120 ? text.substr(0, 120) + "..." : text;
}

// The first place where two normalised values differ, as "pointer: a vs b".
std::string firstDifference(const Json& a, const Json& b, const std::string& path) {
  if (a.type() != b.type() && !(a.is_number() && b.is_number())) {
    return path + ": " + show(a) + " vs " + show(b);
  }
  if (a.is_object()) {
    std::set<std::string> keys;
    for (const auto& [key, value] : a.items())
      keys.insert(key);
    for (const auto& [key, value] : b.items())
      keys.insert(key);
    for (const auto& key : keys) {
      if (!a.contains(key) || !b.contains(key)) {
        return path + "/" + key + ": " + (a.contains(key) ? show(a[key]) : "(absent)") + " vs " +
               (b.contains(key) ? show(b[key]) : "(absent)");
      }
      if (auto found = firstDifference(a[key], b[key], path + "/" + key); !found.empty()) {
        return found;
      }
    }
    return "";
  }
  if (a.is_array()) {
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      if (auto found = firstDifference(a[i], b[i], path + "/" + std::to_string(i));
          !found.empty()) {
        return found;
      }
    }
    if (a.size() != b.size()) {
      return path + ": " + std::to_string(a.size()) + " elements vs " + std::to_string(b.size());
    }
    return "";
  }
  return a == b ? "" : path + ": " + show(a) + " vs " + show(b);
}

std::string describeTarget(const Json& report) {
  const Json run = report.value("run", Json::object());
  return run.value("targetName", std::string("?")) + " " +
         run.value("targetVersion", std::string(""));
}

}  // namespace

Json normaliseObservation(const Json& observation) {
  if (observation.is_object()) {
    Json result = Json::object();
    for (const auto& [key, value] : observation.items()) {
      if (!kIgnoredKeys.contains(key)) {
        result[key] = normaliseObservation(value);
      }
    }
    return result;
  }
  if (observation.is_array()) {
    Json result = Json::array();
    for (const auto& element : observation) {
      result.push_back(normaliseObservation(element));
    }
    return result;
  }
  if (observation.is_number() && observation.get<double>() > kEpochMsThreshold) {
    return "<time>";
  }
  if (observation.is_string()) {
    // A JSON body (the probe's /echo) is compared as JSON, so key order does not matter.
    const std::string& text = observation.get_ref<const std::string&>();
    if (!text.empty() && (text.front() == '{' || text.front() == '[')) {
      const Json parsed = Json::parse(text, nullptr, false);
      if (!parsed.is_discarded()) {
        return normaliseObservation(parsed);
      }
    }
    return normaliseText(text);
  }
  return observation;
}

std::vector<ResultDifference> diffReports(const Json& a, const Json& b) {
  // Pointers into the reports themselves, which outlive this function's maps.
  std::map<std::string, const Json*> resultsA, resultsB;
  std::set<std::string> ids;
  for (const auto& [report, byId] : {std::pair{&a, &resultsA}, std::pair{&b, &resultsB}}) {
    if (!report->contains("results")) {
      continue;
    }
    for (const auto& result : report->at("results")) {
      const std::string id = result.value("id", std::string());
      (*byId)[id] = &result;
      ids.insert(id);
    }
  }

  std::vector<ResultDifference> differences;
  for (const auto& id : ids) {
    const Json* left = resultsA.contains(id) ? resultsA[id] : nullptr;
    const Json* right = resultsB.contains(id) ? resultsB[id] : nullptr;
    ResultDifference difference{id, left ? (*left)["status"].get<std::string>() : "-",
                                right ? (*right)["status"].get<std::string>() : "-", ""};
    if (left && right) {
      const Json& traceA = (*left)["trace"];
      const Json& traceB = (*right)["trace"];
      for (size_t i = 0; i < std::max(traceA.size(), traceB.size()); ++i) {
        if (i >= traceA.size() || i >= traceB.size()) {
          difference.firstDifference = "one trace stops after step " + std::to_string(i);
          break;
        }
        const std::string found =
            firstDifference(normaliseObservation(traceA[i].value("observation", Json())),
                            normaliseObservation(traceB[i].value("observation", Json())), "");
        if (!found.empty()) {
          difference.firstDifference =
              "step \"" + traceA[i].value("id", std::string()) + "\" at " + found;
          break;
        }
      }
    }
    if (difference.statusA != difference.statusB || !difference.firstDifference.empty()) {
      differences.push_back(std::move(difference));
    }
  }
  return differences;
}

std::string renderDifferences(const Json& a, const Json& b,
                              const std::vector<ResultDifference>& differences) {
  const auto cell = [](std::string text) {
    // A Markdown table cell: pipes and line breaks would end it early.
    for (size_t at = text.find('|'); at != std::string::npos; at = text.find('|', at + 2)) {
      text.replace(at, 1, "\\|");
    }
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
  };
  std::string out = "| result | " + cell(describeTarget(a)) + " | " + cell(describeTarget(b)) +
                    " | first difference (normalised trace) |\n|---|---|---|---|\n";
  for (const auto& difference : differences) {
    out += "| `" + cell(difference.id) + "` | " + difference.statusA + " | " + difference.statusB +
           " | " +
           cell(difference.firstDifference.empty() ? "status only" : difference.firstDifference) +
           " |\n";
  }
  if (differences.empty()) {
    out += "| (none) | | | |\n";
  }
  return out;
}

}  // namespace doc::harness
