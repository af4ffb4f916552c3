// Boards that said `alive` for a machine id with no machine row (docs/board-protocol.md; differs
// from the Python backend): kept so the admin sees the new board and can create its machine.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "db/boards_repository.hpp"
#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

class DiscoveredBoardsRepository {
 public:
  explicit DiscoveredBoardsRepository(Connection& conn) : conn_(conn) {}

  // Remembers (or refreshes) the board announcing itself as `machine_id`; first_seen is kept.
  // False (nothing recorded) for an id no machine could take (above kMaxChosenMachineId).
  bool record(Id machine_id, const BoardReport& report, Timestamp now);
  std::optional<DiscoveredBoard> get(Id machine_id);
  // Boards whose machine id still has no machine, in machine id order (once the admin created
  // the machine, its entry is no longer listed).
  std::vector<DiscoveredBoard> list();
  bool remove(Id machine_id);
  // Keeps the `max` boards seen most recently (by last_seen); returns how many went.
  std::int64_t keep_newest(std::int64_t max);
  // Forgets boards not seen since `cutoff`; returns how many.
  std::int64_t purge_older_than(Timestamp cutoff);

 private:
  Connection& conn_;
};

}  // namespace fabomatic::db
