// Loads scenarios from YAML files. Every problem is a ConfigError naming the file, the line and
// the field; a folder is loaded whole before anything runs, so one bad file stops the run before
// it starts rather than halfway through.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "harness/scenario/scenario.h"

namespace doc::harness {

struct LoadOptions {
  // The profile used when a scenario names none: the newest supported compatibility date.
  std::string defaultProfile;
  // Requirement ids that exist; an expectation citing another id is an error. Empty: unchecked.
  std::set<std::string> knownRequirements;
};

// `id` is the scenario's id; `file` is only used in messages.
Scenario loadScenarioText(const std::string& text, const std::string& id, const std::string& file,
                          const LoadOptions& options);
Scenario loadScenarioFile(const std::string& path, const std::string& id,
                          const LoadOptions& options);
// Every *.yaml below `folder`, sorted by id.
std::vector<Scenario> loadScenarioFolder(const std::string& folder, const LoadOptions& options);

// The requirement ids of specs/requirements.yaml (or another file in that format).
std::set<std::string> loadRequirementIds(const std::string& path);

}  // namespace doc::harness
