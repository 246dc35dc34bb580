// Prepared statements kept for the life of a database connection. Preparing a statement (parsing
// and planning the SQL) cost more than running it on the probe's hot path (a profile under wrk
// showed sqlite3Parser and the code generator at the top of SQLite's share), so every fixed
// statement is prepared once and reset after each use.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace doc::ref {

class StatementCache {
 public:
  explicit StatementCache(SQLite::Database& db) : db_(db) {}

  // A statement in use: reset when it goes out of scope, so that a SELECT never keeps a read
  // transaction open (which would stop the WAL checkpoint from finishing). Not thread-safe: the
  // caller holds the database's lock for as long as the handle lives.
  class Handle {
   public:
    explicit Handle(SQLite::Statement& statement) : statement_(&statement) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { statement_->tryReset(); }

    SQLite::Statement& operator*() const { return *statement_; }
    SQLite::Statement* operator->() const { return statement_; }

   private:
    SQLite::Statement* statement_;
  };

  Handle get(std::string_view sql) {
    auto found = statements_.find(sql);
    if (found == statements_.end()) {
      found =
          statements_
              .emplace(std::string(sql), std::make_unique<SQLite::Statement>(db_, std::string(sql)))
              .first;
    }
    return Handle(*found->second);
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };

  SQLite::Database& db_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>, Hash, std::equal_to<>>
      statements_;
};

}  // namespace doc::ref
