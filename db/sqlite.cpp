#include "db/sqlite.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <sqlite3.h>

#include <utility>

namespace fabomatic::db {

namespace {

std::string describe(int code, const std::string& message, const std::string& sql) {
  std::string text = message.empty() ? sqlite3_errstr(code) : message;
  if (!sql.empty()) text += " [SQL: " + sql + "]";
  return text;
}

[[noreturn]] void throw_from(sqlite3* db, int rc, std::string_view sql) {
  const int extended = db ? sqlite3_extended_errcode(db) : rc;
  std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw Error(rc & 0xff, extended, std::move(message), std::string(sql));
}

}  // namespace

// ---- Error ---------------------------------------------------------------------------------

Error::Error(int code, int extended_code, std::string message, std::string sql)
    : std::runtime_error(describe(code, message, sql)),
      code_(code),
      extended_code_(extended_code),
      message_(std::move(message)),
      sql_(std::move(sql)) {}

bool Error::is_constraint() const noexcept {
  return code_ == SQLITE_CONSTRAINT;
}
bool Error::is_busy() const noexcept {
  return code_ == SQLITE_BUSY || code_ == SQLITE_LOCKED;
}

std::string Error::constraint() const {
  if (!is_constraint()) return {};
  // SQLite words these as "<KIND> constraint failed: <what>" or "FOREIGN KEY constraint failed".
  static constexpr std::string_view marker = "constraint failed";
  const auto at = message_.find(marker);
  if (at == std::string::npos) return message_;
  auto rest = message_.substr(at + marker.size());
  if (rest.starts_with(": ")) return rest.substr(2);
  auto kind = message_.substr(0, at);
  while (!kind.empty() && kind.back() == ' ')
    kind.pop_back();
  return kind;
}

// ---- Statement -----------------------------------------------------------------------------

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db), sql_(sql) {
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, &tail);
  if (rc != SQLITE_OK) throw_from(db, rc, sql);
  if (stmt_ == nullptr) throw Error(SQLITE_MISUSE, SQLITE_MISUSE, "empty statement", sql_);
  // A second statement after the first would be silently ignored: refuse it instead.
  for (; tail && *tail; ++tail) {
    if (*tail != ' ' && *tail != '\n' && *tail != '\t' && *tail != '\r' && *tail != ';') {
      sqlite3_finalize(stmt_);
      stmt_ = nullptr;
      throw Error(SQLITE_MISUSE, SQLITE_MISUSE, "more than one statement; use exec()", sql_);
    }
  }
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), sql_(std::move(other.sql_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    sql_ = std::move(other.sql_);
  }
  return *this;
}

void Statement::fail(int rc) const {
  throw_from(db_, rc, sql_);
}

void Statement::bind(int index, std::int64_t value) {
  if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) fail(rc);
}

void Statement::bind(int index, double value) {
  if (int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK) fail(rc);
}

void Statement::bind(int index, std::string_view value) {
  // A null data pointer would bind SQL NULL; an empty string must stay an empty string.
  const char* data = value.data() ? value.data() : "";
  if (int rc = sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      rc != SQLITE_OK)
    fail(rc);
}

void Statement::bind(int index, std::nullptr_t) {
  if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) fail(rc);
}

int Statement::parameter_index(std::string_view name) const {
  std::string key;
  if (!name.empty() && (name[0] == ':' || name[0] == '@' || name[0] == '$')) {
    key = std::string(name);
  } else {
    key = ":" + std::string(name);
  }
  const int index = sqlite3_bind_parameter_index(stmt_, key.c_str());
  if (index == 0) throw Error(SQLITE_RANGE, SQLITE_RANGE, "no parameter named " + key, sql_);
  return index;
}

