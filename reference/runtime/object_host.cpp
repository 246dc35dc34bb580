#include "reference/runtime/object_host.h"

#include <openssl/evp.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/url/parse.hpp>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace doc::ref {

namespace {

std::string sha256Hex(const std::string& input) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr);
  std::ostringstream hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex << std::hex << std::setw(2) << std::setfill('0') << int(digest[i]);
  }
  return hex.str();
}

// The handler names that are events, not methods: calling them over RPC is refused, as in
// workerd (api/worker-rpc.c++, reserved names).
bool isReservedRpcName(const std::string& method) {
  static const std::set<std::string> reserved = {
      "fetch",          "connect",        "alarm", "webSocketMessage",
      "webSocketClose", "webSocketError", "dup",   "constructor"};
  return reserved.contains(method);
}

// The base a relative URL is resolved against when the profile allows relative URLs: the dummy
// host Cloudflare's compat-flag documentation names (workerd 2026-11-17 uses https://fake-host).
constexpr const char* kRelativeUrlBase = "http://fake-host";

}  // namespace

ObjectSlot::ObjectSlot(Worker& worker, const std::string& className, DurableObjectId id,
                       const ObjectFactory& factory)
    : worker_(worker),
      className_(className),
      factory_(factory),
      strand_(boost::asio::make_strand(worker.executor())),
      description_(className + " \"" + id.name() + "\" in profile " + worker.profileName()),
      webSockets_(*this, strand_, worker.flags(), worker.clock(), worker.log(), description_),
      state_(
          id,
          DurableObjectStorage(worker.store(),
                               worker.profileName() + "/" + className + "/" + id.toString(), *this),
          *this, webSockets_),
      idleTimer_(strand_),
      alarmTimer_(strand_) {}

ObjectSlot::~ObjectSlot() = default;

DurableObject& ObjectSlot::ensureConstructed() {
  if (!instance_) {
    worker_.log()(LogLevel::kDebug, "constructing " + description_);
    instance_ = factory_(state_, worker_.env());
  }
  return *instance_;
}

void ObjectSlot::beginEvent() {
  ++inFlight_;
  ++idleGeneration_;
  idleTimer_.cancel();
}

void ObjectSlot::endEvent() {
  if (--inFlight_ > 0) {
    return;
  }
  if (resetRequested_) {
    destroyInstance("reset after its handler overran or an eviction was asked for");
    return;
  }
  armIdleTimer();
}

void ObjectSlot::armIdleTimer() {
  const double idleMs = worker_.idleEvictionMs();
  if (inFlight_ > 0 || !instance_ || idleMs <= 0) {
    return;
  }
  const uint64_t generation = ++idleGeneration_;
  idleTimer_.expires_after(worker_.clock().toReal(idleMs));
  idleTimer_.async_wait([this, generation, idleMs](const boost::system::error_code& error) {
    if (error || generation != idleGeneration_ || inFlight_ > 0 || !instance_) {
      return;
    }
    if (webSockets_.pinned()) {
      // An accept() socket keeps the instance; its close arms the timer again.
      return;
    }
    destroyInstance("idle for " + std::to_string(static_cast<long long>(idleMs)) + " ms");
  });
}

void ObjectSlot::destroyInstance(const std::string& why) {
  resetRequested_ = false;
  if (!instance_) {
    return;
  }
  webSockets_.abandonAcceptedSockets();
  instance_.reset();
  worker_.log()(LogLevel::kInfo, "evicted " + description_ + ": " + why);
  // The reason a reset ended waits with belongs to the instance that is gone.
  if (!alarmRunning_) {
    endReason_.clear();
  }
}

Task<void> ObjectSlot::evict() {
  auto evictNow = [this]() -> Task<void> {
    if (inFlight_ > 0) {
      // Destroying an instance under a suspended handler would pull its frame away; the last
      // event to end destroys it instead.
      resetRequested_ = instance_ != nullptr;
    } else {
      destroyInstance("eviction asked for");
    }
    co_return;
  };
  co_await boost::asio::co_spawn(strand_, std::move(evictNow), boost::asio::use_awaitable);
}

void ObjectSlot::resetInstance(const std::string& reason) {
  worker_.log()(LogLevel::kWarning, description_ + ": " + reason + "; resetting the object");
  endWaits(reason);
  resetRequested_ = true;
  if (inFlight_ == 0) {
    destroyInstance(reason);
  }
}

// Whole milliseconds, as Date.now() gives them.
double ObjectSlot::nowMs() const {
  return std::floor(worker_.clock().nowMs());
}

bool ObjectSlot::deleteAllDeletesAlarm() const {
  return worker_.flags().isOn("delete_all_deletes_alarm");
}

bool ObjectSlot::classHasAlarmHandler() {
  return ensureConstructed().hasAlarmHandler();
}

