// The probe's journal: per object, the ordered log of every construction and handler call, and
// the behaviour document that tells its handlers what to do. It lives in the runtime's own
// database, outside the object, so the front reads it without waking or constructing the object
// (specs/probe-protocol.md, "log").
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>

#include "reference/runtime/object_store.h"

namespace doc::ref {

class ProbeJournal {
 public:
  explicit ProbeJournal(ObjectStore& store);

  // Appends `event` (which has at least "event") with the next seq of `objectKey` and `ts`.
  void append(const std::string& objectKey, double ts, nlohmann::json event);
  // Every event of `objectKey` with a seq greater than `after`, oldest first.
  nlohmann::json readSince(const std::string& objectKey, long long after);

  nlohmann::json behaviour(const std::string& objectKey);
  void setBehaviour(const std::string& objectKey, const nlohmann::json& document);
  // Decrements the counter at `pointer` (e.g. "/fetch/throwCount") when it is positive and says
  // whether it was: one durable step, so a count survives a restart between two calls.
  bool consumeCount(const std::string& objectKey, const nlohmann::json::json_pointer& pointer);

 private:
  std::optional<long long> cachedLastSeq(const std::string& objectKey);
  std::optional<nlohmann::json> cachedBehaviour(const std::string& objectKey);
  void forget(const std::string& objectKey);

  ObjectStore& store_;
  // Write-through copies of what is stored, so that the hot path (one fetch: one append, one
  // look at fetch.throwCount) reads nothing back from SQLite: the last seq and the behaviour
  // document of each object seen since the start. Every write goes through this class, so the
  // copies never go stale; a failed transaction forgets its object's copies.
  std::mutex cacheLock_;  // Taken inside the store's lock, never the other way round.
  std::unordered_map<std::string, long long> lastSeq_;
  std::unordered_map<std::string, nlohmann::json> behaviours_;
};

}  // namespace doc::ref
