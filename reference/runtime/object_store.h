// The reference runtime's durable state: one SQLite database for every object's key-value
// storage (and, through `transact`, for the probe's journal). It survives eviction and a restart
// of the process; write-ahead logging keeps a write that returned through a SIGKILL.
//
// Durable, here: a write has been committed to the WAL file (handed to the operating system)
// before the call that made it returns, so before the response that follows it is sent. That
// survives the target being killed at any moment (what the restart scenarios do); it does not
// survive a power cut or a kernel crash, which would need an fsync per commit
// (synchronous=FULL). The database stays consistent in both cases.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "reference/runtime/statement_cache.h"

namespace doc::ref {

class ObjectStore {
 public:
  // Opens (creating if needed) `<dataDir>/objects.sqlite`. ":memory:" keeps nothing on disk, for
  // unit tests.
  explicit ObjectStore(const std::string& dataDir);

  std::optional<std::string> get(const std::string& objectKey, const std::string& key);
  void put(const std::string& objectKey, const std::string& key, const std::string& value);
  bool remove(const std::string& objectKey, const std::string& key);
  void removeAll(const std::string& objectKey);

  struct Range {
    std::optional<std::string> start, end, prefix;
    std::optional<int> limit;
    bool reverse = false;
  };
  std::vector<std::pair<std::string, std::string>> list(const std::string& objectKey,
                                                        const Range& range);

  // Runs `work` with the database to itself, inside one transaction.
  void transact(const std::function<void(SQLite::Database&)>& work);
  // A statement prepared once for the life of the store; only inside `transact`'s work, which
  // holds the lock the handle needs.
  StatementCache::Handle prepared(std::string_view sql) { return statements_.get(sql); }

 private:
  std::mutex lock_;  // One writer at a time; every call is short.
  SQLite::Database db_;
  StatementCache statements_;  // After db_: finalized before the connection closes.
};

}  // namespace doc::ref
