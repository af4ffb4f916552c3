#include "db/maintenances_repository.hpp"

#include "db/maintenance_due.hpp"
#include "db/repository.hpp"

namespace fabomatic::db {

namespace {

constexpr std::string_view kSelect =
    "SELECT maintenance_id, hours_between, description, machine_id, attachment, lcd_message, "
    "instructions_url FROM maintenances";

MaintenancePlan read_plan(const Statement& row) {
  MaintenancePlan plan;
  plan.id = row.get<Id>(0);
  plan.hours_between = row.get<double>(1);
  plan.description = row.get<std::string>(2);
  plan.machine_id = row.get<Id>(3);
  plan.attachment = row.get<std::optional<std::string>>(4);
  plan.lcd_message = row.get<std::optional<std::string>>(5);
  plan.instructions_url = row.get<std::optional<std::string>>(6);
  return plan;
}

constexpr ConstraintField kPlanConstraints[] = {{"FOREIGN KEY", "machine"}};

ListQuery filtered(std::string select, const MaintenanceFilter& filter) {
  ListQuery query(std::move(select));
  if (filter.machine_id) query.where("machine_id = ?", {*filter.machine_id});
  return query;
}

}  // namespace

Id MaintenancesRepository::create(const MaintenancePlan& plan) {
  return translating_conflicts(kPlanConstraints, [&] {
    Transaction tx(conn_);
    conn_.execute(
        "INSERT INTO maintenances (hours_between, description, machine_id, attachment, "
        "lcd_message, instructions_url) VALUES (?, ?, ?, ?, ?, ?)",
        plan.hours_between, plan.description, plan.machine_id, plan.attachment, plan.lcd_message,
        plan.instructions_url);
    const Id id = conn_.last_insert_rowid();
    recompute_plan(conn_, id);
    tx.commit();
    return id;
  });
}

std::vector<MaintenancePlan> MaintenancesRepository::get_many(std::span<const Id> ids) {
  return rows_with_ids(conn_, kSelect, "maintenance_id", ids, read_plan);
}

std::optional<MaintenancePlan> MaintenancesRepository::get(Id id) {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " WHERE maintenance_id = ?");
  stmt->bind(1, id);
  if (!stmt->step()) return std::nullopt;
  return read_plan(*stmt);
}

std::vector<MaintenancePlan> MaintenancesRepository::list(const MaintenanceFilter& filter,
                                                          const Page& page) {
  auto query = filtered(std::string(kSelect), filter);
  query.order_by("machine_id, maintenance_id").page(page);
  auto stmt = query.prepare(conn_);
  std::vector<MaintenancePlan> plans;
  while (stmt->step())
    plans.push_back(read_plan(*stmt));
  return plans;
}

void MaintenancesRepository::each(const MaintenanceFilter& filter,
                                  const std::function<void(const MaintenancePlan&)>& row) {
  auto query = filtered(std::string(kSelect), filter);
  query.order_by("machine_id, maintenance_id");
  auto stmt = query.prepare(conn_);
  while (stmt->step()) {
    row(read_plan(*stmt));
  }
}

std::int64_t MaintenancesRepository::count(const MaintenanceFilter& filter) {
  auto stmt = filtered("SELECT COUNT(*) FROM maintenances", filter).prepare(conn_);
  stmt->step();
  return stmt->get<std::int64_t>(0);
}

bool MaintenancesRepository::update(const MaintenancePlan& plan) {
  return translating_conflicts(kPlanConstraints, [&] {
    Transaction tx(conn_);
    const bool changed =
        conn_.execute(
            "UPDATE maintenances SET hours_between = ?, description = ?, machine_id = ?, "
            "attachment = ?, lcd_message = ?, instructions_url = ? WHERE maintenance_id = ?",
            plan.hours_between, plan.description, plan.machine_id, plan.attachment,
            plan.lcd_message, plan.instructions_url, plan.id) == 1;
    if (changed) recompute_plan(conn_, plan.id);
    tx.commit();
    return changed;
  });
}

PlanCascade MaintenancesRepository::cascade_counts(Id id) {
  return PlanCascade{.interventions = conn_.query_one<std::int64_t>(
                         "SELECT COUNT(*) FROM interventions WHERE maintenance_id = ?", id)};
}

std::optional<PlanCascade> MaintenancesRepository::remove(Id id) {
  Transaction tx(conn_);
  if (!get(id)) return std::nullopt;
  PlanCascade gone;
  gone.interventions = conn_.execute("DELETE FROM interventions WHERE maintenance_id = ?", id);
  forget_plan(conn_, id);
  conn_.execute("DELETE FROM maintenances WHERE maintenance_id = ?", id);
  tx.commit();
  return gone;
}

}  // namespace fabomatic::db
