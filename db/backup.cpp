#include "db/backup.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "db/migrations.hpp"
#include "db/schema.hpp"

namespace fabomatic::db {

namespace {

// Closes a raw destination handle on every path out of backup_database.
struct RawDb {
  sqlite3* db = nullptr;
  ~RawDb() { sqlite3_close_v2(db); }
};

}  // namespace

void backup_database(Connection& source, const std::string& target_path) {
  const std::string partial = target_path + ".partial";
  std::remove(partial.c_str());
  {
    RawDb target;
    int rc = sqlite3_open_v2(partial.c_str(), &target.db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) throw Error(rc, rc, "cannot create backup file " + partial, "");
    sqlite3_backup* backup = sqlite3_backup_init(target.db, "main", source.handle(), "main");
    if (!backup)
      throw Error(sqlite3_errcode(target.db), sqlite3_extended_errcode(target.db),
                  std::string("backup failed: ") + sqlite3_errmsg(target.db), "");
    // Copy everything in one step (a consistent snapshot); retry while another connection
    // holds a lock that prevents reading.
    do {
      rc = sqlite3_backup_step(backup, -1);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE) {
      std::remove(partial.c_str());
      throw Error(rc & 0xff, rc, std::string("backup failed: ") + sqlite3_errstr(rc), "");
    }
  }
  std::error_code ec;
  std::filesystem::rename(partial, target_path, ec);
  if (ec) {
    std::remove(partial.c_str());
    throw std::runtime_error("cannot move backup to " + target_path + ": " + ec.message());
  }
}

Validation validate_database_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return {false, "no such file: " + path};
  {
    std::ifstream in(path, std::ios::binary);
    char header[16] = {};
    in.read(header, sizeof header);
    if (!in || std::string_view(header, sizeof header) != std::string_view("SQLite format 3\0", 16))
      return {false, "not an SQLite database (the file does not start with the SQLite header)"};
  }
  try {
    Connection conn(path, {.mode = OpenMode::ReadOnly, .foreign_keys = false});
    std::string problems;
    try {
      auto stmt = conn.prepare("PRAGMA integrity_check(20)");
      while (stmt.step()) {
        if (!problems.empty()) problems += "; ";
        problems += stmt.column_text(0);
      }
    } catch (const Error& e) {
      // Damage bad enough stops the check itself ("database disk image is malformed").
      problems += e.sqlite_message();
    }
    if (problems != "ok") return {false, "integrity_check failed: " + problems};

    std::string missing = schema::missing_reference_tables(conn);
    if (!schema::table_exists(conn, "alembic_version")) {
      missing = "alembic_version" + (missing.empty() ? "" : ", " + missing);
    }
    if (!missing.empty()) return {false, "not a FabOMatic database: missing table(s) " + missing};
    // Neither the Python backend nor we ever create a trigger or a view; one in an uploaded file
    // would run with the appliance's own writes (a RAISE in it fails every sign-in, say).
    std::string foreign;
    auto objects = conn.prepare(
        "SELECT type || ' ' || name FROM sqlite_master WHERE type IN ('trigger', 'view') "
        "ORDER BY type, name");
    while (objects.step()) {
      if (!foreign.empty()) foreign += ", ";
      foreign += objects.column_text(0);
    }
    if (!foreign.empty())
      return {false, "not a FabOMatic database: it holds " + foreign +
                         " (FabOMatic databases have no triggers or views)"};
    try {
      inspect_database(conn);
    } catch (const IncompatibleDatabase& e) {
      return {false, e.what()};
    }
  } catch (const Error& e) {
    return {false, "cannot read the file as SQLite: " + e.sqlite_message()};
  }
  return {true, ""};
}

}  // namespace fabomatic::db
