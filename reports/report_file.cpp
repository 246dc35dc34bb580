#include "reports/report_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace doc::reports {

namespace {

std::string osReason() {
  return std::strerror(errno);
}

}  // namespace

void writeReportFile(const std::string& path, std::string_view content) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) {
      throw ReportError("cannot create directory " + parent.string() + " for report " + path +
                        ": " + error.message());
    }
  }

  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    throw ReportError("cannot open report " + path + " for writing: " + osReason());
  }
  out.write(content.data(), std::streamsize(content.size()));
  out.close();
  // Checked after close because a full disk often shows only when the buffer is flushed.
  if (!out) {
    throw ReportError("cannot write report " + path + ": " + osReason());
  }
}

}  // namespace doc::reports
