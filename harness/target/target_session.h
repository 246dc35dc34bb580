// The target of one run as the runner sees it: its /info (profiles, capabilities, clock scale),
// the negotiated protocol version, where each profile lives, and, when the harness started the
// target itself, the means to restart it. Shared by every scenario running at once.
#pragma once

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "harness/target/managed_target.h"
#include "harness/target/target_client.h"

namespace doc::harness {

class TargetSession {
 public:
  // Reads /info at `rootUrl`. `managed` is null for a target someone else runs.
  TargetSession(std::string rootUrl, std::unique_ptr<ManagedTarget> managed);
  ~TargetSession();

  const Json& info() const { return info_; }
  int protocolVersion() const { return protocolVersion_; }
  double clockScale() const;
  bool hasCapability(const std::string& name) const;
  // The base URL of a served profile, or empty when the target does not serve it.
  std::string baseUrl(const std::string& profile) const;
  std::vector<std::string> profiles() const;
  std::string rootUrl() const;

  // Kills and restarts a managed target; throws TargetError for one the harness did not start.
  void restart();

  // Held shared by every running scenario and exclusively by restart(), so a restart never
  // pulls the target from under a scenario in flight.
  std::shared_mutex& runningLock() { return runningLock_; }

 private:
  void readInfo();

  mutable std::mutex lock_;
  std::string rootUrl_;
  std::unique_ptr<ManagedTarget> managed_;
  Json info_;
  int protocolVersion_ = 0;
  std::shared_mutex runningLock_;
};

}  // namespace doc::harness
