// Logging through an injected callback: the binaries print to stderr, tests capture lines, and
// library code never writes to a stream of its own.
#pragma once

#include <functional>
#include <string>

namespace doc {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

using LogSink = std::function<void(LogLevel, const std::string&)>;

// Prints "[level] message" to stderr for levels at or above `minimum`.
LogSink stderrLogSink(LogLevel minimum);
// Drops everything: for tests that do not look at logs.
inline LogSink silentLogSink() {
  return [](LogLevel, const std::string&) {};
}

}  // namespace doc
