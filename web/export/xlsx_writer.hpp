// Excel workbooks (.xlsx) through Debian's libxlsxwriter in its constant-memory mode: each row
// goes to a temporary file as soon as it is complete, the workbook is assembled in a temporary
// file of `temp_dir` at finish() and then handed to the sink in pieces. Dates are real Excel
// date-times (local time) and hours real numbers, so the sheet sorts and sums. A table longer
// than a sheet allows (1,048,576 rows) continues on another sheet, with its headings again.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "web/export/table_writer.hpp"

namespace fabomatic::web::exports {

class XlsxWriter final : public TableWriter {
 public:
  /// Throws std::runtime_error when the temporary file cannot be made.
  XlsxWriter(Sink sink, const std::filesystem::path& temp_dir, std::size_t piece_bytes = 64 * 1024,
             std::size_t rows_per_sheet = 1048576);
  /// Removes the temporary files, finished or not.
  ~XlsxWriter() override;
  XlsxWriter(const XlsxWriter&) = delete;
  XlsxWriter& operator=(const XlsxWriter&) = delete;

  void begin_table(std::string_view name, std::span<const Column> columns) override;
  void empty() override;
  void text(std::string_view value) override;
  void integer(std::int64_t value) override;
  void hours(double value) override;
  void datetime(double unix_seconds) override;
  void boolean(bool value) override;
  void end_row() override;
  void finish() override;
  std::string_view media_type() const override {
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  }
  std::string_view extension() const override { return "xlsx"; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fabomatic::web::exports
