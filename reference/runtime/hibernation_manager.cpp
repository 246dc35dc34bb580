#include "reference/runtime/hibernation_manager.h"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <cmath>

#include "reference/runtime/object_host.h"
#include "reference/runtime/web_socket.h"

namespace doc::ref {

namespace {

// What workerd ends an overrunning WebSocket handler with (api/global-scope.c++:817-837).
constexpr const char* kEventTimeoutReason =
    "Actor exceeded event execution time and was disconnected.";

const char* handlerName(const std::shared_ptr<WebSocket>& ws, WebSocketEvent::Kind kind) {
  const bool listener = ws->mode() == WebSocket::Mode::kAccepted;
  switch (kind) {
    case WebSocketEvent::Kind::kMessage:
      return listener ? "the message listener" : "webSocketMessage";
    case WebSocketEvent::Kind::kClose:
      return listener ? "the close listener" : "webSocketClose";
    case WebSocketEvent::Kind::kError:
      return listener ? "the error listener" : "webSocketError";
  }
  return "a WebSocket handler";
}

}  // namespace

HibernationManager::HibernationManager(ObjectSlot& slot, const Strand& strand, const FlagSet& flags,
                                       Clock& clock, LogSink log, std::string objectDescription)
    : slot_(slot),
      strand_(strand),
      flags_(flags),
      clock_(clock),
      log_(std::move(log)),
      objectDescription_(std::move(objectDescription)) {}

void HibernationManager::log(LogLevel level, const std::string& line) const {
  log_(level, objectDescription_ + ": " + line);
}

void HibernationManager::acceptWebSocket(const std::shared_ptr<WebSocket>& ws,
                                         const std::vector<std::string>& tags) {
  if (!ws) {
    throw JsError("TypeError", "acceptWebSocket() needs a WebSocket");
  }
  // The texts are workerd's (api/actor-state.c++:1222-1255, legacy-hibernation-manager.c++:109).
  if (ws->mode() == WebSocket::Mode::kAccepted) {
    throw JsError("Error",
                  "Cannot call `acceptWebSocket()` if the WebSocket was already accepted via "
                  "`accept()`");
  }
  if (ws->mode() == WebSocket::Mode::kHibernatable || &ws->host_ != this) {
    throw JsError("Error",
                  "Cannot call `acceptWebSocket()` on this WebSocket because its pair has "
                  "already been accepted or used in a Response.");
  }
  std::vector<std::string> distinct;
  for (const auto& tag : tags) {
    // Bytes, though the message says characters, as workerd counts (notes §2).
    if (tag.size() > kMaxTagBytes) {
      throw JsError("Error", "\"" + tag + "\" is longer than the max tag length (" +
                                 std::to_string(kMaxTagBytes) + " characters).");
    }
    if (std::find(distinct.begin(), distinct.end(), tag) == distinct.end()) {
      distinct.push_back(tag);
    }
  }
  if (distinct.size() > kMaxTagsPerWebSocket) {
    throw JsError("Error", "a Hibernatable WebSocket cannot have more than " +
                               std::to_string(kMaxTagsPerWebSocket) + " tags");
  }
  if (hibernatable_.size() >= kMaxHibernatableWebSockets) {
    throw JsError("Error", "only " + std::to_string(kMaxHibernatableWebSockets) +
                               " websockets can be accepted on a single Durable Object instance");
  }
  ws->mode_ = WebSocket::Mode::kHibernatable;
  ws->tags_ = std::move(distinct);
  hibernatable_.push_back(ws);
}

std::vector<std::shared_ptr<WebSocket>> HibernationManager::getWebSockets(
    const std::optional<std::string>& tag) {
  std::vector<std::shared_ptr<WebSocket>> found;
  if (!tag) {
    found.assign(hibernatable_.rbegin(), hibernatable_.rend());
    return found;
  }
  for (const auto& ws : hibernatable_) {
    if (std::find(ws->tags_.begin(), ws->tags_.end(), *tag) != ws->tags_.end()) {
      found.push_back(ws);
    }
  }
  return found;
}

std::vector<std::string> HibernationManager::getTags(const WebSocket& ws) const {
  // workerd's texts (api/web-socket.c++:1314-1319).
  if (ws.mode() == WebSocket::Mode::kAccepted) {
    throw JsError("Error", "only hibernatable websockets can have tags.");
  }
  if (ws.mode() == WebSocket::Mode::kNew) {
    throw JsError("Error",
                  "you must call 'acceptWebSocket()' before attempting to access the tags of a "
                  "WebSocket.");
  }
  return ws.tags_;
}

void HibernationManager::setAutoResponse(const std::optional<WebSocketRequestResponsePair>& pair) {
  if (!pair) {
    autoResponse_.reset();
    return;
  }
  if (pair->request.size() > kMaxAutoResponseBytes) {
    throw JsError("RangeError", "Request cannot be larger than " +
                                    std::to_string(kMaxAutoResponseBytes) +
                                    " bytes. A request of size " +
                                    std::to_string(pair->request.size()) + " was provided.");
  }
  if (pair->response.size() > kMaxAutoResponseBytes) {
    throw JsError("RangeError", "Response cannot be larger than " +
                                    std::to_string(kMaxAutoResponseBytes) +
                                    " bytes. A response of size " +
                                    std::to_string(pair->response.size()) + " was provided.");
  }
  autoResponse_ = pair;
}

std::optional<double> HibernationManager::autoResponseTimestamp(const WebSocket& ws) const {
  return ws.autoResponseTimestamp_;
}

void HibernationManager::setEventTimeout(std::optional<double> timeoutMs) {
  if (!timeoutMs || *timeoutMs == 0) {
    eventTimeoutMs_.reset();
    return;
  }
  if (!(*timeoutMs > 0)) {
    throw JsError("TypeError", "The event timeout must be a positive number of milliseconds.");
  }
  if (*timeoutMs > kMaxEventTimeoutMs) {
    throw JsError("Error", "Event timeout should not exceed 604800000 ms.");
  }
  eventTimeoutMs_ = timeoutMs;
}

std::optional<std::string> HibernationManager::autoRespond(WebSocket& ws, const std::string& text) {
  // Hibernatable sockets only, exact text only (legacy-hibernation-manager.c++:321-377).
  if (ws.mode() != WebSocket::Mode::kHibernatable || !autoResponse_ ||
      autoResponse_->request != text) {
    return std::nullopt;
  }
  ws.autoResponseTimestamp_ = std::floor(clock_.nowMs());
  return autoResponse_->response;
}

void HibernationManager::noteAccepted(const std::shared_ptr<WebSocket>& ws) {
  accepted_.insert(ws);
}

void HibernationManager::abandonAcceptedSockets() {
  if (!accepted_.empty()) {
    log(LogLevel::kInfo, "dropping " + std::to_string(accepted_.size()) +
                             " accept()ed WebSocket(s) with the instance");
  }
  for (const auto& ws : accepted_) {
    ws->abandon();
  }
  accepted_.clear();
}

Task<void> HibernationManager::dispatch(std::shared_ptr<WebSocket> ws, WebSocketEvent event) {
  const bool isLast = event.kind != WebSocketEvent::Kind::kMessage;
  co_await runHandler(ws, std::move(event));
  if (isLast) {
    release(ws);
    ws->afterCloseHandler();
  }
}

Task<void> HibernationManager::runHandler(std::shared_ptr<WebSocket> ws, WebSocketEvent event) {
  if (ws->abandoned_ || ws->mode() == WebSocket::Mode::kNew) {
    co_return;  // no handler can reach the socket
  }
  // The event timeout applies to hibernation handlers (api/global-scope.c++:817-837).
  // TODO(conform): C++ cannot interrupt a handler: an overrunning one ends at its next wait
  // (ctx.sleep), and one that never waits runs to its end before the object is reset.
  std::shared_ptr<boost::asio::steady_timer> limit;
  if (ws->mode() == WebSocket::Mode::kHibernatable && eventTimeoutMs_) {
    limit = std::make_shared<boost::asio::steady_timer>(strand_, clock_.toReal(*eventTimeoutMs_));
    limit->async_wait([this, limit](const boost::system::error_code& error) {
      if (!error) {
        slot_.resetInstance(kEventTimeoutReason);
      }
    });
  }

  const WebSocketEvent::Kind kind = event.kind;
  auto handler = [ws, event = std::move(event)](DurableObject& object) mutable -> Task<void> {
    if (ws->mode() == WebSocket::Mode::kHibernatable) {
      switch (event.kind) {
        case WebSocketEvent::Kind::kMessage:
          co_await object.webSocketMessage(*ws, std::move(event.message));
          break;
        case WebSocketEvent::Kind::kClose:
          co_await object.webSocketClose(*ws, event.code, event.reason, event.wasClean);
          break;
        case WebSocketEvent::Kind::kError:
          co_await object.webSocketError(*ws, *event.error);
          break;
      }
      co_return;
    }
    // An accept() socket: its listeners, copied so that a listener replacing them is safe.
    const WebSocketListeners listeners = ws->listeners_;
    switch (event.kind) {
      case WebSocketEvent::Kind::kMessage:
        if (listeners.message) {
          co_await listeners.message(*ws, std::move(event.message));
        }
        break;
      case WebSocketEvent::Kind::kClose:
        if (listeners.close) {
          co_await listeners.close(*ws, event.code, event.reason, event.wasClean);
        }
        break;
      case WebSocketEvent::Kind::kError:
        if (listeners.error) {
          co_await listeners.error(*ws, *event.error);
        }
        break;
    }
  };
  try {
    co_await slot_.deliver<void>(std::move(handler));
  } catch (const std::exception& error) {
    // The socket stays open: a throwing handler is the object's uncaught error, nothing more
    // (notes §3, observed).
    log(LogLevel::kInfo, std::string(handlerName(ws, kind)) + " threw: " + error.what());
  }
  if (limit) {
    limit->cancel();
  }
}

void HibernationManager::release(const std::shared_ptr<WebSocket>& ws) {
  hibernatable_.remove(ws);
  if (accepted_.erase(ws) > 0) {
    slot_.armIdleTimer();
  }
}

}  // namespace doc::ref
