#include "harness/ws/ws_observation.h"

#include <algorithm>
#include <cmath>

#include "common/websocket/utf8.h"

namespace doc::harness::ws {

namespace {

double targetMs(Clock::time_point at, Clock::time_point origin, double clockScale) {
  const double realMs = std::chrono::duration<double, std::milli>(at - origin).count();
  // Rounded to a microsecond of real time: enough for any window, and short in a report.
  return std::round(realMs / clockScale * 1000) / 1000;
}

// Text for text frames and control payloads when they are UTF-8 (JSON cannot hold other bytes),
// base64 otherwise; only length and SHA-256 for payloads too long to keep.
void addPayload(Json& out, const WireFrame& frame, bool asText) {
  out["length"] = frame.length;
  if (frame.length > kInlinePayloadLimit) {
    out["sha256"] = frame.sha256;
  } else if (asText && doc::ws::isValidUtf8(frame.payload)) {
    out["text"] = frame.payload;
  } else {
    out["base64"] = base64Encode(frame.payload);
  }
}

// Turns frames into JSON in order, remembering which message a continuation belongs to, so a
// text message's fragments all show as text.
class FrameWriter {
 public:
  FrameWriter(Clock::time_point origin, double clockScale)
      : origin_(origin), clockScale_(clockScale) {}

  Json write(const WireFrame& frame) {
    const auto opcode = Opcode(frame.opcode);
    Json out = {{"opcode", doc::ws::opcodeName(opcode)}};
    if (!frame.fin) {
      out["fin"] = false;
    }
    for (const auto& [set, name] :
         {std::pair{frame.rsv1, "rsv1"}, {frame.rsv2, "rsv2"}, {frame.rsv3, "rsv3"}}) {
      if (set) {
        out[name] = true;
      }
    }
    if (opcode == Opcode::kText || opcode == Opcode::kBinary) {
      messageIsText_ = opcode == Opcode::kText;
    }
    if (opcode == Opcode::kClose) {
      addClose(out, frame);
    } else {
      const bool asText = opcode == Opcode::kText || opcode == Opcode::kPing ||
                          opcode == Opcode::kPong ||
                          (opcode == Opcode::kContinuation && messageIsText_);
      addPayload(out, frame, asText);
    }
    out["at"] = targetMs(frame.at, origin_, clockScale_);
    return out;
  }

  void addClose(Json& out, const WireFrame& frame) const {
    if (frame.closeCode) {
      out["code"] = *frame.closeCode;
      if (doc::ws::isValidUtf8(frame.closeReason)) {
        out["reason"] = frame.closeReason;
      } else {
        out["reasonBase64"] = base64Encode(frame.closeReason);
      }
    }
    // The whole payload's length (code and reason): 0 tells an empty Close from one with a code.
    out["payloadLength"] = frame.length;
    if (frame.length > kInlinePayloadLimit) {
      out["sha256"] = frame.sha256;
    } else if (frame.length == 1) {
      out["base64"] = base64Encode(frame.payload);  // No code fits: the byte as it came.
    }
  }

 private:
  Clock::time_point origin_;
  double clockScale_;
  bool messageIsText_ = false;
};

Json endJson(const SocketRecord& record, double clockScale) {
  Json out = {{"ended", record.ended()},
              {"endedAt", nullptr},
              {"endedBy", nullptr},
              {"clientCode", nullptr}};
  if (record.ended()) {
    out["endedAt"] = targetMs(record.endedAt, record.openedAt, clockScale);
    out["endedBy"] = toString(record.endedBy);
    if (!record.endDetail.empty()) {
      out["endDetail"] = record.endDetail;
    }
  }
  if (const auto code = record.clientCode()) {
    out["clientCode"] = *code;
  }
  return out;
}

Json violationsJson(const SocketRecord& record, double clockScale) {
  Json list = Json::array();
  for (const auto& violation : record.violations) {
    list.push_back({{"kind", violation.kind},
                    {"message", violation.message},
                    {"at", targetMs(violation.at, record.openedAt, clockScale)}});
  }
  return list;
}

}  // namespace

Json recordJson(const SocketRecord& record, double clockScale) {
  FrameWriter writer(record.openedAt, clockScale);
  Json frames = Json::array();
  for (const auto& frame : record.received) {
    frames.push_back(writer.write(frame));
  }
  Json out = {{"frames", std::move(frames)}, {"droppedFrames", record.droppedReceived}};
  if (record.closeFrame) {
    Json close = Json::object();
    writer.addClose(close, *record.closeFrame);
    close["at"] = targetMs(record.closeFrame->at, record.openedAt, clockScale);
    out["closeFrame"] = std::move(close);
  }
  out.update(endJson(record, clockScale));
  out["violations"] = violationsJson(record, clockScale);
  out["droppedViolations"] = record.droppedViolations;
  out["unparsedBytes"] = record.unparsedBytes;
  return out;
}

Json sentJson(const SendOutcome& outcome, const SocketRecord& record, double clockScale) {
  FrameWriter writer(record.openedAt, clockScale);
  Json wire = Json::array();
  for (const auto& frame : outcome.frames) {
    wire.push_back(writer.write(frame));
  }
  Json out = {{"wire", wire}};
  if (!outcome.frames.empty()) {
    const WireFrame& first = outcome.frames.front();
    const bool data = std::any_of(outcome.frames.begin(), outcome.frames.end(),
                                  [](const WireFrame& frame) { return frame.opcode <= 2; });
    Json sent = {{"opcode", wire[0]["opcode"]},
                 {"length", data ? outcome.dataLength : first.length},
                 {"sha256", data ? outcome.dataSha256 : first.sha256},
                 {"frames", outcome.frames.size()},
                 {"at", wire[0]["at"]}};
    for (const char* key : {"code", "reason"}) {
      if (wire[0].contains(key)) {
        sent[key] = wire[0][key];
      }
    }
    out["sent"] = std::move(sent);
  } else {
    out["sent"] = nullptr;
  }
  if (!outcome.error.empty()) {
    out["error"] = outcome.error;
  }
  return out;
}

Json wireJson(const SocketRecord& record, double clockScale) {
  // Sent and received frames each in order; merged by time, ties to the frame sent first.
  struct Entry {
    Clock::time_point at;
    bool out;
    Json frame;
  };
  std::vector<Entry> entries;
  FrameWriter outWriter(record.openedAt, clockScale);
  for (const auto& frame : record.sent) {
    entries.push_back({frame.at, true, outWriter.write(frame)});
  }
  FrameWriter inWriter(record.openedAt, clockScale);
  for (const auto& frame : record.received) {
    entries.push_back({frame.at, false, inWriter.write(frame)});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.at < b.at || (a.at == b.at && a.out && !b.out);
  });
  Json wire = Json::array();
  for (auto& entry : entries) {
    Json frame = {{"dir", entry.out ? "out" : "in"}};
    frame.update(entry.frame);
    wire.push_back(std::move(frame));
  }
  Json out = {{"wire", std::move(wire)},
              {"droppedSent", record.droppedSent},
              {"droppedReceived", record.droppedReceived}};
  out.update(endJson(record, clockScale));
  out["violations"] = violationsJson(record, clockScale);
  return out;
}

}  // namespace doc::harness::ws
