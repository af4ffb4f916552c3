// CSV as RFC 4180 describes it (comma, CRLF, quotes doubled), UTF-8 with a byte-order mark so
// that spreadsheet programs read accents right. A text cell that a spreadsheet would take for a
// formula (starting with = + - @ or a tab) is prefixed with an apostrophe.
#pragma once

#include <cstddef>
#include <string>

#include "web/export/table_writer.hpp"

namespace fabomatic::web::exports {

class CsvWriter final : public TableWriter {
 public:
  /// Hands the sink pieces of about `piece_bytes`.
  explicit CsvWriter(Sink sink, std::size_t piece_bytes = 64 * 1024);

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
  std::string buffer_;
  bool row_started_ = false;
  bool any_table_ = false;
};

}  // namespace fabomatic::web::exports
