#include "harness/runner/shard.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

#include "common/paths.h"
#include "common/yaml_util.h"
#include "harness/runner/suite_runner.h"
#include "harness/scenario/scenario_loader.h"

namespace doc::harness {
namespace {

std::vector<std::string> syntheticIds() {
  std::vector<std::string> ids;
  for (int scenario = 0; scenario < 200; ++scenario) {
    for (const char* profile : {"2021-11-09", "2026-11-24", "2026-11-24+no_rpc"}) {
      ids.push_back("area/scenario-" + std::to_string(scenario) + "[" + profile + "]");
    }
  }
  return ids;
}

std::vector<std::string> realResultIds() {
  LoadOptions options;
  options.defaultProfile = "2026-11-24";
  options.knownRequirements = loadRequirementIds(sourcePath("specs/requirements.yaml"));
  static const std::vector<Scenario> scenarios =
      loadScenarioFolder(sourcePath("conformance/scenarios"), options);
  std::vector<std::string> ids;
  for (const PlannedResult& planned : planResults(scenarios)) {
    ids.push_back(planned.scenario->id + "[" + planned.profile + "]");
  }
  return ids;
}

TEST(Shard, TheFnvStepIsFnv1a64AsPublished) {
  // The published FNV-1a 64 test vectors.
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(Shard, AResultIdAlwaysHashesToTheSameValueAndShard) {
  // Pinned (computed independently, in Python): a change here moves results between CI jobs, and
  // shards of an old and a new harness would overlap or miss results.
  EXPECT_EQ(stableHash(""), 0xefd01f60ba992926ull);
  EXPECT_EQ(stableHash("alarm/retry-chain[2026-11-24]"), 0xdedaab468cfed9daull);
  EXPECT_TRUE(inShard("alarm/retry-chain[2026-11-24]", 2, 3));
  EXPECT_TRUE(inShard("fetch/hello[2026-11-24]", 1, 3));
}

TEST(Shard, EveryIdLandsInExactlyOneOfNShards) {
  for (int count = 1; count <= 7; ++count) {
    for (const std::string& id : syntheticIds()) {
      int shards = 0;
      for (int index = 1; index <= count; ++index) {
        shards += inShard(id, index, count) ? 1 : 0;
      }
      EXPECT_EQ(shards, 1) << id << " with " << count << " shards";
    }
  }
}

TEST(Shard, OneShardHoldsEverything) {
  for (const std::string& id : syntheticIds()) {
    EXPECT_TRUE(inShard(id, 1, 1)) << id;
  }
}

TEST(Shard, TheProjectsRealResultsFillEachOfThreeShardsAndNoneTwice) {
  const std::vector<std::string> ids = realResultIds();
  ASSERT_GT(ids.size(), 30u) << "conformance/scenarios should plan dozens of results";

  std::map<int, int> perShard;
  for (const std::string& id : ids) {
    int shards = 0;
    for (int index = 1; index <= 3; ++index) {
      if (inShard(id, index, 3)) {
        ++perShard[index];
        ++shards;
      }
    }
    EXPECT_EQ(shards, 1) << id;
  }
  for (int index = 1; index <= 3; ++index) {
    EXPECT_GT(perShard[index], 0) << "shard " << index << "/3 is empty";
    // A fair hash puts about a third in each; half of that would mean a badly skewed split.
    EXPECT_GT(perShard[index], int(ids.size()) / 6) << "shard " << index << "/3";
  }
}

TEST(Shard, ParseShardReadsIndexOverCountFromOne) {
  EXPECT_EQ(parseShard("2/3"), (Shard{2, 3}));
  EXPECT_EQ(parseShard("1/1"), (Shard{1, 1}));
  EXPECT_EQ(parseShard("3/3"), (Shard{3, 3}));
}

TEST(Shard, ParseShardRefusesAnIndexOutsideOneToCountAndNamesTheOption) {
  for (const std::string text : {"0/3", "4/3", "x", "2", "/3", "2/", "a/3", "2/b", "-1/3", "1/0",
                                 "2/3/4", " 2/3", "2/3 ", "1/100000"}) {
    try {
      parseShard(text);
      ADD_FAILURE() << "accepted \"" << text << "\"";
    } catch (const ConfigError& error) {
      EXPECT_EQ(error.field(), "--shard") << text;
      EXPECT_NE(std::string(error.what()).find("\"" + text + "\""), std::string::npos)
          << error.what();
    }
  }
}

TEST(Shard, InShardRefusesAnImpossibleShard) {
  EXPECT_THROW(inShard("a[b]", 0, 3), std::invalid_argument);
  EXPECT_THROW(inShard("a[b]", 4, 3), std::invalid_argument);
  EXPECT_THROW(inShard("a[b]", 1, 0), std::invalid_argument);
}

}  // namespace
}  // namespace doc::harness
