// Maintenance interventions: who serviced which plan of which machine, when. Every write keeps
// the maintenance counters (maintenance_due.hpp) right in the same transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

enum class InterventionSort { Timestamp, Id, Machine, User };

struct InterventionFilter {
  std::optional<Id> machine_id;
  std::optional<Id> maintenance_id;
  std::optional<Id> user_id;
  std::optional<db::Timestamp> from;    // timestamp >= from
  std::optional<db::Timestamp> before;  // timestamp < before
  InterventionSort sort = InterventionSort::Timestamp;
  bool descending = true;  // newest first
};

class InterventionsRepository {
 public:
  explicit InterventionsRepository(Connection& conn) : conn_(conn) {}

  // Returns the new id. Conflict("references") when the plan, machine or user does not exist.
  Id create(const Intervention& intervention);
  // The board's `maintenance` query: records an intervention by `user_id` at `now` for every
  // plan of the machine that is due, in one transaction. Returns the plans serviced (in id
  // order; empty when nothing was due).
  std::vector<Id> record_due(Id machine_id, Id user_id, db::Timestamp now, bool replay);

  std::optional<Intervention> get(Id id);
  std::vector<Intervention> list(const InterventionFilter& filter = {}, const Page& page = {});
  // Every row list() would answer without paging, handed to `row` one at a time as it is read
  // (a cursor: memory does not grow with the rows; exports).
  void each(const InterventionFilter& filter, const std::function<void(const Intervention&)>& row);
  std::int64_t count(const InterventionFilter& filter = {});

  // Writes every column; recounts the plans concerned.
  bool update(const Intervention& intervention);
  // Deletes one intervention; recounts its plan.
  bool remove(Id id);

 private:
  Connection& conn_;
};

}  // namespace fabomatic::db
