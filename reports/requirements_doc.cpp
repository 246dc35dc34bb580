#include "reports/requirements_doc.h"

#include <set>

#include "common/yaml_util.h"

namespace doc::reports {

namespace {

using nlohmann::json;

const std::set<std::string> kLevels = {"MUST", "SHOULD", "MAY"};
const std::set<std::string> kStatuses = {kWithdrawnStatus, kPlannedStatus};

// Any YAML node as JSON with every scalar a string: the file holds text, not numbers.
json toJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return node.as<std::string>();
    case YAML::NodeType::Sequence: {
      json list = json::array();
      for (const YAML::Node& item : node) {
        list.push_back(toJson(item));
      }
      return list;
    }
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& entry : node) {
        object[entry.first.as<std::string>()] = toJson(entry.second);
      }
      return object;
    }
    default:
      return nullptr;
  }
}

json requirementJson(const YamlField& entry, std::set<std::string>& seen) {
  if (!entry.node.IsMap()) {
    throw entry.error("a requirement is a map with id, level, text and source");
  }
  const YamlField id = entry.required("id");
  if (!seen.insert(id.asString()).second) {
    throw id.error("requirement id \"" + id.asString() + "\" is defined twice");
  }
  const YamlField level = entry.required("level");
  if (!kLevels.contains(level.asString())) {
    throw level.error("\"" + level.asString() + "\" is not MUST, SHOULD or MAY");
  }
  entry.required("text").asString();
  if (const auto status = entry.optional("status")) {
    if (!kStatuses.contains(status->asString())) {
      throw status->error("\"" + status->asString() +
                          "\" is not a requirement status (withdrawn, planned; absent: active)");
    }
  }
  return toJson(entry.node);
}

}  // namespace

json loadRequirementsDocument(const std::string& path) {
  const YamlField root{path, loadYamlFile(path), ""};
  const YamlField list = root.required("requirements");
  if (!list.node.IsSequence()) {
    throw list.error("expected a list of requirements");
  }
  json requirements = json::array();
  std::set<std::string> seen;
  for (size_t i = 0; i < list.node.size(); ++i) {
    requirements.push_back(requirementJson(list.at(i), seen));
  }
  return {{"requirements", std::move(requirements)}};
}

}  // namespace doc::reports
