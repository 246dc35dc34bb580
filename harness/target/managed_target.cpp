#include "harness/target/managed_target.h"

#include <signal.h>

#include <boost/process.hpp>
#include <fstream>
#include <future>
#include <sstream>

#include "harness/target/target_client.h"

namespace doc::harness {

namespace bp = boost::process;

namespace {

constexpr const char* kReadyPrefix = "do-conformance target ready: ";
// How long a child may take to exit after SIGTERM before it is killed: workerd can wait about
// 10 s for open sockets, the launcher itself gives it 5 s.
constexpr auto kStopGrace = std::chrono::seconds(8);

}  // namespace

struct ManagedTarget::Process {
  bp::ipstream out;
  // The target runs in a process group of its own: a launcher's children (workerd under node)
  // get every signal too, so a SIGKILL for a restart leaves no orphan holding the data.
  bp::group group;
  bp::child child;
  std::thread reader;
  std::FILE* errorLog = nullptr;
  std::promise<std::string> ready;

  ~Process() {
    if (reader.joinable()) {
      reader.join();
    }
    if (errorLog != nullptr) {
      std::fclose(errorLog);
    }
  }
};

ManagedTarget::ManagedTarget(LaunchCommand command, std::string logPath,
                             std::chrono::milliseconds startTimeout, LogSink log)
    : command_(std::move(command)),
      logPath_(std::move(logPath)),
      startTimeout_(startTimeout),
      log_(std::move(log)) {}

ManagedTarget::~ManagedTarget() {
  stop();
}

std::string ManagedTarget::logTail() const {
  std::ifstream in(logPath_);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  constexpr size_t kTail = 2000;  // Enough for the child's last error, short enough to read.
  return all.size() > kTail ? all.substr(all.size() - kTail) : all;
}

std::string ManagedTarget::start() {
  auto process = std::make_unique<Process>();
  process->errorLog = std::fopen(logPath_.c_str(), "a");
  if (process->errorLog == nullptr) {
    throw TargetError("cannot open the target log " + logPath_);
  }
  try {
    process->child = bp::child(bp::exe = command_.executable, bp::args = command_.args,
                               bp::std_out > process->out, bp::std_err > process->errorLog,
                               bp::std_in < bp::null, process->group);
  } catch (const std::exception& error) {
    throw TargetError("cannot start " + command_.name + " (" + command_.executable +
                      "): " + error.what());
  }

  // The reader keeps draining stdout after the ready line, so the child never blocks on it.
  process->reader = std::thread([state = process.get(), logPath = logPath_] {
    std::string line;
    bool announced = false;
    std::ofstream copy(logPath, std::ios::app);
    while (std::getline(state->out, line)) {
      copy << line << '\n';
      copy.flush();
      if (!announced && line.starts_with(kReadyPrefix)) {
        announced = true;
        state->ready.set_value(line.substr(std::string(kReadyPrefix).size()));
      }
    }
    if (!announced) {
      state->ready.set_value("");
    }
  });

  auto ready = process->ready.get_future();
  process_ = std::move(process);
  if (ready.wait_for(startTimeout_) != std::future_status::ready) {
    kill(SIGKILL);
    throw TargetError(command_.name + " printed no ready line within " +
                      std::to_string(startTimeout_.count()) + " ms; its log (" + logPath_ +
                      ") ends with:\n" + logTail());
  }
  rootUrl_ = ready.get();
  if (rootUrl_.empty()) {
    kill(SIGKILL);
    throw TargetError(command_.name + " exited before it was ready; its log (" + logPath_ +
                      ") ends with:\n" + logTail());
  }
  log_(LogLevel::kInfo, "started " + command_.name + " (pid " +
                            std::to_string(process_->child.id()) + ") at " + rootUrl_);
  return rootUrl_;
}

std::string ManagedTarget::restart() {
  log_(LogLevel::kInfo, "killing " + command_.name + " (SIGKILL) to restart it");
  kill(SIGKILL);
  return start();
}

void ManagedTarget::stop() {
  if (!process_) {
    return;
  }
  kill(SIGTERM);
}

void ManagedTarget::kill(int signal) {
  if (!process_) {
    return;
  }
  auto& child = process_->child;
  if (child.valid() && child.running()) {
    ::kill(-process_->group.native_handle(), signal);
    // Boost.Process's wait_for can sleep its whole bound even after the child exited, so the
    // exit is polled instead: a short, bounded wait that ends as soon as the child is gone.
    const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
    while (signal != SIGKILL && child.running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (child.running() && signal != SIGKILL) {
      log_(LogLevel::kWarning, command_.name + " did not exit within the grace period; killing it");
      ::kill(-process_->group.native_handle(), SIGKILL);
    }
    child.wait();
  }
  // Whatever the target left behind in its group goes too.
  ::kill(-process_->group.native_handle(), SIGKILL);
  process_.reset();
}

}  // namespace doc::harness
