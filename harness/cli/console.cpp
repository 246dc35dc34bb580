#include "harness/cli/console.h"

#include <unistd.h>

#include <cstdlib>

namespace doc::harness {

Console::Console(std::FILE* out, bool verbose)
    : out_(out), verbose_(verbose), terminal_(::isatty(::fileno(out)) != 0) {
  const char* noColor = std::getenv("NO_COLOR");
  colour_ = terminal_ && (noColor == nullptr || *noColor == '\0');
}

std::string Console::colourStatus(Status status, bool unexpected) const {
  const bool knownFailure = !unexpected && status != Status::kPass;
  const std::string name = toString(status) + (knownFailure ? " (expected)" : "");
  if (!colour_) {
    return name;
  }
  const char* code = !unexpected ? (status == Status::kPass ? "32" : "33") : "31";
  return std::string("\033[") + code + "m" + name + "\033[0m";
}

void Console::line(const std::string& text) {
  if (progressShown_) {
    std::fputs("\r\033[K", out_);
    progressShown_ = false;
  }
  std::fputs((text + "\n").c_str(), out_);
  std::fflush(out_);
}

void Console::resultFinished(const Result& result, size_t done, size_t total) {
  const std::string counter = "[" + std::to_string(done) + "/" + std::to_string(total) + "] ";
  const bool unexpected = result.isUnexpected();
  if (!terminal_ || unexpected || verbose_) {
    std::string text = counter + colourStatus(result.status, unexpected) + " " + result.id;
    if (unexpected && !result.message.empty()) {
      text += "\n    " + result.message;
    }
    if (verbose_) {
      // The wire trace: what each step sent and what came back, shortened to a line each.
      constexpr size_t kMaxShown = 400;
      for (const auto& step : result.trace) {
        std::string observed = step.observation.dump();
        if (observed.size() > kMaxShown) {
          observed = observed.substr(0, kMaxShown) + "...";
        }
        text += "\n    " + step.id + " (" + step.kind + ") " +
                step.request.value("method", std::string()) + " " +
                step.request.value("url", std::string()) + "\n      -> " + observed;
      }
    }
    line(text);
    return;
  }
  // On a terminal, results as expected only update one progress line.
  std::fputs(("\r\033[K" + counter + result.id).c_str(), out_);
  std::fflush(out_);
  progressShown_ = true;
}

}  // namespace doc::harness
