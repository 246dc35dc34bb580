#include "harness/scenario/scenario_loader.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/paths.h"
#include "common/yaml_util.h"

namespace doc::harness {
namespace {

const char* const kFile = "fetch/example.yaml";

LoadOptions defaultOptions() {
  LoadOptions options;
  options.defaultProfile = "2026-11-24";
  return options;
}

Scenario load(const std::string& text, const LoadOptions& options = defaultOptions()) {
  return loadScenarioText(text, "fetch/example", kFile, options);
}

// The ConfigError that loading `text` throws; fails the test when it loads.
ConfigError loadError(const std::string& text, const LoadOptions& options = defaultOptions()) {
  try {
    load(text, options);
  } catch (const ConfigError& error) {
    return error;
  }
  ADD_FAILURE() << "the scenario loaded although it is wrong:\n" << text;
  return ConfigError("", 0, "", "");
}

// A folder of its own under the system's temporary folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "scenario_test_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed for " + pattern);
    }
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }

  const std::filesystem::path& path() const { return path_; }

  void write(const std::string& relative, const std::string& text) const {
    const auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }

 private:
  std::filesystem::path path_;
};

// The smallest scenario that loads: a description and one step with one expectation.
const std::string kMinimal = R"(description: Hello reaches the object.
steps:
  - fetch: {object: a, path: /hello}
    expect:
      - requirement: FETCH-003
        that: {status: 200}
)";

// Loading what is right.

TEST(ScenarioLoader, AValidScenarioLoadsWithItsProfilesNeedsAndSteps) {
  const Scenario scenario = load(R"(description: Hello reaches the object, then RPC works.
level: SHOULD
tags: [fetch, smoke]
timeout: 500ms
profiles: [2024-04-03, 2024-04-03+no_rpc]
needs: [fetch, rpc]
steps:
  - id: hello
    fetch: {object: a, path: /hello, method: POST, headers: {x-a: "1"}, body: hi}
    expect:
      - requirement: FETCH-003
        that: {status: 200, body: "Hello, World!"}
        note: The body is the object's.
  - rpc: {object: a, method: hello, args: [world]}
    expect:
      - requirement: RPC-001
        that: {json: {ok: true, result: {$regex: "^Hello"}}}
      - requirement: FETCH-003
        that: {json: {ok: true}}
  - restart:
)");

  EXPECT_EQ(scenario.id, "fetch/example");
  EXPECT_EQ(scenario.file, kFile);
  EXPECT_EQ(scenario.description, "Hello reaches the object, then RPC works.");
  EXPECT_EQ(scenario.level, "SHOULD");
  EXPECT_EQ(scenario.tags, (std::vector<std::string>{"fetch", "smoke"}));
  EXPECT_DOUBLE_EQ(scenario.timeoutSeconds, 0.5);
  EXPECT_EQ(scenario.profiles, (std::vector<std::string>{"2024-04-03", "2024-04-03+no_rpc"}));
  EXPECT_EQ(scenario.needs, (std::vector<std::string>{"fetch", "rpc"}));

  ASSERT_EQ(scenario.steps.size(), 3u);
  const Step& hello = scenario.steps[0];
  EXPECT_EQ(hello.id, "hello");
  EXPECT_EQ(hello.kind, StepKind::kFetch);
  EXPECT_EQ(hello.line, 8);
  EXPECT_EQ(hello.args, Json::parse(R"({"object": "a", "path": "/hello", "method": "POST",
                                        "headers": {"x-a": "1"}, "body": "hi"})"));
  ASSERT_EQ(hello.expect.size(), 1u);
  EXPECT_EQ(hello.expect[0].requirement, "FETCH-003");
  EXPECT_EQ(hello.expect[0].pattern, Json::parse(R"({"status": 200, "body": "Hello, World!"})"));
  EXPECT_EQ(hello.expect[0].note, "The body is the object's.");
  EXPECT_EQ(hello.expect[0].line, 11);

  EXPECT_EQ(scenario.steps[1].id, "step2");
  EXPECT_EQ(scenario.steps[1].kind, StepKind::kRpc);
  EXPECT_EQ(scenario.steps[1].args["args"], Json::parse(R"(["world"])"));
  EXPECT_EQ(scenario.steps[2].id, "step3");
  EXPECT_EQ(scenario.steps[2].kind, StepKind::kRestart);
  EXPECT_EQ(scenario.steps[2].args, Json::object());

  EXPECT_EQ(scenario.requirements(), (std::vector<std::string>{"FETCH-003", "RPC-001"}));
  EXPECT_TRUE(scenario.exclusive());
}

