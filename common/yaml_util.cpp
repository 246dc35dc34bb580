#include "common/yaml_util.h"

#include <algorithm>
#include <fstream>
#include <set>

namespace doc {

namespace {

std::string describe(const std::string& file, int line, const std::string& field,
                     const std::string& problem) {
  std::string text = file;
  if (line > 0) {
    text += ":" + std::to_string(line);
  }
  text += ": ";
  if (!field.empty()) {
    text += "field '" + field + "': ";
  }
  return text + problem;
}

const char* kindName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "an undefined node";
  }
}

}  // namespace

ConfigError::ConfigError(const std::string& file, int line, const std::string& field,
                         const std::string& problem)
    : std::runtime_error(describe(file, line, field, problem)),
      file_(file),
      line_(line),
      field_(field) {}

YAML::Node loadYamlFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw ConfigError(path, 0, "", "cannot open the file");
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return loadYamlString(text, path);
}

YAML::Node loadYamlString(const std::string& text, const std::string& nameForErrors) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& error) {
    throw ConfigError(nameForErrors, error.mark.line + 1, "", "YAML syntax error: " + error.msg);
  }
}

ConfigError YamlField::error(const std::string& problem) const {
  return ConfigError(file, line(), path, problem);
}

std::string YamlField::childPath(const std::string& key) const {
  return path.empty() ? key : path + "." + key;
}

bool YamlField::has(const std::string& key) const {
  return node.IsMap() && node[key].IsDefined();
}

YamlField YamlField::required(const std::string& key) const {
  if (!node.IsMap()) {
    throw error(std::string("expected a map, found ") + kindName(node));
  }
  const YAML::Node child = node[key];
  if (!child.IsDefined()) {
    throw ConfigError(file, line(), childPath(key), "is required but missing");
  }
  return YamlField{file, child, childPath(key)};
}

std::optional<YamlField> YamlField::optional(const std::string& key) const {
  if (!has(key)) {
    return std::nullopt;
  }
  return YamlField{file, node[key], childPath(key)};
}

YamlField YamlField::at(size_t index) const {
  if (!node.IsSequence()) {
    throw error(std::string("expected a list, found ") + kindName(node));
  }
  return YamlField{file, node[index], path + "[" + std::to_string(index) + "]"};
}

std::string YamlField::asString() const {
  if (!node.IsScalar()) {
    throw error(std::string("expected a string, found ") + kindName(node));
  }
  return node.Scalar();
}

double YamlField::asNumber() const {
  try {
    if (node.IsScalar()) {
      return node.as<double>();
    }
  } catch (const YAML::Exception&) {
  }
  throw error("expected a number, found \"" + (node.IsScalar() ? node.Scalar() : kindName(node)) +
              "\"");
}

bool YamlField::asBool() const {
  try {
    if (node.IsScalar()) {
      return node.as<bool>();
    }
  } catch (const YAML::Exception&) {
  }
  throw error("expected true or false");
}

std::vector<std::string> YamlField::asStringList() const {
  if (node.IsScalar()) {
    return {node.Scalar()};
  }
  std::vector<std::string> result;
  for (size_t i = 0; i < node.size(); ++i) {
    result.push_back(at(i).asString());
  }
  return result;
}

std::optional<std::string> YamlField::optionalString(const std::string& key) const {
  const auto child = optional(key);
  if (!child) {
    return std::nullopt;
  }
  return child->asString();
}

void YamlField::rejectUnknownKeys(const std::vector<std::string>& known) const {
  if (!node.IsMap()) {
    throw error(std::string("expected a map, found ") + kindName(node));
  }
  std::set<std::string> seen;
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    if (!seen.insert(key).second) {
      // yaml-cpp keeps the first of two equal keys: the second would be silently dropped.
      throw ConfigError(file, entry.first.Mark().line + 1, childPath(key),
                        "is given twice in the same map");
    }
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (const auto& name : known) {
        list += (list.empty() ? "" : ", ") + name;
      }
      throw ConfigError(file, entry.first.Mark().line + 1, childPath(key),
                        "unknown field (known: " + list + ")");
    }
  }
}

}  // namespace doc
