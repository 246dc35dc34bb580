// The codec's fuzz entry point: arbitrary bytes through FrameParser and MessageAssembler, in both
// roles, checking invariants that must hold for every input. libFuzzer drives it under clang
// (websocket_frame_fuzz); fuzz_replay_main.cpp drives it under any compiler over the seed corpus
// and a fixed set of generated inputs (websocket_frame_fuzz_replay).
//
// Input layout: byte 0 chooses the options, byte 1 the chunk sizes, the rest is the stream.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/websocket/frame.h"
#include "common/websocket/message.h"
#include "common/websocket/utf8.h"

namespace doc::ws {
namespace {

// Not assert(): the build type defines NDEBUG, and the checks are the point of the target.
#define WS_FUZZ_CHECK(condition)                                                              \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "frame_fuzz: invariant broken at %s:%d: %s\n", __FILE__, __LINE__, \
                   #condition);                                                               \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

// Small limits, chosen by an option bit, so short inputs reach the 1009 paths.
constexpr uint64_t kSmallMaxPayload = 64;
constexpr uint64_t kSmallMaxMessage = 100;

struct Config {
  ParserOptions parser;
  AssemblerOptions assembler;
};

Config configFrom(uint8_t bits) {
  Config config;
  config.parser.role = (bits & 0x01) ? Role::kClient : Role::kServer;
  if (bits & 0x02) {
    config.parser.maxPayload = kSmallMaxPayload;
  }
  config.parser.allowedRsvBits = (bits & 0x04) ? 0x40 : 0;
  config.parser.requireMinimalLength = (bits & 0x08) == 0;
  if (bits & 0x10) {
    config.assembler.maxMessageSize = kSmallMaxMessage;
  }
  return config;
}

// Chunk sizes from a tiny deterministic generator: seed 0 feeds one byte at a time.
std::vector<size_t> chunkSizes(uint8_t seed, size_t total) {
  std::vector<size_t> sizes;
  uint32_t state = seed;
  for (size_t done = 0; done < total;) {
    state = state * 1103515245u + 12345u;
    const size_t size = seed == 0 ? 1 : 1 + (state >> 16) % (2u * seed);
    sizes.push_back(size);
    done += size;
  }
  return sizes;
}

ParseResult parseChunked(std::string_view stream, const ParserOptions& options, uint8_t seed) {
  FrameParser parser(options);
  ParseResult all;
  size_t pos = 0;
  for (const size_t size : chunkSizes(seed, stream.size())) {
    ParseResult part = parser.feed(stream.substr(pos, size));
    pos += size;
    for (Frame& frame : part.frames) {
      all.frames.push_back(std::move(frame));
    }
    if (part.error) {
      all.error = part.error;
      break;
    }
  }
  return all;
}

void checkFrame(const Frame& frame, const ParserOptions& options) {
  WS_FUZZ_CHECK(isKnownOpcode(frame.opcode));
  WS_FUZZ_CHECK(frame.payload.size() <= options.maxPayload);
  WS_FUZZ_CHECK(frame.masked == (options.role == Role::kServer));
  if (!frame.masked) {
    WS_FUZZ_CHECK(frame.maskKey == (std::array<uint8_t, 4>{}));
  }
  if (isControlOpcode(frame.opcode)) {
    WS_FUZZ_CHECK(frame.fin);
    WS_FUZZ_CHECK(frame.payload.size() <= 125);
  }
  WS_FUZZ_CHECK(!frame.rsv1 || (options.allowedRsvBits & 0x40));
  WS_FUZZ_CHECK(!frame.rsv2 && !frame.rsv3);
}

// The frame with its masking flipped must survive encode + parse by the other role unchanged.
void checkRoundTrip(const Frame& frame, const ParserOptions& options) {
  Frame flipped = frame;
  flipped.masked = !frame.masked;
  flipped.maskKey =
      flipped.masked ? std::array<uint8_t, 4>{0xA5, 0x00, 0xFF, 0x3C} : std::array<uint8_t, 4>{};
  ParserOptions other = options;
  other.role = flipped.masked ? Role::kServer : Role::kClient;
  other.requireMinimalLength = true;

  FrameParser parser(other);
  const ParseResult result = parser.feed(encodeFrame(flipped));
  WS_FUZZ_CHECK(!result.error);
  WS_FUZZ_CHECK(result.frames.size() == 1);
  WS_FUZZ_CHECK(result.frames[0] == flipped);
  WS_FUZZ_CHECK(parser.idle());
}

void checkMessages(const std::vector<Frame>& frames, const Config& config) {
  MessageAssembler assembler(config.assembler);
  bool failed = false;
  for (const Frame& frame : frames) {
    const AssembleResult result = assembler.add(frame);
    WS_FUZZ_CHECK(!(result.message && result.error));
    if (failed) {
      WS_FUZZ_CHECK(result.error && !result.message);
      continue;
    }
    if (result.error) {
      failed = true;
      const uint16_t code = result.error->closeCode();
      WS_FUZZ_CHECK(code == kCloseProtocolError || code == kCloseInvalidPayload ||
                    code == kCloseMessageTooBig);
      WS_FUZZ_CHECK(!result.error->message.empty());
      continue;
    }
    if (!result.message) {
      WS_FUZZ_CHECK(assembler.inMessage());
      continue;
    }

    const Message& message = *result.message;
    WS_FUZZ_CHECK(message.frameCount >= 1);
    if (message.kind == MessageKind::kText) {
      WS_FUZZ_CHECK(isValidUtf8(message.data));
    }
    if (message.kind == MessageKind::kText || message.kind == MessageKind::kBinary) {
      WS_FUZZ_CHECK(message.data.size() <= config.assembler.maxMessageSize);
    }
    if (message.kind == MessageKind::kClose) {
      const std::string rebuilt =
          message.closeCode ? closePayload(*message.closeCode, message.closeReason) : "";
      WS_FUZZ_CHECK(rebuilt == message.data);
      WS_FUZZ_CHECK(!message.closeCode || isValidCloseCode(*message.closeCode));
    }
  }
}

// The incremental validator agrees with the one-shot one wherever the text is split.
void checkUtf8(std::string_view text, uint8_t seed) {
  const size_t split = text.empty() ? 0 : seed % (text.size() + 1);
  Utf8Validator validator;
  validator.feed(text.substr(0, split));
  validator.feed(text.substr(split));
  WS_FUZZ_CHECK(validator.complete() == isValidUtf8(text));
}

void runOne(std::string_view input) {
  if (input.size() < 2) {
    return;
  }
  const auto optionBits = static_cast<uint8_t>(input[0]);
  const auto chunkSeed = static_cast<uint8_t>(input[1]);
  const std::string_view stream = input.substr(2);
  const Config config = configFrom(optionBits);

  FrameParser whole(config.parser);
  const ParseResult once = whole.feed(stream);
  const ParseResult chunked = parseChunked(stream, config.parser, chunkSeed);

  // Chunking changes nothing: same frames, same error, same message.
  WS_FUZZ_CHECK(once.frames == chunked.frames);
  WS_FUZZ_CHECK(once.error.has_value() == chunked.error.has_value());
  if (once.error) {
    WS_FUZZ_CHECK(once.error->kind == chunked.error->kind);
    WS_FUZZ_CHECK(once.error->message == chunked.error->message);
  } else {
    WS_FUZZ_CHECK(whole.bytesConsumed() == stream.size());
  }

  // With minimal lengths required, re-encoding the frames gives back the stream's prefix.
  std::string reencoded;
  for (const Frame& frame : once.frames) {
    checkFrame(frame, config.parser);
    checkRoundTrip(frame, config.parser);
    reencoded += encodeFrame(frame);
  }
  if (config.parser.requireMinimalLength) {
    WS_FUZZ_CHECK(stream.substr(0, reencoded.size()) == reencoded);
    if (!once.error && whole.idle()) {
      WS_FUZZ_CHECK(reencoded.size() == stream.size());
    }
  }

  checkMessages(once.frames, config);
  checkUtf8(stream, chunkSeed);
}

}  // namespace
}  // namespace doc::ws

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  doc::ws::runOne(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
