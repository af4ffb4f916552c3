#include "db/interventions_repository.hpp"

#include "db/maintenance_due.hpp"
#include "db/repository.hpp"

namespace fabomatic::db {

namespace {

constexpr std::string_view kSelect =
    "SELECT intervention_id, maintenance_id, machine_id, user_id, timestamp, replay "
    "FROM interventions";

Intervention read_intervention(const Statement& row) {
  Intervention intervention;
  intervention.id = row.get<Id>(0);
  intervention.maintenance_id = row.get<Id>(1);
  intervention.machine_id = row.get<Id>(2);
  intervention.user_id = row.get<Id>(3);
  intervention.timestamp = row.get<double>(4);
  intervention.replay = row.get<std::optional<bool>>(5).value_or(false);
  return intervention;
}

std::string_view order_of(InterventionSort sort) {
  switch (sort) {
    case InterventionSort::Id:
      return "intervention_id %";
    case InterventionSort::Machine:
      return "machine_id %, timestamp %, intervention_id %";
    case InterventionSort::User:
      return "user_id %, timestamp %, intervention_id %";
    case InterventionSort::Timestamp:
      break;
  }
  return "timestamp %, intervention_id %";
}

ListQuery filtered(std::string select, const InterventionFilter& filter) {
  ListQuery query(std::move(select));
  if (filter.machine_id) query.where("machine_id = ?", {*filter.machine_id});
  if (filter.maintenance_id) query.where("maintenance_id = ?", {*filter.maintenance_id});
  if (filter.user_id) query.where("user_id = ?", {*filter.user_id});
  if (filter.from) query.where("timestamp >= ?", {*filter.from});
  if (filter.before) query.where("timestamp < ?", {*filter.before});
  return query;
}

}  // namespace

Id InterventionsRepository::create(const Intervention& intervention) {
  return translating_conflicts(std::span<const ConstraintField>(), [&] {
    Transaction tx(conn_);
    conn_.execute(
        "INSERT INTO interventions (maintenance_id, machine_id, user_id, timestamp, replay) "
        "VALUES (?, ?, ?, ?, ?)",
        intervention.maintenance_id, intervention.machine_id, intervention.user_id,
        intervention.timestamp, intervention.replay);
    const Id id = conn_.last_insert_rowid();
    recompute_plan(conn_, intervention.maintenance_id);
    tx.commit();
    return id;
  });
}

std::vector<Id> InterventionsRepository::record_due(Id machine_id, Id user_id, db::Timestamp now,
                                                    bool replay) {
  Transaction tx(conn_);
  const auto due = due_plans(conn_, machine_id);
  for (Id plan_id : due.plan_ids) {
    create(Intervention{.maintenance_id = plan_id,
                        .machine_id = machine_id,
                        .user_id = user_id,
                        .timestamp = now,
                        .replay = replay});
  }
  tx.commit();
  return due.plan_ids;
}

std::optional<Intervention> InterventionsRepository::get(Id id) {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " WHERE intervention_id = ?");
  stmt->bind(1, id);
  if (!stmt->step()) return std::nullopt;
  return read_intervention(*stmt);
}

std::vector<Intervention> InterventionsRepository::list(const InterventionFilter& filter,
                                                        const Page& page) {
  auto query = filtered(std::string(kSelect), filter);
  query.order_by(directed(order_of(filter.sort), filter.descending)).page(page);
  auto stmt = query.prepare(conn_);
  std::vector<Intervention> rows;
  while (stmt->step())
    rows.push_back(read_intervention(*stmt));
  return rows;
}

void InterventionsRepository::each(const InterventionFilter& filter,
                                   const std::function<void(const Intervention&)>& row) {
  auto query = filtered(std::string(kSelect), filter);
  query.order_by(directed(order_of(filter.sort), filter.descending));
  auto stmt = query.prepare(conn_);
  while (stmt->step()) {
    row(read_intervention(*stmt));
  }
}

std::int64_t InterventionsRepository::count(const InterventionFilter& filter) {
  auto stmt = filtered("SELECT COUNT(*) FROM interventions", filter).prepare(conn_);
  stmt->step();
  return stmt->get<std::int64_t>(0);
}

bool InterventionsRepository::update(const Intervention& intervention) {
  return translating_conflicts(std::span<const ConstraintField>(), [&] {
    Transaction tx(conn_);
    const auto before = get(intervention.id);
    if (!before) return false;
    conn_.execute(
        "UPDATE interventions SET maintenance_id = ?, machine_id = ?, user_id = ?, timestamp = ?, "
        "replay = ? WHERE intervention_id = ?",
        intervention.maintenance_id, intervention.machine_id, intervention.user_id,
        intervention.timestamp, intervention.replay, intervention.id);
    recompute_plan(conn_, before->maintenance_id);
    if (intervention.maintenance_id != before->maintenance_id)
      recompute_plan(conn_, intervention.maintenance_id);
    tx.commit();
    return true;
  });
}

bool InterventionsRepository::remove(Id id) {
  Transaction tx(conn_);
  const auto before = get(id);
  if (!before) return false;
  conn_.execute("DELETE FROM interventions WHERE intervention_id = ?", id);
  recompute_plan(conn_, before->maintenance_id);
  tx.commit();
  return true;
}

}  // namespace fabomatic::db
