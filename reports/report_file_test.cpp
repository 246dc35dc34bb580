#include "reports/report_file.h"

#include <gtest/gtest.h>

#include "reports/test_support.h"

namespace doc::reports {
namespace {

using namespace test_support;

TEST(ReportFile, ReplacesAnExistingFileWhole) {
  const std::string path = scratchDirectory("replace") + "/report.txt";
  writeReportFile(path, "a much longer first version");

  writeReportFile(path, "short");

  EXPECT_EQ(readFile(path), "short");
}

TEST(ReportFile, ADirectoryThatCannotBeMadeIsAnErrorNamingIt) {
  const std::string blocker = scratchDirectory("no_dir") + "/file";
  writeReportFile(blocker, "x");

  try {
    writeReportFile(blocker + "/sub/report.txt", "y");
    FAIL() << "a directory was made under a regular file";
  } catch (const ReportError& error) {
    EXPECT_NE(std::string(error.what()).find(blocker + "/sub"), std::string::npos) << error.what();
  }
}

TEST(ReportFile, AFileThatCannotBeOpenedIsAnErrorNamingIt) {
  const std::string directory = scratchDirectory("is_dir");

  try {
    writeReportFile(directory, "y");  // A directory cannot be opened as a file, even by root.
    FAIL() << "a directory was opened for writing";
  } catch (const ReportError& error) {
    EXPECT_NE(std::string(error.what()).find(directory), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace doc::reports
