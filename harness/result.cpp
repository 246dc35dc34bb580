#include "harness/result.h"

#include <algorithm>
#include <array>
#include <utility>

namespace doc::harness {

namespace {

constexpr std::array<std::pair<Status, const char*>, 7> kStatusNames = {{
    {Status::kPass, "PASS"},
    {Status::kFail, "FAIL"},
    {Status::kTimeout, "TIMEOUT"},
    {Status::kError, "ERROR"},
    {Status::kSkip, "SKIP"},
    {Status::kPreconditionFailed, "PRECONDITION_FAILED"},
    {Status::kFlaky, "FLAKY"},
}};

}  // namespace

std::string toString(Status status) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) {
      return name;
    }
  }
  return "UNKNOWN";
}

std::optional<Status> parseStatus(const std::string& text) {
  for (const auto& [value, name] : kStatusNames) {
    if (text == name) {
      return value;
    }
  }
  return std::nullopt;
}

int RunReport::count(Status status) const {
  return int(std::count_if(results.begin(), results.end(),
                           [status](const Result& result) { return result.status == status; }));
}

int RunReport::unexpectedCount() const {
  return int(std::count_if(results.begin(), results.end(),
                           [](const Result& result) { return result.isUnexpected(); }));
}

}  // namespace doc::harness
