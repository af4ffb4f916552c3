// Every legacy FabOMatic file upgrades in place with nothing lost: same rows, same values (card
// ids lowercased), the schema of a new database, idempotent, all-or-nothing, with a backup.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "db/backup.hpp"
#include "db/database.hpp"
#include "db/migrations.hpp"
#include "db/passwords.hpp"
#include "db/purge.hpp"
#include "db/schema.hpp"
#include "db/seed.hpp"
#include "support_compare.hpp"
#include "support_refusal.hpp"
#include "support_tempdir.hpp"

namespace fabomatic::db {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

struct Fixture {
  std::string file;
  std::string revision;  // empty for the 0-byte file
};

const std::vector<Fixture> kFixtures = {
    {"database-0.0.18.db", "2dc275252e0e"},
    {"database-0.1.5.db", "88feb1b31a1f"},
    {"database-0.1.7.db", "88feb1b31a1f"},
    {"database-0.1.8.db", "123b2cca325f"},
    {"database-0.2.5.db", "e544554c7d29"},
    {"database-0.2.7.db", "aa9ed3e094d5"},
    {"database-0.2.11.db", "dfd2b0db0016"},
    {"database-0.4.0.db", "3f3f601505a6"},
    {"database-empty.db", ""},
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Cards of users that collide with another user's card once lowercased: left as they were.
std::set<std::string> colliding_cards(const test::TableContent& users) {
  std::map<std::string, int> count;
  for (const auto& [id, row] : users)
    if (auto* card = std::get_if<std::string>(&row.at("card_UUID"))) ++count[lower(*card)];
  std::set<std::string> out;
  for (const auto& [card, n] : count)
    if (n > 1) out.insert(card);
  return out;
}

// Checks that every row and every column value of `original` is in `upgraded` under the same
// primary key; the only intended change is card ids in lowercase. Columns new in the head
// schema must hold their default.
void expect_content_preserved(Connection& original, Connection& upgraded) {
  for (const auto& table : test::table_names(original)) {
    if (table == "alembic_version") continue;
    SCOPED_TRACE("table " + table);
    const auto before = test::read_table(original, table);
    const auto after = test::read_table(upgraded, table);
    // The upgrade adds the Anonymous role and user when missing, and nothing else.
    std::size_t added = 0;
    for (const auto& [id, row] : after) {
      if (before.contains(id)) continue;
      ++added;
      EXPECT_TRUE(table == "users" || table == "roles") << "row " << id << " added";
      const auto* name = std::get_if<std::string>(&row.at(table == "users" ? "name" : "role_name"));
      EXPECT_TRUE(name && *name == "Anonymous");
    }
    ASSERT_EQ(after.size(), before.size() + added);
    const auto collisions = table == "users" ? colliding_cards(before) : std::set<std::string>{};
    for (const auto& [id, row] : before) {
      SCOPED_TRACE("row " + std::to_string(id));
      auto found = after.find(id);
      ASSERT_NE(found, after.end());
      for (const auto& [column, value] : row) {
        auto expected = value;
        if (column == "card_UUID") {
          if (auto* card = std::get_if<std::string>(&value);
              card && !collisions.contains(lower(*card)))
            expected = lower(*card);
        }
        ASSERT_TRUE(found->second.contains(column)) << column;
        EXPECT_EQ(test::describe(found->second.at(column)), test::describe(expected)) << column;
      }
      if (table == "users" && !row.contains("receive_weekly_summary")) {
        EXPECT_EQ(test::describe(found->second.at("receive_weekly_summary")), "INTEGER 0");
      }
    }
  }
}

void PrintTo(const Fixture& fixture, std::ostream* out) {
  *out << fixture.file;
}

class Migration : public ::testing::TestWithParam<Fixture> {
 protected:
  std::string original() const { return (test::legacy_fixture_dir() / GetParam().file).string(); }
  std::string copy() { return test::copy_fixture(dir_, GetParam().file); }
  std::set<test::SchemaEntry> fresh_schema() {
    auto fresh = open_database(dir_.file("fresh.sqldb"));
    return test::normalized_schema(fresh.conn);
  }
  TempDir dir_;
};

TEST_P(Migration, UpgradesInPlaceKeepingEveryRowAndValue) {
  const auto path = copy();
  auto db = open_database(path, {.default_admin_email = "admin@lab.example"});
  const bool empty = GetParam().revision.empty();
  EXPECT_EQ(db.created, empty);
  EXPECT_EQ(db.upgraded, !empty);
  EXPECT_EQ(db.previous_revision, GetParam().revision);
  EXPECT_TRUE(db.warnings.empty()) << db.warnings.front();
  EXPECT_EQ(schema::read_alembic_revision(db.conn), schema::kAlembicHead);
  EXPECT_EQ(db.conn.query_one<int>("SELECT version FROM fabomatic_schema"), our_schema_head());
  EXPECT_EQ(db.conn.query_one<std::string>("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(db.conn.query_one<int>("SELECT count(*) FROM pragma_foreign_key_check"), 0);
  EXPECT_TRUE(anonymous_user_id(db.conn));
  // The automatic purge leaves an upgraded file's history alone for two weeks.
  const auto waits = automatic_purge_waits_until(db.conn);
  EXPECT_EQ(waits.has_value(), !empty);
  if (waits) {
    const double expected = static_cast<double>(std::time(nullptr)) + 14 * 86400.0;
    EXPECT_NEAR(*waits, expected, 120.0);
  }
  if (!empty) {
    Connection before(original(), {.mode = OpenMode::ReadOnly});
    expect_content_preserved(before, db.conn);
    // Only the Anonymous role and user were added.
    EXPECT_EQ(db.conn.query_one<int>("SELECT count(*) FROM users"),
              before.query_one<int>("SELECT count(*) FROM users") + 1);
  }
}

TEST_P(Migration, UpgradedSchemaEqualsANewDatabase) {
  auto db = open_database(copy());
  EXPECT_EQ(test::normalized_schema(db.conn), fresh_schema());
}

TEST_P(Migration, WritesABackupOfTheOldFileOnlyWhenUpgrading) {
  const auto path = copy();
  auto db = open_database(path);
  if (GetParam().revision.empty()) {
    EXPECT_TRUE(db.backup_path.empty());
    return;
  }
  ASSERT_FALSE(db.backup_path.empty());
  EXPECT_TRUE(db.backup_path.starts_with(path + ".bak-" + GetParam().revision + "-"))
      << db.backup_path;
  EXPECT_TRUE(validate_database_file(db.backup_path).ok);
  Connection backup(db.backup_path, {.mode = OpenMode::ReadOnly});
  Connection before(original(), {.mode = OpenMode::ReadOnly});
  EXPECT_EQ(test::normalized_schema(backup), test::normalized_schema(before));
  for (const auto& table : test::table_names(before))
    EXPECT_EQ(test::read_table(backup, table).size(), test::read_table(before, table).size());
  EXPECT_EQ(schema::read_alembic_revision(backup), GetParam().revision);
}

TEST_P(Migration, SecondRunChangesNothing) {
  const auto path = copy();
  open_database(path);
  const auto bytes = test::read_bytes(path);
  const auto files = std::distance(fs::directory_iterator(dir_.path()), {});
  {
    auto db = open_database(path);
    EXPECT_FALSE(db.upgraded);
    EXPECT_FALSE(db.created);
    EXPECT_TRUE(db.backup_path.empty());
  }
  EXPECT_EQ(test::read_bytes(path), bytes);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path()), {}), files);  // no new backup
}

TEST_P(Migration, FailureAtAnyStageLeavesTheFileByteIdentical) {
  for (const char* failing : {"schema", "steps", "seed", "commit"}) {
    SCOPED_TRACE(failing);
    const auto path = copy();
    const auto bytes = test::read_bytes(path);
    OpenOptions options;
    options.upgrade_hook = [&](std::string_view stage) {
      if (stage == failing) throw std::runtime_error("injected failure");
    };
    EXPECT_THROW(open_database(path, options), std::runtime_error);
    EXPECT_EQ(test::read_bytes(path), bytes);
    // Nothing left behind: no journal, no backup copy of an intact file.
    EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path()), {}), 1);
    // And the next start succeeds.
    EXPECT_NO_THROW(open_database(path));
    fs::remove_all(dir_.path());
    fs::create_directory(dir_.path());
  }
}

