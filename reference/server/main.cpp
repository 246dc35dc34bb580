// do-reference: the reference runtime. Serves the probe of specs/probe-protocol.md for one or
// more compatibility profiles on one loopback port, keeps object state in --data-dir, and prints
// one ready line on stdout once it accepts connections, which is what launchers wait for.

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <filesystem>
#include <iostream>
#include <thread>

#include "common/compat.h"
#include "common/paths.h"
#include "reference/probe/probe_front.h"
#include "reference/probe/probe_worker.h"
#include "reference/server/http_server.h"

namespace {

using namespace doc;
using namespace doc::ref;

struct Options {
  std::string listen = "127.0.0.1:0";
  std::string dataDir;
  std::vector<std::string> profiles;
  double timeScale = 1.0;
  unsigned threads = 2;
  // Test-only: a reference that is wrong on purpose, to show the alarm scenarios catch it.
  double testFirstRetryMs = 0;
  int testMaxRetries = -1;
  double testJitterFraction = -1;
  std::string compatTable;
  std::string logLevel = "info";
};

boost::asio::ip::tcp::endpoint parseEndpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    throw CLI::ValidationError("--listen", "expected HOST:PORT, got \"" + text + "\"");
  }
  return {boost::asio::ip::make_address(text.substr(0, colon)),
          static_cast<unsigned short>(std::stoi(text.substr(colon + 1)))};
}

LogLevel parseLogLevel(const std::string& name) {
  if (name == "debug")
    return LogLevel::kDebug;
  if (name == "warning")
    return LogLevel::kWarning;
  if (name == "error")
    return LogLevel::kError;
  return LogLevel::kInfo;
}

// The runtime's clock, continuing the one stored in the data dir when it ran at the same scale,
// so that stored alarm times keep their meaning across a restart.
ScaledClock continueClock(ObjectStore& store, double scale, const LogSink& log) {
  std::optional<ScaledClock> clock;
  store.transact([&](SQLite::Database& db) {
    db.exec(
        "CREATE TABLE IF NOT EXISTS runtime_clock ("
        "  scale REAL NOT NULL, anchor_ms REAL NOT NULL, anchor_real_ms REAL NOT NULL)");
    SQLite::Statement query(db, "SELECT scale, anchor_ms, anchor_real_ms FROM runtime_clock");
    if (query.executeStep() && query.getColumn(0).getDouble() == scale) {
      clock.emplace(scale, query.getColumn(1).getDouble(), query.getColumn(2).getDouble());
      return;
    }
    clock.emplace(scale);
    db.exec("DELETE FROM runtime_clock");
    SQLite::Statement insert(db, "INSERT INTO runtime_clock VALUES (?, ?, ?)");
    insert.bind(1, scale);
    insert.bind(2, clock->anchorMs());
    insert.bind(3, clock->anchorRealMs());
    insert.exec();
  });
  log(LogLevel::kDebug, "clock at scale " + std::to_string(scale) + " anchored at " +
                            std::to_string(clock->anchorMs()));
  return *clock;
}

