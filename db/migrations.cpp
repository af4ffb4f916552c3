#include "db/migrations.hpp"

#include <algorithm>
#include <map>

#include "common/text.hpp"
#include "db/schema.hpp"

namespace fabomatic::db {

namespace {

std::string quoted(std::string_view identifier) {
  std::string out = "\"";
  for (char c : identifier) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string join_columns(const std::vector<std::string>& columns) {
  std::string out;
  for (const auto& column : columns) {
    if (!out.empty()) out += ", ";
    out += quoted(column);
  }
  return out;
}

constexpr std::string_view kOldPrefix = "_fabomatic_old_";

}  // namespace

FileInspection inspect_database(Connection& conn) {
  FileInspection result;
  const int objects = conn.query_one<int>("SELECT count(*) FROM sqlite_master");
  if (objects == 0) return result;  // Empty

  if (!schema::table_exists(conn, "alembic_version"))
    throw IncompatibleDatabase(
        "not a FabOMatic database: the file has tables but no alembic_version table");
  result.alembic_revision = schema::read_alembic_revision(conn);
  if (result.alembic_revision.empty())
    throw IncompatibleDatabase("not a FabOMatic database: alembic_version holds no revision");
  if (!schema::is_known_revision(result.alembic_revision))
    throw IncompatibleDatabase(
        "database revision " + result.alembic_revision +
        " is unknown to this fabomatic (written by a newer FabOMatic?); refusing to open it. "
        "Known revisions end at " +
        std::string(schema::kAlembicHead) + ".");

  if (!schema::table_exists(conn, kOurVersionTable)) {
    result.state = FileState::Legacy;
    return result;
  }
  result.our_version =
      conn.query_optional<int>("SELECT version FROM " + std::string(kOurVersionTable)).value_or(0);
  if (result.our_version > our_schema_head())
    throw IncompatibleDatabase("database schema version " + std::to_string(result.our_version) +
                               " is newer than this fabomatic knows (" +
                               std::to_string(our_schema_head()) +
                               "); refusing to open it. Run a newer fabomatic.");
  if (result.alembic_revision != schema::kAlembicHead)
    throw IncompatibleDatabase(
        "database has fabomatic schema version " + std::to_string(result.our_version) +
        " but alembic revision " + result.alembic_revision + " instead of " +
        std::string(schema::kAlembicHead) +
        ": it was changed by another tool after fabomatic upgraded it; restore a backup copy.");
  result.state = result.our_version < our_schema_head() ? FileState::Behind : FileState::Current;
  return result;
}

void convert_legacy_schema(Connection& conn) {
  // A table the old tool always had, missing from the file, would be made again empty: the file
  // is damaged or not the old tool's.
  if (const auto missing = schema::missing_reference_tables(conn); !missing.empty()) {
    throw IncompatibleDatabase("not a complete FabOMatic database: missing table(s) " + missing +
                               "; refusing to upgrade it");
  }
  // The reference tables present in the file, with the columns each one has there.
  std::vector<std::pair<const schema::Table*, std::vector<std::string>>> present;
  for (const auto& table : schema::head_tables()) {
    if (!schema::table_exists(conn, table.name)) continue;
    auto columns = schema::table_columns(conn, table.name);
    for (const auto& column : columns) {
      if (!table.has_column(column))
        throw IncompatibleDatabase("table " + std::string(table.name) + " has a column " + column +
                                   " that the head schema does not have; refusing to upgrade "
                                   "(its data would be lost)");
    }
    present.emplace_back(&table, std::move(columns));
  }

  // SQLite cannot change most column definitions in place, so every reference table is rebuilt
  // with its head definition (the approach of sqlite.org/lang_altertable.html): move the old
  // table aside, create the new one under the real name, copy the rows with their ids, drop the
  // old one. Explicit indexes are dropped first because their names are reused.
  std::vector<std::string> old_indexes;
  {
    auto stmt = conn.prepare(
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL");
    while (stmt.step()) {
      const auto table = stmt.column_text(1);
      if (schema::find_table(table)) old_indexes.push_back(stmt.column_text(0));
    }
  }
  for (const auto& index : old_indexes)
    conn.exec("DROP INDEX " + quoted(index));
  for (const auto& [table, columns] : present)
    conn.exec("ALTER TABLE " + quoted(table->name) + " RENAME TO " +
              quoted(std::string(kOldPrefix) + std::string(table->name)));

  for (const auto& table : schema::head_tables()) {
    conn.exec(table.create_sql());
    for (const auto& index : table.indexes)
      conn.exec(index);
  }
  for (const auto& [table, columns] : present) {
    const auto list = join_columns(columns);
    conn.exec("INSERT INTO " + quoted(table->name) + " (" + list + ") SELECT " + list + " FROM " +
              quoted(std::string(kOldPrefix) + std::string(table->name)));
  }
  // Children first is not needed (foreign keys are off during the conversion), but keeps the
  // drop order sensible if someone runs this with them on.
  for (auto it = present.rbegin(); it != present.rend(); ++it)
    conn.exec("DROP TABLE " + quoted(std::string(kOldPrefix) + std::string(it->first->name)));

  conn.exec("DELETE FROM alembic_version");
  conn.execute("INSERT INTO alembic_version (version_num) VALUES (?)", schema::kAlembicHead);

  // Card ids are stored lowercase from now on; those that differ from another card only by case
  // keep their case (card_case_conflicts reports them).
  conn.exec(
      "UPDATE users SET \"card_UUID\" = lower(\"card_UUID\") "
      "WHERE \"card_UUID\" <> lower(\"card_UUID\") AND lower(\"card_UUID\") NOT IN ("
      "SELECT lower(\"card_UUID\") FROM users WHERE \"card_UUID\" IS NOT NULL "
      "GROUP BY lower(\"card_UUID\") HAVING count(*) > 1)");
  conn.exec(
      "UPDATE unknown_cards SET \"card_UUID\" = lower(\"card_UUID\") "
      "WHERE \"card_UUID\" <> lower(\"card_UUID\")");
}

void apply_our_steps(Connection& conn, int from_version) {
  const auto& steps = our_schema_steps();
  if (from_version >= static_cast<int>(steps.size())) return;
  const std::string table(kOurVersionTable);
  if (!schema::table_exists(conn, table)) {
    conn.exec("CREATE TABLE " + table + " (version INTEGER NOT NULL)");
    conn.exec("INSERT INTO " + table + " (version) VALUES (0)");
  }
  for (std::size_t i = static_cast<std::size_t>(from_version); i < steps.size(); ++i) {
    const auto& step = steps[i];
    try {
      if (!step.sql.empty()) conn.exec(step.sql);
      if (step.apply) step.apply(conn);
    } catch (const Error& e) {
      throw Error(e.code(), e.extended_code(),
                  "schema step " + std::to_string(i + 1) + " (" + std::string(step.description) +
                      ") failed: " + e.sqlite_message(),
                  e.sql());
    }
  }
  conn.execute("UPDATE " + table + " SET version = ?", static_cast<int>(steps.size()));
}

namespace {

// Table -> columns of a new database of this version, built once in memory.
const std::map<std::string, std::vector<std::string>>& complete_schema() {
  static const auto tables = [] {
    Connection fresh(":memory:", {.wal = false, .foreign_keys = false});
    schema::create_head_schema(fresh);
    apply_our_steps(fresh, 0);
    std::map<std::string, std::vector<std::string>> out;
    auto stmt = fresh.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    while (stmt.step()) {
      const std::string name = stmt.column_text(0);
      out.emplace(name, schema::table_columns(fresh, name));
    }
    return out;
  }();
  return tables;
}

}  // namespace

void require_complete_schema(Connection& conn) {
  std::string missing;
  auto add = [&](const std::string& what) { missing += (missing.empty() ? "" : ", ") + what; };
  for (const auto& [table, columns] : complete_schema()) {
    if (!schema::table_exists(conn, table)) {
      add("table " + table);
      continue;
    }
    const auto present = schema::table_columns(conn, table);
    for (const auto& column : columns) {
      if (std::ranges::none_of(present, [&](const auto& p) { return text::iequals(p, column); })) {
        add(table + "." + column);
      }
    }
  }
  if (!missing.empty()) {
    throw IncompatibleDatabase("the database lacks " + missing +
                               ": it was changed by another tool; restore a backup copy");
  }
}

std::vector<std::string> card_case_conflicts(Connection& conn) {
  std::map<std::string, std::string> groups;  // lowercase card -> "user N (Card), ..."
  auto stmt = conn.prepare(
      "SELECT lower(\"card_UUID\"), user_id, \"card_UUID\" FROM users "
      "WHERE lower(\"card_UUID\") IN (SELECT lower(\"card_UUID\") FROM users "
      "WHERE \"card_UUID\" IS NOT NULL GROUP BY lower(\"card_UUID\") HAVING count(*) > 1) "
      "ORDER BY user_id");
  while (stmt.step()) {
    auto& text = groups[stmt.column_text(0)];
    if (!text.empty()) text += ", ";
    text += "user " + std::to_string(stmt.column_int64(1)) + " (" + stmt.column_text(2) + ")";
  }
  std::vector<std::string> warnings;
  for (const auto& [card, users] : groups)
    warnings.push_back("cards that differ only by case were left unchanged: " + users +
                       "; give them distinct cards");
  return warnings;
}

std::vector<std::string> foreign_key_problems(Connection& conn) {
  std::vector<std::string> warnings;
  auto stmt = conn.prepare("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check");
  while (stmt.step())
    warnings.push_back("row " + stmt.column_text(1) + " of " + stmt.column_text(0) +
                       " refers to a missing row of " + stmt.column_text(2));
  return warnings;
}

}  // namespace fabomatic::db
