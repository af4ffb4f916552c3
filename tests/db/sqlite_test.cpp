#include "db/sqlite.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <stdexcept>

#include "support_tempdir.hpp"

namespace fabomatic::db {
namespace {

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_.exec(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, height REAL, "
        "card TEXT, active BOOLEAN NOT NULL DEFAULT 0);"
        "CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL REFERENCES people(id))");
  }
  test::TempDir dir_;
  Connection conn_{dir_.file("test.db")};
};

TEST_F(SqliteTest, OpensWithWalForeignKeysAndNormalSync) {
  EXPECT_EQ(conn_.query_one<std::string>("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(conn_.query_one<int>("PRAGMA foreign_keys"), 1);
  EXPECT_EQ(conn_.query_one<int>("PRAGMA synchronous"), 1);  // NORMAL
  EXPECT_EQ(conn_.query_one<int>("PRAGMA busy_timeout"), 5000);
}

TEST_F(SqliteTest, OptionsAreApplied) {
  Connection other(dir_.file("other.db"),
                   {.wal = false, .foreign_keys = false, .synchronous = Synchronous::Full});
  EXPECT_EQ(other.query_one<std::string>("PRAGMA journal_mode"), "delete");
  EXPECT_EQ(other.query_one<int>("PRAGMA foreign_keys"), 0);
  EXPECT_EQ(other.query_one<int>("PRAGMA synchronous"), 2);
}

TEST_F(SqliteTest, OpenFailureThrowsWithPath) {
  try {
    Connection missing(dir_.file("no/such/dir.db"));
    FAIL() << "expected an exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), SQLITE_CANTOPEN);
    EXPECT_NE(std::string(e.what()).find("no/such/dir.db"), std::string::npos);
  }
}

TEST_F(SqliteTest, ReadOnlyConnectionRefusesWrites) {
  conn_.execute("INSERT INTO people(name) VALUES (?)", "ann");
  Connection reader(dir_.file("test.db"), {.mode = OpenMode::ReadOnly});
  EXPECT_EQ(reader.query_one<std::string>("SELECT name FROM people"), "ann");
  EXPECT_THROW(reader.exec("DELETE FROM people"), Error);
}

TEST_F(SqliteTest, BindsAndReadsEveryType) {
  auto insert = conn_.prepare("INSERT INTO people(name, height, card, active) VALUES (?, ?, ?, ?)");
  insert.bind(1, std::string_view("ann"));
  insert.bind(2, 1.75);
  insert.bind(3, std::optional<std::string>{});
  insert.bind(4, true);
  insert.run();
  const auto id = conn_.last_insert_rowid();
  EXPECT_EQ(conn_.changes(), 1);

  auto select = conn_.prepare("SELECT id, name, height, card, active FROM people WHERE id = ?");
  select.bind(1, id);
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.get<std::int64_t>(0), id);
  EXPECT_EQ(select.get<std::string>(1), "ann");
  EXPECT_DOUBLE_EQ(select.get<double>(2), 1.75);
  EXPECT_TRUE(select.is_null(3));
  EXPECT_EQ(select.get<std::optional<std::string>>(3), std::nullopt);
  EXPECT_EQ(select.column_optional_text(3), std::nullopt);
  EXPECT_TRUE(select.get<bool>(4));
  EXPECT_EQ(select.column_name(1), "name");
  EXPECT_EQ(select.column_count(), 5);
  EXPECT_FALSE(select.step());
}

TEST_F(SqliteTest, EmptyStringStaysEmptyNotNull) {
  conn_.execute("INSERT INTO people(name, card) VALUES (?, ?)", "ann", std::string_view());
  EXPECT_EQ(conn_.query_one<std::optional<std::string>>("SELECT card FROM people"), "");
}

TEST_F(SqliteTest, OptionalValuesBindAsValueOrNull) {
  conn_.execute("INSERT INTO people(name, height) VALUES (?, ?)", "a", std::optional<double>(2.5));
  conn_.execute("INSERT INTO people(name, height) VALUES (?, ?)", "b", std::optional<double>());
  conn_.execute("INSERT INTO people(name, height) VALUES (?, ?)", "c", nullptr);
  EXPECT_EQ(conn_.query_one<std::optional<double>>("SELECT height FROM people WHERE name='a'"),
            2.5);
  EXPECT_EQ(conn_.query_one<int>("SELECT count(*) FROM people WHERE height IS NULL"), 2);
}

TEST_F(SqliteTest, BindsByName) {
  auto insert = conn_.prepare("INSERT INTO people(name, height) VALUES (:name, @height)");
  insert.bind("name", std::string("bob"));
  insert.bind("@height", 1.8);
  insert.run();
  EXPECT_EQ(conn_.query_one<double>("SELECT height FROM people WHERE name = ?", "bob"), 1.8);
  EXPECT_THROW(insert.bind("nope", 1), Error);
}

TEST_F(SqliteTest, Int64RoundTripsBeyond32Bits) {
  const std::int64_t big = 9'000'000'000'123LL;
  conn_.execute("INSERT INTO people(id, name) VALUES (?, ?)", big, "x");
  EXPECT_EQ(conn_.query_one<std::int64_t>("SELECT id FROM people"), big);
}

TEST_F(SqliteTest, QueryOneThrowsOnNoRowAndQueryOptionalReturnsNullopt) {
  EXPECT_THROW(conn_.query_one<int>("SELECT id FROM people WHERE id = ?", 42), Error);
  EXPECT_EQ(conn_.query_optional<int>("SELECT id FROM people WHERE id = ?", 42), std::nullopt);
  conn_.execute("INSERT INTO people(id, name) VALUES (42, 'z')");
  EXPECT_EQ(conn_.query_optional<int>("SELECT id FROM people WHERE id = ?", 42), 42);
}

TEST_F(SqliteTest, ConstraintErrorNamesTheConstraintAndTheSql) {
  conn_.execute("INSERT INTO people(name) VALUES ('ann')");
  try {
    conn_.execute("INSERT INTO people(name) VALUES ('ann')");
    FAIL() << "expected a constraint failure";
  } catch (const Error& e) {
    EXPECT_TRUE(e.is_constraint());
    EXPECT_EQ(e.extended_code(), SQLITE_CONSTRAINT_UNIQUE);
    EXPECT_EQ(e.constraint(), "people.name");
    EXPECT_EQ(e.sql(), "INSERT INTO people(name) VALUES ('ann')");
    EXPECT_NE(std::string(e.what()).find("UNIQUE constraint failed"), std::string::npos);
  }
}

TEST_F(SqliteTest, ForeignKeyViolationIsReported) {
  try {
    conn_.execute("INSERT INTO pets(owner) VALUES (999)");
    FAIL() << "expected a foreign key failure";
  } catch (const Error& e) {
    EXPECT_EQ(e.extended_code(), SQLITE_CONSTRAINT_FOREIGNKEY);
    EXPECT_EQ(e.constraint(), "FOREIGN KEY");
  }
}

TEST_F(SqliteTest, SyntaxErrorCarriesSql) {
  try {
    conn_.prepare("SELEC nonsense");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), SQLITE_ERROR);
    EXPECT_EQ(e.sql(), "SELEC nonsense");
    EXPECT_FALSE(e.is_constraint());
    EXPECT_EQ(e.constraint(), "");
  }
}

