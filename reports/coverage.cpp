#include "reports/coverage.h"

#include <algorithm>
#include <functional>
#include <set>

#include "reports/requirements_doc.h"
#include "reports/text_util.h"

namespace doc::reports {

namespace {

using harness::Scenario;
using harness::StepKind;
using nlohmann::json;

const std::vector<std::string> kLevels = {"MUST", "SHOULD", "MAY"};

// "do-reference 0.1.0"; a second report of the same target and version gets " #2".
std::vector<std::string> targetLabels(const std::vector<json>& reports) {
  std::vector<std::string> labels;
  for (const json& report : reports) {
    const json run = report.value("run", json::object());
    std::string label = run.value("targetName", "unknown target");
    if (const std::string version = run.value("targetVersion", ""); !version.empty()) {
      label += " " + version;
    }
    const std::string base = label;
    for (int n = 2; std::find(labels.begin(), labels.end(), label) != labels.end(); ++n) {
      label = base + " #" + std::to_string(n);
    }
    labels.push_back(label);
  }
  return labels;
}

void addCitation(std::vector<Citation>& citations, const Scenario& scenario,
                 const std::string& stepId) {
  const bool known = std::any_of(citations.begin(), citations.end(), [&](const Citation& c) {
    return c.scenarioId == scenario.id && c.stepId == stepId;
  });
  if (!known) {
    citations.push_back({scenario.id, stepId});
  }
}

// Every (requirement, scenario, step) the scenarios cite, as Scenario::requirements() counts
// them: each expectation's requirement, and a waitLog or wsReceive step's own `requirement:`.
std::map<std::string, std::vector<Citation>> citationsById(const std::vector<Scenario>& scenarios) {
  std::map<std::string, std::vector<Citation>> byId;
  for (const Scenario& scenario : scenarios) {
    for (const harness::Step& step : scenario.steps) {
      const bool waits = step.kind == StepKind::kWaitLog || step.kind == StepKind::kWsReceive;
      if (waits && step.args.contains("requirement") && step.args["requirement"].is_string()) {
        addCitation(byId[step.args["requirement"].get<std::string>()], scenario, step.id);
      }
      for (const harness::Expectation& expectation : step.expect) {
        addCitation(byId[expectation.requirement], scenario, step.id);
      }
    }
  }
  return byId;
}

std::string statusCounts(const std::vector<CitingResult>& results) {
  std::map<std::string, int> counts;
  int unexpected = 0;
  for (const CitingResult& result : results) {
    ++counts[result.status];
    unexpected += result.unexpected ? 1 : 0;
  }
  std::string text;
  for (const auto& [status, count] : counts) {
    text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + status;
  }
  if (unexpected > 0) {
    text = "❌ " + text + " (" + std::to_string(unexpected) + " unexpected)";
  }
  return text;
}

std::string citationList(const std::vector<Citation>& citations) {
  std::string text;
  for (size_t i = 0; i < citations.size();) {
    const std::string& scenario = citations[i].scenarioId;
    std::string steps;
    for (; i < citations.size() && citations[i].scenarioId == scenario; ++i) {
      steps += (steps.empty() ? "" : ", ") + citations[i].stepId;
    }
    text += (text.empty() ? "" : "<br>") + ("`" + scenario + "` (" + markdownCell(steps) + ")");
  }
  return text;
}

std::vector<std::string> idsWhere(const Coverage& coverage,
                                  const std::function<bool(const RequirementCoverage&)>& keep) {
  std::vector<std::string> ids;
  for (const RequirementCoverage& requirement : coverage.requirements) {
    if (keep(requirement)) {
      ids.push_back(requirement.id);
    }
  }
  return ids;
}

}  // namespace

Coverage computeCoverage(const json& requirementsDoc, const std::vector<Scenario>& scenarios,
                         const std::vector<json>& reports) {
  Coverage coverage;
  coverage.targets = targetLabels(reports);
  auto citations = citationsById(scenarios);

  std::map<std::string, std::set<std::string>> scenariosById;
  for (const auto& [id, list] : citations) {
    for (const Citation& citation : list) {
      scenariosById[id].insert(citation.scenarioId);
    }
  }

  std::set<std::string> known;
  for (const json& entry : requirementsDoc.value("requirements", json::array())) {
    RequirementCoverage requirement;
    requirement.id = entry.value("id", "");
    requirement.level = entry.value("level", "");
    requirement.text = entry.value("text", "");
    requirement.status = entry.value("status", "");
    if (const auto found = citations.find(requirement.id); found != citations.end()) {
      requirement.citations = found->second;
    }
    known.insert(requirement.id);
    coverage.requirements.push_back(std::move(requirement));
  }

  std::set<std::string> unknown;
  for (const auto& [id, list] : citations) {
    if (!known.contains(id)) {
      unknown.insert(id);
    }
  }

  for (size_t i = 0; i < reports.size(); ++i) {
    for (const json& result : reports[i].value("results", json::array())) {
      std::set<std::string> cited;
      for (const json& id : result.value("requirements", json::array())) {
        cited.insert(id.get<std::string>());
      }
      const std::string scenario = result.value("scenario", "");
      for (const auto& [id, citingScenarios] : scenariosById) {
        if (citingScenarios.contains(scenario)) {
          cited.insert(id);
        }
      }
      const CitingResult citing{result.value("id", ""), result.value("status", ""),
                                result.value("unexpected", false)};
      for (RequirementCoverage& requirement : coverage.requirements) {
        if (cited.erase(requirement.id) > 0) {
          requirement.results[coverage.targets[i]].push_back(citing);
        }
      }
      unknown.insert(cited.begin(), cited.end());
    }
  }
  coverage.unknownCited.assign(unknown.begin(), unknown.end());
  return coverage;
}

std::vector<std::string> uncited(const Coverage& coverage, const std::string& level) {
  return idsWhere(coverage, [&](const RequirementCoverage& requirement) {
    return requirement.status.empty() && requirement.citations.empty() &&
           (level.empty() || requirement.level == level);
  });
}

std::vector<std::string> uncoveredMust(const Coverage& coverage) {
  return uncited(coverage, "MUST");
}

std::vector<std::string> plannedButCited(const Coverage& coverage) {
  return idsWhere(coverage, [](const RequirementCoverage& requirement) {
    return requirement.status == kPlannedStatus && !requirement.citations.empty();
  });
}

std::vector<std::string> withdrawnButCited(const Coverage& coverage) {
  return idsWhere(coverage, [](const RequirementCoverage& requirement) {
    return requirement.status == kWithdrawnStatus && !requirement.citations.empty();
  });
}

std::string coverageSummaryLine(const Coverage& coverage) {
  std::map<std::string, std::pair<int, int>> byLevel;  // Level -> (cited, active).
  int planned = 0;
  int withdrawn = 0;
  for (const RequirementCoverage& requirement : coverage.requirements) {
    if (requirement.status == kPlannedStatus) {
      ++planned;
    } else if (requirement.status == kWithdrawnStatus) {
      ++withdrawn;
    } else {
      auto& [cited, active] = byLevel[requirement.level];
      ++active;
      cited += requirement.citations.empty() ? 0 : 1;
    }
  }

  int cited = 0;
  int active = 0;
  std::string levels;
  for (const std::string& level : kLevels) {
    const auto [levelCited, levelActive] = byLevel[level];
    cited += levelCited;
    active += levelActive;
    levels += (levels.empty() ? "" : ", ") + level + " " + std::to_string(levelCited) + "/" +
              std::to_string(levelActive);
  }
  return "Coverage: " + std::to_string(cited) + " of " + std::to_string(active) +
         " active requirements cited (" + levels + "); " + std::to_string(planned) + " planned, " +
         std::to_string(withdrawn) + " withdrawn; " +
         std::to_string(uncoveredMust(coverage).size()) + " MUST uncovered.";
}

std::string renderCoverageMarkdown(const Coverage& coverage) {
  std::string text = "# Requirement coverage\n\n" + coverageSummaryLine(coverage) + "\n\n";

  text += "| Requirement | Level | Checked by |";
  std::string rule = "|---|---|---|";
  for (const std::string& target : coverage.targets) {
    text += " " + markdownCell(target) + " |";
    rule += "---|";
  }
  text += " Text |\n" + rule + "---|\n";
  for (const RequirementCoverage& requirement : coverage.requirements) {
    std::string checkedBy = citationList(requirement.citations);
    if (checkedBy.empty()) {
      checkedBy = requirement.status.empty() ? "**none**" : "—";
    }
    const std::string level =
        requirement.level + (requirement.status.empty() ? "" : " (" + requirement.status + ")");
    text += "| " + requirement.id + " | " + level + " | " + checkedBy + " |";
    for (const std::string& target : coverage.targets) {
      const auto found = requirement.results.find(target);
      text += " " + (found != requirement.results.end() ? statusCounts(found->second) : "") + " |";
    }
    text += " " + markdownCell(requirement.text) + " |\n";
  }

  const auto section = [&](const std::string& title, const std::vector<std::string>& ids) {
    if (ids.empty()) {
      return;
    }
    text += "\n## " + title + " (" + std::to_string(ids.size()) + ")\n\n";
    for (const std::string& id : ids) {
      text += "- " + id + "\n";
    }
  };
  for (const std::string& level : kLevels) {
    section("Active " + level + " requirements no scenario cites", uncited(coverage, level));
  }
  section("Planned requirements a scenario cites (remove `status: planned`)",
          plannedButCited(coverage));
  section("Withdrawn requirements a scenario still cites", withdrawnButCited(coverage));
  section("Cited ids missing from the requirements file", coverage.unknownCited);
  return text;
}

}  // namespace doc::reports
