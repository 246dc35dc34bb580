#include "reports/text_util.h"

namespace doc::reports {

std::string oneLine(const std::string& text, size_t limit) {
  const size_t lineEnd = text.find_first_of("\r\n");
  std::string line = text.substr(0, lineEnd);
  bool cut =
      lineEnd != std::string::npos && text.find_first_not_of("\r\n", lineEnd) != std::string::npos;
  if (line.size() > limit) {
    size_t end = limit;
    // Back up over UTF-8 continuation bytes (10xxxxxx) so no character is split.
    while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) {
      --end;
    }
    line.resize(end);
    cut = true;
  }
  return cut ? line + "…" : line;
}

std::string markdownCell(const std::string& text) {
  std::string cell;
  cell.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '|':
        cell += "\\|";
        break;
      case '<':
        cell += "&lt;";
        break;
      case '>':
        cell += "&gt;";
        break;
      case '&':
        cell += "&amp;";
        break;
      case '\r':
      case '\n':
        cell += ' ';
        break;
      default:
        cell += c;
    }
  }
  return cell;
}

}  // namespace doc::reports
