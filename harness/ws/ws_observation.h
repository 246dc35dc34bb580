// A WebSocket client's record as JSON, in the shape scenario expectations match against
// (conformance/README.md, "WebSocket steps"). Times are milliseconds since the socket opened,
// on the target's clock (real ms divided by the clock scale), so a scaled target's windows
// read the same as a real-time one's.
#pragma once

#include <nlohmann/json.hpp>

#include "harness/ws/ws_client.h"

namespace doc::harness::ws {

using Json = nlohmann::json;

// The wsReceive observation: {frames, droppedFrames, closeFrame, ended, endedAt, endedBy,
// clientCode, violations, unparsedBytes}.
Json recordJson(const SocketRecord& record, double clockScale);

// The wsSend observation: {sent: {opcode, length, sha256, frames, at, code?, reason?}, wire:
// [...], error?}. `length` and `sha256` are of the message (the data frames' payloads joined)
// when the call sent data, else of the one control frame.
Json sentJson(const SendOutcome& outcome, const SocketRecord& record, double clockScale);

// Both directions merged in time order, each frame with "dir": "out" or "in", and how the
// connection ended: the trace's frame-by-frame account of a socket.
Json wireJson(const SocketRecord& record, double clockScale);

}  // namespace doc::harness::ws
