// What a person sees while the suite runs: a progress line that rewrites itself on a terminal,
// one plain line per result when piped, colours only on a terminal and never with NO_COLOR.
#pragma once

#include <cstdio>
#include <string>

#include "harness/result.h"

namespace doc::harness {

class Console {
 public:
  Console(std::FILE* out, bool verbose);

  void resultFinished(const Result& result, size_t done, size_t total);
  void line(const std::string& text);  // A whole line, clearing any progress line first.
  std::string colourStatus(Status status, bool unexpected) const;

 private:
  std::FILE* out_;
  bool verbose_;
  bool terminal_;
  bool colour_;
  bool progressShown_ = false;
};

}  // namespace doc::harness
