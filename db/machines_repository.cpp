#include "db/machines_repository.hpp"

#include <algorithm>
#include <string>

#include "db/maintenance_due.hpp"
#include "db/repository.hpp"

namespace fabomatic::db {

namespace {

constexpr NamedTable kNamed = {"machines", "machine_id", "machine_name"};

constexpr std::string_view kSelect =
    "SELECT machine_id, machine_name, machine_type_id, machine_hours, blocked, last_seen "
    "FROM machines";

Machine read_machine(const Statement& row) {
  Machine machine;
  machine.id = row.get<Id>(0);
  machine.name = row.get<std::string>(1);
  machine.type_id = row.get<std::optional<Id>>(2);
  machine.hours = row.get<double>(3);
  machine.blocked = row.get<bool>(4);
  machine.last_seen = row.get<std::optional<double>>(5);
  return machine;
}

std::optional<Machine> read_one(CachedStatement stmt) {
  if (!stmt->step()) return std::nullopt;
  return read_machine(*stmt);
}

// A foreign key failure on machines can only be its type (the only reference it holds).
constexpr ConstraintField kMachineConstraints[] = {
    {"machines.machine_name", "name"}, {"machines.machine_id", "id"}, {"FOREIGN KEY", "type"}};

std::string_view order_of(MachineSort sort) {
  switch (sort) {
    case MachineSort::Name:
      return "machine_name COLLATE NOCASE %, machine_id %";
    case MachineSort::Type:
      return "machine_type_id %, machine_id %";
    case MachineSort::Hours:
      return "machine_hours %, machine_id %";
    case MachineSort::LastSeen:
      return "last_seen %, machine_id %";
    case MachineSort::Id:
      break;
  }
  return "machine_id %";
}

ListQuery filtered(std::string select, const MachineFilter& filter) {
  ListQuery query(std::move(select));
  if (filter.type_id) query.where("machine_type_id = ?", {*filter.type_id});
  if (filter.blocked) query.where("blocked = ?", {std::int64_t{*filter.blocked ? 1 : 0}});
  if (filter.search && !filter.search->empty())
    query.where("machine_name LIKE ? ESCAPE '\\'", {contains_pattern(*filter.search)});
  return query;
}

// The machine's plans, as the subquery the cascade statements share.
constexpr std::string_view kPlansOf =
    "SELECT maintenance_id FROM maintenances WHERE machine_id = ?";

}  // namespace

// SQLite's own choice would be the largest id + 1, and random 63-bit ids once the largest
// possible is taken: the id after the largest one within kMaxChosenMachineId, else the lowest
// free one (a deleted machine's id is only reused when nothing above is left).
Id MachinesRepository::next_free_id() {
  const Id last =
      conn_.query_one<Id>("SELECT COALESCE(MAX(machine_id), 0) FROM machines WHERE machine_id <= ?",
                          kMaxChosenMachineId);
  if (last < kMaxChosenMachineId) return std::max<Id>(last, 0) + 1;
  const auto gap = conn_.query_one<std::optional<Id>>(
      "SELECT MIN(free) FROM (SELECT 1 AS free WHERE NOT EXISTS "
      "(SELECT 1 FROM machines WHERE machine_id = 1) UNION ALL SELECT m.machine_id + 1 FROM "
      "machines AS m WHERE m.machine_id BETWEEN 1 AND ? AND NOT EXISTS "
      "(SELECT 1 FROM machines AS n WHERE n.machine_id = m.machine_id + 1))",
      kMaxChosenMachineId - 1);
  if (!gap) throw Conflict("id", "every machine id up to 2147483647 is taken");
  return *gap;
}

Id MachinesRepository::create(const Machine& machine) {
  if (machine.id > kMaxChosenMachineId) {
    throw Conflict("id", "a machine id is at most " + std::to_string(kMaxChosenMachineId));
  }
  return translating_conflicts(kMachineConstraints, [&] {
    refuse_name_of_another(conn_, kNamed, machine.name, std::nullopt);
    const Id id = machine.id > 0 ? machine.id : next_free_id();
    conn_.execute(
        "INSERT INTO machines (machine_id, machine_name, machine_type_id, machine_hours, "
        "blocked, last_seen) VALUES (?, ?, ?, ?, ?, ?)",
        id, machine.name, machine.type_id, machine.hours, machine.blocked, machine.last_seen);
    return conn_.last_insert_rowid();
  });
}

std::vector<Machine> MachinesRepository::get_many(std::span<const Id> ids) {
  return rows_with_ids(conn_, kSelect, "machine_id", ids, read_machine);
}

std::optional<Machine> MachinesRepository::get(Id id) {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " WHERE machine_id = ?");
  stmt->bind(1, id);
  return read_one(std::move(stmt));
}

