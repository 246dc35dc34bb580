// do-bench-ws: the WebSocket client of tools/bench/bench.py, on Boost.Beast.
//
//   do-bench-ws echo --url URL --sockets N --objects M --seconds T [--warmup W]
//   do-bench-ws hold --url URL --sockets N --objects M
//
// URL is a ws:// template of the probe's route; "{object}" becomes the socket's object index
// (socket i uses object i % M) and "{socket}" the socket's index. `echo` opens every socket, then
// on each one sends a message and waits for its echo, over and over, for W seconds unmeasured
// and T seconds measured, and prints one JSON line: round trips per second and their latency.
// `hold` opens every socket, prints {"opened": n, "failed": n}, keeps them open until its
// standard input closes, then exits. One thread: the client must not take the cores the targets
// are measured on more than the load needs.

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
template <class T>
using Task = asio::awaitable<T>;

// Handshakes in flight at once: enough to open 10,000 sockets in seconds without a connect storm
// that overflows the target's accept backlog.
constexpr int kConcurrentHandshakes = 64;

struct Options {
  std::string mode;
  std::string url;
  int sockets = 16;
  int objects = 4;
  double seconds = 10;
  double warmup = 2;
};

struct Url {
  std::string host, port, target;
};

Url parseUrl(const std::string& url) {
  const std::string scheme = "ws://";
  if (!url.starts_with(scheme)) {
    throw std::runtime_error("--url must start with ws://: " + url);
  }
  const auto slash = url.find('/', scheme.size());
  const std::string authority = url.substr(scheme.size(), slash - scheme.size());
  const auto colon = authority.rfind(':');
  return {authority.substr(0, colon),
          colon == std::string::npos ? "80" : authority.substr(colon + 1),
          slash == std::string::npos ? "/" : url.substr(slash)};
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

using Socket = websocket::stream<beast::tcp_stream>;

struct Run {
  Options options;
  Url url;
  tcp::endpoint endpoint;
  std::vector<std::unique_ptr<Socket>> sockets;
  int opened = 0;
  int failed = 0;
  std::string firstError;
  Clock::time_point measureFrom, measureUntil;
  std::vector<std::uint32_t> latenciesUs;  // Round trips inside the measured window.
  long long echoFailures = 0;
};

Task<void> openOne(Run& run, int index) {
  const auto executor = co_await asio::this_coro::executor;
  auto socket = std::make_unique<Socket>(executor);
  auto& stream = beast::get_lowest_layer(*socket);
  stream.expires_after(std::chrono::seconds(30));
  auto [connectError] =
      co_await stream.async_connect(run.endpoint, asio::as_tuple(asio::use_awaitable));
  if (!connectError) {
    stream.socket().set_option(tcp::no_delay(true));
    stream.expires_never();
    socket->set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    socket->set_option(websocket::stream_base::decorator(
        [](websocket::request_type& request) { request.set("x-probe-protocol", "1"); }));
    const std::string target =
        replaceAll(replaceAll(run.url.target, "{object}",
                              std::to_string(index % std::max(1, run.options.objects))),
                   "{socket}", std::to_string(index));
    const std::string host = run.url.host + ":" + run.url.port;
    auto [handshakeError] =
        co_await socket->async_handshake(host, target, asio::as_tuple(asio::use_awaitable));
    if (!handshakeError) {
      run.sockets[index] = std::move(socket);
      ++run.opened;
      co_return;
    }
    connectError = handshakeError;
  }
  if (run.firstError.empty()) {
    run.firstError = "socket " + std::to_string(index) + ": " + connectError.message();
  }
  ++run.failed;
}

// Opens sockets [0, N) with at most kConcurrentHandshakes in flight: each worker takes the next
// index until none is left.
Task<void> openAll(Run& run) {
  auto next = std::make_shared<int>(0);
  auto remaining = std::make_shared<int>(kConcurrentHandshakes);
  asio::steady_timer done(co_await asio::this_coro::executor, Clock::time_point::max());
  for (int worker = 0; worker < kConcurrentHandshakes; ++worker) {
    auto opener = [&run, next, remaining, &done]() -> Task<void> {
      while (*next < run.options.sockets) {
        co_await openOne(run, (*next)++);
      }
      if (--*remaining == 0) {
        done.cancel();
      }
    };
    asio::co_spawn(co_await asio::this_coro::executor, opener, asio::detached);
  }
  co_await done.async_wait(asio::as_tuple(asio::use_awaitable));
}

Task<void> echoLoop(Run& run, Socket& socket, int index) {
  beast::flat_buffer buffer;
  socket.text(true);
  for (long long sequence = 0;; ++sequence) {
    const auto sent = Clock::now();
    if (sent >= run.measureUntil) {
      co_return;
    }
    const std::string message = "bench " + std::to_string(index) + " " + std::to_string(sequence);
    auto [writeError, written] =
        co_await socket.async_write(asio::buffer(message), asio::as_tuple(asio::use_awaitable));
    buffer.clear();
    auto [readError, read] =
        co_await socket.async_read(buffer, asio::as_tuple(asio::use_awaitable));
    if (writeError || readError || beast::buffers_to_string(buffer.data()) != message) {
      // A socket that fails or answers something else stops; the count says how many did.
      ++run.echoFailures;
      if (run.firstError.empty()) {
        run.firstError = "echo on socket " + std::to_string(index) + ": " +
                         (writeError ? writeError : readError).message();
      }
      co_return;
    }
    const auto received = Clock::now();
    if (sent >= run.measureFrom && received <= run.measureUntil) {
      run.latenciesUs.push_back(std::uint32_t(
          std::chrono::duration_cast<std::chrono::microseconds>(received - sent).count()));
    }
  }
}

double percentileMs(std::vector<std::uint32_t>& sorted, double fraction) {
  if (sorted.empty()) {
    return 0;
  }
  const auto at = std::min(sorted.size() - 1, std::size_t(fraction * double(sorted.size())));
  return sorted[at] / 1000.0;
}

Task<void> echo(Run& run) {
  co_await openAll(run);
  if (run.opened != run.options.sockets) {
    std::cerr << "do-bench-ws: opened " << run.opened << " of " << run.options.sockets
              << " sockets; first error: " << run.firstError << "\n";
    std::exit(1);
  }
  const auto start = Clock::now();
  run.measureFrom = start + std::chrono::milliseconds(long(run.options.warmup * 1000));
  run.measureUntil = run.measureFrom + std::chrono::milliseconds(long(run.options.seconds * 1000));
  auto executor = co_await asio::this_coro::executor;
  for (int index = 0; index < run.options.sockets; ++index) {
    asio::co_spawn(executor, echoLoop(run, *run.sockets[index], index), asio::detached);
  }
}

Task<void> hold(Run& run) {
  co_await openAll(run);
  std::cout << "{\"opened\": " << run.opened << ", \"failed\": " << run.failed
            << ", \"firstError\": \"" << run.firstError << "\"}" << std::endl;
  // Waits until stdin closes: the caller decides how long the sockets stay open.
  asio::posix::stream_descriptor input(co_await asio::this_coro::executor, ::dup(0));
  char byte;
  for (;;) {
    auto [error, read] =
        co_await input.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
    if (error) {
      break;
    }
  }
  std::exit(0);  // The kernel closes every socket; a close handshake per socket is not measured.
}

Options parseOptions(int argc, char** argv) {
  Options options;
  if (argc < 2) {
    throw std::runtime_error(
        "usage: do-bench-ws echo|hold --url URL --sockets N --objects M "
        "[--seconds T] [--warmup W]");
  }
  options.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string name = argv[i], value = argv[i + 1];
    if (name == "--url") {
      options.url = value;
    } else if (name == "--sockets") {
      options.sockets = std::stoi(value);
    } else if (name == "--objects") {
      options.objects = std::stoi(value);
    } else if (name == "--seconds") {
      options.seconds = std::stod(value);
    } else if (name == "--warmup") {
      options.warmup = std::stod(value);
    } else {
      throw std::runtime_error("unknown option " + name);
    }
  }
  if (options.mode != "echo" && options.mode != "hold") {
    throw std::runtime_error("the mode is echo or hold, not " + options.mode);
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // Before the run: the sockets must be destroyed before the io_context's services.
    asio::io_context io(1);
    Run run;
    run.options = parseOptions(argc, argv);
    run.url = parseUrl(run.options.url);
    run.sockets.resize(run.options.sockets);
    tcp::resolver resolver(io);
    run.endpoint = *resolver.resolve(run.url.host, run.url.port).begin();

    if (run.options.mode == "echo") {
      asio::co_spawn(io, echo(run), asio::detached);
    } else {
      asio::co_spawn(io, hold(run), asio::detached);
    }
    io.run();

    std::sort(run.latenciesUs.begin(), run.latenciesUs.end());
    std::printf(
        "{\"sockets\": %d, \"objects\": %d, \"seconds\": %.3f, \"roundTrips\": %zu, "
        "\"roundTripsPerSecond\": %.1f, \"p50Ms\": %.3f, \"p99Ms\": %.3f, \"failed\": %lld}\n",
        run.options.sockets, run.options.objects, run.options.seconds, run.latenciesUs.size(),
        double(run.latenciesUs.size()) / run.options.seconds, percentileMs(run.latenciesUs, 0.5),
        percentileMs(run.latenciesUs, 0.99), run.echoFailures);
    if (run.echoFailures > 0) {
      std::cerr << "do-bench-ws: " << run.echoFailures
                << " sockets failed; first: " << run.firstError << "\n";
      return 1;
    }
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "do-bench-ws: " << error.what() << "\n";
    return 2;
  }
}
