// CSV as RFC 4180 describes it (comma, CRLF, quotes doubled), UTF-8 with a byte-order mark so
// that spreadsheet programs read accents right. A text cell that a spreadsheet would take for a
// formula (starting with = + - @ or a tab) is prefixed with an apostrophe. In the Italian style
// (CsvStyle::italian) cells are separated by ';' with ',' as the decimal mark and VERO/FALSO,
// what a spreadsheet set to Italian reads on a double-click (with ',' it puts every row in one
// column, and "1.50" becomes 150) and what it shows for the .xlsx export's booleans.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "web/export/table_writer.hpp"

namespace fabomatic::web::exports {

struct CsvStyle {
  char separator = ',';
  char decimal = '.';
  std::string_view yes = "true";
  std::string_view no = "false";

  static CsvStyle italian() { return {';', ',', "VERO", "FALSO"}; }
};

class CsvWriter final : public TableWriter {
 public:
  /// Hands the sink pieces of about `piece_bytes`.
  explicit CsvWriter(Sink sink, std::size_t piece_bytes = 64 * 1024, CsvStyle style = {});

  void begin_table(std::string_view name, std::span<const Column> columns) override;
  void empty() override;
  void text(std::string_view value) override;
  void integer(std::int64_t value) override;
  void hours(double value) override;
  void datetime(double unix_seconds) override;
  void boolean(bool value) override;
  void end_row() override;
  void finish() override;
  std::string_view media_type() const override { return "text/csv; charset=utf-8"; }
  std::string_view extension() const override { return "csv"; }

 private:
  void separator();
  void raw(std::string_view cell);
  void flush_if_full();

  Sink sink_;
  std::size_t piece_bytes_;
  CsvStyle style_;
  std::string buffer_;
  bool row_started_ = false;
  bool any_table_ = false;
};

}  // namespace fabomatic::web::exports
