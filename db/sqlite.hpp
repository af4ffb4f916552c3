// A small RAII layer over the SQLite C API: connections, prepared statements with typed binding,
// a per-connection statement cache, and transactions that roll back unless committed.
//
// Everything throws fabomatic::db::Error on failure; the error keeps the SQLite result code, the
// SQL text and SQLite's message (which names the constraint for constraint failures).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace fabomatic::db {

class Error : public std::runtime_error {
 public:
  Error(int code, int extended_code, std::string message, std::string sql);

  int code() const noexcept { return code_; }  // primary result code, e.g. SQLITE_CONSTRAINT
  int extended_code() const noexcept { return extended_code_; }  // e.g. SQLITE_CONSTRAINT_UNIQUE
  const std::string& sql() const noexcept { return sql_; }
  const std::string& sqlite_message() const noexcept { return message_; }

  bool is_constraint() const noexcept;
  bool is_busy() const noexcept;
  // For a constraint failure, what failed as SQLite names it: "users.card_UUID" for
  // "UNIQUE constraint failed: users.card_UUID", "FOREIGN KEY" for a foreign key violation.
  // Empty for other errors.
  std::string constraint() const;

 private:
  int code_;
  int extended_code_;
  std::string message_;
  std::string sql_;
};

// A prepared statement. Bind parameters are 1-based (as in SQLite), columns 0-based.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Typed binding by 1-based index.
  void bind(int index, std::int64_t value);
  void bind(int index, int value) { bind(index, static_cast<std::int64_t>(value)); }
  void bind(int index, unsigned value) { bind(index, static_cast<std::int64_t>(value)); }
  void bind(int index, long long value) { bind(index, static_cast<std::int64_t>(value)); }
  void bind(int index, bool value) { bind(index, static_cast<std::int64_t>(value ? 1 : 0)); }
  void bind(int index, double value);
  void bind(int index, std::string_view value);  // copied by SQLite (SQLITE_TRANSIENT)
  void bind(int index, const char* value) { bind(index, std::string_view(value)); }
  void bind(int index, const std::string& value) { bind(index, std::string_view(value)); }
  void bind(int index, std::nullptr_t);
  void bind(int index, std::nullopt_t) { bind(index, nullptr); }
  template <class T>
  void bind(int index, const std::optional<T>& value) {
    if (value)
      bind(index, *value);
    else
      bind(index, nullptr);
  }

  // Binding by name: `name` may carry its prefix (":id", "@id", "$id"); without one ":" is assumed.
  template <class T>
  void bind(std::string_view name, const T& value) {
    bind(parameter_index(name), value);
  }
  int parameter_index(std::string_view name) const;  // throws if the statement has no such name
  int parameter_count() const;

  // Binds all arguments to parameters 1..n in order.
  template <class... Args>
  void bind_all(const Args&... args) {
    int index = 0;
    (bind(++index, args), ...);
  }

  // Runs one step: true when a row is available, false when the statement is done.
  bool step();
  // Runs a statement that returns no rows (or ignores them) to completion.
  void run();
  // Makes the statement ready to run again and clears its bindings.
  void reset() noexcept;

  int column_count() const;
  std::string column_name(int column) const;
  bool is_null(int column) const;
  std::int64_t column_int64(int column) const;
  double column_double(int column) const;
  std::string column_text(int column) const;
  std::string_view column_text_view(int column) const;  // valid until the next step/reset
  std::optional<std::int64_t> column_optional_int64(int column) const;
  std::optional<double> column_optional_double(int column) const;
  std::optional<std::string> column_optional_text(int column) const;

  // Typed read: int64_t, int, bool, double, std::string, or std::optional of those.
  template <class T>
  T get(int column) const;

  const std::string& sql() const noexcept { return sql_; }
  sqlite3_stmt* handle() const noexcept { return stmt_; }

 private:
  [[noreturn]] void fail(int rc) const;

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
T Statement::get(int column) const {
  if constexpr (is_optional<T>::value) {
    if (is_null(column)) return std::nullopt;
    return get<typename T::value_type>(column);
  } else if constexpr (std::is_same_v<T, bool>) {
    return column_int64(column) != 0;
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(column_int64(column));
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(column_double(column));
  } else if constexpr (std::is_same_v<T, std::string>) {
    return column_text(column);
  } else {
    static_assert(sizeof(T) == 0, "unsupported column type");
  }
}

class Connection;

// A statement borrowed from a connection's cache. Resets the statement (and clears its bindings)
// when it goes out of scope, so the next user finds it ready.
class CachedStatement {
 public:
  CachedStatement(Statement* cached, bool* in_use) noexcept : stmt_(cached), in_use_(in_use) {}
  explicit CachedStatement(Statement owned)
      : owned_(std::make_unique<Statement>(std::move(owned))), stmt_(owned_.get()) {}
  ~CachedStatement();
  CachedStatement(CachedStatement&& other) noexcept;
  CachedStatement& operator=(CachedStatement&&) = delete;
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;

  Statement& operator*() const noexcept { return *stmt_; }
  Statement* operator->() const noexcept { return stmt_; }

 private:
  std::unique_ptr<Statement> owned_;  // set when the cached copy was busy (re-entrant use)
  Statement* stmt_ = nullptr;
  bool* in_use_ = nullptr;
};

enum class OpenMode { ReadOnly, ReadWrite, ReadWriteCreate };
enum class Synchronous { Off, Normal, Full };