int Statement::parameter_count() const {
  return sqlite3_bind_parameter_count(stmt_);
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // sqlite3_reset returns the same error; reset so the statement can be reused after a failure.
  sqlite3_reset(stmt_);
  fail(rc);
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int Statement::column_count() const {
  return sqlite3_column_count(stmt_);
}

std::string Statement::column_name(int column) const {
  const char* name = sqlite3_column_name(stmt_, column);
  return name ? name : "";
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::column_double(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string_view Statement::column_text_view(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (!text) return {};
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

std::string Statement::column_text(int column) const {
  return std::string(column_text_view(column));
}

std::optional<std::int64_t> Statement::column_optional_int64(int column) const {
  if (is_null(column)) return std::nullopt;
  return column_int64(column);
}

std::optional<double> Statement::column_optional_double(int column) const {
  if (is_null(column)) return std::nullopt;
  return column_double(column);
}

std::optional<std::string> Statement::column_optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return column_text(column);
}

// ---- CachedStatement -----------------------------------------------------------------------

CachedStatement::~CachedStatement() {
  if (stmt_) stmt_->reset();
  if (in_use_) *in_use_ = false;
}

CachedStatement::CachedStatement(CachedStatement&& other) noexcept
    : owned_(std::move(other.owned_)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)) {}

// ---- Connection ----------------------------------------------------------------------------

// What sync_commits() needs; behind a pointer so that a moved connection keeps its descriptor.
struct Connection::SyncState {
  bool unsynced = false;  // a synced Transaction that changed rows committed since the last sync
  int deferred = 0;       // DeferredSyncs alive
  int wal_fd = -1;        // the -wal file, opened at the first sync
  std::uint64_t syncs = 0;

  ~SyncState() {
    if (wal_fd >= 0) ::close(wal_fd);
  }
};

Connection::Connection(const std::string& path, ConnectionOptions options)
    : sync_(std::make_unique<SyncState>()), path_(path) {
  int flags = SQLITE_OPEN_NOMUTEX;  // one connection per thread; no need for SQLite's mutexes
  switch (options.mode) {
    case OpenMode::ReadOnly:
      flags |= SQLITE_OPEN_READONLY;
      break;
    case OpenMode::ReadWrite:
      flags |= SQLITE_OPEN_READWRITE;
      break;
    case OpenMode::ReadWriteCreate:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
  }
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    close();
    throw Error(rc & 0xff, rc, message + " (opening " + path + ")", "");
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, static_cast<int>(options.busy_timeout.count()));
    exec(options.foreign_keys ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF");
    if (options.wal && options.mode != OpenMode::ReadOnly) exec("PRAGMA journal_mode=WAL");
    switch (options.synchronous) {
      case Synchronous::Off:
        exec("PRAGMA synchronous=OFF");
        break;
      case Synchronous::Normal:
        exec("PRAGMA synchronous=NORMAL");
        break;
      case Synchronous::Full:
        exec("PRAGMA synchronous=FULL");
        break;
    }
  } catch (...) {
    close();
    throw;
  }
}

Connection::~Connection() {
  close();
}

Connection::Connection(Connection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      sync_(std::move(other.sync_)),
      path_(std::move(other.path_)),
      transaction_depth_(std::exchange(other.transaction_depth_, 0)),
      rollbacks_(other.rollbacks_),
      cache_(std::move(other.cache_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    const std::uint64_t before = db_ ? write_generation() : 0;
    close();
    db_ = std::exchange(other.db_, nullptr);
    sync_ = std::move(other.sync_);
    path_ = std::move(other.path_);
    transaction_depth_ = std::exchange(other.transaction_depth_, 0);
    // Another database behind the same object: the generation moves past anything seen before.
    rollbacks_ = before + 1 + other.rollbacks_;
    cache_ = std::move(other.cache_);
  }
  return *this;
}

void Connection::close() noexcept {
  cache_.clear();  // statements must be finalized before the connection closes
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

void Connection::sync_commits() {
  SyncState& state = *sync_;
  if (!state.unsynced) return;
  // The log as it is now: reopened when a connection that closed last removed it meanwhile.
  struct stat status {};
  if (state.wal_fd >= 0 && (::fstat(state.wal_fd, &status) != 0 || status.st_nlink == 0)) {
    ::close(state.wal_fd);
    state.wal_fd = -1;
  }
  if (state.wal_fd < 0) {
    state.wal_fd = ::open((path_ + "-wal").c_str(), O_RDONLY | O_CLOEXEC);
    // No log file: not in WAL mode (a rollback journal is synced by SQLite itself at NORMAL) or
    // an in-memory database. Nothing of ours to sync.
    if (state.wal_fd < 0 && errno == ENOENT) {
      state.unsynced = false;
      return;
    }
    if (state.wal_fd < 0) {
      throw Error(SQLITE_IOERR, SQLITE_IOERR,
                  "cannot open " + path_ + "-wal: " + std::strerror(errno), "");
    }
  }
  // Any descriptor of the file flushes the file's data: the commits SQLite appended through its
  // own descriptor become durable, in one call however many there were.
  if (::fdatasync(state.wal_fd) != 0) {
    throw Error(SQLITE_IOERR_FSYNC & 0xff, SQLITE_IOERR_FSYNC,
                "syncing " + path_ + "-wal failed: " + std::strerror(errno), "");
  }
  ++state.syncs;
  state.unsynced = false;
}

bool Connection::has_unsynced_commits() const noexcept {
  return sync_ && sync_->unsynced;
}

std::uint64_t Connection::syncs() const noexcept {
  return sync_ ? sync_->syncs : 0;
}

DeferredSyncs::DeferredSyncs(Connection& conn) : conn_(conn) {
  ++conn_.sync_->deferred;
}

DeferredSyncs::~DeferredSyncs() {
  --conn_.sync_->deferred;
}

void Connection::exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string what = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw Error(rc & 0xff, sqlite3_extended_errcode(db_), std::move(what), text);
  }
}

Statement Connection::prepare(std::string_view sql) {
  return Statement(db_, sql);
}

CachedStatement Connection::prepare_cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    auto entry = std::make_unique<CacheEntry>(CacheEntry{Statement(db_, sql)});
    it = cache_.emplace(std::string(sql), std::move(entry)).first;
  }
  CacheEntry& entry = *it->second;
  if (entry.in_use) return CachedStatement(Statement(db_, sql));
  entry.in_use = true;
  return CachedStatement(&entry.statement, &entry.in_use);
}

