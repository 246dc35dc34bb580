#include "common/compat.h"

#include <gtest/gtest.h>

namespace doc {
namespace {

CompatTable smallTable() {
  return CompatTable(
      {
          {"rpc", "no_rpc", CompatDate::parse("2024-04-03"), "", ""},
          {"web_socket_auto_reply_to_close", "web_socket_manual_reply_to_close",
           CompatDate::parse("2026-04-07"), "", ""},
      },
      CompatDate::parse("2026-11-24"));
}

const CompatDate kToday = CompatDate::parse("2026-12-03");

FlagSet resolve(const std::string& profileName) {
  return smallTable().resolve(CompatProfile::parseName(profileName), kToday);
}

TEST(CompatResolution, AFlagIsOffTheDayBeforeItsDate) {
  EXPECT_FALSE(resolve("2024-04-02").isOn("rpc"));
}

TEST(CompatResolution, AFlagIsOnFromItsDate) {
  EXPECT_TRUE(resolve("2024-04-03").isOn("rpc"));
  EXPECT_TRUE(resolve("2025-01-01").isOn("rpc"));
}

TEST(CompatResolution, TheEnableNameTurnsAFlagOnBeforeItsDate) {
  EXPECT_TRUE(resolve("2024-04-02+rpc").isOn("rpc"));
}

TEST(CompatResolution, TheDisableNameTurnsAFlagOffAfterItsDate) {
  EXPECT_FALSE(resolve("2024-04-03+no_rpc").isOn("rpc"));
  EXPECT_TRUE(resolve("2024-04-03+no_rpc").isOn("rpc") == false);
}

TEST(CompatResolution, FlagsAreIndependentOfEachOther) {
  const FlagSet flags = resolve("2026-04-07+no_rpc");
  EXPECT_FALSE(flags.isOn("rpc"));
  EXPECT_TRUE(flags.isOn("web_socket_auto_reply_to_close"));
}

TEST(CompatResolution, GivingBothNamesOfAFlagIsAnError) {
  EXPECT_THROW(
      {
        try {
          resolve("2026-04-07+web_socket_auto_reply_to_close+web_socket_manual_reply_to_close");
        } catch (const CompatError& error) {
          EXPECT_NE(std::string(error.what()).find("contradictory"), std::string::npos);
          throw;
        }
      },
      CompatError);
}

TEST(CompatResolution, AnUnknownFlagIsAnErrorNamingIt) {
  try {
    resolve("2024-04-03+no_such_flag");
    FAIL() << "an unknown flag was accepted";
  } catch (const CompatError& error) {
    EXPECT_NE(std::string(error.what()).find("no such compatibility flag: no_such_flag"),
              std::string::npos);
  }
}

TEST(CompatResolution, AFlagGivenTwiceIsAnError) {
  EXPECT_THROW(resolve("2024-04-02+rpc+rpc"), CompatError);
}

TEST(CompatResolution, ADateAfterTheNewestSupportedDateIsAnError) {
  try {
    resolve("2026-11-25");
    FAIL() << "a date after the newest supported one was accepted";
  } catch (const CompatError& error) {
    EXPECT_NE(std::string(error.what()).find("newest date this runtime supports, 2026-11-24"),
              std::string::npos);
  }
  EXPECT_NO_THROW(resolve("2026-11-24"));
}

TEST(CompatResolution, ADateInTheFutureIsAnError) {
  const CompatTable table({}, CompatDate::parse("2099-12-31"));
  try {
    table.resolve(CompatProfile::parseName("2026-12-04"), kToday);
    FAIL() << "a future date was accepted";
  } catch (const CompatError& error) {
    EXPECT_NE(std::string(error.what()).find("in the future"), std::string::npos);
  }
  EXPECT_NO_THROW(table.resolve(CompatProfile::parseName("2026-12-03"), kToday));
}

TEST(CompatDateParsing, AMalformedDateIsAnError) {
  EXPECT_THROW(CompatDate::parse("2024-4-03"), CompatError);
  EXPECT_THROW(CompatDate::parse("2024-04-03x"), CompatError);
  EXPECT_THROW(CompatDate::parse("2024-02-30"), CompatError);
  EXPECT_THROW(CompatDate::parse(""), CompatError);
  EXPECT_EQ(CompatDate::parse("2024-02-29").iso, "2024-02-29");
}

TEST(CompatProfileNames, ANameRoundTripsThroughItsParts) {
  const CompatProfile profile = CompatProfile::parseName("2024-04-03+no_rpc+rpc");
  EXPECT_EQ(profile.date.iso, "2024-04-03");
  EXPECT_EQ(profile.flags, (std::vector<std::string>{"no_rpc", "rpc"}));
  EXPECT_EQ(profile.name(), "2024-04-03+no_rpc+rpc");
  EXPECT_THROW(CompatProfile::parseName("2024-04-03+"), CompatError);
}

TEST(CompatTableFile, TheProjectTableHasTheFlagsTheSuiteNeeds) {
  const CompatTable table = CompatTable::loadDefault();
  const auto dateOf = [&](const std::string& name) {
    for (const auto& flag : table.flags()) {
      if (flag.enableName == name) {
        return flag.enableDate.iso;
      }
    }
    return std::string("missing");
  };
  EXPECT_EQ(dateOf("rpc"), "2024-04-03");
  EXPECT_EQ(dateOf("durable_object_fetch_requires_full_url"), "2021-11-10");
  EXPECT_EQ(dateOf("delete_all_deletes_alarm"), "2026-02-24");
  EXPECT_EQ(dateOf("websocket_close_reason_byte_limit"), "2026-03-03");
  EXPECT_EQ(dateOf("websocket_standard_binary_type"), "2026-03-17");
  EXPECT_EQ(dateOf("web_socket_auto_reply_to_close"), "2026-04-07");
  EXPECT_GE(table.newestSupportedDate().iso, "2026-11-24");
}

}  // namespace
}  // namespace doc
