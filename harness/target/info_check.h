// What a porter's /info gets wrong: every rule of specs/probe-protocol.md ("GET /info") checked
// at once, so `do-conformance check-target` can list all problems instead of the first.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace doc::harness {

// The capabilities a version-1 /info must declare, each true or false.
inline const std::vector<std::string> kProtocolCapabilities = {
    "fetch", "rpc", "storage", "env", "alarms", "websockets", "eviction"};

// One sentence per problem, naming the field ("profiles[1].baseUrl: ..."); empty when none.
std::vector<std::string> checkInfoDocument(const nlohmann::json& info);

}  // namespace doc::harness