TEST(ScenarioLoader, AScenarioWithoutProfilesRunsUnderTheDefaultProfile) {
  const Scenario scenario = load(kMinimal);
  EXPECT_EQ(scenario.profiles, (std::vector<std::string>{"2026-11-24"}));
}

TEST(ScenarioLoader, TheOptionalFieldsHaveTheirDefaults) {
  const Scenario scenario = load(kMinimal);
  EXPECT_EQ(scenario.level, "MUST");
  EXPECT_TRUE(scenario.tags.empty());
  EXPECT_TRUE(scenario.needs.empty());
  EXPECT_DOUBLE_EQ(scenario.timeoutSeconds, 30);
  EXPECT_EQ(scenario.steps[0].id, "step1");
  EXPECT_FALSE(scenario.exclusive());
}

TEST(ScenarioLoader, ASingleProfileMayBeWrittenWithoutAList) {
  const Scenario scenario = load("profiles: 2024-04-03+no_rpc\n" + kMinimal);
  EXPECT_EQ(scenario.profiles, (std::vector<std::string>{"2024-04-03+no_rpc"}));
}

TEST(ScenarioLoader, TimeoutsReadInSecondsMillisecondsAndMinutes) {
  EXPECT_DOUBLE_EQ(load("timeout: 10\n" + kMinimal).timeoutSeconds, 10);
  EXPECT_DOUBLE_EQ(load("timeout: 2.5s\n" + kMinimal).timeoutSeconds, 2.5);
  EXPECT_DOUBLE_EQ(load("timeout: 250ms\n" + kMinimal).timeoutSeconds, 0.25);
  EXPECT_DOUBLE_EQ(load("timeout: 2m\n" + kMinimal).timeoutSeconds, 120);
}

TEST(ScenarioLoader, EveryStepKindLoads) {
  const Scenario scenario = load(R"(description: Every kind.
steps:
  - fetch: {object: a, path: /}
  - callFetch: {object: a, path: /echo, relativeUrl: true}
  - rpc: {object: a, method: hello}
  - action: {object: a, op: storage.put, key: k, value: 1}
  - log: {object: a, class: ProbeMinimal}
  - behaviour: {object: a, set: {fetch: {throw: 1}}}
  - restart: {}
    expect:
      - requirement: FETCH-001
        that: {restarted: true}
)");
  std::vector<std::string> kinds;
  for (const auto& step : scenario.steps) {
    kinds.push_back(toString(step.kind));
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"fetch", "callFetch", "rpc", "action", "log",
                                             "behaviour", "restart"}));
  // An action takes any argument besides its object and op.
  EXPECT_EQ(scenario.steps[3].args["key"], "k");
}

