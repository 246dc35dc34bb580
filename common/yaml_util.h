// Reading YAML with errors that name the file, the line and the field, so that a person can fix a
// scenario or a spec file without guessing. Every YAML reader in the project goes through here.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace doc {

// A bad input file: the message already says "file:line: field: what is wrong".
class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& file, int line, const std::string& field,
              const std::string& problem);

  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& field() const { return field_; }

 private:
  std::string file_;
  int line_;
  std::string field_;
};

// Parses a whole file; a syntax error becomes a ConfigError with yaml-cpp's line.
YAML::Node loadYamlFile(const std::string& path);
YAML::Node loadYamlString(const std::string& text, const std::string& nameForErrors);

// A node together with where it came from. `path` is the dotted field name ("steps[2].fetch").
struct YamlField {
  std::string file;
  YAML::Node node;
  std::string path;

  int line() const { return node.Mark().line >= 0 ? node.Mark().line + 1 : 0; }
  ConfigError error(const std::string& problem) const;

  bool has(const std::string& key) const;
  YamlField required(const std::string& key) const;
  std::optional<YamlField> optional(const std::string& key) const;
  YamlField at(size_t index) const;

  std::string asString() const;
  double asNumber() const;
  bool asBool() const;
  std::vector<std::string> asStringList() const;
  std::string requiredString(const std::string& key) const { return required(key).asString(); }
  std::optional<std::string> optionalString(const std::string& key) const;

  // Fails on any key of a map that is not in `known`, naming the first unknown one: a typo in a
  // scenario must not silently turn an expectation off.
  void rejectUnknownKeys(const std::vector<std::string>& known) const;

 private:
  std::string childPath(const std::string& key) const;
};

}  // namespace doc
