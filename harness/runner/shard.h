// Splitting one run over several machines: `--shard i/n` runs the results whose id hashes to
// shard i, so n CI jobs together run every result exactly once and reports/merge.h joins their
// reports. The hash is written out here (FNV-1a 64, then MurmurHash3's 64-bit finalizer) because
// std::hash differs between standard libraries and versions, and a result must land in the same
// shard on every machine.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace doc::harness {

// One shard of n, 1-based as people write it: "2/3" is the second of three.
struct Shard {
  int index = 1;
  int count = 1;

  bool operator==(const Shard&) const = default;
};

// FNV-1a (64 bits) of the bytes of `text`, as published.
uint64_t fnv1a64(std::string_view text);
// fnv1a64 passed through MurmurHash3's fmix64: the same value on every compiler, platform and
// run. The finalizer is there because FNV's low bits are poorly mixed (bit 0 is the parity of the
// input's low bits), which made shards of the real ids uneven: 7, 17 and 20 of 44 for n = 3.
uint64_t stableHash(std::string_view text);

// "i/n" with 1 <= i <= n. Throws ConfigError (field "--shard") naming the text and what is wrong.
Shard parseShard(const std::string& text);

// Whether the result `resultId` ("<scenario>[<profile>]") belongs to shard `index` of `count`
// (1-based). Every id belongs to exactly one of the `count` shards. Throws std::invalid_argument
// for an index outside 1..count: that is the caller's bug, parseShard() has already refused it.
bool inShard(const std::string& resultId, int index, int count);
inline bool inShard(const std::string& resultId, const Shard& shard) {
  return inShard(resultId, shard.index, shard.count);
}

}  // namespace doc::harness