std::optional<double> ObjectSlot::getAlarm() {
  if (alarmRunning_ && !alarmSetDuringRun_) {
    return std::nullopt;
  }
  const auto stored = worker_.alarms().get(state_.storage().objectKey());
  return stored ? std::optional(stored->scheduledTime) : std::nullopt;
}

void ObjectSlot::setAlarm(double scheduledTime) {
  worker_.alarms().put(StoredAlarm{state_.storage().objectKey(), worker_.profileName(), className_,
                                   id().name(), scheduledTime, scheduledTime, 0});
  if (alarmRunning_) {
    // Replaces the running alarm's retry; armed when the running handler has ended, so two
    // alarm() calls of one object never overlap.
    alarmSetDuringRun_ = true;
    alarmDeletedDuringRun_ = false;
    return;
  }
  armAlarmTimer(scheduledTime);
}

void ObjectSlot::deleteAlarm() {
  worker_.alarms().remove(state_.storage().objectKey());
  alarmTimer_.cancel();
  if (alarmRunning_) {
    alarmSetDuringRun_ = false;
    alarmDeletedDuringRun_ = true;
  }
}

void ObjectSlot::restoreAlarm() {
  boost::asio::post(strand_, [this] {
    if (const auto stored = worker_.alarms().get(state_.storage().objectKey())) {
      armAlarmTimer(stored->nextRun);
    }
  });
}

void ObjectSlot::armAlarmTimer(double nextRun) {
  const double waitMs = std::max(0.0, nextRun - nowMs());
  alarmTimer_.expires_after(worker_.clock().toReal(waitMs));
  alarmTimer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) {
      boost::asio::co_spawn(strand_, runAlarm(), boost::asio::detached);
    }
  });
}

Task<void> ObjectSlot::sleep(double clockMs) {
  if (!endReason_.empty()) {
    // The limit passed while the handler was elsewhere: it ends at this wait too.
    throw JsError("Error", endReason_);
  }
  boost::asio::steady_timer timer(strand_, worker_.clock().toReal(clockMs));
  sleeping_.insert(&timer);
  auto [error] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  sleeping_.erase(&timer);
  if (error) {
    throw JsError("Error", endReason_.empty() ? "the wait was canceled" : endReason_);
  }
}

void ObjectSlot::endWaits(const std::string& reason) {
  endReason_ = reason;
  for (auto* timer : sleeping_) {
    timer->cancel();
  }
}

Task<void> ObjectSlot::runAlarmHandler(AlarmInvocationInfo info) {
  // The wall-time limit: when it passes, every wait of the handler ends with an error, so the
  // handler fails at its next await and the run counts as a failure.
  auto limit = std::make_shared<boost::asio::steady_timer>(
      strand_, worker_.clock().toReal(worker_.alarmPolicy().wallTimeLimitMs));
  limit->async_wait([this, limit](const boost::system::error_code& error) {
    if (!error) {
      endWaits("alarm() exceeded its wall-time limit and was canceled");
    }
  });
  auto handler = [info](DurableObject& object) { return object.alarm(info); };
  try {
    co_await deliver<void>(std::move(handler));
  } catch (...) {
    limit->cancel();
    endReason_.clear();
    throw;
  }
  limit->cancel();
  endReason_.clear();
}

Task<void> ObjectSlot::runAlarm() {
  const std::string key = state_.storage().objectKey();
  const auto stored = worker_.alarms().get(key);
  if (!stored || alarmRunning_) {
    co_return;
  }
  alarmRunning_ = true;
  alarmSetDuringRun_ = false;
  alarmDeletedDuringRun_ = false;

  const AlarmInvocationInfo info{stored->retryCount, stored->retryCount > 0, stored->scheduledTime};
  std::string failure;
  try {
    co_await runAlarmHandler(info);
  } catch (const std::exception& error) {
    failure = error.what();
  }
  alarmRunning_ = false;

  const std::string who =
      className_ + " \"" + id().name() + "\" in profile " + worker_.profileName();
  if (alarmSetDuringRun_) {
    // setAlarm() inside the handler replaces the retry: the new alarm runs with retryCount 0.
    if (const auto replacement = worker_.alarms().get(key)) {
      armAlarmTimer(replacement->nextRun);
    }
    co_return;
  }
  if (alarmDeletedDuringRun_) {
    co_return;
  }
  if (failure.empty()) {
    worker_.alarms().remove(key);
    co_return;
  }
  const AlarmPolicy& policy = worker_.alarmPolicy();
  if (stored->retryCount >= policy.maxRetries) {
    worker_.log()(LogLevel::kInfo, "alarm of " + who + " failed (" + failure + ") after " +
                                       std::to_string(stored->retryCount) +
                                       " retries; abandoning it");
    worker_.alarms().remove(key);
    co_return;
  }
  StoredAlarm retry = *stored;
  retry.retryCount += 1;
  retry.nextRun = nowMs() + policy.retryDelayMs(retry.retryCount);
  worker_.alarms().put(retry);
  worker_.log()(LogLevel::kDebug, "alarm of " + who + " failed (" + failure + "); retry " +
                                      std::to_string(retry.retryCount) + " in " +
                                      std::to_string(retry.nextRun - nowMs()) + " ms");
  armAlarmTimer(retry.nextRun);
}