TEST_F(SqliteTest, PrepareRefusesSeveralStatements) {
  EXPECT_THROW(conn_.prepare("SELECT 1; SELECT 2"), Error);
  EXPECT_NO_THROW(conn_.prepare("SELECT 1;  "));
}

TEST_F(SqliteTest, StatementIsReusableAfterAFailedStep) {
  auto insert = conn_.prepare("INSERT INTO people(name) VALUES (?)");
  insert.bind(1, "dup");
  insert.run();
  insert.reset();
  insert.bind(1, "dup");
  EXPECT_THROW(insert.run(), Error);
  insert.reset();
  insert.bind(1, "other");
  EXPECT_NO_THROW(insert.run());
  EXPECT_EQ(conn_.query_one<int>("SELECT count(*) FROM people"), 2);
}

TEST_F(SqliteTest, CachedStatementsArePreparedOnceAndResetOnScopeExit) {
  const std::string sql = "SELECT name FROM people ORDER BY id";
  conn_.execute("INSERT INTO people(name) VALUES ('a'), ('b')");
  const auto before = conn_.cached_statement_count();
  sqlite3_stmt* first = nullptr;
  {
    auto stmt = conn_.prepare_cached(sql);
    first = stmt->handle();
    ASSERT_TRUE(stmt->step());
    EXPECT_EQ(stmt->get<std::string>(0), "a");
    // Left mid-iteration on purpose: the handle must reset it.
  }
  {
    auto stmt = conn_.prepare_cached(sql);
    EXPECT_EQ(stmt->handle(), first);
    ASSERT_TRUE(stmt->step());
    EXPECT_EQ(stmt->get<std::string>(0), "a");
  }
  EXPECT_EQ(conn_.cached_statement_count(), before + 1);
}

