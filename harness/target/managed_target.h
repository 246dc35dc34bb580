// A target the harness starts itself, as a child process: the reference runtime, or workerd
// through its launcher. The child prints "do-conformance target ready: <url>" on stdout once it
// accepts connections (port 0, so no port is guessed); the harness waits for that line, bounded
// in time. A managed target can be killed and started again on the same data, which is what
// restart scenarios need.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/logger.h"

namespace doc::harness {

struct LaunchCommand {
  std::string name;  // For messages: "do-reference", "workerd".
  std::string executable;
  std::vector<std::string> args;
};

class ManagedTarget {
 public:
  // The child's stderr (and stdout after the ready line) is appended to `logPath`.
  ManagedTarget(LaunchCommand command, std::string logPath, std::chrono::milliseconds startTimeout,
                LogSink log);
  ~ManagedTarget();
  ManagedTarget(const ManagedTarget&) = delete;
  ManagedTarget& operator=(const ManagedTarget&) = delete;

  // Starts the child and returns its root URL. Throws TargetError (with the log's tail) when it
  // exits or stays silent for longer than the start timeout.
  std::string start();
  // Kills the child at once (SIGKILL, as a crash would) and starts it again on the same data.
  std::string restart();
  // Asks the child to stop (SIGTERM), then kills it if it has not exited within a bound.
  void stop();

  const std::string& rootUrl() const { return rootUrl_; }
  const std::string& logPath() const { return logPath_; }

 private:
  struct Process;
  void kill(int signal);
  std::string logTail() const;

  LaunchCommand command_;
  std::string logPath_;
  std::chrono::milliseconds startTimeout_;
  LogSink log_;
  std::unique_ptr<Process> process_;
  std::string rootUrl_;
};

}  // namespace doc::harness
