#include "harness/runner/suite_runner.h"

#include <gtest/gtest.h>

namespace doc::harness {
namespace {

Result attempt(Status status, const std::string& message) {
  Result result;
  result.id = "alarm/retry-chain[2026-11-24]";
  result.status = status;
  result.message = message;
  return result;
}

TEST(CombineAttempts, AttemptsThatAgreeKeepTheirStatusAndCount) {
  const Result combined =
      combineAttempts({attempt(Status::kFail, "first"), attempt(Status::kFail, "second")});
  EXPECT_EQ(combined.status, Status::kFail);
  EXPECT_EQ(combined.message, "first");
  EXPECT_EQ(combined.attempts, 2);
}

TEST(CombineAttempts, AttemptsThatDisagreeAreFlakyAndKeepTheFirstThatDidNotPass) {
  const Result combined =
      combineAttempts({attempt(Status::kPass, ""), attempt(Status::kTimeout, "slow"),
                       attempt(Status::kFail, "wrong")});
  EXPECT_EQ(combined.status, Status::kFlaky);
  EXPECT_EQ(combined.attempts, 3);
  EXPECT_EQ(combined.message,
            "statuses over 3 attempts: PASS, TIMEOUT, FAIL; first not PASS: slow");
}

TEST(CombineAttempts, AFlakyResultIsReportedButNotUnexpected) {
  const Result combined =
      combineAttempts({attempt(Status::kFail, "wrong"), attempt(Status::kPass, "")});
  EXPECT_EQ(combined.status, Status::kFlaky);
  EXPECT_FALSE(combined.isUnexpected());
}

}  // namespace
}  // namespace doc::harness
