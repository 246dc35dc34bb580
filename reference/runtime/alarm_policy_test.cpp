#include "reference/runtime/alarm_policy.h"

#include <gtest/gtest.h>

namespace doc::ref {
namespace {

AlarmPolicy policyWithRandom(double value) {
  AlarmPolicy policy;
  policy.uniform01 = [value] { return value; };
  return policy;
}

TEST(AlarmPolicy, TheFirstRetryWaitsTwoSecondsWithoutJitter) {
  EXPECT_DOUBLE_EQ(policyWithRandom(0.0).retryDelayMs(1), 2000);
}

TEST(AlarmPolicy, EachRetryWaitsTwiceAsLongAsThePrevious) {
  const AlarmPolicy policy = policyWithRandom(0.0);
  const double expected[] = {2000, 4000, 8000, 16000, 32000, 64000};
  for (int retry = 1; retry <= 6; ++retry) {
    EXPECT_DOUBLE_EQ(policy.retryDelayMs(retry), expected[retry - 1]) << "retry " << retry;
  }
}

TEST(AlarmPolicy, JitterStretchesAWaitByAtMostAQuarter) {
  EXPECT_DOUBLE_EQ(policyWithRandom(1.0).retryDelayMs(1), 2500);
  EXPECT_DOUBLE_EQ(policyWithRandom(0.5).retryDelayMs(3), 9000);
}

TEST(AlarmPolicy, TheDefaultRandomSourceStaysInsideTheJitterWindow) {
  const AlarmPolicy policy;
  for (int i = 0; i < 1000; ++i) {
    const double delay = policy.retryDelayMs(1);
    ASSERT_GE(delay, 2000);
    ASSERT_LT(delay, 2500);
  }
}

TEST(AlarmPolicy, SixRetriesAreAllowed) {
  EXPECT_EQ(AlarmPolicy{}.maxRetries, 6);
}

}  // namespace
}  // namespace doc::ref
