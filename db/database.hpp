// The entry point of the database layer: open the file, create or upgrade it to the current
// schema (one transaction, after a backup copy), seed a new one, and hand back the connection.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "db/sqlite.hpp"

namespace fabomatic::db {

struct OpenOptions {
  // E-mail of the "admin admin" user seeded into a new database ([web] default_admin_email).
  std::string default_admin_email;
  // How the returned connection behaves (WAL, foreign keys, busy timeout, synchronous). The
  // upgrade itself runs with foreign keys off and the file's own journal mode, and switches to
  // these settings once it has committed.
  ConnectionOptions connection{};
  // Write "<path>.bak-<old revision>-<UTC time>" before changing an existing database.
  bool backup_before_upgrade = true;
  // Called at each stage of an upgrade, inside its transaction ("schema", "steps", "seed",
  // "commit"); an exception thrown here aborts the upgrade. Meant for tests.
  std::function<void(std::string_view stage)> upgrade_hook;
};

struct Database {
  Connection conn;
  // Things the caller should log: cards differing only by case, broken references found in a
  // legacy file. The database is usable anyway.
  std::vector<std::string> warnings;
  bool created = false;   // the file was empty and now holds a new, seeded database
  bool upgraded = false;  // the file was converted from a legacy revision or an older schema
  std::string previous_revision;  // Alembic revision before the upgrade (empty when created)
  int previous_version = 0;       // our schema version before the upgrade
  std::string backup_path;        // the copy written before the upgrade, empty when none
  // A file of the Python FabOMatic: the members given the portal of their own because the old
  // portal let them in (db/portal_access.hpp), by id. Empty otherwise.
  std::vector<std::int64_t> portal_granted;
};

// Opens `path` (created if missing), brings it to the current schema and returns it.
// Throws IncompatibleDatabase (migrations.hpp) for a file this version must not touch (newer
// or unknown revision, not a FabOMatic database) and Error when SQLite fails; in both cases
// the file is left exactly as it was.
Database open_database(const std::string& path, const OpenOptions& options = {});

}  // namespace fabomatic::db
