#include "reference/probe/probe_journal.h"

namespace doc::ref {

namespace {

// Objects whose last seq and behaviour the journal keeps in memory. Beyond this the copies are
// dropped and read again from SQLite: a bound on memory for a long-lived target that has seen
// millions of objects, far above what a scenario or a benchmark run touches.
constexpr size_t kMaxCachedObjects = 100'000;

nlohmann::json readBehaviour(ObjectStore& store, const std::string& objectKey) {
  auto query = store.prepared("SELECT document FROM probe_behaviour WHERE object = ?");
  query->bind(1, objectKey);
  if (!query->executeStep()) {
    return nlohmann::json::object();
  }
  return nlohmann::json::parse(query->getColumn(0).getString());
}

void writeBehaviour(ObjectStore& store, const std::string& objectKey,
                    const nlohmann::json& document) {
  auto write =
      store.prepared("INSERT OR REPLACE INTO probe_behaviour (object, document) VALUES (?, ?)");
  write->bind(1, objectKey);
  write->bind(2, document.dump());
  write->exec();
}

bool hasCountToConsume(const nlohmann::json& document,
                       const nlohmann::json::json_pointer& pointer) {
  return document.contains(pointer) && document[pointer].is_number() &&
         document[pointer].get<double>() >= 1;
}

}  // namespace

ProbeJournal::ProbeJournal(ObjectStore& store) : store_(store) {
  store_.transact([](SQLite::Database& db) {
    db.exec(
        "CREATE TABLE IF NOT EXISTS probe_log ("
        "  object TEXT NOT NULL, seq INTEGER NOT NULL, ts REAL NOT NULL, event TEXT NOT NULL,"
        "  PRIMARY KEY (object, seq)) WITHOUT ROWID");
    db.exec(
        "CREATE TABLE IF NOT EXISTS probe_behaviour ("
        "  object TEXT PRIMARY KEY, document TEXT NOT NULL)");
  });
}

std::optional<long long> ProbeJournal::cachedLastSeq(const std::string& objectKey) {
  const std::lock_guard guard(cacheLock_);
  const auto found = lastSeq_.find(objectKey);
  return found == lastSeq_.end() ? std::nullopt : std::optional(found->second);
}

std::optional<nlohmann::json> ProbeJournal::cachedBehaviour(const std::string& objectKey) {
  const std::lock_guard guard(cacheLock_);
  const auto found = behaviours_.find(objectKey);
  return found == behaviours_.end() ? std::nullopt : std::optional(found->second);
}

void ProbeJournal::forget(const std::string& objectKey) {
  const std::lock_guard guard(cacheLock_);
  lastSeq_.erase(objectKey);
  behaviours_.erase(objectKey);
}

void ProbeJournal::append(const std::string& objectKey, double ts, nlohmann::json event) {
  try {
    store_.transact([&](SQLite::Database&) {
      // Inside the store's lock: no other append of this object can take the same seq.
      std::optional<long long> last = cachedLastSeq(objectKey);
      if (!last) {
        auto query =
            store_.prepared("SELECT COALESCE(MAX(seq), 0) FROM probe_log WHERE object = ?");
        query->bind(1, objectKey);
        query->executeStep();
        last = query->getColumn(0).getInt64();
      }
      const long long seq = *last + 1;

      event["seq"] = seq;
      event["ts"] = static_cast<long long>(ts);
      auto insert =
          store_.prepared("INSERT INTO probe_log (object, seq, ts, event) VALUES (?, ?, ?, ?)");
      insert->bind(1, objectKey);
      insert->bind(2, static_cast<int64_t>(seq));
      insert->bind(3, ts);
      insert->bind(4, event.dump());
      insert->exec();

      const std::lock_guard guard(cacheLock_);
      if (lastSeq_.size() >= kMaxCachedObjects) {
        lastSeq_.clear();
      }
      lastSeq_[objectKey] = seq;
    });
  } catch (...) {
    // The commit may not have happened: the next append reads the seq from SQLite again.
    forget(objectKey);
    throw;
  }
}

nlohmann::json ProbeJournal::readSince(const std::string& objectKey, long long after) {
  nlohmann::json events = nlohmann::json::array();
  store_.transact([&](SQLite::Database&) {
    auto query =
        store_.prepared("SELECT event FROM probe_log WHERE object = ? AND seq > ? ORDER BY seq");
    query->bind(1, objectKey);
    query->bind(2, static_cast<int64_t>(after));
    while (query->executeStep()) {
      events.push_back(nlohmann::json::parse(query->getColumn(0).getString()));
    }
  });
  return events;
}

nlohmann::json ProbeJournal::behaviour(const std::string& objectKey) {
  if (auto cached = cachedBehaviour(objectKey)) {
    return std::move(*cached);
  }
  nlohmann::json document;
  store_.transact([&](SQLite::Database&) {
    document = readBehaviour(store_, objectKey);
    const std::lock_guard guard(cacheLock_);
    if (behaviours_.size() >= kMaxCachedObjects) {
      behaviours_.clear();
    }
    behaviours_[objectKey] = document;
  });
  return document;
}

void ProbeJournal::setBehaviour(const std::string& objectKey, const nlohmann::json& document) {
  try {
    store_.transact([&](SQLite::Database&) {
      writeBehaviour(store_, objectKey, document);
      const std::lock_guard guard(cacheLock_);
      behaviours_[objectKey] = document;
    });
  } catch (...) {
    forget(objectKey);
    throw;
  }
}

bool ProbeJournal::consumeCount(const std::string& objectKey,
                                const nlohmann::json::json_pointer& pointer) {
  // The common case, no count configured, needs no transaction at all.
  if (!hasCountToConsume(behaviour(objectKey), pointer)) {
    return false;
  }
  bool consumed = false;
  try {
    store_.transact([&](SQLite::Database&) {
      nlohmann::json document = readBehaviour(store_, objectKey);
      if (!hasCountToConsume(document, pointer)) {
        return;
      }
      document[pointer] = document[pointer].get<long long>() - 1;
      writeBehaviour(store_, objectKey, document);
      consumed = true;
      const std::lock_guard guard(cacheLock_);
      behaviours_[objectKey] = std::move(document);
    });
  } catch (...) {
    forget(objectKey);
    throw;
  }
  return consumed;
}

}  // namespace doc::ref
