// Copies of a live database (SQLite online backup API) and checks on a file offered to replace
// the database (before the backend swaps it in).
#pragma once

#include <string>

#include "db/sqlite.hpp"

namespace fabomatic::db {

// Writes a consistent copy of the live database of `source` to `target_path` while other
// connections keep working. The copy is written next to the target and renamed over it only
// when complete, so a failure never leaves a half-written file under the target name.
void backup_database(Connection& source, const std::string& target_path);

struct Validation {
  bool ok = false;
  std::string reason;  // empty when ok; otherwise what is wrong, for the admin
  explicit operator bool() const { return ok; }
};

// Checks that `path` is an SQLite database that passes integrity_check, has the FabOMatic
// tables and a revision this version can open. Opens the file read-only; changes nothing.
Validation validate_database_file(const std::string& path);

}  // namespace fabomatic::db
