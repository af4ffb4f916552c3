#include "db/boards_repository.hpp"

#include "db/repository.hpp"

namespace fabomatic::db {

namespace {

constexpr std::string_view kSelect =
    "SELECT board_id, machine_id, ip_address, fw_version, last_seen, serial, heap FROM boards";

Board read_board(const Statement& row) {
  Board board;
  board.id = row.get<Id>(0);
  board.machine_id = row.get<Id>(1);
  board.ip_address = row.get<std::string>(2);
  board.fw_version = row.get<std::string>(3);
  board.last_seen = row.get<double>(4);
  board.serial = row.get<std::optional<std::string>>(5);
  board.heap = row.get<std::optional<std::int64_t>>(6);
  return board;
}

std::optional<Board> read_one(CachedStatement stmt) {
  if (!stmt->step()) return std::nullopt;
  return read_board(*stmt);
}

constexpr ConstraintField kBoardConstraints[] = {{"FOREIGN KEY", "machine"}};

}  // namespace

Id BoardsRepository::upsert(Id machine_id, const BoardReport& report, Timestamp now) {
  if (auto existing = conn_.query_optional<Id>(
          "SELECT board_id FROM boards WHERE machine_id = ? ORDER BY board_id LIMIT 1",
          machine_id)) {
    conn_.execute(
        "UPDATE boards SET ip_address = ?, fw_version = ?, last_seen = ?, serial = ?, heap = ? "
        "WHERE board_id = ?",
        report.ip_address, report.fw_version, now, report.serial, report.heap, *existing);
    return *existing;
  }
  return create(Board{.machine_id = machine_id,
                      .ip_address = report.ip_address,
                      .fw_version = report.fw_version,
                      .last_seen = now,
                      .serial = report.serial,
                      .heap = report.heap});
}

Id BoardsRepository::create(const Board& board) {
  return translating_conflicts(kBoardConstraints, [&] {
    conn_.execute(
        "INSERT INTO boards (machine_id, ip_address, fw_version, last_seen, serial, heap) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        board.machine_id, board.ip_address, board.fw_version, board.last_seen, board.serial,
        board.heap);
    return conn_.last_insert_rowid();
  });
}

std::optional<Board> BoardsRepository::get(Id id) {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " WHERE board_id = ?");
  stmt->bind(1, id);
  return read_one(std::move(stmt));
}

std::optional<Board> BoardsRepository::by_machine(Id machine_id) {
  auto stmt = conn_.prepare_cached(std::string(kSelect) +
                                   " WHERE machine_id = ? ORDER BY board_id LIMIT 1");
  stmt->bind(1, machine_id);
  return read_one(std::move(stmt));
}

std::vector<Board> BoardsRepository::list() {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " ORDER BY machine_id, board_id");
  std::vector<Board> boards;
  while (stmt->step())
    boards.push_back(read_board(*stmt));
  return boards;
}

bool BoardsRepository::update(const Board& board) {
  return translating_conflicts(kBoardConstraints, [&] {
    return conn_.execute(
               "UPDATE boards SET machine_id = ?, ip_address = ?, fw_version = ?, last_seen = ?, "
               "serial = ?, heap = ? WHERE board_id = ?",
               board.machine_id, board.ip_address, board.fw_version, board.last_seen, board.serial,
               board.heap, board.id) == 1;
  });
}

bool BoardsRepository::remove(Id id) {
  return conn_.execute("DELETE FROM boards WHERE board_id = ?", id) == 1;
}

}  // namespace fabomatic::db
