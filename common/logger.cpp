#include "common/logger.h"

#include <cstdio>
#include <mutex>

namespace doc {

LogSink stderrLogSink(LogLevel minimum) {
  return [minimum](LogLevel level, const std::string& message) {
    if (level < minimum) {
      return;
    }
    static std::mutex lineLock;  // Whole lines only, even from several threads.
    static const char* const names[] = {"debug", "info", "warning", "error"};
    const std::lock_guard guard(lineLock);
    std::fprintf(stderr, "[%s] %s\n", names[int(level)], message.c_str());
  };
}

}  // namespace doc