TEST(ScenarioLoader, AQuotedScalarIsAStringAndAPlainOneIsTypedByItsText) {
  const Scenario scenario = load(R"(description: Typing.
steps:
  - fetch: {object: a, path: /}
    expect:
      - requirement: FETCH-003
        that:
          quoted: "200"
          singleQuoted: '200'
          integer: 200
          negative: -7
          real: 2.5
          exponent: 1e3
          yes: true
          no: false
          quotedTrue: "true"
          nothing: null
          tilde: ~
          empty:
          word: hello
          date: 2024-04-03
)");
  const Json& pattern = scenario.steps[0].expect[0].pattern;
  EXPECT_EQ(pattern["quoted"], Json("200"));
  EXPECT_EQ(pattern["singleQuoted"], Json("200"));
  EXPECT_TRUE(pattern["integer"].is_number_integer());
  EXPECT_EQ(pattern["integer"], Json(200));
  EXPECT_EQ(pattern["negative"], Json(-7));
  EXPECT_EQ(pattern["real"], Json(2.5));
  EXPECT_EQ(pattern["exponent"], Json(1000.0));
  EXPECT_EQ(pattern["yes"], Json(true));
  EXPECT_EQ(pattern["no"], Json(false));
  EXPECT_EQ(pattern["quotedTrue"], Json("true"));
  EXPECT_TRUE(pattern["nothing"].is_null());
  EXPECT_TRUE(pattern["tilde"].is_null());
  EXPECT_TRUE(pattern.contains("empty"));
  EXPECT_TRUE(pattern["empty"].is_null());
  EXPECT_EQ(pattern["word"], Json("hello"));
  EXPECT_EQ(pattern["date"], Json("2024-04-03"));
}

TEST(ScenarioLoader, KnownRequirementsAreAcceptedWhenTheyAreChecked) {
  LoadOptions options = defaultOptions();
  options.knownRequirements = {"FETCH-003"};
  EXPECT_NO_THROW(load(kMinimal, options));
}

// Errors: each names the file, the line and the field.

TEST(ScenarioLoader, AMissingDescriptionIsAnError) {
  const ConfigError error = loadError(R"(tags: [fetch]
steps:
  - fetch: {object: a, path: /}
    expect:
      - requirement: FETCH-003
        that: {status: 200}
)");
  EXPECT_EQ(error.file(), kFile);
  EXPECT_EQ(error.line(), 1);
  EXPECT_EQ(error.field(), "description");
  EXPECT_STREQ(error.what(), "fetch/example.yaml:1: field 'description': is required but missing");
}

TEST(ScenarioLoader, AMistypedTopLevelKeyIsAnErrorAtItsLine) {
  const ConfigError error = loadError(R"(description: x
tags: [fetch]
steps:
  - fetch: {object: a, path: /}
expetc:
  - requirement: FETCH-003
)");
  EXPECT_EQ(error.file(), kFile);
  EXPECT_EQ(error.line(), 5);
  EXPECT_EQ(error.field(), "expetc");
  EXPECT_NE(std::string(error.what()).find("unknown field"), std::string::npos) << error.what();
}

TEST(ScenarioLoader, AMistypedStepKeyIsAnErrorAtItsLine) {
  const ConfigError error = loadError(R"(description: x
steps:
  - fetch: {object: a, path: /}
    expetc:
      - requirement: FETCH-003
        that: {status: 200}
)");
  EXPECT_EQ(error.line(), 4);
  EXPECT_EQ(error.field(), "steps[0].expetc");
}

TEST(ScenarioLoader, AnUnknownStepKindIsAnErrorNamingIt) {
  const ConfigError error = loadError(R"(description: x
steps:
  - fetch: {object: a, path: /}
  - fecth: {object: a, path: /}
    expect:
      - requirement: FETCH-003
        that: {status: 200}
)");
  EXPECT_EQ(error.file(), kFile);
  EXPECT_EQ(error.line(), 4);
  EXPECT_EQ(error.field(), "steps[1].fecth");
}

TEST(ScenarioLoader, AStepWithoutAKindIsAnErrorListingTheKinds) {
  const ConfigError error = loadError(R"(description: x
steps:
  - id: nothing
    expect:
      - requirement: FETCH-003
        that: {status: 200}
)");
  EXPECT_EQ(error.line(), 3);
  EXPECT_EQ(error.field(), "steps[0]");
  EXPECT_NE(std::string(error.what()).find("a step needs one of: fetch, callFetch, rpc"),
            std::string::npos)
      << error.what();
}

TEST(ScenarioLoader, AStepWithTwoKindsIsAnErrorNamingBoth) {
  const ConfigError error = loadError(R"(description: x
steps:
  - fetch: {object: a, path: /}
  - rpc: {object: a, method: hello}
    log: {object: a}
    expect:
      - requirement: FETCH-003
        that: {status: 200}
)");
  EXPECT_EQ(error.line(), 4);
  EXPECT_EQ(error.field(), "steps[1]");
  EXPECT_NE(std::string(error.what()).find(R"(it has both "rpc" and "log")"), std::string::npos)
      << error.what();
}