DurableObjectId DurableObjectNamespace::idFromName(const std::string& name) const {
  // The profile and class are part of the key, so a name means a different object in each.
  return DurableObjectId(sha256Hex(worker_.profileName() + "\n" + className_ + "\n" + name), name);
}

ObjectSlot& DurableObjectNamespace::slot(const DurableObjectId& id) {
  const std::lock_guard guard(slotsLock_);
  auto& slot = slots_[id.toString()];
  if (!slot) {
    slot = std::make_unique<ObjectSlot>(worker_, className_, id, factory_);
  }
  return *slot;
}

DurableObjectStub DurableObjectNamespace::get(const DurableObjectId& id) {
  return DurableObjectStub(worker_, slot(id));
}

Task<HttpResponse> DurableObjectStub::fetch(HttpRequest request) {
  const bool isAbsolute = boost::urls::parse_absolute_uri(request.url).has_value();
  if (!isAbsolute) {
    if (worker_.flags().isOn("durable_object_fetch_requires_full_url")) {
      throw JsError("TypeError", "Invalid URL: " + request.url);
    }
    request.url =
        std::string(kRelativeUrlBase) + (request.url.starts_with("/") ? "" : "/") + request.url;
  }

  // The handler is a named local: GCC 12 destroys a lambda temporary inside a co_await twice.
  auto handler = [request = std::move(request)](DurableObject& object) {
    return object.fetch(request);
  };
  try {
    co_return co_await slot_.deliver<HttpResponse>(std::move(handler));
  } catch (const JsError& error) {
    throw error.asRemote();
  }
}

Task<Json> DurableObjectStub::call(std::string method, Json args) {
  if (!worker_.flags().isOn("rpc")) {
    // Without the rpc flag a stub is a plain fetcher: the method does not exist on it.
    throw JsError("TypeError", "stub." + method + " is not a function");
  }
  if (isReservedRpcName(method)) {
    throw JsError("TypeError",
                  "'" + method + "' is a reserved method and cannot be called over RPC.", true);
  }

  auto handler = [method, args](DurableObject& object) -> Task<Json> {
    const auto& methods = object.rpcMethods();
    const auto found = methods.find(method);
    if (found == methods.end()) {
      throw JsError("TypeError",
                    "The RPC receiver does not implement the method \"" + method + "\".");
    }
    co_return co_await found->second(object, args);
  };
  try {
    co_return co_await slot_.deliver<Json>(std::move(handler));
  } catch (const JsError& error) {
    throw error.asRemote();
  }
}

Worker::Worker(std::string profileName, FlagSet flags, ObjectStore& store, AlarmStore& alarms,
               AlarmPolicy alarmPolicy, Clock& clock, boost::asio::any_io_executor executor,
               LogSink log)
    : profileName_(std::move(profileName)),
      flags_(std::move(flags)),
      store_(store),
      alarms_(alarms),
      alarmPolicy_(std::move(alarmPolicy)),
      clock_(clock),
      executor_(std::move(executor)),
      log_(std::move(log)) {}

void Worker::defineClass(const std::string& className, ObjectFactory factory) {
  namespaces_[className] =
      std::make_unique<DurableObjectNamespace>(*this, className, std::move(factory));
}

void Worker::bindNamespace(const std::string& bindingName, const std::string& className) {
  env_.bindings[bindingName] = namespaces_.at(className).get();
}

void Worker::bindVariable(const std::string& bindingName, std::string value) {
  env_.bindings[bindingName] = std::move(value);
}

void Worker::restoreAlarms() {
  for (const auto& stored : alarms_.forProfile(profileName_)) {
    DurableObjectNamespace* ns = findNamespace(stored.className);
    if (ns == nullptr) {
      log_(LogLevel::kWarning, "an alarm is stored for class " + stored.className +
                                   ", which profile " + profileName_ + " no longer defines");
      continue;
    }
    ns->slot(ns->idFromName(stored.objectName)).restoreAlarm();
  }
}

DurableObjectNamespace* Worker::findNamespace(const std::string& className) {
  const auto found = namespaces_.find(className);
  return found == namespaces_.end() ? nullptr : found->second.get();
}

}  // namespace doc::ref
