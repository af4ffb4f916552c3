#include "db/discovered_boards_repository.hpp"

#include <string>

namespace fabomatic::db {

namespace {

constexpr std::string_view kSelect =
    "SELECT machine_id, ip, version, serial, heap, first_seen, last_seen FROM discovered_boards";

DiscoveredBoard read_board(const Statement& row) {
  DiscoveredBoard board;
  board.machine_id = row.get<Id>(0);
  board.ip_address = row.get<std::optional<std::string>>(1).value_or("");
  board.fw_version = row.get<std::optional<std::string>>(2).value_or("");
  board.serial = row.get<std::optional<std::string>>(3);
  board.heap = row.get<std::optional<std::int64_t>>(4);
  board.first_seen = row.get<double>(5);
  board.last_seen = row.get<double>(6);
  return board;
}

}  // namespace

bool DiscoveredBoardsRepository::record(Id machine_id, const BoardReport& report, Timestamp now) {
  if (machine_id > kMaxChosenMachineId) return false;  // the admin could not adopt it
  conn_.execute(
      "INSERT INTO discovered_boards (machine_id, ip, version, serial, heap, first_seen, "
      "last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) "
      "ON CONFLICT (machine_id) DO UPDATE SET ip = excluded.ip, version = excluded.version, "
      "serial = excluded.serial, heap = excluded.heap, last_seen = excluded.last_seen",
      machine_id, report.ip_address, report.fw_version, report.serial, report.heap, now);
  return true;
}

std::optional<DiscoveredBoard> DiscoveredBoardsRepository::get(Id machine_id) {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " WHERE machine_id = ?");
  stmt->bind(1, machine_id);
  if (!stmt->step()) return std::nullopt;
  return read_board(*stmt);
}

std::vector<DiscoveredBoard> DiscoveredBoardsRepository::list() {
  auto stmt = conn_.prepare_cached(
      std::string(kSelect) +
      " WHERE machine_id NOT IN (SELECT machine_id FROM machines) ORDER BY machine_id");
  std::vector<DiscoveredBoard> boards;
  while (stmt->step())
    boards.push_back(read_board(*stmt));
  return boards;
}

bool DiscoveredBoardsRepository::remove(Id machine_id) {
  return conn_.execute("DELETE FROM discovered_boards WHERE machine_id = ?", machine_id) == 1;
}

std::int64_t DiscoveredBoardsRepository::keep_newest(std::int64_t max) {
  const auto count = conn_.query_one<std::int64_t>("SELECT COUNT(*) FROM discovered_boards");
  if (count <= max) return 0;
  return conn_.execute(
      "DELETE FROM discovered_boards WHERE machine_id IN (SELECT machine_id FROM "
      "discovered_boards ORDER BY last_seen DESC, machine_id DESC LIMIT -1 OFFSET ?)",
      max);
}

std::int64_t DiscoveredBoardsRepository::purge_older_than(Timestamp cutoff) {
  return conn_.execute("DELETE FROM discovered_boards WHERE last_seen < ?", cutoff);
}

}  // namespace fabomatic::db