TEST_F(SqliteTest, ReentrantCachedUseGetsAFreshStatement) {
  conn_.execute("INSERT INTO people(name) VALUES ('a'), ('b')");
  const std::string sql = "SELECT name FROM people WHERE id >= ? ORDER BY id";
  auto outer = conn_.prepare_cached(sql);
  outer->bind(1, 1);
  ASSERT_TRUE(outer->step());
  {
    auto inner = conn_.prepare_cached(sql);
    EXPECT_NE(inner->handle(), outer->handle());
    inner->bind(1, 2);
    ASSERT_TRUE(inner->step());
    EXPECT_EQ(inner->get<std::string>(0), "b");
  }
  // The outer iteration is undisturbed.
  EXPECT_EQ(outer->get<std::string>(0), "a");
  ASSERT_TRUE(outer->step());
  EXPECT_EQ(outer->get<std::string>(0), "b");
}

TEST_F(SqliteTest, ClearedBindingsAfterScopeExit) {
  {
    auto stmt = conn_.prepare_cached("SELECT ?");
    stmt->bind(1, 7);
    ASSERT_TRUE(stmt->step());
  }
  auto stmt = conn_.prepare_cached("SELECT ?");
  ASSERT_TRUE(stmt->step());
  EXPECT_TRUE(stmt->is_null(0));
}

TEST_F(SqliteTest, TransactionCommits) {
  {
    Transaction tx(conn_);
    EXPECT_TRUE(conn_.in_transaction());
    conn_.execute("INSERT INTO people(name) VALUES ('a')");
    tx.commit();
  }
  EXPECT_FALSE(conn_.in_transaction());
  EXPECT_EQ(conn_.query_one<int>("SELECT count(*) FROM people"), 1);
}

TEST_F(SqliteTest, TransactionRollsBackOnException) {
  try {
    Transaction tx(conn_);
    conn_.execute("INSERT INTO people(name) VALUES ('a')");
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(conn_.in_transaction());
  EXPECT_EQ(conn_.query_one<int>("SELECT count(*) FROM people"), 0);
}

TEST_F(SqliteTest, TransactionIsImmediateSoASecondWriterWaits) {
  Connection other(dir_.file("test.db"), {.busy_timeout = std::chrono::milliseconds(50)});
  Transaction tx(conn_);
  try {
    Transaction blocked(other);
    FAIL() << "a second BEGIN IMMEDIATE must not get the write lock";
  } catch (const Error& e) {
    EXPECT_TRUE(e.is_busy());
  }
  EXPECT_FALSE(other.in_transaction());
}

TEST_F(SqliteTest, NestedTransactionIsASavepoint) {
  Transaction outer(conn_);
  conn_.execute("INSERT INTO people(name) VALUES ('kept')");
  {
    Transaction inner(conn_);
    EXPECT_TRUE(inner.is_savepoint());
    conn_.execute("INSERT INTO people(name) VALUES ('undone')");
    // destroyed without commit: only the inner work is undone
  }
  {
    Transaction inner(conn_);
    conn_.execute("INSERT INTO people(name) VALUES ('released')");
    inner.commit();
  }
  EXPECT_TRUE(conn_.in_transaction());
  outer.commit();
  EXPECT_EQ(conn_.query_one<int>("SELECT count(*) FROM people"), 2);
  EXPECT_EQ(conn_.query_one<int>("SELECT count(*) FROM people WHERE name = 'undone'"), 0);
}

TEST_F(SqliteTest, OuterRollbackUndoesReleasedSavepoint) {
  {
    Transaction outer(conn_);
    Transaction inner(conn_);
    conn_.execute("INSERT INTO people(name) VALUES ('a')");
    inner.commit();
  }
  EXPECT_EQ(conn_.query_one<int>("SELECT count(*) FROM people"), 0);
}

TEST_F(SqliteTest, CommitTwiceIsAnError) {
  Transaction tx(conn_);
  tx.commit();
  EXPECT_THROW(tx.commit(), Error);
}

TEST_F(SqliteTest, ConnectionMovesKeepTheirCache) {
  conn_.execute("INSERT INTO people(name) VALUES ('a')");
  Connection moved = std::move(conn_);
  EXPECT_EQ(moved.query_one<int>("SELECT count(*) FROM people"), 1);
  EXPECT_EQ(moved.path(), dir_.file("test.db"));
}

TEST_F(SqliteTest, ExecRunsSeveralStatementsAndReportsErrors) {
  conn_.exec("INSERT INTO people(name) VALUES ('a'); INSERT INTO people(name) VALUES ('b');");
  EXPECT_EQ(conn_.query_one<int>("SELECT count(*) FROM people"), 2);
  try {
    conn_.exec("INSERT INTO people(name) VALUES ('a')");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.constraint(), "people.name");
    EXPECT_EQ(e.sql(), "INSERT INTO people(name) VALUES ('a')");
  }
}

}  // namespace
}  // namespace fabomatic::db