TEST_P(Migration, FixturePasswordsVerifyAndAreRehashedToArgon2id) {
  auto db = open_database(copy());
  auto& conn = db.conn;
  if (GetParam().revision.empty()) {
    // A new database: the seeded admin has no password (the setup code sets it).
    EXPECT_EQ(conn.query_one<int>("SELECT password_hash IS NULL FROM users WHERE user_id = 1"), 1);
    EXPECT_FALSE(verify_and_upgrade(conn, 1, "admin"));
    return;
  }
  struct Login {
    std::int64_t user;
    std::string password;
  };
  std::vector<Login> logins;
  if (GetParam().file == "database-0.0.18.db")
    logins = {{1, "admin"}};
  else
    logins = {{1, "password1"}, {2, "password2"}, {3, ""}};
  // PBKDF2 with 600 000 iterations is slow on purpose: one wrong try per file is enough here
  // (passwords_test covers the rest with cheap hashes).
  const auto first =
      conn.query_one<std::string>("SELECT password_hash FROM users WHERE user_id = 1");
  EXPECT_FALSE(verify_and_upgrade(conn, 1, logins[0].password + "x"));
  EXPECT_EQ(conn.query_one<std::string>("SELECT password_hash FROM users WHERE user_id = 1"), first)
      << "a failed login changes nothing";
  for (const auto& login : logins) {
    SCOPED_TRACE("user " + std::to_string(login.user));
    const auto legacy = conn.query_one<std::string>(
        "SELECT password_hash FROM users WHERE user_id = ?", login.user);
    ASSERT_TRUE(legacy.starts_with("pbkdf2:sha256:600000$"));
    EXPECT_TRUE(needs_rehash(legacy));
    EXPECT_TRUE(verify_and_upgrade(conn, login.user, login.password));
    const auto upgraded = conn.query_one<std::string>(
        "SELECT password_hash FROM users WHERE user_id = ?", login.user);
    EXPECT_TRUE(upgraded.starts_with("$argon2id$")) << upgraded;
    EXPECT_FALSE(needs_rehash(upgraded));
    EXPECT_TRUE(verify_password(login.password, upgraded));
  }
}