struct ConnectionOptions {
  OpenMode mode = OpenMode::ReadWriteCreate;
  std::chrono::milliseconds busy_timeout{5000};
  bool wal = true;           // switch the journal to WAL (ignored for read-only connections)
  bool foreign_keys = true;  // PRAGMA foreign_keys
  Synchronous synchronous = Synchronous::Normal;
};

class Connection {
 public:
  explicit Connection(const std::string& path, ConnectionOptions options = {});
  ~Connection();
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more SQL statements separated by ';' (no parameters, no results).
  void exec(std::string_view sql);
  Statement prepare(std::string_view sql);
  // A prepared statement kept for the life of the connection: prepared once, reused afterwards.
  // Re-entrant use of the same SQL while a handle is alive gets a fresh, uncached statement.
  CachedStatement prepare_cached(std::string_view sql);
  void clear_statement_cache() noexcept;
  std::size_t cached_statement_count() const noexcept { return cache_.size(); }

  // Runs `sql` with `args` bound in order; returns the number of rows changed.
  template <class... Args>
  int execute(std::string_view sql, const Args&... args) {
    auto stmt = prepare_cached(sql);
    stmt->bind_all(args...);
    stmt->run();
    return changes();
  }

  // The first column of the first row; throws Error when there is no row.
  template <class T, class... Args>
  T query_one(std::string_view sql, const Args&... args) {
    auto stmt = prepare_cached(sql);
    stmt->bind_all(args...);
    if (!stmt->step()) throw Error(0, 0, "query returned no row", std::string(sql));
    return stmt->get<T>(0);
  }

  // The first column of the first row, or nullopt when there is no row.
  template <class T, class... Args>
  std::optional<T> query_optional(std::string_view sql, const Args&... args) {
    auto stmt = prepare_cached(sql);
    stmt->bind_all(args...);
    if (!stmt->step()) return std::nullopt;
    return stmt->get<T>(0);
  }

  std::int64_t last_insert_rowid() const noexcept;
  int changes() const noexcept;  // rows changed by the last INSERT/UPDATE/DELETE
  bool in_transaction() const noexcept;
  // Moves whenever this connection may have changed rows: with every row an INSERT, UPDATE or
  // DELETE touched, and with every rollback (which undoes rows without counting them). A cache
  // of query results that saw the same value saw the same data, as far as this connection goes.
  std::uint64_t write_generation() const noexcept;
  // PRAGMA data_version: moves when another connection or process commits.
  std::int64_t data_version();
  const std::string& path() const noexcept { return path_; }
  sqlite3* handle() const noexcept { return db_; }

  // Durability. Commits run with synchronous=NORMAL: in WAL mode they reach the log but stay in
  // the operating system's cache until a checkpoint, so a power cut may take them back. A
  // Transaction of Durability::synced (the default) that changed rows therefore makes itself
  // durable on commit with sync_commits(): one fdatasync of the -wal file, which covers every
  // commit so far. A caller that answers many commits at once (the boards, one reactor turn)
  // defers those syncs (DeferredSyncs) and calls sync_commits() once before it answers them
  // all. A statement run outside any Transaction is not tracked: wrap writes that someone is
  // told about in a Transaction.

  /// Makes every commit of this connection so far durable; nothing to do when none is pending.
  void sync_commits();
  /// Whether a synced Transaction that changed rows committed since the last sync_commits().
  bool has_unsynced_commits() const noexcept;
  /// fdatasync calls made by sync_commits() (tests, metrics).
  std::uint64_t syncs() const noexcept;

 private:
  friend class Transaction;
  struct CacheEntry {
    Statement statement;
    bool in_use = false;
  };

  void close() noexcept;
  struct SyncState;
  friend class DeferredSyncs;

  sqlite3* db_ = nullptr;
  // Behind a pointer: SQLite's commit hook keeps its address, which must survive a move.
  std::unique_ptr<SyncState> sync_;
  std::string path_;
  int transaction_depth_ = 0;  // Transaction objects alive, to name savepoints
  std::uint64_t rollbacks_ = 0;
  std::unordered_map<std::string, std::unique_ptr<CacheEntry>> cache_;
};

enum class TransactionKind { Deferred, Immediate, Exclusive };

// synced: the commit is durable when commit() returns (unless syncs are deferred, see
// DeferredSyncs). relaxed: it may be lost in a power cut — for writes nobody was told about
// (a board's last-seen times, written every second).
enum class Durability { synced, relaxed };

// While alive, a synced Transaction's commit leaves its sync to the owner, who must call
// Connection::sync_commits() before telling anyone the commits happened. Nests.
class DeferredSyncs {
 public:
  explicit DeferredSyncs(Connection& conn);
  ~DeferredSyncs();
  DeferredSyncs(const DeferredSyncs&) = delete;
  DeferredSyncs& operator=(const DeferredSyncs&) = delete;

 private:
  Connection& conn_;
};

// BEGIN on construction, ROLLBACK on destruction unless commit() ran. Created while another
// transaction is open on the connection, it becomes a SAVEPOINT: its rollback undoes only its
// own work, its commit releases the savepoint into the enclosing transaction.
class Transaction {
 public:
  explicit Transaction(Connection& conn, TransactionKind kind = TransactionKind::Immediate,
                       Durability durability = Durability::synced);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();
  void rollback();
  bool is_savepoint() const noexcept { return !savepoint_.empty(); }

 private:
  Connection& conn_;
  std::string savepoint_;
  Durability durability_;
  std::int64_t changes_at_begin_;  // sqlite3_total_changes64: did the transaction change rows?
  bool done_ = false;
};

}  // namespace fabomatic::db
