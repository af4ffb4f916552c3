#include "db/database.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "common/clock.hpp"
#include "db/backup.hpp"
#include "db/migrations.hpp"
#include "db/portal_access.hpp"
#include "db/purge.hpp"
#include "db/schema.hpp"
#include "db/seed.hpp"

namespace fabomatic::db {

namespace {

std::string utc_timestamp() {
  return format_time(unix_now(), "%Y%m%dT%H%M%SZ", true);
}

std::string backup_name(const std::string& path, const FileInspection& info) {
  std::string name = path + ".bak-" + info.alembic_revision;
  if (info.our_version > 0) name += "-v" + std::to_string(info.our_version);
  return name + "-" + utc_timestamp();
}

void upgrade(Connection& conn, const FileInspection& info, const OpenOptions& options,
             std::vector<std::int64_t>& portal_granted) {
  auto stage = [&](std::string_view name) {
    if (options.upgrade_hook) options.upgrade_hook(name);
  };
  Transaction tx(conn, TransactionKind::Immediate);
  switch (info.state) {
    case FileState::Empty:
      schema::create_head_schema(conn);
      stage("schema");
      apply_our_steps(conn, 0);
      stage("steps");
      seed_new_database(conn, options.default_admin_email);
      break;
    case FileState::Legacy:
      convert_legacy_schema(conn);
      stage("schema");
      apply_our_steps(conn, 0);
      stage("steps");
      ensure_anonymous(conn);
      postpone_automatic_purge(conn, unix_now() + kAutomaticPurgeGraceDays * 86400.0);
      // Whoever the old portal let in keeps the portal.
      portal_granted = grant_portal_to_legacy_admins(conn, unix_now());
      break;
    case FileState::Behind:
      apply_our_steps(conn, info.our_version);
      stage("steps");
      ensure_anonymous(conn);
      break;
    case FileState::Current:
      break;
  }
  if (info.state != FileState::Empty) require_complete_schema(conn);
  stage("seed");
  stage("commit");
  tx.commit();
}

}  // namespace

Database open_database(const std::string& path, const OpenOptions& options) {
  // Foreign keys stay off while tables are rebuilt (SQLite cannot toggle them inside a
  // transaction), and the journal mode is left alone so a failed upgrade leaves every byte of
  // the file as it was.
  ConnectionOptions upgrade_options = options.connection;
  upgrade_options.wal = false;
  upgrade_options.foreign_keys = false;
  Database db{Connection(path, upgrade_options)};
  Connection& conn = db.conn;

  const FileInspection info = inspect_database(conn);
  db.previous_revision = info.alembic_revision;
  db.previous_version = info.our_version;

  if (info.state != FileState::Current) {
    if (info.state != FileState::Empty && options.backup_before_upgrade) {
      db.backup_path = backup_name(path, info);
      backup_database(conn, db.backup_path);
    }
    try {
      upgrade(conn, info, options, db.portal_granted);
    } catch (...) {
      // The file is as it was: the copy would only pile up if every start fails the same way.
      if (!db.backup_path.empty()) std::remove(db.backup_path.c_str());
      throw;
    }
    db.created = info.state == FileState::Empty;
    db.upgraded = !db.created;
    if (info.state == FileState::Legacy) db.warnings = foreign_key_problems(conn);
  } else {
    require_complete_schema(conn);
  }
  if (info.state == FileState::Current && !anonymous_user_id(conn)) {
    Transaction tx(conn);
    ensure_anonymous(conn);
    tx.commit();
  }
  for (auto& warning : card_case_conflicts(conn))
    db.warnings.push_back(std::move(warning));

  if (options.connection.foreign_keys) conn.exec("PRAGMA foreign_keys=ON");
  if (options.connection.wal && options.connection.mode != OpenMode::ReadOnly)
    conn.exec("PRAGMA journal_mode=WAL");
  return db;
}

}  // namespace fabomatic::db
