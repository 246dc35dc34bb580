// Hosting objects: a Worker per compatibility profile, a namespace per class, an ObjectSlot per
// object name, and the stub a caller uses to reach it. The slot is where the runtime's promises
// to an object are kept: it is constructed lazily on its first event, and its handlers run on a
// strand, so they never run on two threads at once. Handlers may still interleave where one of
// them suspends (see specs/README.md, "Input gate").
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <mutex>
#include <set>

#include "common/compat.h"
#include "common/logger.h"
#include "reference/runtime/alarm_policy.h"
#include "reference/runtime/alarm_store.h"
#include "reference/runtime/clock.h"
#include "reference/runtime/durable_object.h"
#include "reference/runtime/hibernation_manager.h"
#include "reference/runtime/object_store.h"

namespace doc::ref {

class Worker;

// How long an object may go without an event in flight before its instance is destroyed:
// workerd's 10 s (server/server.c++:459-575; observed 9-12 s), on the runtime's clock.
inline constexpr double kDefaultIdleEvictionMs = 10'000;

// Makes an instance of a class; called on the object's strand at its first event.
using ObjectFactory =
    std::function<std::unique_ptr<DurableObject>(DurableObjectState& ctx, Env& env)>;

class ObjectSlot : public ObjectServices {
 public:
  ObjectSlot(Worker& worker, const std::string& className, DurableObjectId id,
             const ObjectFactory& factory);
  ~ObjectSlot() override;

  const DurableObjectId& id() const { return state_.id(); }

  // Runs `handler` against the instance, on the object's strand, constructing it first if it is
  // not alive. An exception from the handler reaches the caller unchanged. Not a coroutine
  // itself: GCC 12 destroys a by-value coroutine parameter that owns a lambda twice, so the
  // handler moves straight into the spawned coroutine's own frame.
  template <class T, class Handler>
  Task<T> deliver(Handler handler) {
    return boost::asio::co_spawn(
        strand_,
        [this, handler = std::move(handler)]() mutable -> Task<T> {
          // Counted from here to the handler's end, thrown or not: the idle timer of eviction
          // starts when no event is in flight.
          const EventInFlight inFlight(*this);
          try {
            co_return co_await handler(ensureConstructed());
          } catch (const JsError&) {
            throw;
          } catch (const std::exception& error) {
            // A C++ failure inside a handler is the object's uncaught error, as a JS exception
            // would be; it must not take the runtime down.
            throw JsError("Error", error.what());
          }
        },
        boost::asio::use_awaitable);
  }

  // Arms the timer for the alarm stored for this object, if any (after a restart).
  void restoreAlarm();

  // Destroys the instance now, as the idle timer would (or when the events in flight have
  // ended); storage, the alarm and hibernatable sockets stay. Does nothing to an object that is
  // not in memory.
  Task<void> evict();
  // Ends the instance because a handler overran: its waits fail with `reason`, and it is
  // destroyed once no event is in flight. On the strand.
  void resetInstance(const std::string& reason);
  // Starts the idle timer if nothing is in flight. On the strand.
  void armIdleTimer();
  bool instanceAlive() const { return instance_ != nullptr; }

  HibernationManager& webSockets() { return webSockets_; }
  // "Probe \"name\" in profile 2026-11-24", for log lines.
  const std::string& description() const { return description_; }

  // ObjectServices.
  std::optional<double> getAlarm() override;
  void setAlarm(double scheduledTime) override;
  void deleteAlarm() override;
  bool classHasAlarmHandler() override;
  bool deleteAllDeletesAlarm() const override;
  double nowMs() const override;
  Task<void> sleep(double clockMs) override;

 private:
  // Counts an event in flight for as long as it lives.
  class EventInFlight {
   public:
    explicit EventInFlight(ObjectSlot& slot) : slot_(slot) { slot_.beginEvent(); }
    ~EventInFlight() { slot_.endEvent(); }
    EventInFlight(const EventInFlight&) = delete;
    EventInFlight& operator=(const EventInFlight&) = delete;

   private:
    ObjectSlot& slot_;
  };

  DurableObject& ensureConstructed();
  void beginEvent();
  void endEvent();
  void destroyInstance(const std::string& why);
  void armAlarmTimer(double nextRun);
  Task<void> runAlarm();
  Task<void> runAlarmHandler(AlarmInvocationInfo info);
  void endWaits(const std::string& reason);

