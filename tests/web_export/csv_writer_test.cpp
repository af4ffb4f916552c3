#include "web/export/csv_writer.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "web/export/local_time.hpp"

namespace fabomatic::web::exports {
namespace {

const std::string kBom = "\xEF\xBB\xBF";

struct Collected {
  std::vector<std::string> pieces;
  Sink sink() {
    return [this](std::string_view bytes) {
      EXPECT_FALSE(bytes.empty());
      pieces.emplace_back(bytes);
    };
  }
  std::string all() const {
    std::string out;
    for (const auto& p : pieces)
      out += p;
    return out;
  }
};

const std::vector<Column> kColumns = {{"Name", CellKind::text},
                                      {"N", CellKind::integer},
                                      {"Hours", CellKind::hours},
                                      {"When", CellKind::datetime},
                                      {"Open", CellKind::boolean}};

TEST(CsvWriter, HeadingsRowsAndCellKinds) {
  setenv("TZ", "Europe/Rome", 1);
  tzset();
  Collected out;
  CsvWriter csv(out.sink());
  csv.begin_table("ignored", kColumns);
  csv.text("Ann");
  csv.integer(-42);
  csv.hours(1.005);
  csv.datetime(1767225600.0);  // 2026-01-01 00:00:00 UTC = 01:00 in Rome
  csv.boolean(true);
  csv.end_row();
  csv.empty();
  csv.empty();
  csv.hours(0);
  csv.empty();
  csv.boolean(false);
  csv.end_row();
  csv.finish();
  EXPECT_EQ(out.all(), kBom +
                           "Name,N,Hours,When,Open\r\n"
                           "Ann,-42,1.00,2026-01-01 01:00:00,true\r\n"
                           ",,0.00,,false\r\n");
  EXPECT_EQ(format_local(1767225600.5), "2026-01-01 01:00:00");
  EXPECT_EQ(format_local_date(1767225600.0), "2026-01-01");
}

TEST(CsvWriter, TheItalianStyleIsWhatASpreadsheetSetToItalianReads) {
  Collected out;
  CsvWriter csv(out.sink(), 64 * 1024, CsvStyle::italian());
  csv.begin_table("ignored", std::span(kColumns).first(3));
  csv.text("Rossi; Mario");  // the separator in a text: quoted
  csv.integer(3);
  csv.hours(1.5);
  csv.end_row();
  csv.text("a,b");  // a comma is text here
  csv.boolean(true);
  csv.boolean(false);
  csv.end_row();
  csv.finish();
  EXPECT_EQ(out.all(), kBom +
                           "Name;N;Hours\r\n"
                           "\"Rossi; Mario\";3;1,50\r\n"
                           "a,b;VERO;FALSO\r\n");
}

TEST(CsvWriter, QuotesWhatNeedsQuotingAndDefusesFormulas) {
  Collected out;
  CsvWriter csv(out.sink());
  const std::vector<Column> one = {{"T", CellKind::text}};
  csv.begin_table("t", one);
  for (std::string_view value : {"plain", "a,b", "say \"hi\"", "two\nlines", "=HYPERLINK(\"x\")",
                                 "+1", "-2", "@SUM(A1)", "Nicolò Müller", ""}) {
    csv.text(value);
    csv.end_row();
  }
  csv.finish();
  EXPECT_EQ(out.all(), kBom +
                           "T\r\n"
                           "plain\r\n"
                           "\"a,b\"\r\n"
                           "\"say \"\"hi\"\"\"\r\n"
                           "\"two\nlines\"\r\n"
                           "\"'=HYPERLINK(\"\"x\"\")\"\r\n"
                           "\"'+1\"\r\n"
                           "\"'-2\"\r\n"
                           "\"'@SUM(A1)\"\r\n"
                           "Nicolò Müller\r\n"
                           "\r\n");
}

TEST(CsvWriter, HandsOverPiecesOfAboutThePieceSizeNotTheWholeFile) {
  Collected out;
  CsvWriter csv(out.sink(), 1024);
  const std::vector<Column> one = {{"T", CellKind::text}};
  csv.begin_table("t", one);
  const std::string value(100, 'x');
  for (int i = 0; i < 1000; ++i) {
    csv.text(value);
    csv.end_row();
  }
  csv.finish();
  EXPECT_GT(out.pieces.size(), 90u);
  for (std::size_t i = 0; i + 1 < out.pieces.size(); ++i) {
    EXPECT_GE(out.pieces[i].size(), 1024u);
    EXPECT_LT(out.pieces[i].size(), 1024u + 103);  // at most one row more
  }
  EXPECT_EQ(out.all().size(), kBom.size() + 3 + 1000 * 102);
}

TEST(CsvWriter, SeveralTablesAreSeparatedByAnEmptyLine) {
  Collected out;
  CsvWriter csv(out.sink());
  const std::vector<Column> a = {{"A", CellKind::text}};
  const std::vector<Column> b = {{"B", CellKind::integer}, {"C", CellKind::integer}};
  csv.begin_table("a", a);
  csv.text("1");
  csv.end_row();
  csv.begin_table("b", b);
  csv.integer(2);
  csv.integer(3);
  csv.end_row();
  csv.finish();
  EXPECT_EQ(out.all(), kBom + "A\r\n1\r\n\r\nB,C\r\n2,3\r\n");
}

}  // namespace
}  // namespace fabomatic::web::exports
