// The stateless front of specs/probe-protocol.md: the HTTP routes the harness calls, turned into
// calls on stubs, reads of the journal and the /info document. It plays the part a front Worker
// plays in workerd, including its uncaught errors becoming 500 responses.
#pragma once

#include <map>
#include <string>

#include "common/logger.h"
#include "reference/probe/probe_journal.h"
#include "reference/runtime/object_host.h"

namespace doc::ref {

// The probe protocol versions this front speaks.
inline const std::vector<int> kProbeProtocolVersions = {1};

struct RuntimeDescription {
  std::string name = "do-reference";
  std::string version;
  double clockScale = 1.0;
};

class ProbeFront {
 public:
  ProbeFront(std::map<std::string, Worker*> workersByProfile, ProbeJournal& journal,
             RuntimeDescription runtime, LogSink log);

  // `request.url` is the origin-form target ("/p/2024-04-03/obj/Probe/a/fetch/hello").
  Task<HttpResponse> handle(HttpRequest request);

  // The address the server listens on, for the base URLs in /info ("http://127.0.0.1:8787").
  void setPublicOrigin(std::string origin) { publicOrigin_ = std::move(origin); }

 private:
  Json info() const;
  Task<HttpResponse> handleObjectRoute(Worker& worker, const std::string& className,
                                       const std::string& objectName, const std::string& route,
                                       const std::string& rest, const std::string& query,
                                       HttpRequest request);

  std::map<std::string, Worker*> workers_;
  ProbeJournal& journal_;
  RuntimeDescription runtime_;
  LogSink log_;
  std::string publicOrigin_;
};

}  // namespace doc::ref
