#include "reference/runtime/object_host.h"

#include <openssl/evp.h>

#include <boost/url/parse.hpp>
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
      state_(id, DurableObjectStorage(worker.store(), worker.profileName() + "/" + className + "/" +
                                                          id.toString())) {}

DurableObject& ObjectSlot::ensureConstructed() {
  if (!instance_) {
    worker_.log()(LogLevel::kDebug, "constructing " + className_ + " \"" + id().name() +
                                        "\" in profile " + worker_.profileName());
    instance_ = factory_(state_, worker_.env());
  }
  return *instance_;
}

DurableObjectId DurableObjectNamespace::idFromName(const std::string& name) const {
  // The profile and class are part of the key, so a name means a different object in each.
  return DurableObjectId(sha256Hex(worker_.profileName() + "\n" + className_ + "\n" + name), name);
}

DurableObjectStub DurableObjectNamespace::get(const DurableObjectId& id) {
  const std::lock_guard guard(slotsLock_);
  auto& slot = slots_[id.toString()];
  if (!slot) {
    slot = std::make_unique<ObjectSlot>(worker_, className_, id, factory_);
  }
  return DurableObjectStub(worker_, *slot);
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

Worker::Worker(std::string profileName, FlagSet flags, ObjectStore& store, Clock& clock,
               boost::asio::any_io_executor executor, LogSink log)
    : profileName_(std::move(profileName)),
      flags_(std::move(flags)),
      store_(store),
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

DurableObjectNamespace* Worker::findNamespace(const std::string& className) {
  const auto found = namespaces_.find(className);
  return found == namespaces_.end() ? nullptr : found->second.get();
}

}  // namespace doc::ref
