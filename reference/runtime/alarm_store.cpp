#include "reference/runtime/alarm_store.h"

namespace doc::ref {

namespace {

StoredAlarm readRow(SQLite::Statement& query) {
  return StoredAlarm{query.getColumn(0).getString(), query.getColumn(1).getString(),
                     query.getColumn(2).getString(), query.getColumn(3).getString(),
                     query.getColumn(4).getDouble(), query.getColumn(5).getDouble(),
                     query.getColumn(6).getInt()};
}

constexpr const char* kColumns =
    "object, profile, class, name, scheduled_time, next_run, retry_count";

}  // namespace

AlarmStore::AlarmStore(ObjectStore& store) : store_(store) {
  store_.transact([](SQLite::Database& db) {
    db.exec(
        "CREATE TABLE IF NOT EXISTS alarms ("
        "  object TEXT PRIMARY KEY, profile TEXT NOT NULL, class TEXT NOT NULL,"
        "  name TEXT NOT NULL, scheduled_time REAL NOT NULL, next_run REAL NOT NULL,"
        "  retry_count INTEGER NOT NULL)");
  });
}

std::optional<StoredAlarm> AlarmStore::get(const std::string& objectKey) {
  std::optional<StoredAlarm> alarm;
  store_.transact([&](SQLite::Database& db) {
    SQLite::Statement query(db,
                            std::string("SELECT ") + kColumns + " FROM alarms WHERE object = ?");
    query.bind(1, objectKey);
    if (query.executeStep()) {
      alarm = readRow(query);
    }
  });
  return alarm;
}

void AlarmStore::put(const StoredAlarm& alarm) {
  store_.transact([&](SQLite::Database& db) {
    SQLite::Statement write(
        db, std::string("INSERT OR REPLACE INTO alarms (") + kColumns + ") VALUES (?,?,?,?,?,?,?)");
    write.bind(1, alarm.objectKey);
    write.bind(2, alarm.profile);
    write.bind(3, alarm.className);
    write.bind(4, alarm.objectName);
    write.bind(5, alarm.scheduledTime);
    write.bind(6, alarm.nextRun);
    write.bind(7, alarm.retryCount);
    write.exec();
  });
}

void AlarmStore::remove(const std::string& objectKey) {
  store_.transact([&](SQLite::Database& db) {
    SQLite::Statement remove(db, "DELETE FROM alarms WHERE object = ?");
    remove.bind(1, objectKey);
    remove.exec();
  });
}

std::vector<StoredAlarm> AlarmStore::forProfile(const std::string& profile) {
  std::vector<StoredAlarm> alarms;
  store_.transact([&](SQLite::Database& db) {
    SQLite::Statement query(db,
                            std::string("SELECT ") + kColumns + " FROM alarms WHERE profile = ?");
    query.bind(1, profile);
    while (query.executeStep()) {
      alarms.push_back(readRow(query));
    }
  });
  return alarms;
}

}  // namespace doc::ref
