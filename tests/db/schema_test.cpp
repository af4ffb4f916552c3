// A new database: the head schema (compared with the reference files), our schema steps, the
// seeded content, and refusal of files this version must not touch.
#include "db/schema.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "db/database.hpp"
#include "db/migrations.hpp"
#include "db/passwords.hpp"
#include "db/seed.hpp"
#include "support_compare.hpp"
#include "support_refusal.hpp"
#include "support_tempdir.hpp"

namespace fabomatic::db {
namespace {

using test::TempDir;

struct ColumnInfo {
  std::string name, type;
  int notnull;
  std::optional<std::string> dflt;
  int pk;
  bool operator==(const ColumnInfo&) const = default;
};

std::vector<ColumnInfo> columns_of(Connection& conn, const std::string& table) {
  std::vector<ColumnInfo> out;
  auto stmt =
      conn.prepare("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)");
  stmt.bind(1, table);
  while (stmt.step())
    out.push_back({stmt.column_text(0), stmt.column_text(1), stmt.get<int>(2),
                   stmt.column_optional_text(3), stmt.get<int>(4)});
  return out;
}

std::set<std::string> indexes_of(Connection& conn, const std::string& table) {
  std::set<std::string> out;
  auto stmt = conn.prepare("SELECT name, \"unique\", origin FROM pragma_index_list(?)");
  stmt.bind(1, table);
  while (stmt.step())
    out.insert(stmt.column_text(0) + (stmt.get<int>(1) ? " unique " : " ") + stmt.column_text(2));
  return out;
}

std::set<std::string> foreign_keys_of(Connection& conn, const std::string& table) {
  std::set<std::string> out;
  auto stmt = conn.prepare("SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?)");
  stmt.bind(1, table);
  while (stmt.step())
    out.insert(stmt.column_text(1) + "->" + stmt.column_text(0) + "." + stmt.column_text(2));
  return out;
}

TEST(Schema, ChainEndsAtHeadAndKnowsEveryRevision) {
  const auto& chain = schema::alembic_chain();
  ASSERT_EQ(chain.size(), 9u);
  EXPECT_EQ(chain.front(), "2dc275252e0e");
  EXPECT_EQ(chain.back(), schema::kAlembicHead);
  EXPECT_TRUE(schema::is_known_revision("3cb12dfd8d6e"));
  EXPECT_FALSE(schema::is_known_revision("ffffffffffff"));
}

TEST(Schema, HeadTablesMatchTheLatestReferenceFileColumnByColumn) {
  TempDir dir;
  Connection fixture(test::copy_fixture(dir, "database-0.4.0.db"), {.mode = OpenMode::ReadOnly});
  Connection fresh(dir.file("fresh.db"), {.wal = false});
  schema::create_head_schema(fresh);
  for (const auto& table : schema::head_tables()) {
    const std::string name(table.name);
    SCOPED_TRACE(name);
    auto expected = columns_of(fixture, name);
    if (name == "users")  // the one change of revision f1a2b3c4d5e6
      expected.push_back({"receive_weekly_summary", "BOOLEAN", 1, "'0'", 0});
    EXPECT_EQ(columns_of(fresh, name), expected);
    EXPECT_EQ(indexes_of(fresh, name), indexes_of(fixture, name));
    EXPECT_EQ(foreign_keys_of(fresh, name), foreign_keys_of(fixture, name));
  }
  // Tables no revision has touched are written character for character as SQLAlchemy did.
  for (const char* name : {"roles", "authorizations", "unknown_cards", "alembic_version"}) {
    EXPECT_EQ(fresh.query_one<std::string>("SELECT sql FROM sqlite_master WHERE name = ?", name),
              fixture.query_one<std::string>("SELECT sql FROM sqlite_master WHERE name = ?", name))
        << name;
  }
  EXPECT_EQ(schema::read_alembic_revision(fresh), schema::kAlembicHead);
}

TEST(Schema, NewDatabaseIsCreatedAtHeadWithOurStepsAndSeeded) {
  TempDir dir;
  auto db = open_database(dir.file("new.sqldb"), {.default_admin_email = "boss@lab.example"});
  EXPECT_TRUE(db.created);
  EXPECT_FALSE(db.upgraded);
  EXPECT_TRUE(db.backup_path.empty());
  EXPECT_TRUE(db.warnings.empty());
  auto& conn = db.conn;
  EXPECT_EQ(conn.query_one<std::string>("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(conn.query_one<int>("PRAGMA foreign_keys"), 1);
  EXPECT_EQ(schema::read_alembic_revision(conn), schema::kAlembicHead);
  EXPECT_EQ(conn.query_one<int>("SELECT version FROM fabomatic_schema"), our_schema_head());
  EXPECT_EQ(conn.query_one<int>("SELECT count(*) FROM fabomatic_schema"), 1);

  EXPECT_EQ(conn.query_one<std::string>(
                "SELECT type_name || '/' || type_timeout_min || '/' || grace_period_min || '/' || "
                "access_management FROM machine_types"),
            "Default type/480/2/0");
  std::vector<std::string> roles;
  auto stmt = conn.prepare(
      "SELECT role_name, authorize_all, reserved, maintenance, backend_admin FROM roles "
      "ORDER BY role_id");
  while (stmt.step())
    roles.push_back(stmt.column_text(0) + ":" + stmt.column_text(1) + stmt.column_text(2) +
                    stmt.column_text(3) + stmt.column_text(4));
  EXPECT_EQ(roles, (std::vector<std::string>{"admins:1111", "Fab Staff:1010", "Fab Users:0000",
                                             "Anonymous:0100"}));

  auto admin = conn.prepare(
      "SELECT u.name, u.surname, u.\"card_UUID\", u.email, u.password_hash, "
      "u.password_change_required, u.disabled, u.deleted, r.role_name, u.receive_weekly_summary "
      "FROM users u JOIN roles r USING (role_id) WHERE u.name = 'admin'");
  ASSERT_TRUE(admin.step());
  EXPECT_EQ(admin.column_text(1), "admin");
  EXPECT_TRUE(admin.is_null(2)) << "no card that opens every machine";
  EXPECT_EQ(admin.column_text(3), "boss@lab.example");
  EXPECT_TRUE(admin.is_null(4)) << "no known password: the first start's setup code sets it";
  EXPECT_FALSE(admin.get<bool>(5));
  EXPECT_FALSE(admin.get<bool>(6));
  EXPECT_FALSE(admin.get<bool>(7));
  EXPECT_EQ(admin.column_text(8), "admins");
  EXPECT_FALSE(admin.get<bool>(9));

  const auto anonymous = anonymous_user_id(conn);
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(conn.query_one<std::string>("SELECT name FROM users WHERE user_id = ?", *anonymous),
            "Anonymous");
  EXPECT_EQ(conn.query_one<int>("SELECT disabled FROM users WHERE user_id = ?", *anonymous), 1);
  EXPECT_EQ(conn.query_one<int>("SELECT count(*) FROM users"), 2);
  EXPECT_EQ(
      conn.query_one<std::string>("SELECT m.machine_name || '/' || t.type_name FROM machines m "
                                  "JOIN machine_types t ON t.type_id = m.machine_type_id"),
      "MACHINE1/Default type");
  EXPECT_EQ(conn.query_one<int>("SELECT count(*) FROM discovered_boards"), 0);
}

TEST(Schema, ReopeningACurrentDatabaseChangesNothing) {
  TempDir dir;
  const auto path = dir.file("new.sqldb");
  open_database(path);
  const auto bytes = test::read_bytes(path);
  {
    auto db = open_database(path);
    EXPECT_FALSE(db.created);
    EXPECT_FALSE(db.upgraded);
    EXPECT_TRUE(db.backup_path.empty());
  }
  EXPECT_EQ(test::read_bytes(path), bytes);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(Schema, BoardQueriesUseIndexes) {
  TempDir dir;
  auto db = open_database(dir.file("new.sqldb"));
  auto plan = [&](const std::string& sql) {
    std::string text;
    auto stmt = db.conn.prepare("EXPLAIN QUERY PLAN " + sql);
    while (stmt.step())
      text += stmt.column_text(3) + "\n";
    return text;
  };
  EXPECT_NE(plan("SELECT use_id FROM uses WHERE machine_id = 1 AND end_timestamp IS NULL")
                .find("idx_uses_open_by_machine"),
            std::string::npos);
  EXPECT_NE(plan("SELECT sum(end_timestamp - start_timestamp) FROM uses WHERE machine_id = 1 "
                 "AND start_timestamp > 5 AND end_timestamp IS NOT NULL")
                .find("idx_uses_machine_start"),
            std::string::npos);
  EXPECT_NE(plan("SELECT max(timestamp) FROM interventions WHERE maintenance_id = 3")
                .find("idx_interventions_plan_time"),
            std::string::npos);
  EXPECT_NE(plan("SELECT id FROM unknown_cards WHERE timestamp < 5").find("idx_unknown_cards_time"),
            std::string::npos);
  EXPECT_NE(plan("SELECT user_id FROM users WHERE lower(\"card_UUID\") = 'ab'")
                .find("idx_users_card_lower"),
            std::string::npos);
}

TEST(Schema, OlderVersionOfOursIsUpgradedToTheSameSchemaAsANewOne) {
  TempDir dir;
  const auto path = dir.file("v1.sqldb");
  {
    // A database as version 1 of our steps left it.
    Connection conn(path, {.wal = false});
    schema::create_head_schema(conn);
    conn.exec(our_schema_steps().at(0).sql);
    conn.exec("CREATE TABLE fabomatic_schema (version INTEGER NOT NULL)");
    conn.exec("INSERT INTO fabomatic_schema (version) VALUES (1)");
  }
  auto db = open_database(path);
  EXPECT_TRUE(db.upgraded);
  EXPECT_EQ(db.previous_version, 1);
  EXPECT_TRUE(std::filesystem::exists(db.backup_path));
  EXPECT_NE(db.backup_path.find(".bak-f1a2b3c4d5e6-v1-"), std::string::npos);
  EXPECT_TRUE(anonymous_user_id(db.conn));  // created on upgrade when missing
  auto fresh = open_database(dir.file("fresh.sqldb"));
  EXPECT_EQ(test::normalized_schema(db.conn), test::normalized_schema(fresh.conn));
}

TEST(Schema, RefusesANewerSchemaOfOursAndLeavesTheFileAlone) {
  TempDir dir;
  const auto path = dir.file("newer.sqldb");
  {
    auto db = open_database(path);
    db.conn.execute("UPDATE fabomatic_schema SET version = ?", our_schema_head() + 1);
  }
  const std::string refusal = test::refusal_leaving_file_alone(path);
  EXPECT_NE(refusal.find("newer"), std::string::npos) << refusal;
}

TEST(Schema, RefusesAFileThatIsNotFabOMatic) {
  TempDir dir;
  const auto path = dir.file("other.db");
  { Connection(path, {.wal = false}).exec("CREATE TABLE notes (id INTEGER PRIMARY KEY)"); }
  const std::string refusal = test::refusal_leaving_file_alone(path);
  EXPECT_NE(refusal.find("not a FabOMatic database"), std::string::npos) << refusal;
}

// A file another tool changed (a dropped or renamed column) is refused by name at opening,
// untouched, instead of failing the first query that reads the column at every start.
TEST(Schema, RefusesAFileThatLacksAColumnOrATableNamingIt) {
  TempDir dir;
  const auto path = dir.file("changed.sqldb");
  {
    auto db = open_database(path);
    db.conn.exec("ALTER TABLE users DROP COLUMN email");
    db.conn.exec("ALTER TABLE uses RENAME COLUMN end_estimated TO estimated");
    db.conn.exec("DROP TABLE board_accounts");
  }
  const std::string refusal = test::refusal_leaving_file_alone(path);
  EXPECT_NE(refusal.find("users.email"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("uses.end_estimated"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("table board_accounts"), std::string::npos) << refusal;
}

TEST(Schema, AnonymousUserIsRecreatedWhenDeleted) {
  TempDir dir;
  const auto path = dir.file("db.sqldb");
  {
    auto db = open_database(path);
    db.conn.exec("DELETE FROM users WHERE name = 'Anonymous'");
  }
  auto db = open_database(path);
  EXPECT_TRUE(anonymous_user_id(db.conn));
  EXPECT_EQ(db.conn.query_one<int>("SELECT count(*) FROM roles WHERE role_name = 'Anonymous'"), 1);
}

}  // namespace
}  // namespace fabomatic::db
