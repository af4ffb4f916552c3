#include "db/repository.hpp"

#include <sqlite3.h>

#include <cctype>

#include "common/text.hpp"

namespace fabomatic::db {

Conflict::Conflict(std::string field, const Error& cause)
    : Error(cause.code(), cause.extended_code(), cause.sqlite_message(), cause.sql()),
      field_(std::move(field)) {}

Conflict::Conflict(std::string field, std::string message)
    : Error(SQLITE_CONSTRAINT, SQLITE_CONSTRAINT, std::move(message), std::string()),
      field_(std::move(field)) {}

void refuse_name_of_another(Connection& conn, const NamedTable& named, std::string_view name,
                            std::optional<Id> self) {
  const std::string table(named.table), id(named.id_column), column(named.name_column);
  if (self) {
    const auto current = conn.query_optional<std::string>(
        "SELECT " + column + " FROM " + table + " WHERE " + id + " = ?", *self);
    if (!current || *current == name)
      return;  // no such row (the update changes nothing), or unchanged
  }
  if (conn.query_optional<Id>("SELECT " + id + " FROM " + table + " WHERE " + column +
                                  " = ? COLLATE NOCASE AND " + id + " IS NOT ? LIMIT 1",
                              name, self))
    throw Conflict("name", "the name '" + std::string(name) + "' is taken (in any case)");
}

void rethrow_as_conflict(const Error& error, std::span<const ConstraintField> fields) {
  if (!error.is_constraint()) throw error;
  const std::string failed = error.constraint();
  for (const auto& entry : fields) {
    if (failed == entry.constraint) throw Conflict(std::string(entry.field), error);
  }
  if (failed == "FOREIGN KEY") throw Conflict("references", error);
  throw Conflict("constraint", error);
}

ListQuery& ListQuery::where(std::string_view condition, std::vector<Value> values) {
  sql_ += has_where_ ? " AND (" : " WHERE (";
  sql_ += condition;
  sql_ += ')';
  has_where_ = true;
  for (auto& value : values)
    values_.push_back(std::move(value));
  return *this;
}

ListQuery& ListQuery::order_by(std::string_view order) {
  sql_ += " ORDER BY ";
  sql_ += order;
  return *this;
}

ListQuery& ListQuery::page(const Page& page) {
  if (page.limit <= 0 && page.offset <= 0) return *this;
  // LIMIT -1 is SQLite's "no limit", needed when only an offset is given.
  sql_ += " LIMIT ? OFFSET ?";
  values_.emplace_back(page.limit > 0 ? page.limit : std::int64_t{-1});
  values_.emplace_back(page.offset > 0 ? page.offset : std::int64_t{0});
  return *this;
}

CachedStatement ListQuery::prepare(Connection& conn) const {
  auto stmt = conn.prepare_cached(sql_);
  int index = 0;
  for (const auto& value : values_) {
    ++index;
    std::visit([&](const auto& v) { stmt->bind(index, v); }, value);
  }
  return stmt;
}

std::string directed(std::string_view order, bool descending) {
  std::string out;
  for (char c : order) {
    if (c == '%')
      out += descending ? "DESC" : "ASC";
    else
      out += c;
  }
  return out;
}

std::string id_array(std::span<const Id> ids) {
  std::string array = "[";
  for (const Id id : ids) {
    if (array.size() > 1) array += ',';
    array += std::to_string(id);
  }
  array += ']';
  return array;
}

std::map<Id, std::int64_t> counts_by_id(Connection& conn, std::string_view sql) {
  auto stmt = conn.prepare_cached(sql);
  std::map<Id, std::int64_t> counts;
  while (stmt->step())
    counts.emplace(stmt->get<Id>(0), stmt->get<std::int64_t>(1));
  return counts;
}

std::string contains_pattern(std::string_view text) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  return pattern;
}

std::string normalize_card(std::string_view card) {
  return text::ascii_lowercase(card);
}

}  // namespace fabomatic::db