TEST(ScenarioLoader, AnUnknownArgumentOfAKindIsAnErrorAtItsLine) {
  const ConfigError error = loadError(R"(description: x
steps:
  - fetch:
      object: a
      pth: /hello
    expect:
      - requirement: FETCH-003
        that: {status: 200}
)");
  EXPECT_EQ(error.line(), 5);
  EXPECT_EQ(error.field(), "steps[0].fetch.pth");
}

TEST(ScenarioLoader, AMissingRequiredArgumentIsAnErrorNamingIt) {
  const ConfigError error = loadError(R"(description: x
steps:
  - fetch: {object: a}
    expect:
      - requirement: FETCH-003
        that: {status: 200}
)");
  EXPECT_EQ(error.file(), kFile);
  EXPECT_EQ(error.line(), 3);
  EXPECT_EQ(error.field(), "steps[0].fetch.path");
  EXPECT_NE(std::string(error.what()).find("is required but missing"), std::string::npos);
}

// `fetch:` with nothing after it has no path either.
// DISABLED: a null argument map skips the required-argument check; see the report.
TEST(ScenarioLoader, AStepKindWithNoArgumentsAtAllStillNeedsItsRequiredOnes) {
  const ConfigError error = loadError(R"(description: x
steps:
  - fetch:
    expect:
      - requirement: FETCH-003
        that: {status: 200}
)");
  EXPECT_EQ(error.line(), 3);
  EXPECT_EQ(error.field().rfind("steps[0]", 0), 0u) << error.field();
}

TEST(ScenarioLoader, AnImpossibleProfileDateIsAnErrorAtItsListEntry) {
  const ConfigError error = loadError("profiles:\n  - 2024-04-03\n  - 2024-13-01\n" + kMinimal);
  EXPECT_EQ(error.file(), kFile);
  EXPECT_EQ(error.line(), 3);
  EXPECT_EQ(error.field(), "profiles[1]");
  EXPECT_NE(std::string(error.what()).find("2024-13-01"), std::string::npos) << error.what();
}

TEST(ScenarioLoader, AProfileWithAnEmptyFlagIsAnError) {
  const ConfigError error = loadError("profiles: 2024-04-03+\n" + kMinimal);
  EXPECT_EQ(error.line(), 1);
  EXPECT_EQ(error.field(), "profiles");
}

TEST(ScenarioLoader, AnUnknownCapabilityInNeedsIsAnErrorAtItsEntry) {
  const ConfigError error = loadError("needs: [fetch, telepathy]\n" + kMinimal);
  EXPECT_EQ(error.line(), 1);
  EXPECT_EQ(error.field(), "needs[1]");
  EXPECT_NE(std::string(error.what()).find(R"("telepathy" is not one of: fetch, rpc)"),
            std::string::npos)
      << error.what();
}

TEST(ScenarioLoader, AnUnknownLevelIsAnError) {
  const ConfigError error = loadError("level: must\n" + kMinimal);
  EXPECT_EQ(error.line(), 1);
  EXPECT_EQ(error.field(), "level");
}

TEST(ScenarioLoader, AnUnknownRequirementIdIsAnErrorWhenRequirementsAreKnown) {
  LoadOptions options = defaultOptions();
  options.knownRequirements = {"FETCH-001", "FETCH-002"};
  const ConfigError error = loadError(kMinimal, options);
  EXPECT_EQ(error.file(), kFile);
  EXPECT_EQ(error.line(), 5);
  EXPECT_EQ(error.field(), "steps[0].expect[0].requirement");
  EXPECT_NE(std::string(error.what()).find(R"(no requirement "FETCH-003")"), std::string::npos)
      << error.what();
}

TEST(ScenarioLoader, AnyRequirementIdIsAcceptedWhenNoneAreKnown) {
  EXPECT_NO_THROW(load(kMinimal));
}

