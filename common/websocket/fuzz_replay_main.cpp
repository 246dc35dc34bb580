// Runs the fuzz entry point without libFuzzer, so any compiler's build exercises it: every file
// of the seed corpus, then a fixed number of inputs generated from a fixed seed (mutated seeds
// and random bytes). Deterministic and bounded: the same inputs every run.
//
// Usage: websocket_frame_fuzz_replay <corpus-dir> [generated-inputs]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// Fixed, so a failure found here reproduces on every machine.
constexpr uint32_t kGeneratorSeed = 0x5eed6455;
// Enough inputs to reach every error path many times over in well under a second.
constexpr size_t kDefaultGeneratedInputs = 200000;
// Long enough for several frames and a 16-bit length, short enough to stay fast.
constexpr size_t kMaxGeneratedSize = 600;

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::vector<std::string> readCorpus(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      paths.push_back(entry.path());
    }
  }
  std::sort(paths.begin(), paths.end());  // directory order differs between file systems

  std::vector<std::string> inputs;
  for (const auto& path : paths) {
    std::ifstream file(path, std::ios::binary);
    inputs.emplace_back(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  return inputs;
}

std::string randomBytes(std::mt19937& rng, size_t size) {
  std::string out(size, '\0');
  for (char& c : out) {
    c = static_cast<char>(rng() & 0xFF);
  }
  return out;
}

// A few byte-level edits of a seed: flips, overwrites, inserts, deletions and truncation.
std::string mutate(std::string input, std::mt19937& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    const size_t pos = input.empty() ? 0 : rng() % input.size();
    switch (rng() % 5) {
      case 0:
        if (!input.empty()) {
          input[pos] = static_cast<char>(input[pos] ^ (1u << (rng() % 8)));
        }
        break;
      case 1:
        if (!input.empty()) {
          input[pos] = static_cast<char>(rng() & 0xFF);
        }
        break;
      case 2:
        input.insert(pos, randomBytes(rng, 1 + rng() % 8));
        break;
      case 3:
        if (!input.empty()) {
          input.erase(pos, 1 + rng() % 8);
        }
        break;
      default:
        input.resize(pos);
        break;
    }
  }
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s <corpus-dir> [generated-inputs]\n", argv[0]);
    return 2;
  }
  const std::vector<std::string> corpus = readCorpus(argv[1]);
  if (corpus.empty()) {
    std::fprintf(stderr, "websocket_frame_fuzz_replay: no seed files in %s\n", argv[1]);
    return 1;
  }
  const size_t generated = argc == 3 ? std::strtoul(argv[2], nullptr, 10) : kDefaultGeneratedInputs;

  for (const std::string& input : corpus) {
    run(input);
  }
  std::mt19937 rng(kGeneratorSeed);
  for (size_t i = 0; i < generated; ++i) {
    if (rng() % 4 == 0) {
      run(randomBytes(rng, rng() % kMaxGeneratedSize));
    } else {
      run(mutate(corpus[rng() % corpus.size()], rng));
    }
  }
  std::printf(
      "websocket_frame_fuzz_replay: %zu seed files and %zu generated inputs, no invariant "
      "broken\n",
      corpus.size(), generated);
  return 0;
}
