// Restoring a database from an upload: what prepare_restore() accepts (a backup, a legacy
// FabOMatic file, upgraded), what it refuses (not a database, another program's database, an
// unknown revision) without leaving anything behind, and the swap keeping the replaced file.
#include "app/restore.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/nightly_backup.hpp"
#include "db/backup.hpp"
#include "db/database.hpp"

namespace fabomatic::app {
namespace {

namespace fs = std::filesystem;

class RestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/fabomatic-restore-XXXXXX";
    dir = mkdtemp(pattern);
    live = (dir / "db.sqldb").string();
    db::open_database(live);  // created and seeded, then closed
  }
  void TearDown() override { fs::remove_all(dir); }

  static std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
  }
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string refused_code(const std::string& upload) {
    const auto result = prepare_restore(live, upload, {});
    const auto* outcome = std::get_if<web::api::RestoreOutcome>(&result);
    if (outcome == nullptr) return "accepted";
    EXPECT_EQ(outcome->status, 400) << outcome->message;
    EXPECT_FALSE(outcome->message.empty());
    return outcome->code;
  }

  fs::path dir;
  std::string live;
};

TEST_F(RestoreTest, ABackupIsPreparedBesideTheLiveFileAndSwappedIn) {
  std::string backup;
  {
    db::Database source = db::open_database(live);
    source.conn.execute("UPDATE machines SET machine_name = 'FROM BACKUP'");
    db::backup_database(source.conn, (dir / "copy").string());
    source.conn.execute("UPDATE machines SET machine_name = 'LIVE'");
  }
  backup = read(dir / "copy");
  fs::remove(dir / "copy");
  const auto result = prepare_restore(live, backup, {});
  ASSERT_TRUE(std::holds_alternative<std::string>(result))
      << std::get<web::api::RestoreOutcome>(result).message;
  const std::string prepared = std::get<std::string>(result);
  EXPECT_EQ(fs::path(prepared).parent_path(), dir);
  const std::string kept = swap_database_files(live, prepared);
  EXPECT_TRUE(kept.starts_with(live + ".before-restore-"));
  db::Database restored = db::open_database(live);
  EXPECT_EQ(restored.conn.query_one<std::string>("SELECT machine_name FROM machines"),
            "FROM BACKUP");
  db::Database previous = db::open_database(kept);
  EXPECT_EQ(previous.conn.query_one<std::string>("SELECT machine_name FROM machines"), "LIVE");
}

TEST_F(RestoreTest, ALegacyFabomaticFileIsUpgradedAsAtStart) {
  const std::string legacy =
      read(fs::path(FABOMATIC_SOURCE_DIR) / "tests/fixtures/legacy-db/database-0.1.7.db");
  ASSERT_FALSE(legacy.empty());
  const auto result = prepare_restore(live, legacy, {});
  ASSERT_TRUE(std::holds_alternative<std::string>(result))
      << std::get<web::api::RestoreOutcome>(result).message;
  const std::string prepared = std::get<std::string>(result);
  db::Database upgraded = db::open_database(prepared, {.backup_before_upgrade = false});
  EXPECT_FALSE(upgraded.upgraded);  // already done by prepare_restore
  EXPECT_TRUE(upgraded.conn.query_one<std::int64_t>(
                  "SELECT COUNT(*) FROM sqlite_master WHERE name = 'maintenance_counters'") == 1);
}

TEST_F(RestoreTest, WhatIsNotAFabomaticDatabaseOfAKnownRevisionIsRefusedLeavingNothing) {
  const auto before = files();
  EXPECT_EQ(refused_code("name,card\nAnn,04a3b2c1\n"), "not_a_database");
  EXPECT_EQ(refused_code(std::string("SQLite format 3\0", 16) + std::string(4080, 'x')),
            "not_a_database");
  {
    db::Connection other((dir / "other.db").string());
    other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)");
  }
  const std::string other_db = read(dir / "other.db");
  fs::remove(dir / "other.db");
  EXPECT_EQ(refused_code(other_db), "not_fabomatic");
  {
    db::Database copy = db::open_database((dir / "newer.db").string());
    copy.conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'");
    copy.conn.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  const std::string newer = read(dir / "newer.db");
  fs::remove(dir / "newer.db");
  EXPECT_EQ(refused_code(newer), "unknown_revision");
  // A backup another tool changed: swapped in, it stopped the appliance at every start.
  {
    db::Database copy = db::open_database((dir / "changed.db").string());
    copy.conn.exec("ALTER TABLE users DROP COLUMN email");
    copy.conn.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  const std::string changed = read(dir / "changed.db");
  fs::remove(dir / "changed.db");
  EXPECT_EQ(refused_code(changed), "unknown_revision");
  EXPECT_EQ(files(), before);
}

TEST(NightlyBackupFiles, OnlyTheNewestAreKept) {
  char pattern[] = "/tmp/fabomatic-prune-XXXXXX";
  const fs::path dir = mkdtemp(pattern);
  for (const char* name :
       {"fabomatic-backup-2026-01-01-030000.sqldb", "fabomatic-backup-2026-01-03-030000.sqldb",
        "fabomatic-backup-2026-01-02-030000.sqldb", "notes.txt"}) {
    std::ofstream(dir / name) << "x";
  }
  EXPECT_EQ(prune_backups(dir.string(), 2), 1u);
  EXPECT_FALSE(fs::exists(dir / "fabomatic-backup-2026-01-01-030000.sqldb"));
  EXPECT_TRUE(fs::exists(dir / "fabomatic-backup-2026-01-03-030000.sqldb"));
  EXPECT_TRUE(fs::exists(dir / "notes.txt"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fabomatic::app
