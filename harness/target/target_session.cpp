#include "harness/target/target_session.h"

namespace doc::harness {

namespace {

// /info is small and served without touching any object; a target that takes longer is broken.
constexpr auto kInfoTimeout = std::chrono::seconds(10);

}  // namespace

TargetSession::TargetSession(std::string rootUrl, std::unique_ptr<ManagedTarget> managed)
    : rootUrl_(std::move(rootUrl)), managed_(std::move(managed)) {
  readInfo();
}

TargetSession::~TargetSession() = default;

void TargetSession::readInfo() {
  TargetClient client;
  Json info = client.info(rootUrl_, kInfoTimeout);
  const int version = negotiateProtocolVersion(info);
  if (!info.contains("profiles") || !info["profiles"].is_array()) {
    throw TargetError(rootUrl_ + "/info has no \"profiles\" list");
  }
  const std::lock_guard guard(lock_);
  info_ = std::move(info);
  protocolVersion_ = version;
}

double TargetSession::clockScale() const {
  const std::lock_guard guard(lock_);
  return info_.value("/clock/scale"_json_pointer, 1.0);
}

bool TargetSession::hasCapability(const std::string& name) const {
  if (name == "restart") {
    return managed_ != nullptr;
  }
  const std::lock_guard guard(lock_);
  const auto pointer = Json::json_pointer("/capabilities/" + name);
  return info_.contains(pointer) && info_[pointer].is_boolean() && info_[pointer].get<bool>();
}

std::string TargetSession::baseUrl(const std::string& profile) const {
  const std::lock_guard guard(lock_);
  for (const auto& entry : info_["profiles"]) {
    if (entry.value("name", "") == profile) {
      return entry.value("baseUrl", "");
    }
  }
  return "";
}

std::vector<std::string> TargetSession::profiles() const {
  const std::lock_guard guard(lock_);
  std::vector<std::string> names;
  for (const auto& entry : info_["profiles"]) {
    names.push_back(entry.value("name", ""));
  }
  return names;
}

std::string TargetSession::rootUrl() const {
  const std::lock_guard guard(lock_);
  return rootUrl_;
}

void TargetSession::restart() {
  if (!managed_) {
    throw TargetError("cannot restart a target the harness did not start");
  }
  std::string url = managed_->restart();
  {
    const std::lock_guard guard(lock_);
    rootUrl_ = std::move(url);
  }
  readInfo();
}

}  // namespace doc::harness
