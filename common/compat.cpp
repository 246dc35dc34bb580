#include "common/compat.h"

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <iomanip>
#include <regex>
#include <sstream>

#include "common/paths.h"
#include "common/yaml_util.h"

namespace doc {

CompatDate CompatDate::parse(const std::string& text) {
  static const std::regex shape(R"(\d{4}-\d{2}-\d{2})");
  if (!std::regex_match(text, shape)) {
    throw CompatError("malformed compatibility date \"" + text + "\": expected YYYY-MM-DD");
  }
  const std::chrono::year_month_day ymd{std::chrono::year{std::stoi(text.substr(0, 4))},
                                        std::chrono::month{unsigned(std::stoi(text.substr(5, 2)))},
                                        std::chrono::day{unsigned(std::stoi(text.substr(8, 2)))}};
  if (!ymd.ok()) {
    throw CompatError("malformed compatibility date \"" + text + "\": no such calendar day");
  }
  return CompatDate{text};
}

CompatDate CompatDate::todayUtc() {
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::chrono::year_month_day ymd{today};
  std::ostringstream text;
  text << std::setfill('0') << std::setw(4) << int(ymd.year()) << '-' << std::setw(2)
       << unsigned(ymd.month()) << '-' << std::setw(2) << unsigned(ymd.day());
  return CompatDate{text.str()};
}

std::string CompatProfile::name() const {
  std::string result = date.iso;
  for (const auto& flag : flags) {
    result += "+" + flag;
  }
  return result;
}

CompatProfile CompatProfile::parseName(const std::string& name) {
  CompatProfile profile;
  size_t start = 0;
  size_t plus = name.find('+');
  profile.date = CompatDate::parse(name.substr(0, plus));
  while (plus != std::string::npos) {
    start = plus + 1;
    plus = name.find('+', start);
    std::string flag = name.substr(start, plus == std::string::npos ? plus : plus - start);
    if (flag.empty()) {
      throw CompatError("malformed profile name \"" + name + "\": empty flag after '+'");
    }
    profile.flags.push_back(std::move(flag));
  }
  return profile;
}

CompatTable::CompatTable(std::vector<CompatFlag> flags, CompatDate newestSupported)
    : flags_(std::move(flags)), newestSupported_(std::move(newestSupported)) {}

CompatTable CompatTable::load(const std::string& path) {
  const YAML::Node root = loadYamlFile(path);
  const YamlField top{path, root, ""};

  std::vector<CompatFlag> flags;
  const YamlField list = top.required("flags");
  for (size_t i = 0; i < list.node.size(); ++i) {
    const YamlField entry = list.at(i);
    CompatFlag flag;
    flag.enableName = entry.requiredString("enable");
    flag.disableName = entry.optionalString("disable").value_or("");
    const YamlField date = entry.required("date");
    try {
      flag.enableDate = CompatDate::parse(date.asString());
    } catch (const CompatError& error) {
      throw date.error(error.what());
    }
    flag.summary = entry.optionalString("summary").value_or("");
    flag.source = entry.optionalString("source").value_or("");
    flags.push_back(std::move(flag));
  }

  const YamlField newest = top.required("newestSupportedDate");
  try {
    return CompatTable(std::move(flags), CompatDate::parse(newest.asString()));
  } catch (const CompatError& error) {
    throw newest.error(error.what());
  }
}

CompatTable CompatTable::loadDefault() {
  return load(sourcePath("specs/compat-flags.yaml"));
}

const CompatFlag* CompatTable::findByAnyName(const std::string& name) const {
  for (const auto& flag : flags_) {
    if (flag.enableName == name || (!flag.disableName.empty() && flag.disableName == name)) {
      return &flag;
    }
  }
  return nullptr;
}

FlagSet CompatTable::resolve(const CompatProfile& profile, const CompatDate& today) const {
  const std::string where = "profile \"" + profile.name() + "\": ";

  if (profile.date > newestSupported_) {
    throw CompatError(where + "compatibility date " + profile.date.iso +
                      " is after the newest date this runtime supports, " + newestSupported_.iso);
  }
  if (profile.date > today) {
    throw CompatError(where + "compatibility date " + profile.date.iso +
                      " is in the future (today is " + today.iso + " UTC)");
  }

  std::set<std::string> given;
  for (const auto& name : profile.flags) {
    if (findByAnyName(name) == nullptr) {
      throw CompatError(where + "no such compatibility flag: " + name);
    }
    if (!given.insert(name).second) {
      throw CompatError(where + "compatibility flag given twice: " + name);
    }
  }

  FlagSet result;
  for (const auto& flag : flags_) {
    const bool enableGiven = given.contains(flag.enableName);
    const bool disableGiven = !flag.disableName.empty() && given.contains(flag.disableName);
    if (enableGiven && disableGiven) {
      throw CompatError(where + "contradictory compatibility flags: " + flag.enableName + " and " +
                        flag.disableName);
    }
    if (enableGiven || (profile.date >= flag.enableDate && !disableGiven)) {
      result.set(flag.enableName);
    }
  }
  return result;
}

}  // namespace doc
