#include "web/export/csv_writer.hpp"

#include <cstdio>

#include "web/export/local_time.hpp"

namespace fabomatic::web::exports {

CsvWriter::CsvWriter(Sink sink, std::size_t piece_bytes, CsvStyle style)
    : sink_(std::move(sink)), piece_bytes_(piece_bytes), style_(style) {
  buffer_.reserve(piece_bytes_ + 1024);
  buffer_ += "\xEF\xBB\xBF";  // UTF-8 byte-order mark
}

void CsvWriter::begin_table(std::string_view, std::span<const Column> columns) {
  if (any_table_) buffer_ += "\r\n";
  any_table_ = true;
  for (const auto& column : columns)
    text(column.heading);
  end_row();
}

void CsvWriter::separator() {
  if (row_started_) buffer_ += style_.separator;
  row_started_ = true;
}

void CsvWriter::raw(std::string_view cell) {
  separator();
  buffer_ += cell;
}

void CsvWriter::empty() {
  separator();
}

void CsvWriter::text(std::string_view value) {
  separator();
  const bool formula_like =
      !value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' ||
                         value[0] == '\t' || value[0] == '\r');
  const char special[] = {style_.separator, '"', '\r', '\n', '\0'};
  const bool quote = formula_like || value.find_first_of(special) != std::string_view::npos;
  if (!quote) {
    buffer_ += value;
    return;
  }
  buffer_ += '"';
  if (formula_like) buffer_ += '\'';
  for (char c : value) {
    if (c == '"') buffer_ += '"';
    buffer_ += c;
  }
  buffer_ += '"';
}

void CsvWriter::integer(std::int64_t value) {
  raw(std::to_string(value));
}

void CsvWriter::hours(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);  // "C" locale: always '.'
  for (char* c = text; *c != '\0'; ++c) {
    if (*c == '.') *c = style_.decimal;
  }
  raw(text);
}

void CsvWriter::datetime(double unix_seconds) {
  raw(format_local(unix_seconds));
}

void CsvWriter::boolean(bool value) {
  raw(value ? style_.yes : style_.no);
}

void CsvWriter::end_row() {
  buffer_ += "\r\n";
  row_started_ = false;
  flush_if_full();
}

void CsvWriter::flush_if_full() {
  if (buffer_.size() < piece_bytes_) return;
  sink_(buffer_);
  buffer_.clear();
}

void CsvWriter::finish() {
  if (!buffer_.empty()) sink_(buffer_);
  buffer_.clear();
  buffer_.shrink_to_fit();
}

}  // namespace fabomatic::web::exports
