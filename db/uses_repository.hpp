// Machine uses: the board path (open use of a machine, start, refresh, close) and the
// portal's history (filters, paging, manual registration and edits).
//
// Invariants kept here, each in the transaction of the write:
// - machine hours grow by a use's duration once, when the use closes (docs/board-protocol.md;
// differs from the Python backend);
// - the maintenance counters (maintenance_due.hpp) see every closed use.
// The board lookups go through the partial index of open uses per machine and the index on
// (machine_id, start_timestamp), so their cost does not grow with the history.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

enum class UseSort { Start, Id, End, LastSeen, Machine, User };

struct UseFilter {
  std::optional<Id> user_id;
  std::optional<Id> machine_id;
  std::optional<db::Timestamp> from;    // start_timestamp >= from
  std::optional<db::Timestamp> before;  // start_timestamp < before
  bool open_only = false;
  UseSort sort = UseSort::Start;
  bool descending = true;  // newest first
};

class UsesRepository {
 public:
  explicit UsesRepository(Connection& conn) : conn_(conn) {}

  // ---- board path ----
  // The machine's open use (end NULL); the latest started should legacy data hold several.
  std::optional<Use> open_use(Id machine_id);
  std::vector<Use> open_uses(Id machine_id);  // oldest first
  // Open uses of every machine (dashboard), in machine order.
  std::vector<Use> all_open_uses();
  // The machine's use that closed last (by last-seen time: when its stop came), for the
  // duplicate stopuse detection. One index step, whatever the machine's history.
  std::optional<Use> latest_closed(Id machine_id);

  // Opens a use; returns its id.
  Id start(Id user_id, Id machine_id, db::Timestamp start, db::Timestamp last_seen, bool replay);
  // last_seen = now on an open use; false when the use is not open.
  bool refresh(Id use_id, db::Timestamp now);
  // Closes an open use at `end`, adds its duration to the machine's hours and the maintenance
  // counters; false (nothing changed) when the use is not open.
  // An end before the start (a clock set back) counts as the start: no use lasts less than 0.
  bool close(Id use_id, db::Timestamp end, db::Timestamp last_seen);
  // Closes an open use that lasted `duration` seconds by its board's count, at start + duration;
  // when that is after `now` (its start reached us late: a replayed or delayed startuse) it
  // ended now and its start moves to now - duration, so no use ends in the future and the
  // board's duration counts whole.
  // `open` is the use as the caller just read it (open_use()), not read again.
  bool close_lasting(const Use& open, double duration, db::Timestamp now);
  // Closes every open use of the machine at its own last-seen time, marked end_estimated;
  // returns how many.
  std::int64_t close_open(Id machine_id);
  // Closes, at their last-seen time and marked end_estimated, the open uses of every machine not
  // refreshed since `seen_before`; returns how many.
  std::int64_t close_stale(db::Timestamp seen_before);
  // A use closed at its last-seen time (end_estimated) gets its real end from its board: end
  // and last-seen set, the mark cleared, the hours and counters corrected by the difference.
  // False (nothing changed) when the use is open or its end was not an estimate.
  bool complete(const Use& estimated, db::Timestamp end, db::Timestamp now);
  // A use closed at its last-seen time (end_estimated) is open again (its board is still at
  // it): its duration taken back from the hours and counters, last-seen = now. False when the
  // use is open or its end was not an estimate.
  bool reopen(const Use& estimated, db::Timestamp now);
  // A use whose start was lost, recorded closed: like create() of a closed use.
  Id record_closed(Id user_id, Id machine_id, db::Timestamp start, db::Timestamp end, bool replay);

  // ---- portal ----
  // Inserts the use as given (id ignored). A closed one counts as closing now: its duration
  // goes to the machine's hours and the maintenance counters.
  Id create(const Use& use);
  std::optional<Use> get(Id id);
  std::vector<Use> list(const UseFilter& filter = {}, const Page& page = {});
  // Every row list() would answer without paging, handed to `row` one at a time as it is read
  // (a cursor: memory does not grow with the rows; exports).
  void each(const UseFilter& filter, const std::function<void(const Use&)>& row);
  std::int64_t count(const UseFilter& filter = {});

  // Writes every column and recounts the maintenance of the machines concerned. With
  // `adjust_machine_hours` the machine hours follow the change of closed duration.
  bool update(const Use& use, bool adjust_machine_hours = false);
  // Deletes a use and recounts its machine's maintenance. With `adjust_machine_hours` a closed
  // use's duration is taken off the machine's hours.
  bool remove(Id id, bool adjust_machine_hours = false);

 private:
  void add_hours(Id machine_id, double seconds, bool floor_at_zero = false);
  bool close_use(Id use_id, db::Timestamp end, db::Timestamp last_seen, bool end_estimated);
  bool take_estimate(const Use& estimated, std::optional<db::Timestamp> end, db::Timestamp now);

  Connection& conn_;
};

}  // namespace fabomatic::db
