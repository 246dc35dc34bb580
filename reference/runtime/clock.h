// The runtime's clock. With a scale below 1 every delay, retry and limit runs that many times
// faster, and the timestamps the runtime reports move at the same faster pace, so a 2 s retry
// shows as 2000 ms in the log while it took 20 ms of real time at scale 0.01.
#pragma once

#include <chrono>

namespace doc::ref {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch on this clock.
  virtual double nowMs() const = 0;
  // Real seconds per second of this clock.
  virtual double scale() const = 0;
  // How long a duration on this clock takes in real time.
  std::chrono::nanoseconds toReal(double clockMs) const {
    return std::chrono::nanoseconds(static_cast<long long>(clockMs * scale() * 1e6));
  }
};

// Starts at the system time and advances `1 / scale` times as fast as real time.
class ScaledClock : public Clock {
 public:
  explicit ScaledClock(double scale)
      : scale_(scale),
        startMs_(std::chrono::duration<double, std::milli>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count()),
        startSteady_(std::chrono::steady_clock::now()) {}

  double nowMs() const override {
    const std::chrono::duration<double, std::milli> elapsed =
        std::chrono::steady_clock::now() - startSteady_;
    return startMs_ + elapsed.count() / scale_;
  }
  double scale() const override { return scale_; }

 private:
  double scale_;
  double startMs_;
  std::chrono::steady_clock::time_point startSteady_;
};

}  // namespace doc::ref
