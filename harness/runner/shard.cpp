#include "harness/runner/shard.h"

#include <charconv>
#include <optional>
#include <stdexcept>

#include "common/yaml_util.h"

namespace doc::harness {

namespace {

// The published FNV-1a 64-bit parameters (http://www.isthe.com/chongo/tech/comp/fnv/).
constexpr uint64_t kFnvOffsetBasis = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;
// MurmurHash3's fmix64 constants (Austin Appleby, public domain).
constexpr uint64_t kMix1 = 0xff51afd7ed558ccdull;
constexpr uint64_t kMix2 = 0xc4ceb9fe1a85ec53ull;

// More shards than results would only give empty jobs; 1000 is far above any CI matrix.
constexpr int kMaxShards = 1000;

std::optional<int> parsePositive(std::string_view text) {
  int value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end) {
    return std::nullopt;
  }
  return value;
}

ConfigError shardError(const std::string& text, const std::string& problem) {
  return ConfigError("command line", 0, "--shard", "\"" + text + "\": " + problem);
}

}  // namespace

uint64_t fnv1a64(std::string_view text) {
  uint64_t hash = kFnvOffsetBasis;
  for (const char c : text) {
    hash ^= static_cast<uint8_t>(c);
    hash *= kFnvPrime;
  }
  return hash;
}

uint64_t stableHash(std::string_view text) {
  uint64_t hash = fnv1a64(text);
  hash ^= hash >> 33;
  hash *= kMix1;
  hash ^= hash >> 33;
  hash *= kMix2;
  hash ^= hash >> 33;
  return hash;
}

Shard parseShard(const std::string& text) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) {
    throw shardError(text, "expected i/n, e.g. 2/3 for the second of three shards");
  }
  const auto index = parsePositive(std::string_view(text).substr(0, slash));
  const auto count = parsePositive(std::string_view(text).substr(slash + 1));
  if (!index || !count) {
    throw shardError(text, "expected i/n with whole numbers, e.g. 2/3");
  }
  if (*count < 1 || *count > kMaxShards) {
    throw shardError(text, "the shard count must be between 1 and " + std::to_string(kMaxShards));
  }
  if (*index < 1 || *index > *count) {
    throw shardError(
        text, "the shard index counts from 1 and must be between 1 and " + std::to_string(*count));
  }
  return {*index, *count};
}

bool inShard(const std::string& resultId, int index, int count) {
  if (count < 1 || index < 1 || index > count) {
    throw std::invalid_argument("shard " + std::to_string(index) + "/" + std::to_string(count) +
                                " is not i/n with 1 <= i <= n");
  }
  return stableHash(resultId) % static_cast<uint64_t>(count) == static_cast<uint64_t>(index - 1);
}

}  // namespace doc::harness
