// Tables written cell by cell into a file format (CSV, xlsx) whose bytes leave as they are made:
// an export's rows are read with a cursor and written one at a time, and the bytes go to a Sink
// in pieces, so the whole file is never held in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace fabomatic::web::exports {

/// Takes the bytes of the file in order, in pieces of any size (never empty).
using Sink = std::function<void(std::string_view bytes)>;

enum class CellKind {
  text,
  integer,
  hours,     // a duration or amount of hours, as a number with two decimals
  datetime,  // unix seconds, written as a local date and time
  boolean,
};

struct Column {
  std::string heading;
  CellKind kind = CellKind::text;
  double width = 14;  // xlsx column width, in characters
};

class TableWriter {
 public:
  virtual ~TableWriter() = default;

  /// Starts a table: its name (an xlsx sheet; CSV writes no name) and its heading row. A file
  /// may hold several tables (a member's data export); CSV separates them with an empty line.
  virtual void begin_table(std::string_view name, std::span<const Column> columns) = 0;

  // One cell each, left to right; end_row() after the last cell of a row.
  virtual void empty() = 0;
  virtual void text(std::string_view value) = 0;
  virtual void integer(std::int64_t value) = 0;
  virtual void hours(double value) = 0;
  virtual void datetime(double unix_seconds) = 0;
  virtual void boolean(bool value) = 0;
  virtual void end_row() = 0;

  /// Writes what remains; the file is complete in the sink when this returns.
  virtual void finish() = 0;

  /// The file's media type and extension ("text/csv; charset=utf-8", "csv").
  virtual std::string_view media_type() const = 0;
  virtual std::string_view extension() const = 0;
};

}  // namespace fabomatic::web::exports
