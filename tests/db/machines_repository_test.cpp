#include "db/machines_repository.hpp"

#include "db/authorizations_repository.hpp"
#include "db/boards_repository.hpp"
#include "db/interventions_repository.hpp"
#include "db/maintenances_repository.hpp"
#include "db/repository.hpp"
#include "db/unknown_cards_repository.hpp"
#include "db/uses_repository.hpp"
#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

class MachinesRepositoryTest : public RepoTest {
 protected:
  MachinesRepository machines{conn};
  Id type = add_type("LASER");
};

std::vector<Id> ids(const std::vector<Machine>& list) {
  std::vector<Id> out;
  for (const auto& m : list)
    out.push_back(m.id);
  return out;
}

TEST_F(MachinesRepositoryTest, CreateGetByNameUpdateTouch) {
  const Id id = machines.create(
      Machine{.name = "LASER 1", .type_id = type, .hours = 1.5, .blocked = true, .last_seen = 10});
  const auto machine = machines.get(id);
  ASSERT_TRUE(machine);
  EXPECT_EQ(machine->name, "LASER 1");
  EXPECT_EQ(machine->type_id, type);
  EXPECT_DOUBLE_EQ(machine->hours, 1.5);
  EXPECT_TRUE(machine->blocked);
  EXPECT_EQ(machine->last_seen, 10.0);
  EXPECT_EQ(machines.by_name("LASER 1")->id, id);
  EXPECT_FALSE(machines.by_name("LASER 2"));

  EXPECT_TRUE(machines.update(Machine{.id = id, .name = "LASER A", .hours = 3}));
  const auto changed = machines.get(id);
  EXPECT_EQ(changed->name, "LASER A");
  EXPECT_FALSE(changed->type_id);
  EXPECT_DOUBLE_EQ(changed->hours, 3);
  EXPECT_FALSE(changed->blocked);
  EXPECT_FALSE(changed->last_seen);
  EXPECT_FALSE(machines.update(Machine{.id = 999, .name = "X"}));

  EXPECT_TRUE(machines.touch(id, 1234.5));
  EXPECT_EQ(machines.get(id)->last_seen, 1234.5);
  EXPECT_FALSE(machines.touch(999, 1));
}

TEST_F(MachinesRepositoryTest, CreateKeepsAGivenIdSoADiscoveredBoardCanBeAdopted) {
  EXPECT_EQ(machines.create(Machine{.id = 42, .name = "NEW"}), 42);
  EXPECT_EQ(machines.get(42)->name, "NEW");
  try {
    machines.create(Machine{.id = 42, .name = "OTHER"});
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "id");
  }
}

// After the largest id a board may use, SQLite would pick random 63-bit ids: new machines take
// the next id after the largest below the cap, or the lowest free one when the cap is taken.
TEST_F(MachinesRepositoryTest, NewIdsStayWithinTheIdsABoardMayUse) {
  EXPECT_EQ(machines.create(Machine{.name = "FIRST"}), 1);
  EXPECT_EQ(machines.create(Machine{.id = 7, .name = "SEVENTH"}), 7);
  EXPECT_EQ(machines.create(Machine{.name = "NEXT"}), 8);
  EXPECT_EQ(machines.create(Machine{.id = kMaxChosenMachineId, .name = "LAST"}),
            kMaxChosenMachineId);
  EXPECT_EQ(machines.create(Machine{.name = "GAP"}), 2);
  EXPECT_EQ(machines.create(Machine{.name = "GAP 2"}), 3);
  try {
    machines.create(Machine{.id = kMaxChosenMachineId + 1, .name = "TOO FAR"});
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "id");
  }
  EXPECT_FALSE(machines.by_name("TOO FAR"));
}

TEST_F(MachinesRepositoryTest, ConflictsNameTheField) {
  const Id id = add_machine("LASER 1", type);
  try {
    add_machine("LASER 1");
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "name");
  }
  try {
    add_machine("LASER 2", 999);
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "type");
  }
  auto machine = *machines.get(id);
  machine.type_id = 999;
  EXPECT_THROW(machines.update(machine), Conflict);
}

// Staff read "Laser 1" and "LASER 1" as one name: a new or changed name another machine holds
// in any case is taken. Legacy rows that already differ only by case keep working: a row whose
// name does not change can still be saved.
TEST_F(MachinesRepositoryTest, NamesAreTakenWhateverTheirCase) {
  const Id laser = add_machine("LASER 1", type);
  try {
    add_machine("laser 1");
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "name");
  }
  const Id drill = add_machine("Drill", type);
  auto renamed = *machines.get(drill);
  renamed.name = "Laser 1";
  EXPECT_THROW(machines.update(renamed), Conflict);
  renamed.name = "DRILL";  // its own name in another case
  EXPECT_TRUE(machines.update(renamed));
  conn.execute(
      "INSERT INTO machines (machine_id, machine_name, machine_hours, blocked) "
      "VALUES (50, 'laser 1', 0, 0)");  // a legacy file's case twin
  auto twin = *machines.get(50);
  twin.blocked = true;
  EXPECT_TRUE(machines.update(twin));
  EXPECT_TRUE(machines.get(laser));
}

