// Where alarms are kept: one row per object with its scheduled time (what getAlarm() returns and
// alarmInfo.scheduledTime carries), when it next runs (later than the scheduled time between
// retries) and how many retries it has had. The row survives a restart, so an alarm set before
// the runtime was killed still runs once it is back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reference/runtime/object_store.h"

namespace doc::ref {

struct StoredAlarm {
  std::string objectKey;  // "<profile>/<class>/<id>"
  std::string profile;
  std::string className;
  std::string objectName;
  double scheduledTime = 0;
  double nextRun = 0;
  int retryCount = 0;
};

class AlarmStore {
 public:
  explicit AlarmStore(ObjectStore& store);

  std::optional<StoredAlarm> get(const std::string& objectKey);
  void put(const StoredAlarm& alarm);
  void remove(const std::string& objectKey);
  std::vector<StoredAlarm> forProfile(const std::string& profile);

 private:
  ObjectStore& store_;
};

}  // namespace doc::ref
