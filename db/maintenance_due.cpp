#include "db/maintenance_due.hpp"

#include <algorithm>
#include <unordered_map>

#include "db/repository.hpp"

namespace fabomatic::db {

namespace {

// Closed uses of a machine that started after a time: a range of idx_uses_machine_start.
constexpr std::string_view kUsedSince =
    "SELECT COALESCE(SUM(end_timestamp - start_timestamp), 0) FROM uses "
    "WHERE machine_id = ? AND start_timestamp > ? AND end_timestamp IS NOT NULL";

// The latest intervention of a plan: the end of idx_interventions_plan_time.
constexpr std::string_view kLatestIntervention =
    "SELECT COALESCE(MAX(timestamp), 0) FROM interventions WHERE maintenance_id = ?";

struct PlanRow {
  PlanStatus status;
  bool counted = false;  // a counter row exists for the plan on this machine
};

// Plans with their counter rows, in the columns read_plan() reads; the callers add which
// machines and the order.
constexpr std::string_view kPlansWithCounters =
    "SELECT p.maintenance_id, p.machine_id, p.hours_between, COALESCE(p.lcd_message, ''), "
    "p.description, c.machine_id, c.since, c.used_seconds FROM maintenances p "
    "LEFT JOIN maintenance_counters c ON c.maintenance_id = p.maintenance_id ";

PlanRow read_plan(const Statement& row) {
  PlanRow plan;
  plan.status.plan_id = row.get<Id>(0);
  plan.status.machine_id = row.get<Id>(1);
  plan.status.hours_between = row.get<double>(2);
  plan.status.lcd_message = row.get<std::string>(3);
  plan.status.description = row.get<std::string>(4);
  plan.counted = row.get<std::optional<Id>>(5) == plan.status.machine_id;
  plan.status.since = row.get<std::optional<double>>(6).value_or(0);
  const double used_seconds = row.get<std::optional<double>>(7).value_or(0);
  plan.status.used_hours = used_seconds / 3600.0;
  plan.status.due = used_seconds > plan.status.hours_between * 3600.0;
  return plan;
}

// The plans that `sql` selects (its parameters set by `bind`), in its order. One machine's
// plans or a whole page's go through here, so both answer the same.
template <class Bind>
std::vector<PlanStatus> read_statuses(Connection& conn, const std::string& sql, const Bind& bind) {
  const auto read = [&] {
    auto stmt = conn.prepare_cached(sql);
    bind(*stmt);
    std::vector<PlanRow> rows;
    while (stmt->step())
      rows.push_back(read_plan(*stmt));
    return rows;
  };
  auto rows = read();
  bool healed = false;
  for (const auto& row : rows) {
    // A plan created by another tool since the last rebuild has no counter yet: count it now,
    // once (the next calls find the row).
    if (!row.counted) {
      recompute_plan(conn, row.status.plan_id);
      healed = true;
    }
  }
  if (healed) rows = read();
  std::vector<PlanStatus> statuses;
  statuses.reserve(rows.size());
  for (auto& row : rows)
    statuses.push_back(std::move(row.status));
  return statuses;
}

}  // namespace

std::vector<PlanStatus> plan_statuses(Connection& conn, Id machine_id) {
  static const std::string sql =
      std::string(kPlansWithCounters) + "WHERE p.machine_id = ? ORDER BY p.maintenance_id";
  return read_statuses(conn, sql, [&](Statement& stmt) { stmt.bind(1, machine_id); });
}

std::map<Id, std::vector<PlanStatus>> plan_statuses_for(Connection& conn,
                                                        std::span<const Id> machine_ids) {
  static const std::string sql = std::string(kPlansWithCounters) +
                                 "WHERE p.machine_id IN (SELECT value FROM json_each(?)) "
                                 "ORDER BY p.machine_id, p.maintenance_id";
  const std::string ids = id_array(machine_ids);  // see repository.hpp
  std::map<Id, std::vector<PlanStatus>> by_machine;
  for (const Id id : machine_ids)
    by_machine[id];
  for (auto& status : read_statuses(conn, sql, [&](Statement& stmt) { stmt.bind(1, ids); }))
    by_machine[status.machine_id].push_back(std::move(status));
  return by_machine;
}

MachineDue due_plans(Connection& conn, Id machine_id) {
  MachineDue due;
  due.plans = plan_statuses(conn, machine_id);
  for (const auto& plan : due.plans) {
    if (!plan.due) continue;
    if (due.plan_ids.empty()) due.lcd_message = plan.lcd_message;
    due.plan_ids.push_back(plan.plan_id);
  }
  return due;
}

bool any_due(Connection& conn, Id machine_id) {
  return due_plans(conn, machine_id).any();
}

std::vector<Id> machines_with_due_plans(Connection& conn) {
  std::vector<Id> machines;
  {
    auto stmt =
        conn.prepare_cached("SELECT DISTINCT machine_id FROM maintenances ORDER BY machine_id");
    while (stmt->step())
      machines.push_back(stmt->get<Id>(0));
  }
  const auto statuses = plan_statuses_for(conn, machines);
  std::erase_if(machines, [&](Id machine_id) {
    return std::ranges::none_of(statuses.at(machine_id), &PlanStatus::due);
  });
  return machines;
}

void count_closed_use(Connection& conn, Id machine_id, Timestamp start, Timestamp end) {
  count_use_seconds(conn, machine_id, start, end - start);
}

void count_use_seconds(Connection& conn, Id machine_id, Timestamp start, double seconds) {
  // Only the plans whose latest intervention precedes the start count this use.
  conn.execute(
      "UPDATE maintenance_counters SET used_seconds = used_seconds + ? "
      "WHERE machine_id = ? AND since < ?",
      seconds, machine_id, start);
}

void recompute_plan(Connection& conn, Id plan_id) {
  const auto machine_id = conn.query_optional<Id>(
      "SELECT machine_id FROM maintenances WHERE maintenance_id = ?", plan_id);
  if (!machine_id) {
    forget_plan(conn, plan_id);
    return;
  }
  const double since = conn.query_one<double>(kLatestIntervention, plan_id);
  const double used = conn.query_one<double>(kUsedSince, *machine_id, since);
  conn.execute(
      "INSERT INTO maintenance_counters (maintenance_id, machine_id, since, used_seconds) "
      "VALUES (?, ?, ?, ?) ON CONFLICT (maintenance_id) DO UPDATE SET "
      "machine_id = excluded.machine_id, since = excluded.since, "
      "used_seconds = excluded.used_seconds",
      plan_id, *machine_id, since, used);
}

void recompute_machine(Connection& conn, Id machine_id) {
  std::vector<Id> plans;
  {
    auto stmt = conn.prepare_cached(
        "SELECT maintenance_id FROM maintenances WHERE machine_id = ? ORDER BY maintenance_id");
    stmt->bind(1, machine_id);
    while (stmt->step())
      plans.push_back(stmt->get<Id>(0));
  }
  for (Id plan_id : plans)
    recompute_plan(conn, plan_id);
  // Counters left on this machine by plans that moved elsewhere.
  conn.execute(
      "DELETE FROM maintenance_counters WHERE machine_id = ?1 AND maintenance_id NOT IN "
      "(SELECT maintenance_id FROM maintenances WHERE machine_id = ?1)",
      machine_id);
}

void forget_plan(Connection& conn, Id plan_id) {
  conn.execute("DELETE FROM maintenance_counters WHERE maintenance_id = ?", plan_id);
}

void forget_machine(Connection& conn, Id machine_id) {
  conn.execute("DELETE FROM maintenance_counters WHERE machine_id = ?", machine_id);
}

void rebuild(Connection& conn) {
  Transaction tx(conn);
  // Each plan's `since`, grouped by machine.
  struct Counter {
    Id plan_id;
    double since;
    double used_seconds = 0;
  };
  std::unordered_map<Id, std::vector<Counter>> by_machine;
  {
    auto stmt = conn.prepare(
        "SELECT p.maintenance_id, p.machine_id, COALESCE((SELECT MAX(i.timestamp) FROM "
        "interventions i WHERE i.maintenance_id = p.maintenance_id), 0) FROM maintenances p");
    while (stmt.step())
      by_machine[stmt.get<Id>(1)].push_back(Counter{stmt.get<Id>(0), stmt.get<double>(2)});
  }
  // One sequential pass over the closed uses. A SUM per plan through idx_uses_machine_start
  // would read the table once per plan: the uses of one machine are spread over all its pages,
  // since they are stored in time order.
  {
    auto stmt = conn.prepare(
        "SELECT machine_id, start_timestamp, end_timestamp FROM uses "
        "WHERE end_timestamp IS NOT NULL");
    while (stmt.step()) {
      const auto plans = by_machine.find(stmt.column_int64(0));
      if (plans == by_machine.end()) continue;
      const double start = stmt.column_double(1);
      const double duration = stmt.column_double(2) - start;
      for (auto& counter : plans->second)
        if (counter.since < start) counter.used_seconds += duration;
    }
  }
  conn.exec("DELETE FROM maintenance_counters");
  auto insert = conn.prepare(
      "INSERT INTO maintenance_counters (maintenance_id, machine_id, since, used_seconds) "
      "VALUES (?, ?, ?, ?)");
  for (const auto& [machine_id, counters] : by_machine) {
    for (const auto& counter : counters) {
      insert.bind_all(counter.plan_id, machine_id, counter.since, counter.used_seconds);
      insert.run();
      insert.reset();
    }
  }
  tx.commit();
}

}  // namespace fabomatic::db
