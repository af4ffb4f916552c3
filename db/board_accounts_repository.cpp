#include "db/board_accounts_repository.hpp"

#include "db/repository.hpp"

namespace fabomatic::db {

namespace {

constexpr std::string_view kSelect =
    "SELECT machine_id, username, secret_hash, created, rotated, first_login FROM board_accounts";

BoardAccount read_account(const Statement& row) {
  return BoardAccount{.machine_id = row.get<Id>(0),
                      .username = row.get<std::string>(1),
                      .secret_hash = row.get<std::string>(2),
                      .created = row.get<double>(3),
                      .rotated = row.get<double>(4),
                      .first_login = row.get<std::optional<double>>(5)};
}

constexpr ConstraintField kAccountConstraints[] = {{"board_accounts.machine_id", "board_account"},
                                                   {"board_accounts.username", "board_account"},
                                                   {"FOREIGN KEY", "machine"}};

}  // namespace

void BoardAccountsRepository::create(const BoardAccount& account) {
  translating_conflicts(kAccountConstraints, [&] {
    conn_.execute(
        "INSERT INTO board_accounts (machine_id, username, secret_hash, created, rotated) "
        "VALUES (?, ?, ?, ?, ?)",
        account.machine_id, account.username, account.secret_hash, account.created,
        account.rotated);
  });
}

bool BoardAccountsRepository::set_secret(Id machine_id, std::string_view secret_hash,
                                         Timestamp now) {
  return conn_.execute(
             "UPDATE board_accounts SET secret_hash = ?, rotated = ? WHERE machine_id = ?",
             std::string(secret_hash), now, machine_id) == 1;
}

std::optional<BoardAccount> BoardAccountsRepository::by_machine(Id machine_id) {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " WHERE machine_id = ?");
  stmt->bind(1, machine_id);
  if (!stmt->step()) return std::nullopt;
  return read_account(*stmt);
}

bool BoardAccountsRepository::mark_first_login(Id machine_id, Timestamp now) {
  return conn_.execute(
             "UPDATE board_accounts SET first_login = ? WHERE machine_id = ? AND first_login IS "
             "NULL",
             now, machine_id) == 1;
}

std::optional<BoardAccount> BoardAccountsRepository::by_username(std::string_view username) {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " WHERE username = ?");
  stmt->bind(1, std::string(username));
  if (!stmt->step()) return std::nullopt;
  return read_account(*stmt);
}

std::vector<BoardAccount> BoardAccountsRepository::list() {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " ORDER BY machine_id");
  std::vector<BoardAccount> accounts;
  while (stmt->step())
    accounts.push_back(read_account(*stmt));
  return accounts;
}

bool BoardAccountsRepository::remove(Id machine_id) {
  return conn_.execute("DELETE FROM board_accounts WHERE machine_id = ?", machine_id) == 1;
}

}  // namespace fabomatic::db
