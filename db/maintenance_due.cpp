#include "db/maintenance_due.hpp"

#include <unordered_map>

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

std::vector<PlanRow> read_plans(Connection& conn, Id machine_id) {
  auto stmt = conn.prepare_cached(
      "SELECT p.maintenance_id, p.hours_between, COALESCE(p.lcd_message, ''), c.machine_id, "
      "c.since, c.used_seconds FROM maintenances p "
      "LEFT JOIN maintenance_counters c ON c.maintenance_id = p.maintenance_id "
      "WHERE p.machine_id = ? ORDER BY p.maintenance_id");
  stmt->bind(1, machine_id);
  std::vector<PlanRow> rows;
  while (stmt->step()) {
    PlanRow row;
    row.status.plan_id = stmt->get<Id>(0);
    row.status.machine_id = machine_id;
    row.status.hours_between = stmt->get<double>(1);
    row.status.lcd_message = stmt->get<std::string>(2);
    row.counted = stmt->get<std::optional<Id>>(3) == machine_id;
    row.status.since = stmt->get<std::optional<double>>(4).value_or(0);
    const double used_seconds = stmt->get<std::optional<double>>(5).value_or(0);
    row.status.used_hours = used_seconds / 3600.0;
    row.status.due = used_seconds > row.status.hours_between * 3600.0;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::vector<PlanStatus> plan_statuses(Connection& conn, Id machine_id) {
  auto rows = read_plans(conn, machine_id);
  bool healed = false;
  for (const auto& row : rows) {
    // A plan created by another tool since the last rebuild has no counter yet: count it now,
    // once (the next calls find the row).
    if (!row.counted) {
      recompute_plan(conn, row.status.plan_id);
      healed = true;
    }
  }
  if (healed) rows = read_plans(conn, machine_id);
  std::vector<PlanStatus> statuses;
  statuses.reserve(rows.size());
  for (auto& row : rows)
    statuses.push_back(std::move(row.status));
  return statuses;
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
  std::erase_if(machines, [&](Id machine_id) { return !any_due(conn, machine_id); });
  return machines;
}

void count_closed_use(Connection& conn, Id machine_id, Timestamp start, Timestamp end) {
  // Only the plans whose latest intervention precedes the start count this use.
  conn.execute(
      "UPDATE maintenance_counters SET used_seconds = used_seconds + ? "
      "WHERE machine_id = ? AND since < ?",
      end - start, machine_id, start);
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
