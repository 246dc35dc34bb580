// The reference runtime's HTTP/1.1 server on Boost.Beast: accepts on one endpoint, reads each
// request whole, hands it to a handler coroutine and writes the answer, keeping connections
// alive. Every connection failure is reported through one place, with the peer's address.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>

#include "common/logger.h"
#include "reference/runtime/durable_object.h"

namespace doc::ref {

using RequestHandler = std::function<Task<HttpResponse>(HttpRequest)>;

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, RequestHandler handler, LogSink log);

  // Binds and listens; returns the bound endpoint (port 0 picks a free port).
  boost::asio::ip::tcp::endpoint listen(const boost::asio::ip::tcp::endpoint& endpoint);
  // Starts accepting on the io_context's threads.
  void start();
  void stop();

 private:
  Task<void> acceptLoop();
  Task<void> serve(boost::asio::ip::tcp::socket socket);
  void reportFailure(const std::string& peer, const std::string& what,
                     const boost::system::error_code& error);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  RequestHandler handler_;
  LogSink log_;
};

}  // namespace doc::ref
