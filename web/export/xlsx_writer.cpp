#include "web/export/xlsx_writer.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "web/export/local_time.hpp"

namespace fabomatic::web::exports {

namespace {

// Sheet names: at most 31 characters, none of []:*?/\ ; unique in the workbook.
std::string sheet_name(std::string_view wanted, int part) {
  std::string name;
  for (char c : wanted) {
    if (std::string_view("[]:*?/\\").find(c) != std::string_view::npos) c = '_';
    name += c;
  }
  if (name.empty()) name = "Sheet";
  std::string suffix = part > 1 ? " (" + std::to_string(part) + ")" : "";
  if (name.size() + suffix.size() > 31) name.resize(31 - suffix.size());
  // Do not cut a UTF-8 sequence in half.
  while (!name.empty() && (static_cast<unsigned char>(name.back()) & 0xC0) == 0x80)
    name.pop_back();
  if (!name.empty() && (static_cast<unsigned char>(name.back()) & 0xC0) == 0xC0) name.pop_back();
  return name + suffix;
}

}  // namespace

struct XlsxWriter::Impl {
  Sink sink;
  std::size_t piece_bytes;
  std::size_t rows_per_sheet;
  std::string path;
  std::string temp_dir;
  lxw_workbook* workbook = nullptr;
  lxw_worksheet* sheet = nullptr;
  lxw_format* heading = nullptr;
  lxw_format* date = nullptr;
  lxw_format* hours = nullptr;
  std::string table_name;
  std::vector<Column> columns;
  std::vector<std::string> sheet_names;
  int part = 0;
  lxw_row_t row = 0;
  lxw_col_t col = 0;

  void check(lxw_error error, const char* what) const {
    if (error != LXW_NO_ERROR) {
      throw std::runtime_error(std::string("xlsx: ") + what + ": " + lxw_strerror(error));
    }
  }

  void new_sheet() {
    ++part;
    std::string name = sheet_name(table_name, part);
    // Two tables of the same name: number the second.
    for (int n = 2; std::find(sheet_names.begin(), sheet_names.end(), name) != sheet_names.end();
         ++n)
      name = sheet_name(table_name + " " + std::to_string(n), part);
    sheet_names.push_back(name);
    sheet = workbook_add_worksheet(workbook, name.c_str());
    if (sheet == nullptr) throw std::runtime_error("xlsx: cannot add the sheet " + name);
    for (std::size_t i = 0; i < columns.size(); ++i) {
      lxw_format* format = columns[i].kind == CellKind::datetime ? date
                           : columns[i].kind == CellKind::hours  ? hours
                                                                 : nullptr;
      check(worksheet_set_column(sheet, static_cast<lxw_col_t>(i), static_cast<lxw_col_t>(i),
                                 columns[i].width, format),
            "column width");
    }
    worksheet_freeze_panes(sheet, 1, 0);
    for (std::size_t i = 0; i < columns.size(); ++i) {
      check(worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(i), columns[i].heading.c_str(),
                                   heading),
            "heading");
    }
    row = 1;
    col = 0;
  }

  void next_cell() { ++col; }

  void discard() {
    if (workbook != nullptr) {
      lxw_workbook_free(workbook);
      workbook = nullptr;
    }
    if (!path.empty()) {
      ::unlink(path.c_str());
      path.clear();
    }
  }
};

XlsxWriter::XlsxWriter(Sink sink, const std::filesystem::path& temp_dir, std::size_t piece_bytes,
                       std::size_t rows_per_sheet)
    : impl_(std::make_unique<Impl>()) {
  auto& i = *impl_;
  i.sink = std::move(sink);
  i.piece_bytes = piece_bytes;
  i.rows_per_sheet = rows_per_sheet < 2 ? 2 : rows_per_sheet;
  i.temp_dir = temp_dir.string();
  std::string pattern = (temp_dir / "fabomatic-export-XXXXXX").string();
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) {
    throw std::runtime_error("xlsx: cannot create a temporary file in " + i.temp_dir + ": " +
                             std::strerror(errno));
  }
  ::close(fd);
  i.path = pattern;
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;
  options.tmpdir = i.temp_dir.data();
  options.use_zip64 = LXW_TRUE;
  i.workbook = workbook_new_opt(i.path.c_str(), &options);
  if (i.workbook == nullptr) {
    i.discard();
    throw std::runtime_error("xlsx: cannot start a workbook in " + i.temp_dir);
  }
  i.heading = workbook_add_format(i.workbook);
  format_set_bold(i.heading);
  i.date = workbook_add_format(i.workbook);
  format_set_num_format(i.date, "yyyy-mm-dd hh:mm:ss");
  i.hours = workbook_add_format(i.workbook);
  format_set_num_format(i.hours, "0.00");
}

XlsxWriter::~XlsxWriter() {
  impl_->discard();
}

void XlsxWriter::begin_table(std::string_view name, std::span<const Column> columns) {
  auto& i = *impl_;
  i.table_name = std::string(name);
  i.columns.assign(columns.begin(), columns.end());
  i.part = 0;
  i.new_sheet();
}

void XlsxWriter::empty() {
  impl_->next_cell();
}

void XlsxWriter::text(std::string_view value) {
  auto& i = *impl_;
  if (!value.empty()) {
    const std::string copy(value);  // libxlsxwriter wants a C string
    i.check(worksheet_write_string(i.sheet, i.row, i.col, copy.c_str(), nullptr), "text cell");
  }
  i.next_cell();
}

void XlsxWriter::integer(std::int64_t value) {
  auto& i = *impl_;
  i.check(worksheet_write_number(i.sheet, i.row, i.col, static_cast<double>(value), nullptr),
          "number cell");
  i.next_cell();
}

void XlsxWriter::hours(double value) {
  auto& i = *impl_;
  i.check(worksheet_write_number(i.sheet, i.row, i.col, value, i.hours), "hours cell");
  i.next_cell();
}

void XlsxWriter::datetime(double unix_seconds) {
  auto& i = *impl_;
  const LocalTime t = local_time(unix_seconds);
  lxw_datetime when{t.year, t.month, t.day, t.hour, t.minute, static_cast<double>(t.second)};
  i.check(worksheet_write_datetime(i.sheet, i.row, i.col, &when, i.date), "date cell");
  i.next_cell();
}

void XlsxWriter::boolean(bool value) {
  auto& i = *impl_;
  i.check(worksheet_write_boolean(i.sheet, i.row, i.col, value ? 1 : 0, nullptr), "boolean cell");
  i.next_cell();
}

void XlsxWriter::end_row() {
  auto& i = *impl_;
  ++i.row;
  i.col = 0;
  if (i.row >= i.rows_per_sheet) i.new_sheet();
}

void XlsxWriter::finish() {
  auto& i = *impl_;
  lxw_workbook* workbook = std::exchange(i.workbook, nullptr);
  i.check(workbook_close(workbook), "writing the workbook");  // frees it too
  const int fd = ::open(i.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("xlsx: cannot read the workbook back");
  ::unlink(i.path.c_str());  // gone from the folder; still readable through fd
  i.path.clear();
  std::string piece(i.piece_bytes, '\0');
  try {
    for (;;) {
      const ssize_t n = ::read(fd, piece.data(), piece.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::runtime_error("xlsx: cannot read the workbook back");
      if (n == 0) break;
      i.sink(std::string_view(piece.data(), static_cast<std::size_t>(n)));
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

}  // namespace fabomatic::web::exports
