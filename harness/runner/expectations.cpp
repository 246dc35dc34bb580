#include "harness/runner/expectations.h"

#include <algorithm>

#include "common/yaml_util.h"

namespace doc::harness {

namespace {

Status parseStatusField(const YamlField& field) {
  const auto status = parseStatus(field.asString());
  if (!status) {
    throw field.error("\"" + field.asString() +
                      "\" is not a status (PASS, FAIL, TIMEOUT, ERROR, SKIP, "
                      "PRECONDITION_FAILED, FLAKY)");
  }
  return *status;
}

}  // namespace

ExpectationFile loadExpectationFile(const std::string& path) {
  const YamlField root{path, loadYamlFile(path), ""};
  root.rejectUnknownKeys({"target", "results"});
  ExpectationFile file;
  const auto results = root.optional("results");
  if (!results || results->node.IsNull()) {
    return file;
  }
  if (!results->node.IsMap()) {
    throw results->error("expected a map from result id to {status, reason}");
  }
  for (const auto& entry : results->node) {
    const std::string id = entry.first.Scalar();
    if (file.contains(id)) {
      throw ConfigError(path, entry.first.Mark().line + 1, "results." + id,
                        "is listed twice; the first entry would be silently dropped");
    }
    const YamlField field = *results->optional(id);
    field.rejectUnknownKeys({"status", "reason", "intermittent", "runs"});
    ExpectedOutcome outcome;
    outcome.line = field.line();
    outcome.status = parseStatusField(field.required("status"));
    outcome.reason = field.requiredString("reason");
    if (outcome.reason.empty()) {
      throw field.required("reason").error("a known failure needs a reason");
    }
    if (const auto intermittent = field.optional("intermittent")) {
      for (size_t i = 0; i < intermittent->node.size(); ++i) {
        outcome.intermittent.push_back(parseStatusField(intermittent->at(i)));
      }
      // Flakiness is a claim about runs: it is accepted only with the runs that showed it.
      const auto runs = field.optional("runs");
      if (!runs || !runs->node.IsSequence() || runs->node.size() < 2) {
        throw intermittent->error(
            "an intermittent result needs \"runs\": the runs (date and run id, or report "
            "paths) that showed its different statuses, at least two");
      }
      outcome.runs = runs->asStringList();
    }
    file[id] = std::move(outcome);
  }
  return file;
}

void applyExpectations(const ExpectationFile& file, std::vector<Result>& results) {
  for (auto& result : results) {
    const auto found = file.find(result.id);
    if (found == file.end()) {
      continue;
    }
    const ExpectedOutcome& outcome = found->second;
    result.expected = outcome.status;
    result.expectationReason = outcome.reason;
    // An intermittent result is expected whichever of its known statuses it shows this time.
    if (std::find(outcome.intermittent.begin(), outcome.intermittent.end(), result.status) !=
        outcome.intermittent.end()) {
      result.expected = result.status;
    }
  }
}

std::vector<std::string> unusedExpectations(const ExpectationFile& file,
                                            const std::vector<Result>& results) {
  std::vector<std::string> unused;
  for (const auto& [id, outcome] : file) {
    const bool used = std::any_of(results.begin(), results.end(),
                                  [&id](const Result& result) { return result.id == id; });
    if (!used) {
      unused.push_back(id);
    }
  }
  return unused;
}

std::string renderExpectationFile(const std::vector<Result>& results, const std::string& target) {
  YAML::Emitter out;
  out << YAML::Comment("Known results of " + target +
                       " that are not PASS. Replace each reason with the cause and its source.");
  out << YAML::BeginMap << YAML::Key << "target" << YAML::Value << target;
  out << YAML::Key << "results" << YAML::Value << YAML::BeginMap;
  for (const auto& result : results) {
    if (result.status == Status::kPass) {
      continue;
    }
    out << YAML::Key << result.id << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "status" << YAML::Value << toString(result.status);
    out << YAML::Key << "reason" << YAML::Value << YAML::DoubleQuoted
        << (result.expectationReason.empty() ? "observed: " + result.message
                                             : result.expectationReason);
    out << YAML::EndMap;
  }
  out << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace doc::harness
