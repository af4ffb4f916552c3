// Bringing a database file to the current schema: recognising what a file holds, converting a
// legacy FabOMatic file (any revision of the reference chain) to the head schema, and applying
// our own ordered schema steps (our_migrations.cpp) on top. None of these functions opens a
// transaction: open_database() (database.hpp) runs them all inside one.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "db/sqlite.hpp"

namespace fabomatic::db {

// The file cannot be used by this version: unknown (newer) revision, newer schema of ours, or
// not a FabOMatic database. The message says which and what to do.
class IncompatibleDatabase : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One of our schema changes after the reference head. Either `sql` (one or more statements) or
// `apply` (for changes that need code) is set.
struct SchemaStep {
  std::string_view description;
  std::string_view sql;
  void (*apply)(Connection&) = nullptr;
};

// Our steps in order; step i (0-based) brings the schema to version i + 1. Defined in
// our_migrations.cpp.
const std::vector<SchemaStep>& our_schema_steps();
int our_schema_head();

// The table recording our schema version (one row).
inline constexpr std::string_view kOurVersionTable = "fabomatic_schema";

enum class FileState {
  Empty,    // no tables at all (new or 0-byte file)
  Legacy,   // written by the Python backend: needs conversion to the head schema, then our steps
  Behind,   // ours, at an older version of our steps
  Current,  // ours, up to date
};

struct FileInspection {
  FileState state = FileState::Empty;
  std::string alembic_revision;  // empty for an empty file
  int our_version = 0;           // 0 when the file has no version of ours
};

// Looks at the file without changing it; throws IncompatibleDatabase when it cannot be used.
FileInspection inspect_database(Connection& conn);

// Rebuilds every reference table of a legacy file with the head definition, copying all rows
// with their ids, and stamps alembic_version at the head. Card ids become lowercase except
// those that would collide with another card differing only by case (see
// card_case_conflicts). Needs foreign_keys=OFF on the connection and an open transaction.
void convert_legacy_schema(Connection& conn);

// Applies our steps after `from_version` and records the new version.
void apply_our_steps(Connection& conn, int from_version);

// Throws IncompatibleDatabase naming what is missing when the file lacks a table or a column
// that a new database of this version has (a file changed by another tool: a dropped or renamed
// column would otherwise fail the first query that reads it, at every start).
void require_complete_schema(Connection& conn);

// One warning per group of users whose cards differ only by case (left as they were, since
// merging them would give one person's card to another). Empty when there is none.
std::vector<std::string> card_case_conflicts(Connection& conn);

// Violations of foreign keys in the data, as readable warnings (legacy files may hold some).
std::vector<std::string> foreign_key_problems(Connection& conn);

}  // namespace fabomatic::db
