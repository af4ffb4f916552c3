#include "web/export/xlsx_writer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

namespace fabomatic::web::exports {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "xlsx-test-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
  std::size_t files() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), {}));
  }
};

bool contains(const std::string& bytes, std::string_view part) {
  return bytes.find(part) != std::string::npos;
}

const std::vector<Column> kColumns = {{"Name", CellKind::text, 20},
                                      {"N", CellKind::integer, 8},
                                      {"Hours", CellKind::hours, 10},
                                      {"When", CellKind::datetime, 20},
                                      {"Open", CellKind::boolean, 8}};

void write_rows(TableWriter& out, int rows) {
  for (int i = 0; i < rows; ++i) {
    out.text("member " + std::to_string(i));
    out.integer(i);
    out.hours(i / 4.0);
    out.datetime(1767225600.0 + i);
    out.boolean(i % 2 == 0);
    out.end_row();
  }
}

TEST(XlsxWriter, WritesAZipWorkbookInPiecesAndLeavesNoFileBehind) {
  TempDir dir;
  std::vector<std::string> pieces;
  {
    XlsxWriter xlsx([&](std::string_view b) { pieces.emplace_back(b); }, dir.path, 4096);
    xlsx.begin_table("Uses", kColumns);
    write_rows(xlsx, 2000);
    EXPECT_GE(dir.files(), 1u);  // the workbook being written
    xlsx.finish();
    EXPECT_EQ(dir.files(), 0u);  // read back and removed before the last piece
  }
  ASSERT_GT(pieces.size(), 1u);
  std::string all;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (i + 1 < pieces.size()) {
      EXPECT_EQ(pieces[i].size(), 4096u);
    }
    all += pieces[i];
  }
  EXPECT_EQ(all.substr(0, 2), "PK");  // a zip archive
  // The names of the archive's members are stored uncompressed.
  EXPECT_TRUE(contains(all, "xl/workbook.xml"));
  EXPECT_TRUE(contains(all, "xl/worksheets/sheet1.xml"));
  EXPECT_FALSE(contains(all, "xl/worksheets/sheet2.xml"));
  EXPECT_EQ(dir.files(), 0u);
}

TEST(XlsxWriter, ATableLongerThanASheetContinuesOnTheNext) {
  TempDir dir;
  std::string all;
  XlsxWriter xlsx([&](std::string_view b) { all += b; }, dir.path, 65536, 100);
  xlsx.begin_table("Uses", kColumns);
  write_rows(xlsx, 250);  // 99 rows per sheet below the headings: 3 sheets
  xlsx.finish();
  EXPECT_TRUE(contains(all, "xl/worksheets/sheet3.xml"));
  EXPECT_FALSE(contains(all, "xl/worksheets/sheet4.xml"));
}

TEST(XlsxWriter, SeveralTablesAreSheetsOfOneWorkbook) {
  TempDir dir;
  std::string all;
  XlsxWriter xlsx([&](std::string_view b) { all += b; }, dir.path);
  xlsx.begin_table("Profile: a/b", kColumns);  // characters a sheet name may not hold
  write_rows(xlsx, 1);
  xlsx.begin_table("Profile: a/b", kColumns);  // a second sheet of the same name
  write_rows(xlsx, 1);
  xlsx.finish();
  EXPECT_TRUE(contains(all, "xl/worksheets/sheet2.xml"));
}

TEST(XlsxWriter, AbandonedBeforeFinishLeavesNoFile) {
  TempDir dir;
  {
    XlsxWriter xlsx([](std::string_view) { FAIL() << "nothing is sent before finish"; }, dir.path);
    xlsx.begin_table("Uses", kColumns);
    write_rows(xlsx, 500);
  }
  EXPECT_EQ(dir.files(), 0u);
}

TEST(XlsxWriter, AMissingFolderIsAClearError) {
  try {
    XlsxWriter xlsx([](std::string_view) {}, "/nonexistent/folder");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/folder"), std::string::npos);
  }
}

}  // namespace
}  // namespace fabomatic::web::exports
