// What every repository shares: the typed Conflict error that the web layer maps to 409, and a
// small builder for list queries whose WHERE clause depends on which filters are set (so SQLite
// can use the index of each filter instead of a catch-all `? IS NULL OR col = ?`).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

// A write refused because it would break a uniqueness or reference rule: a duplicate card or
// name, a row still referenced by others, a reserved row. `field()` names what clashed in the
// words of the model ("card", "name", "user_machine", "references", "reserved").
class Conflict : public Error {
 public:
  Conflict(std::string field, const Error& cause);
  Conflict(std::string field, std::string message);

  const std::string& field() const noexcept { return field_; }

 private:
  std::string field_;
};

// Maps SQLite's name of a failed constraint ("users.card_UUID", "FOREIGN KEY", ...) to a
// Conflict field. A constraint failure that matches no entry still becomes a Conflict (field
// "constraint"); any other error is rethrown unchanged.
struct ConstraintField {
  std::string_view constraint;
  std::string_view field;
};
[[noreturn]] void rethrow_as_conflict(const Error& error, std::span<const ConstraintField> fields);

// Runs `write` and turns its constraint failures into Conflict (see rethrow_as_conflict).
template <class F>
decltype(auto) translating_conflicts(std::span<const ConstraintField> fields, F&& write) {
  try {
    return write();
  } catch (const Conflict&) {
    throw;
  } catch (const Error& error) {
    rethrow_as_conflict(error, fields);
  }
}

// Names of machines, machine types and roles are told apart without regard to case, as staff
// read them (the unique indexes of the reference schema compare bytes): a name given to a new
// row, or a row's changed name, that another row of `table` holds in any case is refused with
// Conflict("name"). `self`: the row being renamed (its own name, and one it keeps unchanged —
// legacy rows may already differ only by case — pass).
struct NamedTable {
  std::string_view table, id_column, name_column;
};
void refuse_name_of_another(Connection& conn, const NamedTable& named, std::string_view name,
                            std::optional<Id> self);

// A list query assembled from optional filters, bound in the order the conditions were added.
class ListQuery {
 public:
  using Value = std::variant<std::int64_t, double, std::string>;

  explicit ListQuery(std::string select) : sql_(std::move(select)) {}

  // Adds `condition` (with one `?` per value) joined by AND.
  ListQuery& where(std::string_view condition, std::vector<Value> values = {});
  ListQuery& order_by(std::string_view order);
  ListQuery& page(const Page& page);

  const std::string& sql() const { return sql_; }
  // Prepares (cached: the set of shapes is small and fixed) and binds.
  CachedStatement prepare(Connection& conn) const;

 private:
  std::string sql_;
  bool has_where_ = false;
  std::vector<Value> values_;
};

// An ORDER BY template with each % replaced by ASC or DESC.
std::string directed(std::string_view order, bool descending);

// A LIKE pattern (for `LIKE ? ESCAPE '\'`) matching any text that contains `text`, with the
// LIKE wildcards typed by a user taken literally. LIKE ignores ASCII case.
std::string contains_pattern(std::string_view text);

// The lowercase form cards are stored and compared in (ASCII only: card ids are hex).
std::string normalize_card(std::string_view card);

// `ids` as a JSON array ("[1,2,3]"), the one parameter of `IN (SELECT value FROM json_each(?))`:
// one cached statement then serves a page of any length (an `IN (?, ?, ...)` list would be a
// new statement for every length).
std::string id_array(std::span<const Id> ids);

// The rows of `select` whose `id_column` is one of `ids`, read by `read`, in one query (ids with
// no row are skipped; the order is SQLite's).
template <class Read>
auto rows_with_ids(Connection& conn, std::string_view select, std::string_view id_column,
                   std::span<const Id> ids, const Read& read) {
  auto stmt = conn.prepare_cached(std::string(select) + " WHERE " + std::string(id_column) +
                                  " IN (SELECT value FROM json_each(?))");
  stmt->bind(1, id_array(ids));
  std::vector<decltype(read(*stmt))> rows;
  while (stmt->step())
    rows.push_back(read(*stmt));
  return rows;
}

// Runs `sql`, a `SELECT id, COUNT(*) ... GROUP BY id`, and answers count by id (ids with no
// row are absent): what a list page needs for all its rows in one query.
std::map<Id, std::int64_t> counts_by_id(Connection& conn, std::string_view sql);

}  // namespace fabomatic::db
