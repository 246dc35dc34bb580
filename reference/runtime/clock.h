// The runtime's clock. With a scale below 1 every delay, retry and limit runs that many times
// faster, and the timestamps the runtime reports move at the same faster pace, so a 2 s retry
// shows as 2000 ms in the log while it took 20 ms of real time at scale 0.01.
#pragma once

#include <algorithm>
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
  // Clamped to what a timer can hold, so an alarm far in the future waits "forever" instead of
  // overflowing into a negative wait that fires at once.
  std::chrono::nanoseconds toReal(double clockMs) const {
    const double nanos = clockMs * scale() * 1e6;
    constexpr double kLongest = 1e18;  // About 31 years: longer than any run.
    return std::chrono::nanoseconds(static_cast<long long>(std::clamp(nanos, 0.0, kLongest)));
  }
};

// Advances `1 / scale` times as fast as real time from an anchor: a moment that is `anchorMs`
// on this clock and `anchorRealMs` on the system clock. Keeping the anchor across a restart (the
// runtime stores it with its data) keeps the clock continuous, so alarms stored on it still fire
// on time after a restart at any scale.
class ScaledClock : public Clock {
 public:
  explicit ScaledClock(double scale) : ScaledClock(scale, systemNowMs(), systemNowMs()) {}
  ScaledClock(double scale, double anchorMs, double anchorRealMs)
      : scale_(scale), anchorMs_(anchorMs), anchorRealMs_(anchorRealMs) {}

  double nowMs() const override { return anchorMs_ + (systemNowMs() - anchorRealMs_) / scale_; }
  double scale() const override { return scale_; }
  double anchorMs() const { return anchorMs_; }
  double anchorRealMs() const { return anchorRealMs_; }

  static double systemNowMs() {
    return std::chrono::duration<double, std::milli>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

 private:
  double scale_;
  double anchorMs_;
  double anchorRealMs_;
};

}  // namespace doc::ref
