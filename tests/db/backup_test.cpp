// Online backup of a live database and validation of a file offered as a replacement.
#include "db/backup.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "db/database.hpp"
#include "support_compare.hpp"
#include "support_tempdir.hpp"

namespace fabomatic::db {
namespace {

using test::TempDir;

class Backup : public ::testing::Test {
 protected:
  TempDir dir_;
  Database db_ = open_database(dir_.file("live.sqldb"));
};

TEST_F(Backup, CopiesALiveDatabaseIncludingUncheckpointedWal) {
  db_.conn.exec("PRAGMA wal_autocheckpoint=0");  // keep the rows in the WAL file only
  for (int i = 0; i < 200; ++i)
    db_.conn.execute(
        "INSERT INTO unknown_cards (\"card_UUID\", timestamp, machine_id) VALUES (?, ?, 1)",
        "card" + std::to_string(i), 1.0 * i);
  // Another connection holds a read transaction open while the backup runs.
  Connection reader(dir_.file("live.sqldb"));
  reader.exec("BEGIN");
  EXPECT_EQ(reader.query_one<int>("SELECT count(*) FROM unknown_cards"), 200);

  const auto target = dir_.file("copy.sqldb");
  backup_database(db_.conn, target);
  reader.exec("COMMIT");
  EXPECT_FALSE(std::filesystem::exists(target + ".partial"));
  const auto validation = validate_database_file(target);
  EXPECT_TRUE(validation.ok) << validation.reason;
  Connection copy(target, {.mode = OpenMode::ReadOnly});
  for (const auto& table : test::table_names(db_.conn)) {
    SCOPED_TRACE(table);
    EXPECT_EQ(test::read_table(copy, table).size(), test::read_table(db_.conn, table).size());
  }
  EXPECT_EQ(copy.query_one<int>("SELECT count(*) FROM unknown_cards"), 200);
  EXPECT_EQ(test::normalized_schema(copy), test::normalized_schema(db_.conn));
}

TEST_F(Backup, ReplacesAnExistingTargetOnlyWhenComplete) {
  const auto target = dir_.file("copy.sqldb");
  { std::ofstream(target) << "old content"; }
  backup_database(db_.conn, target);
  EXPECT_TRUE(validate_database_file(target).ok);
  EXPECT_THROW(backup_database(db_.conn, dir_.file("no/such/dir/copy.sqldb")), Error);
}

TEST_F(Backup, ValidationAcceptsEveryLegacyFixture) {
  for (const char* name : {"database-0.0.18.db", "database-0.1.7.db", "database-0.4.0.db"}) {
    const auto validation = validate_database_file(test::copy_fixture(dir_, name));
    EXPECT_TRUE(validation.ok) << name << ": " << validation.reason;
  }
}

TEST_F(Backup, ValidationRejectsAFileThatIsNotSqlite) {
  const auto path = dir_.file("notes.txt");
  { std::ofstream(path) << "these are not the tables you are looking for"; }
  const auto validation = validate_database_file(path);
  EXPECT_FALSE(validation.ok);
  EXPECT_NE(validation.reason.find("not an SQLite database"), std::string::npos)
      << validation.reason;
  EXPECT_FALSE(validate_database_file(test::copy_fixture(dir_, "database-empty.db")).ok);
  EXPECT_NE(validate_database_file(dir_.file("missing.db")).reason.find("no such file"),
            std::string::npos);
}

TEST_F(Backup, ValidationRejectsSqliteWithoutTheFabOMaticTables) {
  const auto path = dir_.file("other.db");
  { Connection(path).exec("CREATE TABLE users (id INTEGER PRIMARY KEY)"); }
  const auto validation = validate_database_file(path);
  EXPECT_FALSE(validation.ok);
  EXPECT_NE(validation.reason.find("missing table(s) alembic_version, machine_types"),
            std::string::npos)
      << validation.reason;
}

TEST_F(Backup, ValidationRejectsAnUnknownRevision) {
  const auto path = test::copy_fixture(dir_, "database-0.4.0.db");
  { Connection(path, {.wal = false}).exec("UPDATE alembic_version SET version_num = 'ffff'"); }
  const auto validation = validate_database_file(path);
  EXPECT_FALSE(validation.ok);
  EXPECT_NE(validation.reason.find("ffff"), std::string::npos) << validation.reason;
}

TEST_F(Backup, ValidationRejectsAFileWithTriggersOrViews) {
  const auto path = test::copy_fixture(dir_, "database-0.4.0.db");
  ASSERT_TRUE(validate_database_file(path).ok);
  {
    Connection(path, {.wal = false})
        .exec(
            "CREATE TRIGGER audit_fails BEFORE INSERT ON users BEGIN SELECT RAISE(ABORT, "
            "'boom'); END; CREATE VIEW names AS SELECT name FROM users");
  }
  const auto validation = validate_database_file(path);
  EXPECT_FALSE(validation.ok);
  EXPECT_NE(validation.reason.find("trigger audit_fails, view names"), std::string::npos)
      << validation.reason;
}

TEST_F(Backup, ValidationRejectsACorruptFile) {
  const auto path = dir_.file("corrupt.sqldb");
  std::int64_t root = 0;
  int page_size = 0;
  {
    auto db = open_database(path, {.connection = {.wal = false}});
    Transaction tx(db.conn);
    for (int i = 0; i < 300; ++i)
      db.conn.execute(
          "INSERT INTO users (name, surname, role_id, \"card_UUID\", disabled, deleted) "
          "VALUES ('n', 's', 1, ?, 0, 0)",
          "card" + std::to_string(i));
    tx.commit();
    root = db.conn.query_one<std::int64_t>(
        "SELECT rootpage FROM sqlite_master WHERE name = 'idx_users_card_UUID_unique'");
    page_size = db.conn.query_one<int>("PRAGMA page_size");
  }
  // Scribble over the cells (at the end of the page) of the root page of one index: the table
  // is intact, the index is not.
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp((root - 1) * page_size + page_size * 3 / 4);
    const std::string garbage(page_size / 4, '\x5a');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  const auto validation = validate_database_file(path);
  EXPECT_FALSE(validation.ok);
  EXPECT_NE(validation.reason.find("integrity_check failed"), std::string::npos)
      << validation.reason;
}

}  // namespace
}  // namespace fabomatic::db
