#include "harness/target/info_check.h"

#include "common/compat.h"

namespace doc::harness {

namespace {

using Json = nlohmann::json;

void requireString(const Json& object, const std::string& key, const std::string& where,
                   std::vector<std::string>& problems) {
  if (!object.contains(key) || !object[key].is_string() || object[key].get<std::string>().empty()) {
    problems.push_back(where + key + ": a non-empty string is required");
  }
}

void checkProfile(const Json& profile, const std::string& where,
                  std::vector<std::string>& problems) {
  if (!profile.is_object()) {
    problems.push_back(where + ": each profile is an object");
    return;
  }
  for (const char* key : {"name", "compatibilityDate", "baseUrl"}) {
    requireString(profile, key, where + ".", problems);
  }
  if (!profile.contains("compatibilityFlags") || !profile["compatibilityFlags"].is_array()) {
    problems.push_back(where + ".compatibilityFlags: a list of flag names is required");
    return;
  }
  if (!profile.value("name", Json()).is_string() ||
      !profile.value("compatibilityDate", Json()).is_string()) {
    return;
  }
  // The name is the date followed by each flag with '+': the harness selects profiles by it.
  CompatProfile expected;
  try {
    expected.date = CompatDate::parse(profile["compatibilityDate"].get<std::string>());
  } catch (const CompatError& error) {
    problems.push_back(where + ".compatibilityDate: " + error.what());
    return;
  }
  for (const auto& flag : profile["compatibilityFlags"]) {
    expected.flags.push_back(flag.is_string() ? flag.get<std::string>() : flag.dump());
  }
  if (profile["name"].get<std::string>() != expected.name()) {
    problems.push_back(where + ".name: \"" + profile["name"].get<std::string>() +
                       "\" does not match its date and flags, which make \"" + expected.name() +
                       "\"");
  }
  const std::string baseUrl = profile.value("baseUrl", std::string());
  if (!baseUrl.starts_with("http://") || baseUrl.ends_with("/")) {
    problems.push_back(where + ".baseUrl: \"" + baseUrl +
                       "\" must be an http:// URL without a trailing '/'");
  }
}

}  // namespace

std::vector<std::string> checkInfoDocument(const Json& info) {
  std::vector<std::string> problems;
  if (!info.is_object()) {
    return {"/info: the answer must be a JSON object"};
  }

  const Json runtime = info.value("runtime", Json());
  if (!runtime.is_object()) {
    problems.push_back("runtime: an object with name and version is required");
  } else {
    requireString(runtime, "name", "runtime.", problems);
    requireString(runtime, "version", "runtime.", problems);
  }

  const auto versions = info.value("/protocol/versions"_json_pointer, Json());
  if (!versions.is_array() || versions.empty() ||
      std::any_of(versions.begin(), versions.end(),
                  [](const Json& v) { return !v.is_number_integer(); })) {
    problems.push_back("protocol.versions: a non-empty list of whole numbers is required");
  }

  const auto scale = info.value("/clock/scale"_json_pointer, Json());
  if (!scale.is_number() || scale.get<double>() <= 0) {
    problems.push_back("clock.scale: a number greater than 0 is required (1 for real time)");
  }

  const Json profiles = info.value("profiles", Json());
  if (!profiles.is_array() || profiles.empty()) {
    problems.push_back("profiles: a non-empty list is required");
  } else {
    for (size_t i = 0; i < profiles.size(); ++i) {
      checkProfile(profiles[i], "profiles[" + std::to_string(i) + "]", problems);
    }
  }

  const Json capabilities = info.value("capabilities", Json());
  if (!capabilities.is_object()) {
    problems.push_back("capabilities: an object of booleans is required");
  } else {
    for (const auto& name : kProtocolCapabilities) {
      if (!capabilities.contains(name) || !capabilities[name].is_boolean()) {
        problems.push_back("capabilities." + name + ": true or false is required");
      }
    }
  }
  return problems;
}

}  // namespace doc::harness
