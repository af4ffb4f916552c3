#include "db/machine_types_repository.hpp"

#include "db/repository.hpp"

namespace fabomatic::db {

namespace {

constexpr NamedTable kNamed = {"machine_types", "type_id", "type_name"};

// A type without a grace value (a database first made by 0.0.18, before the column existed)
// has 2 minutes: the Python backend sent such a type's grace as null, and the board's firmware
// then powers off after its DEFAULT_GRACE_PERIOD, 2 minutes (also the Python model's default).
// Read as 0, the board would cut the power at once instead (docs/board-protocol.md).
constexpr std::int64_t kGraceWhenUnsetMin = 2;

constexpr std::string_view kSelect =
    "SELECT type_id, type_name, type_timeout_min, grace_period_min, access_management "
    "FROM machine_types";

MachineType read_type(const Statement& row) {
  MachineType type;
  type.id = row.get<Id>(0);
  type.name = row.get<std::string>(1);
  type.timeout_min = row.get<std::int64_t>(2);
  type.grace_period_min = row.get<std::optional<std::int64_t>>(3).value_or(kGraceWhenUnsetMin);
  type.access_management = row.get<std::optional<std::int64_t>>(4).value_or(0);
  return type;
}

std::optional<MachineType> read_one(CachedStatement stmt) {
  if (!stmt->step()) return std::nullopt;
  return read_type(*stmt);
}

constexpr ConstraintField kUniqueName[] = {{"machine_types.type_name", "name"}};

}  // namespace

Id MachineTypesRepository::create(const MachineType& type) {
  return translating_conflicts(kUniqueName, [&] {
    refuse_name_of_another(conn_, kNamed, type.name, std::nullopt);
    conn_.execute(
        "INSERT INTO machine_types (type_name, type_timeout_min, grace_period_min, "
        "access_management) VALUES (?, ?, ?, ?)",
        type.name, type.timeout_min, type.grace_period_min, type.access_management);
    return conn_.last_insert_rowid();
  });
}

std::optional<MachineType> MachineTypesRepository::get(Id id) {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " WHERE type_id = ?");
  stmt->bind(1, id);
  return read_one(std::move(stmt));
}

std::optional<MachineType> MachineTypesRepository::by_name(std::string_view name) {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " WHERE type_name = ?");
  stmt->bind(1, name);
  return read_one(std::move(stmt));
}

std::vector<MachineType> MachineTypesRepository::list() {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " ORDER BY type_id");
  std::vector<MachineType> types;
  while (stmt->step())
    types.push_back(read_type(*stmt));
  return types;
}

bool MachineTypesRepository::update(const MachineType& type) {
  return translating_conflicts(kUniqueName, [&] {
    refuse_name_of_another(conn_, kNamed, type.name, type.id);
    return conn_.execute(
               "UPDATE machine_types SET type_name = ?, type_timeout_min = ?, "
               "grace_period_min = ?, access_management = ? WHERE type_id = ?",
               type.name, type.timeout_min, type.grace_period_min, type.access_management,
               type.id) == 1;
  });
}

bool MachineTypesRepository::remove(Id id) {
  return translating_conflicts(std::span<const ConstraintField>(), [&] {
    return conn_.execute("DELETE FROM machine_types WHERE type_id = ?", id) == 1;
  });
}

std::int64_t MachineTypesRepository::count_machines(Id id) {
  return conn_.query_one<std::int64_t>("SELECT COUNT(*) FROM machines WHERE machine_type_id = ?",
                                       id);
}

std::map<Id, std::int64_t> MachineTypesRepository::machine_counts() {
  return counts_by_id(conn_,
                      "SELECT machine_type_id, COUNT(*) FROM machines "
                      "WHERE machine_type_id IS NOT NULL GROUP BY machine_type_id");
}

}  // namespace fabomatic::db