std::optional<Machine> MachinesRepository::by_name(std::string_view name) {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " WHERE machine_name = ?");
  stmt->bind(1, name);
  return read_one(std::move(stmt));
}

std::vector<Machine> MachinesRepository::list(const MachineFilter& filter, const Page& page) {
  auto query = filtered(std::string(kSelect), filter);
  query.order_by(directed(order_of(filter.sort), filter.descending)).page(page);
  auto stmt = query.prepare(conn_);
  std::vector<Machine> machines;
  while (stmt->step())
    machines.push_back(read_machine(*stmt));
  return machines;
}

std::int64_t MachinesRepository::count(const MachineFilter& filter) {
  auto stmt = filtered("SELECT COUNT(*) FROM machines", filter).prepare(conn_);
  stmt->step();
  return stmt->get<std::int64_t>(0);
}

bool MachinesRepository::update(const Machine& machine) {
  return translating_conflicts(kMachineConstraints, [&] {
    refuse_name_of_another(conn_, kNamed, machine.name, machine.id);
    return conn_.execute(
               "UPDATE machines SET machine_name = ?, machine_type_id = ?, machine_hours = ?, "
               "blocked = ?, last_seen = ? WHERE machine_id = ?",
               machine.name, machine.type_id, machine.hours, machine.blocked, machine.last_seen,
               machine.id) == 1;
  });
}

bool MachinesRepository::touch(Id id, Timestamp when) {
  return conn_.execute("UPDATE machines SET last_seen = ? WHERE machine_id = ?", when, id) == 1;
}

MachineCascade MachinesRepository::cascade_counts(Id id) {
  MachineCascade counts;
  counts.boards =
      conn_.query_one<std::int64_t>("SELECT COUNT(*) FROM boards WHERE machine_id = ?", id);
  counts.plans =
      conn_.query_one<std::int64_t>("SELECT COUNT(*) FROM maintenances WHERE machine_id = ?", id);
  // Interventions of the machine, and those of its plans recorded under another machine id.
  counts.interventions = conn_.query_one<std::int64_t>(
      "SELECT COUNT(*) FROM interventions WHERE machine_id = ? OR maintenance_id IN (" +
          std::string(kPlansOf) + ")",
      id, id);
  counts.authorizations =
      conn_.query_one<std::int64_t>("SELECT COUNT(*) FROM authorizations WHERE machine_id = ?", id);
  counts.uses = conn_.query_one<std::int64_t>("SELECT COUNT(*) FROM uses WHERE machine_id = ?", id);
  counts.unknown_cards =
      conn_.query_one<std::int64_t>("SELECT COUNT(*) FROM unknown_cards WHERE machine_id = ?", id);
  return counts;
}

std::optional<MachineCascade> MachinesRepository::remove(Id id) {
  Transaction tx(conn_);
  if (!get(id)) return std::nullopt;
  MachineCascade gone;
  // Children first: the legacy foreign keys have no ON DELETE rule.
  gone.interventions =
      conn_.execute("DELETE FROM interventions WHERE machine_id = ? OR maintenance_id IN (" +
                        std::string(kPlansOf) + ")",
                    id, id);
  forget_machine(conn_, id);
  gone.plans = conn_.execute("DELETE FROM maintenances WHERE machine_id = ?", id);
  gone.boards = conn_.execute("DELETE FROM boards WHERE machine_id = ?", id);
  gone.authorizations = conn_.execute("DELETE FROM authorizations WHERE machine_id = ?", id);
  gone.uses = conn_.execute("DELETE FROM uses WHERE machine_id = ?", id);
  gone.unknown_cards = conn_.execute("DELETE FROM unknown_cards WHERE machine_id = ?", id);
  conn_.execute("DELETE FROM machines WHERE machine_id = ?", id);
  tx.commit();
  return gone;
}

}  // namespace fabomatic::db