INSTANTIATE_TEST_SUITE_P(EveryFixture, Migration, ::testing::ValuesIn(kFixtures),
                         [](const auto& info) {
                           std::string name = info.param.file.substr(9);  // after "database-"
                           name = name.substr(0, name.size() - 3);
                           std::replace(name.begin(), name.end(), '.', '_');
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// Revision 3cb12dfd8d6e has no release file: rebuild one from 0.2.5 the way the schema
// difference between 0.2.5 and 0.2.7 says it went (attachment dropped, lcd_message added).
TEST(MigrationChain, RevisionWithoutFixtureUpgrades) {
  TempDir dir;
  const auto path = test::copy_fixture(dir, "database-0.2.5.db");
  {
    Connection conn(path, {.wal = false});
    conn.exec("ALTER TABLE maintenances DROP COLUMN attachment");
    conn.exec("ALTER TABLE maintenances ADD COLUMN lcd_message VARCHAR");
    conn.exec("UPDATE maintenances SET lcd_message = 'msg ' || maintenance_id");
    conn.exec("UPDATE alembic_version SET version_num = '3cb12dfd8d6e'");
  }
  const auto reference = dir.file("reference.db");
  fs::copy_file(path, reference);
  auto db = open_database(path);
  EXPECT_TRUE(db.upgraded);
  EXPECT_EQ(db.previous_revision, "3cb12dfd8d6e");
  Connection before(reference, {.mode = OpenMode::ReadOnly});
  expect_content_preserved(before, db.conn);
  EXPECT_EQ(db.conn.query_one<std::string>(
                "SELECT lcd_message FROM maintenances WHERE maintenance_id = 2"),
            "msg 2");
}

// An old file without a table the old tool always had is damaged or not the old tool's: the
// upgrade would make the table again, empty, and the history would be gone without a word.
TEST(MigrationChain, ALegacyFileMissingATableIsRefusedUntouched) {
  TempDir dir;
  const auto path = test::copy_fixture(dir, "database-0.4.0.db");
  { Connection(path, {.wal = false, .foreign_keys = false}).exec("DROP TABLE uses"); }
  const std::string refusal = test::refusal_leaving_file_alone(path);
  EXPECT_NE(refusal.find("missing table(s) uses"), std::string::npos) << refusal;
}

TEST(MigrationChain, UnknownNewerRevisionIsRefusedWithAClearMessage) {
  TempDir dir;
  const auto path = test::copy_fixture(dir, "database-0.4.0.db");
  {
    Connection(path, {.wal = false})
        .exec("UPDATE alembic_version SET version_num = 'abcdef123456'");
  }
  const std::string refusal = test::refusal_leaving_file_alone(path);
  EXPECT_NE(refusal.find("abcdef123456"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("unknown"), std::string::npos) << refusal;
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), {}), 1);
}

