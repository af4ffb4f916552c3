// Maintenance plans (table `maintenances`): what to service on a machine and how often.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

struct MaintenanceFilter {
  std::optional<Id> machine_id;
};

// The rows that deleting a plan removes with it.
struct PlanCascade {
  std::int64_t interventions = 0;

  std::int64_t total() const { return interventions; }
  bool operator==(const PlanCascade&) const = default;
};

class MaintenancesRepository {
 public:
  explicit MaintenancesRepository(Connection& conn) : conn_(conn) {}

  // Returns the new id. Conflict("machine") when the machine does not exist.
  Id create(const MaintenancePlan& plan);
  std::optional<MaintenancePlan> get(Id id);
  // The plans of these ids in one query (ids of none are skipped; any order).
  std::vector<MaintenancePlan> get_many(std::span<const Id> ids);
  // Plans in machine then id order.
  std::vector<MaintenancePlan> list(const MaintenanceFilter& filter = {},
                                    const Page& page = {.limit = 0});
  // Every row list() would answer without paging, handed to `row` one at a time as it is read
  // (a cursor: memory does not grow with the rows; exports).
  void each(const MaintenanceFilter& filter,
            const std::function<void(const MaintenancePlan&)>& row);
  std::int64_t count(const MaintenanceFilter& filter = {});

  // Writes every column (and recounts the plan when it moves to another machine).
  bool update(const MaintenancePlan& plan);

  PlanCascade cascade_counts(Id id);
  // Deletes the plan and its interventions in one transaction; nullopt when there is no such
  // plan.
  std::optional<PlanCascade> remove(Id id);

 private:
  Connection& conn_;
};

}  // namespace fabomatic::db
