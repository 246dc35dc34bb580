#include "harness/target/target_client.h"

#include <httplib.h>

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/pchars.hpp>

namespace doc::harness {

namespace {

std::string lowerCase(std::string text) {
  for (auto& c : text) {
    c = char(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

}  // namespace

TargetClient::TargetClient(int protocolVersion) : protocolVersion_(protocolVersion) {}
TargetClient::~TargetClient() = default;

httplib::Client& TargetClient::clientFor(const std::string& origin,
                                         std::chrono::milliseconds timeout) {
  auto& client = clients_[origin];
  if (!client) {
    client = std::make_unique<httplib::Client>(origin);
    client->set_keep_alive(true);
    // Without it a request's body waits for the ACK of its headers: 40 ms a request.
    client->set_tcp_nodelay(true);
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout - seconds);
  client->set_connection_timeout(seconds.count(), micros.count());
  client->set_read_timeout(seconds.count(), micros.count());
  client->set_write_timeout(seconds.count(), micros.count());
  return *client;
}

HttpExchange TargetClient::send(const std::string& method, const std::string& url,
                                std::map<std::string, std::string> headers, const std::string& body,
                                std::chrono::milliseconds timeout) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || parsed->scheme() != "http") {
    throw TargetError("not an http:// URL: " + url);
  }
  const std::string origin = "http://" + std::string(parsed->encoded_host_and_port());
  std::string target = std::string(parsed->encoded_path());
  if (target.empty()) {
    target = "/";
  }
  if (parsed->has_query()) {
    target += "?" + std::string(parsed->encoded_query());
  }

  headers["x-probe-protocol"] = std::to_string(protocolVersion_);
  httplib::Headers wireHeaders(headers.begin(), headers.end());

  HttpExchange exchange{method, url, headers, body};
  const auto started = std::chrono::steady_clock::now();
  httplib::Request request;
  request.method = method;
  request.path = target;
  request.headers = wireHeaders;
  request.body = body;
  if (!body.empty() && !headers.contains("content-type")) {
    request.set_header("content-type", "application/octet-stream");
  }
  httplib::Result result = clientFor(origin, timeout).send(request);
  exchange.durationMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (!result) {
    const auto error = result.error();
    const std::string why =
        error == httplib::Error::Read
            ? "no complete answer within " + std::to_string(timeout.count()) + " ms"
        : error == httplib::Error::Connection ? "cannot connect"
                                              : httplib::to_string(error);
    throw TargetError(method + " " + url + " failed: " + why);
  }
  exchange.status = result->status;
  for (const auto& [name, value] : result->headers) {
    exchange.responseHeaders[lowerCase(name)] = value;
  }
  exchange.responseBody = result->body;
  return exchange;
}

Json TargetClient::info(const std::string& rootUrl, std::chrono::milliseconds timeout) {
  const HttpExchange exchange = send("GET", rootUrl + "/info", {}, "", timeout);
  Json info = Json::parse(exchange.responseBody, nullptr, false);
  if (exchange.status != 200 || !info.is_object()) {
    throw TargetError(
        "GET " + rootUrl + "/info answered " + std::to_string(exchange.status) +
        " with something that is not a JSON object: " + exchange.responseBody.substr(0, 200));
  }
  return info;
}

int negotiateProtocolVersion(const Json& info) {
  std::vector<int> offered;
  if (info.contains("protocol") && info["protocol"].contains("versions") &&
      info["protocol"]["versions"].is_array()) {
    for (const auto& version : info["protocol"]["versions"]) {
      if (version.is_number_integer()) {
        offered.push_back(version.get<int>());
      }
    }
  }
  int chosen = 0;
  for (const int version : offered) {
    if (std::find(kHarnessProtocolVersions.begin(), kHarnessProtocolVersions.end(), version) !=
        kHarnessProtocolVersions.end()) {
      chosen = std::max(chosen, version);
    }
  }
  if (chosen == 0) {
    throw TargetError("no common probe protocol version: the target speaks " +
                      Json(offered).dump() + ", this harness speaks " +
                      Json(kHarnessProtocolVersions).dump());
  }
  return chosen;
}

std::string encodePathSegment(const std::string& segment) {
  return boost::urls::encode(segment, boost::urls::unreserved_chars);
}

}  // namespace doc::harness
