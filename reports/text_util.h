// Text shaping shared by the plain-text and Markdown renderers: messages quote what a target sent,
// so they can be long, hold newlines, or hold characters that mean something in Markdown.
#pragma once

#include <string>

namespace doc::reports {

// The first line of `text`, cut to at most `limit` bytes at a UTF-8 character boundary, with "…"
// appended when anything was cut.
std::string oneLine(const std::string& text, size_t limit);

// Safe inside a Markdown table cell on GitHub: `|` escaped, `<`, `>` and `&` as entities (a
// message must not open an HTML tag in a pull-request comment), line breaks as spaces.
std::string markdownCell(const std::string& text);

}  // namespace doc::reports