TEST(ScenarioLoader, AnExpectationWithoutThatIsAnError) {
  const ConfigError error = loadError(R"(description: x
steps:
  - fetch: {object: a, path: /}
    expect:
      - requirement: FETCH-003
)");
  EXPECT_EQ(error.line(), 5);
  EXPECT_EQ(error.field(), "steps[0].expect[0].that");
}

TEST(ScenarioLoader, ABadPatternIsAnErrorAtItsThat) {
  const ConfigError error = loadError(R"(description: x
steps:
  - fetch: {object: a, path: /}
    expect:
      - requirement: FETCH-003
        that: {status: {$equals: 200}}
)");
  EXPECT_EQ(error.line(), 6);
  EXPECT_EQ(error.field(), "steps[0].expect[0].that");
  EXPECT_NE(std::string(error.what()).find(R"(unknown operator "$equals")"), std::string::npos)
      << error.what();
}

TEST(ScenarioLoader, MalformedYamlIsAnErrorAtTheLineOfTheSyntaxError) {
  const ConfigError error = loadError(R"(description: x
steps:
  - fetch: {object: a, path: /
    expect: []
)");
  EXPECT_EQ(error.file(), kFile);
  EXPECT_GE(error.line(), 3);
  EXPECT_EQ(error.field(), "");
  EXPECT_NE(std::string(error.what()).find("YAML syntax error"), std::string::npos);
}

TEST(ScenarioLoader, AFileThatIsNotAMapIsAnError) {
  const ConfigError error = loadError("- just\n- a list\n");
  EXPECT_EQ(error.file(), kFile);
  EXPECT_EQ(error.line(), 1);
}

TEST(ScenarioLoader, AScenarioWithoutAnyExpectationIsAnError) {
  const ConfigError error = loadError(R"(description: x
steps:
  - fetch: {object: a, path: /}
  - log: {object: a}
)");
  EXPECT_EQ(error.file(), kFile);
  EXPECT_EQ(error.line(), 1);
  EXPECT_NE(std::string(error.what()).find("no step has an expectation"), std::string::npos)
      << error.what();
}

TEST(ScenarioLoader, AScenarioWithoutStepsIsAnError) {
  EXPECT_EQ(loadError("description: x\n").field(), "steps");
  const ConfigError empty = loadError("description: x\nsteps: []\n");
  EXPECT_EQ(empty.field(), "steps");
  EXPECT_EQ(empty.line(), 2);
}

TEST(ScenarioLoader, AStepIdUsedTwiceIsAnErrorAtTheSecondStep) {
  const ConfigError error = loadError(R"(description: x
steps:
  - id: a
    fetch: {object: a, path: /}
  - id: a
    log: {object: a}
    expect:
      - requirement: FETCH-003
        that: {events: []}
)");
  EXPECT_EQ(error.line(), 5);
  EXPECT_EQ(error.field(), "steps[1]");
  EXPECT_NE(std::string(error.what()).find(R"(step id "a" is used twice)"), std::string::npos)
      << error.what();
}

TEST(ScenarioLoader, AnExplicitIdThatCollidesWithADefaultIdIsAnError) {
  const ConfigError error = loadError(R"(description: x
steps:
  - fetch: {object: a, path: /}
  - id: step1
    log: {object: a}
    expect:
      - requirement: FETCH-003
        that: {events: []}
)");
  EXPECT_EQ(error.field(), "steps[1]");
}

TEST(ScenarioLoader, ATimeoutInAnUnknownUnitIsAnError) {
  const ConfigError error = loadError(R"(description: x
timeout: 10 parsecs
steps:
  - fetch: {object: a, path: /}
    expect:
      - requirement: FETCH-003
        that: {status: 200}
)");
  EXPECT_EQ(error.file(), kFile);
  EXPECT_EQ(error.line(), 2);
  EXPECT_EQ(error.field(), "timeout");
  EXPECT_NE(std::string(error.what()).find(R"(got "10 parsecs")"), std::string::npos)
      << error.what();
}

// A typo must not silently drop an expectation: a key written twice is as wrong as a misspelt one.
// DISABLED: yaml-cpp keeps the first of two equal keys and the loader does not look; see the
// report.
TEST(ScenarioLoader, AKeyWrittenTwiceInOneStepIsAnError) {
  const ConfigError error = loadError(R"(description: x
steps:
  - fetch: {object: a, path: /}
    expect:
      - requirement: FETCH-003
        that: {status: 200}
    expect:
      - requirement: FETCH-004
        that: {status: 500}
)");
  EXPECT_EQ(error.line(), 7);
}

// A plain integer too large for 64 bits is still a number (YAML 1.2 core schema), or at worst a
// ConfigError; never an exception that names neither the file nor the line.
// DISABLED: std::stoll throws std::out_of_range out of the loader; see the report.
TEST(ScenarioLoader, AnIntegerTooLargeForSixtyFourBitsIsStillANumber) {
  const Scenario scenario = load(R"(description: x
steps:
  - fetch: {object: a, path: /}
    expect:
      - requirement: FETCH-003
        that: {big: 99999999999999999999}
)");
  EXPECT_TRUE(scenario.steps[0].expect[0].pattern["big"].is_number());
}

// Files and folders.

TEST(ScenarioLoader, AMissingFileIsAnErrorNamingItsPath) {
  try {
    loadScenarioFile("/nonexistent/scenario.yaml", "scenario", defaultOptions());
    FAIL() << "a missing file loaded";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.file(), "/nonexistent/scenario.yaml");
  }
}