TEST(MigrationChain, CardsAreLowercasedExceptThoseDifferingOnlyByCase) {
  TempDir dir;
  const auto path = test::copy_fixture(dir, "database-0.4.0.db");
  {
    Connection conn(path, {.wal = false});
    conn.exec("UPDATE users SET \"card_UUID\" = 'ABCD1234' WHERE user_id = 3");
    conn.exec("UPDATE users SET \"card_UUID\" = 'abcd1234' WHERE user_id = 4");
    conn.exec("UPDATE users SET \"card_UUID\" = 'DeadBeef' WHERE user_id = 5");
    conn.exec(
        "INSERT INTO unknown_cards (\"card_UUID\", timestamp, machine_id) VALUES "
        "('FF00AA11', 1.5, 1)");
  }
  const auto reference = dir.file("reference.db");
  fs::copy_file(path, reference);
  auto db = open_database(path);
  auto card = [&](int user) {
    return db.conn.query_one<std::string>("SELECT \"card_UUID\" FROM users WHERE user_id = ?",
                                          user);
  };
  EXPECT_EQ(card(3), "ABCD1234");
  EXPECT_EQ(card(4), "abcd1234");
  EXPECT_EQ(card(5), "deadbeef");
  EXPECT_EQ(db.conn.query_one<std::string>("SELECT \"card_UUID\" FROM unknown_cards"), "ff00aa11");
  ASSERT_EQ(db.warnings.size(), 1u);
  EXPECT_NE(db.warnings[0].find("user 3 (ABCD1234), user 4 (abcd1234)"), std::string::npos)
      << db.warnings[0];
  Connection before(reference, {.mode = OpenMode::ReadOnly});
  expect_content_preserved(before, db.conn);
  // Reported again at every start until someone fixes them, without changing anything.
  db.conn = Connection(dir.file("unused.db"));
  auto again = open_database(path);
  EXPECT_FALSE(again.upgraded);
  EXPECT_EQ(again.warnings.size(), 1u);
}

TEST(MigrationChain, LegacyFileAlreadyAtHeadIsBroughtToOurSchema) {
  // A file the Python backend upgraded to f1a2b3c4d5e6 itself (column added by ALTER TABLE).
  TempDir dir;
  const auto path = test::copy_fixture(dir, "database-0.4.0.db");
  {
    Connection conn(path, {.wal = false});
    conn.exec(
        "ALTER TABLE users ADD COLUMN receive_weekly_summary BOOLEAN DEFAULT '0' NOT NULL;"
        "UPDATE users SET receive_weekly_summary = 1 WHERE user_id = 2;"
        "UPDATE alembic_version SET version_num = 'f1a2b3c4d5e6'");
  }
  auto db = open_database(path);
  EXPECT_TRUE(db.upgraded);
  EXPECT_EQ(db.conn.query_one<int>("SELECT receive_weekly_summary FROM users WHERE user_id = 2"),
            1);
  auto fresh = open_database(dir.file("fresh.sqldb"));
  EXPECT_EQ(test::normalized_schema(db.conn), test::normalized_schema(fresh.conn));
}

}  // namespace
}  // namespace fabomatic::db