  Worker& worker_;
  std::string className_;
  const ObjectFactory& factory_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  std::string description_;
  HibernationManager webSockets_;
  DurableObjectState state_;
  std::unique_ptr<DurableObject> instance_;

  // Eviction: events in flight, the idle timer, and a reset waiting for them to end.
  int inFlight_ = 0;
  boost::asio::steady_timer idleTimer_;
  uint64_t idleGeneration_ = 0;  // a timer that fired after being re-armed is stale
  bool resetRequested_ = false;

  // Alarm state that is not stored: whether alarm() is running, and what it did to the alarm.
  boost::asio::steady_timer alarmTimer_;
  bool alarmRunning_ = false;
  bool alarmSetDuringRun_ = false;
  bool alarmDeletedDuringRun_ = false;

  // Timers of sleep() in progress, so the runtime can end a handler that overran its limit.
  std::set<boost::asio::steady_timer*> sleeping_;
  std::string endReason_;
};

class DurableObjectStub;

class DurableObjectNamespace {
 public:
  DurableObjectNamespace(Worker& worker, std::string className, ObjectFactory factory)
      : worker_(worker), className_(std::move(className)), factory_(std::move(factory)) {}

  const std::string& className() const { return className_; }
  // The same name always gives the same 64-hex id in this namespace; different names differ.
  DurableObjectId idFromName(const std::string& name) const;
  DurableObjectStub get(const DurableObjectId& id);
  ObjectSlot& slot(const DurableObjectId& id);

 private:
  Worker& worker_;
  std::string className_;
  ObjectFactory factory_;
  std::mutex slotsLock_;
  std::map<std::string, std::unique_ptr<ObjectSlot>> slots_;
};

// What a caller holds: fetch() and RPC calls, with the caller-side rules of the profile (full
// URLs, whether RPC exists) and errors from the object marked remote.
class DurableObjectStub {
 public:
  DurableObjectStub(Worker& worker, ObjectSlot& slot) : worker_(worker), slot_(slot) {}

  Task<HttpResponse> fetch(HttpRequest request);
  Task<Json> call(std::string method, Json args);

 private:
  Worker& worker_;
  ObjectSlot& slot_;
};

// One compatibility profile: its flags, its classes and the env its objects see.
class Worker {
 public:
  Worker(std::string profileName, FlagSet flags, ObjectStore& store, AlarmStore& alarms,
         AlarmPolicy alarmPolicy, Clock& clock, boost::asio::any_io_executor executor, LogSink log);

  // Arms the alarms stored for this profile: run once after the classes are defined.
  void restoreAlarms();

  void defineClass(const std::string& className, ObjectFactory factory);
  void bindNamespace(const std::string& bindingName, const std::string& className);
  void bindVariable(const std::string& bindingName, std::string value);

  DurableObjectNamespace* findNamespace(const std::string& className);

  const std::string& profileName() const { return profileName_; }
  const FlagSet& flags() const { return flags_; }
  ObjectStore& store() { return store_; }
  AlarmStore& alarms() { return alarms_; }
  const AlarmPolicy& alarmPolicy() const { return alarmPolicy_; }
  Clock& clock() { return clock_; }
  Env& env() { return env_; }
  const boost::asio::any_io_executor& executor() const { return executor_; }
  const LogSink& log() const { return log_; }

  // The idle time before an object's instance is destroyed (kDefaultIdleEvictionMs); 0 or
  // less never evicts. Tests inject their own; set it before the first event.
  double idleEvictionMs() const { return idleEvictionMs_; }
  void setIdleEvictionMs(double clockMs) { idleEvictionMs_ = clockMs; }

 private:
  std::string profileName_;
  FlagSet flags_;
  ObjectStore& store_;
  AlarmStore& alarms_;
  AlarmPolicy alarmPolicy_;
  Clock& clock_;
  boost::asio::any_io_executor executor_;
  LogSink log_;
  Env env_;
  std::map<std::string, std::unique_ptr<DurableObjectNamespace>> namespaces_;
  double idleEvictionMs_ = kDefaultIdleEvictionMs;
};

}  // namespace doc::ref
