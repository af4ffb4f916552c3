// The FabOMatic schema at the head of the reference (Alembic) chain, as the Python backend
// writes it, so a file we manage stays readable by the old tool. Our own later additions
// (indexes, tables, columns) are not here: they are the ordered steps of our_migrations.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "db/sqlite.hpp"

namespace fabomatic::db::schema {

// The Alembic revision this schema corresponds to (kept in table alembic_version).
inline constexpr std::string_view kAlembicHead = "f1a2b3c4d5e6";

// The reference chain, oldest first. A file at any of these revisions can be upgraded.
const std::vector<std::string_view>& alembic_chain();
bool is_known_revision(std::string_view revision);

struct Column {
  std::string_view name;        // as SQLite reports it (e.g. card_UUID)
  std::string_view definition;  // the column clause (e.g. "card_UUID" VARCHAR)
};

struct Table {
  std::string_view name;
  std::vector<Column> columns;
  std::vector<std::string_view> constraints;  // PRIMARY KEY, FOREIGN KEY, UNIQUE clauses
  std::vector<std::string_view> indexes;      // full CREATE INDEX statements

  // The CREATE TABLE statement, laid out exactly as SQLAlchemy emits it.
  std::string create_sql() const;
  bool has_column(std::string_view column) const;
};

// The reference tables at head (without alembic_version), parents before children.
const std::vector<Table>& head_tables();
const Table* find_table(std::string_view name);

// CREATE TABLE alembic_version as Alembic writes it.
std::string_view alembic_version_sql();

// Creates the head tables, their indexes and alembic_version stamped at kAlembicHead, in an
// empty database. Does not open a transaction: the caller owns it.
void create_head_schema(Connection& conn);

// The Alembic revision recorded in the file, or empty if there is no alembic_version table or
// no row in it.
std::string read_alembic_revision(Connection& conn);

bool table_exists(Connection& conn, std::string_view table);

// The reference tables every FabOMatic database has had since its first revision (all the head
// tables but boards, which appeared in 0.1.8) that the file lacks, comma-separated; empty when
// none is missing.
std::string missing_reference_tables(Connection& conn);

// Column names of a table as SQLite reports them (PRAGMA table_info), in order.
std::vector<std::string> table_columns(Connection& conn, std::string_view table);

}  // namespace fabomatic::db::schema
