#include "harness/target/info_check.h"

#include <gtest/gtest.h>

namespace doc::harness {
namespace {

nlohmann::json validInfo() {
  return nlohmann::json::parse(R"({
    "runtime": {"name": "my-runtime", "version": "1.2.3"},
    "protocol": {"versions": [1]},
    "clock": {"scale": 1},
    "profiles": [{"name": "2024-04-03+no_rpc", "compatibilityDate": "2024-04-03",
                  "compatibilityFlags": ["no_rpc"], "baseUrl": "http://127.0.0.1:8787/p"}],
    "capabilities": {"fetch": true, "rpc": true, "storage": true, "env": true,
                     "alarms": false, "websockets": false, "eviction": false}
  })");
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& problem : problems) {
    if (problem.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST(InfoCheck, ADocumentFollowingTheProtocolHasNoProblems) {
  EXPECT_EQ(checkInfoDocument(validInfo()), std::vector<std::string>{});
}

TEST(InfoCheck, AProfileNameThatDoesNotSpellItsDateAndFlagsIsAProblem) {
  auto info = validInfo();
  info["profiles"][0]["name"] = "no-rpc";
  const auto problems = checkInfoDocument(info);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_TRUE(mentions(problems, "profiles[0].name"));
  EXPECT_TRUE(mentions(problems, "2024-04-03+no_rpc"));
}

TEST(InfoCheck, EveryMissingCapabilityIsNamed) {
  auto info = validInfo();
  info["capabilities"].erase("alarms");
  info["capabilities"]["eviction"] = "no";
  const auto problems = checkInfoDocument(info);
  EXPECT_TRUE(mentions(problems, "capabilities.alarms"));
  EXPECT_TRUE(mentions(problems, "capabilities.eviction"));
}

TEST(InfoCheck, AllProblemsAreListedAtOnce) {
  const auto problems = checkInfoDocument(nlohmann::json::parse(R"({"clock": {"scale": 0}})"));
  EXPECT_TRUE(mentions(problems, "runtime"));
  EXPECT_TRUE(mentions(problems, "protocol.versions"));
  EXPECT_TRUE(mentions(problems, "clock.scale"));
  EXPECT_TRUE(mentions(problems, "profiles"));
  EXPECT_TRUE(mentions(problems, "capabilities"));
}

TEST(InfoCheck, ABaseUrlWithATrailingSlashIsAProblem) {
  auto info = validInfo();
  info["profiles"][0]["baseUrl"] = "http://127.0.0.1:8787/";
  EXPECT_TRUE(mentions(checkInfoDocument(info), "baseUrl"));
}

TEST(InfoCheck, AMalformedDateIsAProblem) {
  auto info = validInfo();
  info["profiles"][0]["compatibilityDate"] = "2024-4-3";
  EXPECT_TRUE(mentions(checkInfoDocument(info), "profiles[0].compatibilityDate"));
}

}  // namespace
}  // namespace doc::harness
