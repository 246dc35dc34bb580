#include "reports/requirements_doc.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/paths.h"
#include "common/yaml_util.h"
#include "harness/scenario/scenario_loader.h"
#include "reports/test_support.h"

namespace doc::reports {
namespace {

using nlohmann::json;

std::string writeSpec(const std::string& name, const std::string& text) {
  const std::string path = test_support::scratchDirectory(name) + "/requirements.yaml";
  std::ofstream(path) << text;
  return path;
}

ConfigError loadError(const std::string& name, const std::string& text) {
  try {
    loadRequirementsDocument(writeSpec(name, text));
  } catch (const ConfigError& error) {
    return error;
  }
  ADD_FAILURE() << "loaded:\n" << text;
  return ConfigError("", 0, "", "");
}

TEST(RequirementsDocument, TheProjectsFileLoadsWithEveryIdTheScenarioLoaderKnows) {
  const std::string path = sourcePath("specs/requirements.yaml");
  const json doc = loadRequirementsDocument(path);

  const std::set<std::string> ids = harness::loadRequirementIds(path);
  ASSERT_EQ(doc["requirements"].size(), ids.size());
  for (const json& requirement : doc["requirements"]) {
    EXPECT_TRUE(ids.contains(requirement["id"])) << requirement["id"];
    EXPECT_FALSE(requirement["text"].get<std::string>().empty()) << requirement["id"];
  }
  EXPECT_EQ(doc["requirements"][0]["id"], "FETCH-001");
  EXPECT_EQ(doc["requirements"][0]["level"], "MUST");
  EXPECT_EQ(doc["requirements"][0]["source"]["kind"], "seed");
}

TEST(RequirementsDocument, OptionalKeysComeThroughAsStrings) {
  const json doc = loadRequirementsDocument(
      writeSpec("reqdoc_optional",
                "requirements:\n"
                "  - id: A-001\n    level: MUST\n    text: \"x\"\n    status: planned\n"
                "  - id: A-002\n    level: MAY\n    text: \"y\"\n    divergence: \"10 ms\"\n"
                "    source: {kind: seed, ref: 3}\n"));
  EXPECT_EQ(doc["requirements"][0]["status"], "planned");
  EXPECT_EQ(doc["requirements"][1]["divergence"], "10 ms");
  EXPECT_EQ(doc["requirements"][1]["source"]["ref"], "3");
  EXPECT_FALSE(doc["requirements"][1].contains("status"));
}

TEST(RequirementsDocument, ABadEntryIsAConfigErrorNamingTheLineAndField) {
  const ConfigError twice = loadError("reqdoc_twice",
                                      "requirements:\n  - id: A-001\n    level: MUST\n    text: x\n"
                                      "  - id: A-001\n    level: MUST\n    text: y\n");
  EXPECT_EQ(twice.line(), 5);
  EXPECT_NE(std::string(twice.what()).find("defined twice"), std::string::npos);

  const ConfigError level =
      loadError("reqdoc_level", "requirements:\n  - id: A-001\n    level: MUSTN'T\n    text: x\n");
  EXPECT_EQ(level.line(), 3);
  EXPECT_NE(level.field().find("level"), std::string::npos) << level.field();

  const ConfigError status =
      loadError("reqdoc_status",
                "requirements:\n  - id: A-001\n    level: MUST\n    text: x\n"
                "    status: someday\n");
  EXPECT_EQ(status.line(), 5);

  const ConfigError text =
      loadError("reqdoc_text", "requirements:\n  - id: A-001\n    level: MAY\n");
  EXPECT_NE(text.field().find("text"), std::string::npos) << text.field();
}

}  // namespace
}  // namespace doc::reports
