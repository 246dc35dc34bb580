#include "reference/probe/probe_journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace doc::ref {
namespace {

const nlohmann::json::json_pointer kFetchThrowCount("/fetch/throwCount");

TEST(ProbeJournal, AJournalOpenedAgainOnTheSameStoreContinuesTheSeq) {
  ObjectStore store(":memory:");
  {
    ProbeJournal first(store);
    first.append("a", 1, {{"event", "constructor"}});
    first.append("a", 2, {{"event", "fetch"}});
  }
  ProbeJournal second(store);  // What a restarted target does: its copies start empty.
  second.append("a", 3, {{"event", "constructor"}});

  const auto events = second.readSince("a", 0);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2]["seq"], 3);
  EXPECT_EQ(events[2]["event"], "constructor");
}

TEST(ProbeJournal, ACountSetAfterTheBehaviourWasReadIsConsumedExactlyOnce) {
  ObjectStore store(":memory:");
  ProbeJournal journal(store);
  EXPECT_FALSE(journal.consumeCount("a", kFetchThrowCount));  // Reads (and keeps) "{}".

  journal.setBehaviour("a", {{"fetch", {{"throwCount", 1}}}});
  EXPECT_TRUE(journal.consumeCount("a", kFetchThrowCount));
  EXPECT_FALSE(journal.consumeCount("a", kFetchThrowCount));
  EXPECT_EQ(journal.behaviour("a")["fetch"]["throwCount"], 0);
}

TEST(ProbeJournal, ADecrementedCountIsStoredForTheNextJournal) {
  ObjectStore store(":memory:");
  {
    ProbeJournal first(store);
    first.setBehaviour("a", {{"fetch", {{"throwCount", 2}}}});
    EXPECT_TRUE(first.consumeCount("a", kFetchThrowCount));
  }
  ProbeJournal second(store);
  EXPECT_TRUE(second.consumeCount("a", kFetchThrowCount));
  EXPECT_FALSE(second.consumeCount("a", kFetchThrowCount));
}

TEST(ObjectStore, AWriteIsReadBackAfterTheStoreIsOpenedAgain) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("object-store-test-" + std::to_string(::getpid()));
  {
    ObjectStore store(dir.string());
    store.put("object", "key", "\"value\"");
    for (int i = 0; i < 2000; ++i) {  // More commits than one automatic checkpoint takes.
      store.put("object", "n" + std::to_string(i), std::to_string(i));
    }
  }
  ObjectStore reopened(dir.string());
  EXPECT_EQ(reopened.get("object", "key"), "\"value\"");
  EXPECT_EQ(reopened.get("object", "n99"), "99");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace doc::ref
