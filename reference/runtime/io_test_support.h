// What the reference's unit tests share to drive an io_context from the test's own thread:
// running a task to completion, or until a condition holds, both bounded by one deadline.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <stdexcept>

#include "reference/runtime/durable_object.h"

namespace doc::ref::test_io {

// Long enough for a loaded CI machine, short enough that a hang fails the test instead of CI.
inline constexpr auto kDeadline = std::chrono::seconds(10);

// Runs `io` on this thread until `task` has completed, and returns its result or rethrows.
template <class T>
T runTask(boost::asio::io_context& io, Task<T> task) {
  using namespace std::chrono_literals;
  auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (future.wait_for(0s) != std::future_status::ready) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("the task did not complete within the test deadline");
    }
    io.restart();
    if (io.run_one_for(10ms) == 0 && io.stopped()) {
      throw std::runtime_error("the io_context ran out of work before the task completed");
    }
  }
  return future.get();
}

// Runs `io` on this thread until `done()` holds; false when the deadline passed first or `io`
// ran out of work.
inline bool runUntil(boost::asio::io_context& io, const std::function<bool()>& done) {
  using namespace std::chrono_literals;
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    io.restart();
    // Out of work: nothing left that could make `done()` true.
    if (io.run_one_for(10ms) == 0 && io.stopped()) {
      return done();
    }
  }
  return true;
}

}  // namespace doc::ref::test_io
