// What an object keeps of its WebSockets while its instance comes and goes: the hibernatable
// sockets with their tags, attachments and auto-response timestamps, the auto-response pair, the
// event timeout, and the accept() sockets that pin the instance. One per ObjectSlot; everything
// runs on the object's strand.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>
#include <list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/compat.h"
#include "common/logger.h"
#include "reference/runtime/clock.h"
#include "reference/runtime/durable_object.h"

namespace doc::ref {

class ObjectSlot;
struct WebSocketEvent;

// workerd's limits (api/actor-state.h:815-816, legacy-hibernation-manager.h:209,
// api/actor-state.c++:1266-1326), which Cloudflare documents for tags and sockets.
inline constexpr size_t kMaxTagsPerWebSocket = 10;
inline constexpr size_t kMaxTagBytes = 256;
inline constexpr size_t kMaxHibernatableWebSockets = 32 * 1024;
inline constexpr size_t kMaxAutoResponseBytes = 2048;
inline constexpr double kMaxEventTimeoutMs = 604'800'000;  // 7 days

class HibernationManager {
 public:
  using Strand = boost::asio::strand<boost::asio::any_io_executor>;

  HibernationManager(ObjectSlot& slot, const Strand& strand, const FlagSet& flags, Clock& clock,
                     LogSink log, std::string objectDescription);

  // ctx's API (DurableObjectState forwards here).
  void acceptWebSocket(const std::shared_ptr<WebSocket>& ws, const std::vector<std::string>& tags);
  std::vector<std::shared_ptr<WebSocket>> getWebSockets(const std::optional<std::string>& tag);
  std::vector<std::string> getTags(const WebSocket& ws) const;
  void setAutoResponse(const std::optional<WebSocketRequestResponsePair>& pair);
  const std::optional<WebSocketRequestResponsePair>& autoResponse() const { return autoResponse_; }
  std::optional<double> autoResponseTimestamp(const WebSocket& ws) const;
  void setEventTimeout(std::optional<double> timeoutMs);
  std::optional<double> eventTimeout() const { return eventTimeoutMs_; }

  // For the sockets.
  const Strand& strand() const { return strand_; }
  bool autoReplyToClose() const { return flags_.isOn("web_socket_auto_reply_to_close"); }
  bool closeReasonByteLimit() const { return flags_.isOn("websocket_close_reason_byte_limit"); }
  bool standardBinaryType() const { return flags_.isOn("websocket_standard_binary_type"); }
  // The auto-response for a text message on a hibernatable socket, recording its time.
  std::optional<std::string> autoRespond(WebSocket& ws, const std::string& text);
  void noteAccepted(const std::shared_ptr<WebSocket>& ws);
  // Runs the handler or listener for `event` through the slot; never throws. After a close or
  // error event the socket is no longer listed and no longer pins the instance.
  Task<void> dispatch(std::shared_ptr<WebSocket> ws, WebSocketEvent event);
  void log(LogLevel level, const std::string& line) const;

  // For the slot.
  // An accept() socket is open: the instance must stay in memory.
  bool pinned() const { return !accepted_.empty(); }
  // The instance is going away: its accept() sockets cannot be reached any more.
  void abandonAcceptedSockets();

 private:
  Task<void> runHandler(std::shared_ptr<WebSocket> ws, WebSocketEvent event);
  void release(const std::shared_ptr<WebSocket>& ws);

  ObjectSlot& slot_;
  Strand strand_;
  const FlagSet& flags_;
  Clock& clock_;
  LogSink log_;
  std::string objectDescription_;

  std::list<std::shared_ptr<WebSocket>> hibernatable_;  // oldest first
  std::set<std::shared_ptr<WebSocket>> accepted_;       // open accept() sockets
  std::optional<WebSocketRequestResponsePair> autoResponse_;
  std::optional<double> eventTimeoutMs_;
};

}  // namespace doc::ref
