// Where the suite's data files live. Binaries are built out of tree, so they find specs/ and
// conformance/ through the source root compiled in, which DOC_ROOT in the environment overrides
// (for an installed copy or a moved checkout).
#pragma once

#include <cstdlib>
#include <string>

namespace doc {

inline std::string sourceRoot() {
  if (const char* root = std::getenv("DOC_ROOT"); root != nullptr && *root != '\0') {
    return root;
  }
  return DOC_SOURCE_ROOT;
}

inline std::string sourcePath(const std::string& relative) {
  return sourceRoot() + "/" + relative;
}

}  // namespace doc