TEST(ScenarioLoader, AFolderLoadsEveryYamlFileBelowItSortedById) {
  TempDir dir;
  dir.write("storage/list.yaml", kMinimal);
  dir.write("fetch/hello.yaml", kMinimal);
  dir.write("fetch/README.md", "not a scenario");
  const auto scenarios = loadScenarioFolder(dir.path().string(), defaultOptions());
  ASSERT_EQ(scenarios.size(), 2u);
  EXPECT_EQ(scenarios[0].id, "fetch/hello");
  EXPECT_EQ(scenarios[0].file, (dir.path() / "fetch/hello.yaml").string());
  EXPECT_EQ(scenarios[1].id, "storage/list");
}

TEST(ScenarioLoader, OneBadFileStopsTheWholeFolderNamingThatFile) {
  TempDir dir;
  dir.write("fetch/good.yaml", kMinimal);
  dir.write("fetch/bad.yaml", "description: x\nsteps: []\n");
  try {
    loadScenarioFolder(dir.path().string(), defaultOptions());
    FAIL() << "a folder with a bad file loaded";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.file(), (dir.path() / "fetch/bad.yaml").string());
    EXPECT_EQ(error.line(), 2);
  }
}

TEST(ScenarioLoader, AMissingFolderIsAnError) {
  EXPECT_THROW(loadScenarioFolder("/nonexistent/scenarios", defaultOptions()), ConfigError);
}

TEST(ScenarioLoader, ARequirementIdDefinedTwiceIsAnError) {
  TempDir dir;
  dir.write("requirements.yaml", "requirements:\n  - id: A-001\n  - id: B-001\n  - id: A-001\n");
  try {
    loadRequirementIds((dir.path() / "requirements.yaml").string());
    FAIL() << "a duplicate requirement id was accepted";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.line(), 4);
    EXPECT_EQ(error.field(), "requirements[2].id");
  }
}

TEST(ScenarioLoader, EveryShippedScenarioLoadsAndCitesRealRequirementIds) {
  LoadOptions options = defaultOptions();
  options.knownRequirements = loadRequirementIds(sourcePath("specs/requirements.yaml"));
  ASSERT_FALSE(options.knownRequirements.empty());

  const auto scenarios = loadScenarioFolder(sourcePath("conformance/scenarios"), options);

  EXPECT_FALSE(scenarios.empty());
  for (const auto& scenario : scenarios) {
    EXPECT_FALSE(scenario.requirements().empty()) << scenario.id;
  }
}

}  // namespace
}  // namespace doc::harness
