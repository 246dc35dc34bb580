// Putting a finished report on disk. Every format goes through here so that they all fail the same
// way: one exception type whose message names the path and the reason the OS gave.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace doc::reports {

class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Creates the missing parent directories of `path`, then replaces the file with `content`.
// Throws ReportError naming `path` when a directory cannot be made or the file cannot be written.
void writeReportFile(const std::string& path, std::string_view content);

}  // namespace doc::reports
