#include "common/yaml_util.h"

#include <gtest/gtest.h>

namespace doc {
namespace {

YamlField parse(const std::string& text) {
  return YamlField{"example.yaml", loadYamlString(text, "example.yaml"), ""};
}

TEST(YamlErrors, AMissingFieldNamesTheFileLineAndField) {
  const YamlField root = parse("a: 1\nsteps:\n  - fetch: {}\n");
  try {
    root.required("steps").at(0).required("expect");
    FAIL() << "a missing field was not reported";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.file(), "example.yaml");
    EXPECT_EQ(error.line(), 3);
    EXPECT_EQ(error.field(), "steps[0].expect");
    EXPECT_STREQ(error.what(), "example.yaml:3: field 'steps[0].expect': is required but missing");
  }
}

TEST(YamlErrors, ASyntaxErrorNamesTheLine) {
  try {
    parse("a: 1\nb: [unclosed\n");
    FAIL() << "a syntax error was not reported";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.file(), "example.yaml");
    EXPECT_GE(error.line(), 2);
  }
}

TEST(YamlErrors, AnUnknownKeyIsRejectedWithItsLine) {
  const YamlField root = parse("description: x\nexpetc: []\n");
  try {
    root.rejectUnknownKeys({"description", "expect"});
    FAIL() << "an unknown key was accepted";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.line(), 2);
    EXPECT_EQ(error.field(), "expetc");
  }
}

TEST(YamlErrors, AWrongTypeNamesWhatWasFound) {
  const YamlField root = parse("timeout: [1, 2]\n");
  EXPECT_THROW(root.required("timeout").asNumber(), ConfigError);
  EXPECT_THROW(root.required("timeout").asString(), ConfigError);
}

}  // namespace
}  // namespace doc
