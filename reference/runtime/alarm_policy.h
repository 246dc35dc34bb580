// When a failed alarm() is tried again, and how often. The numbers are the seed's ("exponential
// backoff, starting at two second delays for up to six retries") plus the jitter workerd's
// on-disk scheduler adds (observed: each wait between its nominal value and +25 %).
#pragma once

#include <cmath>
#include <functional>
#include <random>

namespace doc::ref {

struct AlarmPolicy {
  // 2 s first retry, doubling: the documented backoff.
  double firstRetryDelayMs = 2000;
  // Up to six retries, so at most seven invocations: the seed's number.
  int maxRetries = 6;
  // Each wait is stretched by a uniform fraction of up to 25 % of itself, as workerd does.
  double maxJitterFraction = 0.25;
  // A handler still running after 15 minutes is ended and counts as a failure: workerd's limit
  // (server.c++'s limit enforcer), also Cloudflare's documented wall-time limit for alarms.
  double wallTimeLimitMs = 15 * 60 * 1000;
  // A number in [0, 1); injected so tests can pin the jitter.
  std::function<double()> uniform01 = defaultRandom();

  // The wait before retry number `retryCount` (1 for the first retry), on the runtime's clock.
  double retryDelayMs(int retryCount) const {
    const double nominal = firstRetryDelayMs * std::pow(2.0, retryCount - 1);
    return nominal * (1.0 + maxJitterFraction * uniform01());
  }

  static std::function<double()> defaultRandom() {
    return [engine = std::mt19937_64(std::random_device{}()),
            distribution = std::uniform_real_distribution<double>(0.0, 1.0)]() mutable {
      return distribution(engine);
    };
  }
};

}  // namespace doc::ref
