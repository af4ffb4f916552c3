#include "support_compare.hpp"

#include <sqlite3.h>

#include <cctype>

namespace fabomatic::db::test {

std::string describe(const Value& value) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "NULL"; }
    std::string operator()(std::int64_t v) const { return "INTEGER " + std::to_string(v); }
    std::string operator()(double v) const { return "REAL " + std::to_string(v); }
    std::string operator()(const std::string& v) const { return "TEXT '" + v + "'"; }
    std::string operator()(const std::vector<char>& v) const {
      return "BLOB of " + std::to_string(v.size()) + " bytes";
    }
  };
  return std::visit(Visitor{}, value);
}

TableContent read_table(Connection& conn, const std::string& table) {
  TableContent content;
  auto stmt = conn.prepare("SELECT rowid AS fabomatic_rowid, * FROM \"" + table + "\"");
  while (stmt.step()) {
    Row row;
    for (int c = 1; c < stmt.column_count(); ++c) {
      Value value;
      switch (sqlite3_column_type(stmt.handle(), c)) {
        case SQLITE_INTEGER:
          value = stmt.column_int64(c);
          break;
        case SQLITE_FLOAT:
          value = stmt.column_double(c);
          break;
        case SQLITE_TEXT:
          value = stmt.column_text(c);
          break;
        case SQLITE_BLOB: {
          const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt.handle(), c));
          value = std::vector<char>(data, data + sqlite3_column_bytes(stmt.handle(), c));
          break;
        }
        default:
          break;
      }
      row[stmt.column_name(c)] = std::move(value);
    }
    content[stmt.column_int64(0)] = std::move(row);
  }
  return content;
}

std::vector<std::string> table_names(Connection& conn) {
  std::vector<std::string> names;
  auto stmt = conn.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
      "ORDER BY name");
  while (stmt.step())
    names.push_back(stmt.column_text(0));
  return names;
}

namespace {

// Collapses whitespace runs to one space and drops spaces next to punctuation, so layout
// differences do not count; names, types, defaults and constraints do.
std::string normalize_sql(const std::string& sql) {
  std::string out;
  bool pending_space = false;
  for (char c : sql) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      pending_space = true;
      continue;
    }
    const bool punct = c == ',' || c == ')' || c == '(';
    if (pending_space && !out.empty() && !punct && out.back() != '(' && out.back() != ',')
      out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::set<SchemaEntry> normalized_schema(Connection& conn) {
  std::set<SchemaEntry> entries;
  auto stmt = conn.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master");
  while (stmt.step())
    entries.emplace(stmt.column_text(0), stmt.column_text(1), stmt.column_text(2),
                    normalize_sql(stmt.column_text(3)));
  return entries;
}

}  // namespace fabomatic::db::test