TEST_F(MachinesRepositoryTest, ListFiltersSortsAndPages) {
  const Id other = add_type("PRINTER");
  const Id a = machines.create(Machine{.name = "b laser", .type_id = type, .hours = 5});
  const Id b = machines.create(
      Machine{.name = "A printer", .type_id = other, .blocked = true, .last_seen = 3});
  const Id c = machines.create(Machine{.name = "C laser", .type_id = type, .hours = 1});
  EXPECT_EQ(ids(machines.list()), (std::vector<Id>{a, b, c}));
  EXPECT_EQ(machines.count(), 3);
  EXPECT_EQ(ids(machines.list({.type_id = type})), (std::vector<Id>{a, c}));
  EXPECT_EQ(ids(machines.list({.blocked = true})), (std::vector<Id>{b}));
  EXPECT_EQ(ids(machines.list({.search = "LASER"})), (std::vector<Id>{a, c}));
  EXPECT_EQ(machines.count({.search = "print"}), 1);
  EXPECT_EQ(ids(machines.list({.sort = MachineSort::Name})), (std::vector<Id>{b, a, c}));
  EXPECT_EQ(ids(machines.list({.sort = MachineSort::Hours, .descending = true})),
            (std::vector<Id>{a, c, b}));
  EXPECT_EQ(ids(machines.list({.sort = MachineSort::Type})), (std::vector<Id>{a, c, b}));
  EXPECT_EQ(ids(machines.list({.sort = MachineSort::LastSeen, .descending = true})),
            (std::vector<Id>{b, c, a}));
  EXPECT_EQ(ids(machines.list({}, {.limit = 1, .offset = 1})), (std::vector<Id>{b}));
}

class MachineCascadeTest : public MachinesRepositoryTest {
 protected:
  // Fills machine `m` with one row of each kind (two uses, two interventions) and returns it.
  Id populated(const std::string& name) {
    const Id m = add_machine(name, type);
    const Id role = add_role("role of " + name);
    const Id user = add_user("user of " + name, role, std::nullopt);
    BoardsRepository(conn).upsert(m, BoardReport{.ip_address = "10.0.0.1", .fw_version = "1"}, 5);
    const Id plan = MaintenancesRepository(conn).create(
        MaintenancePlan{.hours_between = 1, .description = "clean", .machine_id = m});
    InterventionsRepository interventions(conn);
    interventions.create(
        Intervention{.maintenance_id = plan, .machine_id = m, .user_id = user, .timestamp = 1});
    interventions.create(
        Intervention{.maintenance_id = plan, .machine_id = m, .user_id = user, .timestamp = 2});
    AuthorizationsRepository(conn).create(user, m);
    UsesRepository uses(conn);
    uses.record_closed(user, m, 10, 20, false);
    uses.start(user, m, 30, 30, false);
    UnknownCardsRepository(conn).record("deadbeef", m, 40);
    return m;
  }
};

TEST_F(MachineCascadeTest, CountsWhatRemoveDeletesAndRemoveDeletesExactlyThat) {
  const Id doomed = populated("DOOMED");
  const Id kept = populated("KEPT");
  const MachineCascade expected{.boards = 1,
                                .plans = 1,
                                .interventions = 2,
                                .authorizations = 1,
                                .uses = 2,
                                .unknown_cards = 1};
  EXPECT_EQ(machines.cascade_counts(doomed), expected);
  EXPECT_EQ(expected.total(), 8);

  const auto gone = machines.remove(doomed);
  ASSERT_TRUE(gone);
  EXPECT_EQ(*gone, expected);
  EXPECT_FALSE(machines.get(doomed));
  EXPECT_EQ(machines.cascade_counts(doomed), MachineCascade{});
  EXPECT_EQ(conn.query_one<std::int64_t>(
                "SELECT COUNT(*) FROM maintenance_counters WHERE machine_id = ?", doomed),
            0);
  // The other machine keeps everything.
  EXPECT_EQ(machines.cascade_counts(kept), expected);
  EXPECT_EQ(count_rows("maintenance_counters"), 1);
  EXPECT_FALSE(machines.remove(doomed));
}

TEST_F(MachineCascadeTest, RemoveAlsoDeletesInterventionsOfItsPlansFiledUnderAnotherMachine) {
  const Id doomed = populated("DOOMED");
  const Id kept = populated("KEPT");
  const Id plan =
      conn.query_one<Id>("SELECT maintenance_id FROM maintenances WHERE machine_id = ?", doomed);
  const Id user = conn.query_one<Id>("SELECT MIN(user_id) FROM users");
  InterventionsRepository(conn).create(
      Intervention{.maintenance_id = plan, .machine_id = kept, .user_id = user, .timestamp = 3});
  EXPECT_EQ(machines.cascade_counts(doomed).interventions, 3);
  EXPECT_EQ(machines.remove(doomed)->interventions, 3);
  EXPECT_EQ(count_rows("interventions"), 2);
}

TEST_F(MachineCascadeTest, AFailingCascadeLeavesEverything) {
  const Id doomed = populated("DOOMED");
  // A trigger makes the last delete fail: nothing of the cascade may stay deleted.
  conn.exec(
      "CREATE TEMP TRIGGER refuse BEFORE DELETE ON machines BEGIN SELECT RAISE(ABORT, 'no'); END");
  EXPECT_THROW(machines.remove(doomed), Error);
  EXPECT_EQ(machines.cascade_counts(doomed).total(), 8);
  EXPECT_TRUE(machines.get(doomed));
  EXPECT_EQ(count_rows("maintenance_counters"), 1);
}

}  // namespace
}  // namespace fabomatic::db::test
