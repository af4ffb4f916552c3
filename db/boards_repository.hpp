// The board record of each machine (what its last `alive` said).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

// What an `alive` message reports.
struct BoardReport {
  std::string ip_address;
  std::string fw_version;
  std::optional<std::string> serial;
  std::optional<std::int64_t> heap;
};

class BoardsRepository {
 public:
  explicit BoardsRepository(Connection& conn) : conn_(conn) {}

  // Updates the machine's board record (the lowest-id one, should a legacy file hold several)
  // or creates it; returns its id. Does not touch the machine row.
  Id upsert(Id machine_id, const BoardReport& report, Timestamp now);

  Id create(const Board& board);
  std::optional<Board> get(Id id);
  std::optional<Board> by_machine(Id machine_id);
  // All boards in machine id order (the System page's boards list).
  std::vector<Board> list();
  bool update(const Board& board);
  bool remove(Id id);

 private:
  Connection& conn_;
};

}  // namespace fabomatic::db
