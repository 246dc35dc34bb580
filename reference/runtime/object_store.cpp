#include "reference/runtime/object_store.h"

#include <filesystem>

namespace doc::ref {

namespace {

std::string databasePath(const std::string& dataDir) {
  if (dataDir == ":memory:") {
    return dataDir;
  }
  std::filesystem::create_directories(dataDir);
  return dataDir + "/objects.sqlite";
}

// The smallest string greater than every string that starts with `prefix`, or nothing when no
// such bound exists (a prefix of only 0xff bytes).
std::optional<std::string> prefixUpperBound(std::string prefix) {
  while (!prefix.empty()) {
    if (static_cast<unsigned char>(prefix.back()) != 0xff) {
      prefix.back() = char(static_cast<unsigned char>(prefix.back()) + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::nullopt;
}

}  // namespace

ObjectStore::ObjectStore(const std::string& dataDir)
    : db_(databasePath(dataDir), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE), statements_(db_) {
  db_.exec("PRAGMA journal_mode=WAL");
  // NORMAL with WAL loses nothing when the process is killed, only on a power cut.
  db_.exec("PRAGMA synchronous=NORMAL");
  db_.exec(
      "CREATE TABLE IF NOT EXISTS kv ("
      "  object TEXT NOT NULL, key BLOB NOT NULL, value TEXT NOT NULL,"
      "  PRIMARY KEY (object, key)) WITHOUT ROWID");
}

std::optional<std::string> ObjectStore::get(const std::string& objectKey, const std::string& key) {
  const std::lock_guard guard(lock_);
  auto query = statements_.get("SELECT value FROM kv WHERE object = ? AND key = ?");
  query->bind(1, objectKey);
  query->bind(2, key.data(), int(key.size()));
  if (!query->executeStep()) {
    return std::nullopt;
  }
  return query->getColumn(0).getString();
}

void ObjectStore::put(const std::string& objectKey, const std::string& key,
                      const std::string& value) {
  const std::lock_guard guard(lock_);
  auto insert = statements_.get("INSERT OR REPLACE INTO kv (object, key, value) VALUES (?, ?, ?)");
  insert->bind(1, objectKey);
  insert->bind(2, key.data(), int(key.size()));
  insert->bind(3, value);
  insert->exec();
}

bool ObjectStore::remove(const std::string& objectKey, const std::string& key) {
  const std::lock_guard guard(lock_);
  auto remove = statements_.get("DELETE FROM kv WHERE object = ? AND key = ?");
  remove->bind(1, objectKey);
  remove->bind(2, key.data(), int(key.size()));
  return remove->exec() > 0;
}

void ObjectStore::removeAll(const std::string& objectKey) {
  const std::lock_guard guard(lock_);
  auto remove = statements_.get("DELETE FROM kv WHERE object = ?");
  remove->bind(1, objectKey);
  remove->exec();
}

std::vector<std::pair<std::string, std::string>> ObjectStore::list(const std::string& objectKey,
                                                                   const Range& range) {
  // Keys are BLOBs so that SQLite compares them byte by byte, the order list() promises.
  std::optional<std::string> lower = range.start;
  std::optional<std::string> upper = range.end;
  if (range.prefix) {
    if (!lower || *lower < *range.prefix) {
      lower = range.prefix;
    }
    const auto prefixEnd = prefixUpperBound(*range.prefix);
    if (prefixEnd && (!upper || *prefixEnd < *upper)) {
      upper = prefixEnd;
    }
  }

  std::string sql = "SELECT key, value FROM kv WHERE object = ?";
  if (lower) {
    sql += " AND key >= ?";
  }
  if (upper) {
    sql += " AND key < ?";
  }
  sql += range.reverse ? " ORDER BY key DESC" : " ORDER BY key ASC";
  if (range.limit) {
    sql += " LIMIT " + std::to_string(*range.limit);
  }

  const std::lock_guard guard(lock_);
  SQLite::Statement query(db_, sql);
  int index = 1;
  query.bind(index++, objectKey);
  if (lower) {
    query.bind(index++, lower->data(), int(lower->size()));
  }
  if (upper) {
    query.bind(index++, upper->data(), int(upper->size()));
  }
  std::vector<std::pair<std::string, std::string>> entries;
  while (query.executeStep()) {
    const SQLite::Column key = query.getColumn(0);
    entries.emplace_back(std::string(static_cast<const char*>(key.getBlob()), key.getBytes()),
                         query.getColumn(1).getString());
  }
  return entries;
}

void ObjectStore::transact(const std::function<void(SQLite::Database&)>& work) {
  const std::lock_guard guard(lock_);
  // Prepared BEGIN and COMMIT: SQLite::Transaction parses both on every call.
  statements_.get("BEGIN")->exec();
  try {
    work(db_);
    statements_.get("COMMIT")->exec();
  } catch (...) {
    statements_.get("ROLLBACK")->tryExecuteStep();
    throw;
  }
}

}  // namespace doc::ref