int serve(const Options& options) {
  const LogSink log = stderrLogSink(parseLogLevel(options.logLevel));
  const CompatTable table = options.compatTable.empty() ? CompatTable::loadDefault()
                                                        : CompatTable::load(options.compatTable);

  std::vector<std::string> profiles = options.profiles;
  if (profiles.empty()) {
    profiles.push_back(table.newestSupportedDate().iso);
  }

  std::string dataDir = options.dataDir;
  // Without --data-dir the state lives in a temporary folder that is removed at a clean exit.
  const bool temporaryData = dataDir.empty();
  if (temporaryData) {
    dataDir =
        (std::filesystem::temp_directory_path() / ("do-reference-" + std::to_string(::getpid())))
            .string();
  }

  boost::asio::io_context io;
  ObjectStore store(dataDir);
  ProbeJournal journal(store);
  AlarmStore alarms(store);
  ScaledClock clock = continueClock(store, options.timeScale, log);

  AlarmPolicy policy;
  if (options.testFirstRetryMs > 0) {
    policy.firstRetryDelayMs = options.testFirstRetryMs;
    log(LogLevel::kWarning,
        "TEST SWITCH: first alarm retry after " + std::to_string(options.testFirstRetryMs) + " ms");
  }
  if (options.testMaxRetries >= 0) {
    policy.maxRetries = options.testMaxRetries;
    log(LogLevel::kWarning,
        "TEST SWITCH: at most " + std::to_string(options.testMaxRetries) + " alarm retries");
  }
  if (options.testJitterFraction >= 0) {
    // Always the largest jitter, so the test is deterministic.
    policy.maxJitterFraction = options.testJitterFraction;
    policy.uniform01 = [] { return 1.0; };
    log(LogLevel::kWarning, "TEST SWITCH: every alarm retry waits " +
                                std::to_string(options.testJitterFraction * 100) + " % longer");
  }
  ProbeRuntime runtime{store, alarms, journal, clock, policy, io.get_executor(), log};

  std::vector<std::unique_ptr<Worker>> workers;
  std::map<std::string, Worker*> byProfile;
  for (const auto& name : profiles) {
    const CompatProfile profile = CompatProfile::parseName(name);
    FlagSet flags = table.resolve(profile);
    workers.push_back(makeProbeWorker(profile.name(), std::move(flags), runtime));
    byProfile[profile.name()] = workers.back().get();
  }

  ProbeFront front(byProfile, journal,
                   RuntimeDescription{"do-reference", DOC_VERSION, clock.scale()}, log);
  HttpServer server(
      io, [&front](HttpRequest request) { return front.handle(std::move(request)); }, log);
  const auto bound = server.listen(parseEndpoint(options.listen));
  const std::string origin =
      "http://" + bound.address().to_string() + ":" + std::to_string(bound.port());
  front.setPublicOrigin(origin);
  server.start();

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    log(LogLevel::kInfo, "signal " + std::to_string(signal) + " received; stopping");
    server.stop();
    io.stop();
  });

  std::string profileList;
  for (const auto& name : profiles) {
    profileList += (profileList.empty() ? "" : ", ") + name;
  }
  log(LogLevel::kInfo, "serving profiles " + profileList + " from data dir " + dataDir +
                           " at clock scale " + std::to_string(clock.scale()));
  std::cout << "do-conformance target ready: " << origin << std::endl;

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < std::max(1u, options.threads); ++i) {
    threads.emplace_back([&io] { io.run(); });
  }
  io.run();
  for (auto& thread : threads) {
    thread.join();
  }
  if (temporaryData) {
    std::error_code ignored;
    std::filesystem::remove_all(dataDir, ignored);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"do-reference: the reference Durable Objects runtime of do-conformance"};
  app.set_version_flag("--version", std::string("do-reference ") + DOC_VERSION);
  app.add_option("--listen", options.listen, "HOST:PORT to listen on; port 0 picks a free port")
      ->capture_default_str();
  app.add_option("--data-dir", options.dataDir,
                 "where object storage and the probe journal live (default: a new temp dir)");
  app.add_option("--profile", options.profiles,
                 "a compatibility profile to serve, DATE[+FLAG...]; repeatable (default: the "
                 "newest supported date)");
  app.add_option("--time-scale", options.timeScale,
                 "real seconds per second of the runtime's clock; 0.01 runs 100x faster")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--threads", options.threads, "threads serving requests")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  app.add_option("--compat-table", options.compatTable,
                 "the compat-flag table (default: specs/compat-flags.yaml of the source tree)");
  app.add_option("--test-first-retry-ms", options.testFirstRetryMs,
                 "TEST ONLY: a wrong first alarm retry delay, to check the suite catches it")
      ->group("");
  app.add_option("--test-max-retries", options.testMaxRetries,
                 "TEST ONLY: a wrong alarm retry count, to check the suite catches it")
      ->group("");
  app.add_option("--test-jitter-fraction", options.testJitterFraction,
                 "TEST ONLY: stretch every alarm retry by this fraction, to check the suite "
                 "catches it")
      ->group("");
  app.add_option("--log-level", options.logLevel, "debug, info, warning or error")
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version end here with code 0; every real usage error is exit code 2.
    const int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }

  try {
    return serve(options);
  } catch (const std::exception& error) {
    std::cerr << "do-reference: " << error.what() << std::endl;
    return 2;
  }
}
