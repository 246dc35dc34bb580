#include "reference/probe/probe_journal.h"

namespace doc::ref {

namespace {

nlohmann::json readBehaviour(SQLite::Database& db, const std::string& objectKey) {
  SQLite::Statement query(db, "SELECT document FROM probe_behaviour WHERE object = ?");
  query.bind(1, objectKey);
  if (!query.executeStep()) {
    return nlohmann::json::object();
  }
  return nlohmann::json::parse(query.getColumn(0).getString());
}

void writeBehaviour(SQLite::Database& db, const std::string& objectKey,
                    const nlohmann::json& document) {
  SQLite::Statement write(
      db, "INSERT OR REPLACE INTO probe_behaviour (object, document) VALUES (?, ?)");
  write.bind(1, objectKey);
  write.bind(2, document.dump());
  write.exec();
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

void ProbeJournal::append(const std::string& objectKey, double ts, nlohmann::json event) {
  store_.transact([&](SQLite::Database& db) {
    SQLite::Statement last(db, "SELECT COALESCE(MAX(seq), 0) FROM probe_log WHERE object = ?");
    last.bind(1, objectKey);
    last.executeStep();
    const long long seq = last.getColumn(0).getInt64() + 1;

    event["seq"] = seq;
    event["ts"] = static_cast<long long>(ts);
    SQLite::Statement insert(db,
                             "INSERT INTO probe_log (object, seq, ts, event) VALUES (?, ?, ?, ?)");
    insert.bind(1, objectKey);
    insert.bind(2, static_cast<int64_t>(seq));
    insert.bind(3, ts);
    insert.bind(4, event.dump());
    insert.exec();
  });
}

nlohmann::json ProbeJournal::readSince(const std::string& objectKey, long long after) {
  nlohmann::json events = nlohmann::json::array();
  store_.transact([&](SQLite::Database& db) {
    SQLite::Statement query(
        db, "SELECT event FROM probe_log WHERE object = ? AND seq > ? ORDER BY seq");
    query.bind(1, objectKey);
    query.bind(2, static_cast<int64_t>(after));
    while (query.executeStep()) {
      events.push_back(nlohmann::json::parse(query.getColumn(0).getString()));
    }
  });
  return events;
}

nlohmann::json ProbeJournal::behaviour(const std::string& objectKey) {
  nlohmann::json document;
  store_.transact([&](SQLite::Database& db) { document = readBehaviour(db, objectKey); });
  return document;
}

void ProbeJournal::setBehaviour(const std::string& objectKey, const nlohmann::json& document) {
  store_.transact([&](SQLite::Database& db) { writeBehaviour(db, objectKey, document); });
}

bool ProbeJournal::consumeCount(const std::string& objectKey,
                                const nlohmann::json::json_pointer& pointer) {
  bool consumed = false;
  store_.transact([&](SQLite::Database& db) {
    nlohmann::json document = readBehaviour(db, objectKey);
    if (!document.contains(pointer) || !document[pointer].is_number() ||
        document[pointer].get<double>() < 1) {
      return;
    }
    document[pointer] = document[pointer].get<long long>() - 1;
    writeBehaviour(db, objectKey, document);
    consumed = true;
  });
  return consumed;
}

}  // namespace doc::ref