void Connection::clear_statement_cache() noexcept {
  // Entries still borrowed stay alive: their handles point into them.
  std::erase_if(cache_, [](const auto& item) { return !item.second->in_use; });
}

std::int64_t Connection::last_insert_rowid() const noexcept {
  return sqlite3_last_insert_rowid(db_);
}

int Connection::changes() const noexcept {
  return sqlite3_changes(db_);
}

bool Connection::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_) == 0;
}

std::uint64_t Connection::write_generation() const noexcept {
  return static_cast<std::uint64_t>(sqlite3_total_changes64(db_)) + rollbacks_;
}

std::int64_t Connection::data_version() {
  return query_one<std::int64_t>("PRAGMA data_version");
}

// ---- Transaction ---------------------------------------------------------------------------

Transaction::Transaction(Connection& conn, TransactionKind kind, Durability durability)
    : conn_(conn), durability_(durability), changes_at_begin_(sqlite3_total_changes64(conn.db_)) {
  if (conn_.in_transaction()) {
    savepoint_ = "fabomatic_sp" + std::to_string(conn_.transaction_depth_);
    conn_.prepare_cached("SAVEPOINT " + savepoint_)->run();
  } else {
    // Prepared once per connection: a board's answer opens a transaction every time.
    switch (kind) {
      case TransactionKind::Deferred:
        conn_.prepare_cached("BEGIN DEFERRED")->run();
        break;
      case TransactionKind::Immediate:
        conn_.prepare_cached("BEGIN IMMEDIATE")->run();
        break;
      case TransactionKind::Exclusive:
        conn_.prepare_cached("BEGIN EXCLUSIVE")->run();
        break;
    }
  }
  ++conn_.transaction_depth_;
}

Transaction::~Transaction() {
  if (done_) return;
  try {
    rollback();
  } catch (...) {
    // Nothing sensible to do in a destructor; SQLite rolls back on close anyway.
  }
}

void Transaction::commit() {
  if (done_) throw Error(SQLITE_MISUSE, SQLITE_MISUSE, "transaction already finished", "");
  conn_.prepare_cached(is_savepoint() ? "RELEASE " + savepoint_ : std::string("COMMIT"))->run();
  done_ = true;
  --conn_.transaction_depth_;
  // A savepoint's work is made durable with its enclosing transaction; one that changed no row
  // has nothing to make durable.
  if (is_savepoint() || durability_ != Durability::synced ||
      sqlite3_total_changes64(conn_.db_) == changes_at_begin_) {
    return;
  }
  conn_.sync_->unsynced = true;
  if (conn_.sync_->deferred == 0) conn_.sync_commits();
}

void Transaction::rollback() {
  if (done_) return;
  done_ = true;
  --conn_.transaction_depth_;
  ++conn_.rollbacks_;  // rows may go back to what a cache saw before: it must not trust them
  if (is_savepoint()) {
    // ROLLBACK TO keeps the savepoint open; RELEASE then removes it. If an error already ended
    // the enclosing transaction, there is nothing left to undo.
    if (conn_.in_transaction()) conn_.exec("ROLLBACK TO " + savepoint_ + "; RELEASE " + savepoint_);
  } else if (conn_.in_transaction()) {
    conn_.exec("ROLLBACK");
  }
}

}  // namespace fabomatic::db
