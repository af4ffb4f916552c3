#include "db/maintenance_due.hpp"

#include <sqlite3.h>

#include <functional>
#include <random>

#include "db/database.hpp"
#include "db/interventions_repository.hpp"
#include "db/maintenances_repository.hpp"
#include "db/uses_repository.hpp"
#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

constexpr double kHour = 3600;

class MaintenanceDueTest : public RepoTest {
 protected:
  UsesRepository uses{conn};
  MaintenancesRepository plans{conn};
  InterventionsRepository interventions{conn};
  Id m1 = add_machine("M1");
  Id m2 = add_machine("M2");
  Id user = add_user("Staff", add_role("Fab Staff", true, true), "000000a1");

  Id plan(Id machine, double hours, std::optional<std::string> lcd = std::nullopt) {
    return plans.create(MaintenancePlan{
        .hours_between = hours, .description = "plan", .machine_id = machine, .lcd_message = lcd});
  }
  Id used(Id machine, double start, double hours) {
    return uses.record_closed(user, machine, start, start + hours * kHour, false);
  }
  Id serviced(Id plan_id, Id machine, double when) {
    return interventions.create(Intervention{
        .maintenance_id = plan_id, .machine_id = machine, .user_id = user, .timestamp = when});
  }

  // The definition of docs/board-protocol.md, computed from scratch.
  double brute_used_hours(Id plan_id) {
    const Id machine =
        conn.query_one<Id>("SELECT machine_id FROM maintenances WHERE maintenance_id = ?", plan_id);
    const double since = conn.query_one<double>(
        "SELECT COALESCE(MAX(timestamp), 0) FROM interventions WHERE maintenance_id = ?", plan_id);
    return conn.query_one<double>(
               "SELECT COALESCE(SUM(end_timestamp - start_timestamp), 0) FROM uses WHERE "
               "machine_id = ? AND start_timestamp > ? AND end_timestamp IS NOT NULL",
               machine, since) /
           kHour;
  }
  void expect_counters_match_history() {
    for (Id machine : {m1, m2}) {
      for (const auto& status : plan_statuses(conn, machine)) {
        EXPECT_NEAR(status.used_hours, brute_used_hours(status.plan_id), 1e-6)
            << "plan " << status.plan_id;
        EXPECT_EQ(status.due, status.used_hours > status.hours_between);
      }
    }
  }
};

TEST_F(MaintenanceDueTest, AMachineWithoutPlansIsNeverDue) {
  used(m1, 100, 1000);
  EXPECT_FALSE(any_due(conn, m1));
  EXPECT_TRUE(due_plans(conn, m1).plan_ids.empty());
  EXPECT_EQ(due_plans(conn, m1).lcd_message, "");
  EXPECT_TRUE(plan_statuses(conn, m1).empty());
}

TEST_F(MaintenanceDueTest, DueOnceUsedMoreThanHoursBetween) {
  const Id p = plan(m1, 10, "Clean lens");
  used(m1, 100, 6);
  used(m1, 100000, 4);  // exactly 10 h: not more than
  used(m2, 100, 50);    // another machine
  auto statuses = plan_statuses(conn, m1);
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].plan_id, p);
  EXPECT_EQ(statuses[0].machine_id, m1);
  EXPECT_DOUBLE_EQ(statuses[0].used_hours, 10);
  EXPECT_EQ(statuses[0].hours_between, 10.0);
  EXPECT_EQ(statuses[0].since, 0.0);
  EXPECT_EQ(statuses[0].lcd_message, "Clean lens");
  EXPECT_FALSE(statuses[0].due);
  EXPECT_FALSE(any_due(conn, m1));

  used(m1, 200000, 0.5);
  const auto due = due_plans(conn, m1);
  EXPECT_EQ(due.plan_ids, (std::vector<Id>{p}));
  EXPECT_EQ(due.lcd_message, "Clean lens");
  EXPECT_TRUE(due.any());
  ASSERT_EQ(due.plans.size(), 1u);
  EXPECT_DOUBLE_EQ(due.plans[0].used_hours, 10.5);
  EXPECT_DOUBLE_EQ(plan_statuses(conn, m1)[0].used_hours, 10.5);
}

TEST_F(MaintenanceDueTest, OpenUsesDoNotCountUntilTheyClose) {
  plan(m1, 1);
  const Id open = uses.start(user, m1, 100, 100, false);
  uses.refresh(open, 100 + 5 * kHour);
  EXPECT_FALSE(any_due(conn, m1));
  uses.close(open, 100 + 2 * kHour, 100 + 5 * kHour);
  EXPECT_TRUE(any_due(conn, m1));
}

TEST_F(MaintenanceDueTest, AnInterventionResetsThePlanAndOnlyLaterStartsCount) {
  const Id p = plan(m1, 2);
  used(m1, 100, 3);
  EXPECT_TRUE(any_due(conn, m1));
  // A use that started before the intervention and closes after it does not count.
  const Id spanning = uses.start(user, m1, 20000, 20000, false);
  serviced(p, m1, 20001);
  EXPECT_FALSE(any_due(conn, m1));
  EXPECT_EQ(plan_statuses(conn, m1)[0].since, 20001.0);
  uses.close(spanning, 20000 + 5 * kHour, 20000 + 5 * kHour);
  EXPECT_FALSE(any_due(conn, m1));
  EXPECT_DOUBLE_EQ(plan_statuses(conn, m1)[0].used_hours, 0);
  used(m1, 50000, 1.5);
  EXPECT_FALSE(any_due(conn, m1));
  used(m1, 60000, 1);
  EXPECT_TRUE(any_due(conn, m1));
  // An older intervention entered afterwards does not move `since` back.
  serviced(p, m1, 10);
  EXPECT_EQ(plan_statuses(conn, m1)[0].since, 20001.0);
  EXPECT_TRUE(any_due(conn, m1));
  expect_counters_match_history();
}

TEST_F(MaintenanceDueTest, SeveralDuePlansAndTheLcdMessageOfTheLowestId) {
  const Id no_message = plan(m1, 1);
  const Id with_message = plan(m1, 1, "Oil");
  const Id not_due = plan(m1, 100, "Later");
  used(m1, 100, 2);
  auto due = due_plans(conn, m1);
  EXPECT_EQ(due.plan_ids, (std::vector<Id>{no_message, with_message}));
  EXPECT_EQ(due.lcd_message, "");  // the lowest due plan has none
  serviced(no_message, m1, 10000);
  due = due_plans(conn, m1);
  EXPECT_EQ(due.plan_ids, (std::vector<Id>{with_message}));
  EXPECT_EQ(due.lcd_message, "Oil");
  (void)not_due;
}

TEST_F(MaintenanceDueTest, MachinesWithDuePlans) {
  plan(m1, 1);
  plan(m2, 1);
  EXPECT_TRUE(machines_with_due_plans(conn).empty());
  used(m2, 100, 2);
  EXPECT_EQ(machines_with_due_plans(conn), (std::vector<Id>{m2}));
  used(m1, 100, 2);
  EXPECT_EQ(machines_with_due_plans(conn), (std::vector<Id>{m1, m2}));
}

// A use closed at its last-seen time and then given its real end by its board, or opened again,
// moves the hours and counters by the difference only.
TEST_F(MaintenanceDueTest, AnEstimatedEndCompletedOrReopenedKeepsTheCountersEqualToTheDefinition) {
  const Id p = plan(m1, 2);
  const Id a = uses.start(user, m1, 1000, 1000 + kHour, false);
  ASSERT_EQ(uses.close_stale(1000 + 3 * kHour), 1);
  EXPECT_TRUE(uses.get(a)->end_estimated);
  expect_counters_match_history();
  EXPECT_NEAR(machine_hours(m1), 1.0, 1e-9);
  ASSERT_TRUE(uses.complete(*uses.get(a), 1000 + 2.5 * kHour, 1000 + 4 * kHour));
  EXPECT_FALSE(uses.get(a)->end_estimated);
  EXPECT_NEAR(machine_hours(m1), 2.5, 1e-9);
  expect_counters_match_history();
  EXPECT_TRUE(due_plans(conn, m1).plan_ids == std::vector<Id>{p});
  EXPECT_FALSE(uses.complete(*uses.get(a), 1000 + 9 * kHour, 1000 + 9 * kHour));  // once only

  const Id b = uses.start(user, m1, 20000, 20000 + kHour, false);
  ASSERT_EQ(uses.close_open(m1), 1);
  ASSERT_TRUE(uses.reopen(*uses.get(b), 20000 + 2 * kHour));
  EXPECT_TRUE(uses.get(b)->open());
  EXPECT_EQ(uses.get(b)->last_seen, 20000 + 2 * kHour);
  EXPECT_NEAR(machine_hours(m1), 2.5, 1e-9);
  expect_counters_match_history();
  EXPECT_FALSE(uses.reopen(*uses.get(a), 30000));  // its end is its board's, not an estimate
}

TEST_F(MaintenanceDueTest, AdminEditsOfUsesRecount) {
  plan(m1, 2);
  const Id a = used(m1, 100, 1.5);
  const Id b = used(m1, 10000, 1);
  EXPECT_TRUE(any_due(conn, m1));
  uses.remove(b);
  EXPECT_FALSE(any_due(conn, m1));
  auto use = *uses.get(a);
  use.end = use.start + 3 * kHour;
  uses.update(use);
  EXPECT_TRUE(any_due(conn, m1));
  use.machine_id = m2;  // moved to another machine: m1 has nothing left
  uses.update(use);
  EXPECT_FALSE(any_due(conn, m1));
  EXPECT_DOUBLE_EQ(plan_statuses(conn, m1)[0].used_hours, 0);
  const Id manual = uses.create(
      Use{.user_id = user, .machine_id = m1, .start = 5, .last_seen = 5, .end = 5 + 3 * kHour});
  EXPECT_TRUE(any_due(conn, m1));
  (void)manual;
  expect_counters_match_history();
}

TEST_F(MaintenanceDueTest, AdminEditsOfInterventionsAndPlansRecount) {
  const Id p = plan(m1, 2);
  used(m1, 100, 3);
  const Id i = serviced(p, m1, 50000);
  EXPECT_FALSE(any_due(conn, m1));
  auto row = *interventions.get(i);
  row.timestamp = 50;  // the intervention was in fact before the use
  interventions.update(row);
  EXPECT_TRUE(any_due(conn, m1));
  row.timestamp = 50000;
  interventions.update(row);
  EXPECT_FALSE(any_due(conn, m1));
  interventions.remove(i);
  EXPECT_TRUE(any_due(conn, m1));
  // The plan moves to a machine with no use: not due there, and gone from m1.
  auto moved = *plans.get(p);
  moved.machine_id = m2;
  plans.update(moved);
  EXPECT_FALSE(any_due(conn, m1));
  EXPECT_FALSE(any_due(conn, m2));
  moved.hours_between = 0;
  moved.machine_id = m1;
  plans.update(moved);
  EXPECT_TRUE(any_due(conn, m1));
  expect_counters_match_history();
}

TEST_F(MaintenanceDueTest, RandomOperationsKeepTheCountersEqualToTheDefinition) {
  const std::vector<Id> all_plans{plan(m1, 1), plan(m1, 5), plan(m2, 2), plan(m2, 0.5)};
  std::mt19937 random(1234);
  std::vector<Id> use_ids;
  std::vector<Id> intervention_ids;
  double now = 1000;
  for (int step = 0; step < 400; ++step) {
    now += std::uniform_real_distribution<double>(1, 4000)(random);
    const Id machine = random() % 2 ? m1 : m2;
    switch (random() % 8) {
      case 0:
      case 1:
        use_ids.push_back(used(machine, now, std::uniform_real_distribution<double>(0, 2)(random)));
        break;
      case 2: {
        if (auto open = uses.open_use(machine))
          uses.close(open->id, now, now);
        else
          use_ids.push_back(uses.start(user, machine, now - 100, now, false));
        break;
      }
      case 3: {
        const Id p = all_plans[random() % all_plans.size()];
        intervention_ids.push_back(
            serviced(p, plans.get(p)->machine_id, now - (random() % 3 ? 0 : 50000)));
        break;
      }
      case 4:
        if (!use_ids.empty()) uses.remove(use_ids[random() % use_ids.size()]);
        break;
      case 5:
        if (!use_ids.empty()) {
          if (auto use = uses.get(use_ids[random() % use_ids.size()])) {
            use->start -= 3000;
            uses.update(*use);
          }
        }
        break;
      case 6:
        if (!intervention_ids.empty())
          interventions.remove(intervention_ids[random() % intervention_ids.size()]);
        break;
      case 7:
        uses.close_open(machine);
        break;
    }
  }
  expect_counters_match_history();
}

TEST_F(MaintenanceDueTest, RebuildRepairsCountersAndReadsHealPlansMadeElsewhere) {
  const Id p = plan(m1, 1);
  used(m1, 100, 2);
  conn.exec("UPDATE maintenance_counters SET used_seconds = 0, since = 0");
  EXPECT_FALSE(any_due(conn, m1));  // wrong, as an edit by another tool would leave it
  rebuild(conn);
  EXPECT_TRUE(any_due(conn, m1));
  // A plan inserted behind our back (e.g. by the Python tool) is counted when first read.
  conn.execute(
      "INSERT INTO maintenances (maintenance_id, hours_between, description, machine_id) "
      "VALUES (77, 1, 'raw', ?)",
      m1);
  EXPECT_EQ(due_plans(conn, m1).plan_ids, (std::vector<Id>{p, 77}));
  // Counters of plans deleted behind our back go away with rebuild.
  conn.exec("PRAGMA foreign_keys = OFF");
  conn.exec("DELETE FROM maintenances WHERE maintenance_id = 77");
  conn.exec("PRAGMA foreign_keys = ON");
  rebuild(conn);
  EXPECT_EQ(count_rows("maintenance_counters"), 1);
  expect_counters_match_history();
}

TEST_F(MaintenanceDueTest, StatusesOfSeveralMachinesEqualThoseReadOneByOne) {
  const Id m3 = add_machine("M3");
  const Id m4 = add_machine("M4");
  // m1: no plan. m2: one plan, due. m3: three plans, one due, one serviced, one not due.
  // m4: one plan, not due.
  plan(m2, 1, "Oil");
  const Id serviced_plan = plan(m3, 1, "Lens");
  plan(m3, 2);
  plan(m3, 50, "Later");
  plan(m4, 100);
  used(m2, 100, 3);
  used(m3, 100, 2.5);
  serviced(serviced_plan, m3, 20000);
  used(m3, 30000, 0.5);
  used(m4, 100, 1);

  const std::vector<Id> machines{m4, m1, m3, m2, m3};  // any order, repeats allowed
  const auto batched = plan_statuses_for(conn, machines);
  ASSERT_EQ(batched.size(), 4u);
  int due = 0;
  int not_due = 0;
  for (const Id machine : {m1, m2, m3, m4}) {
    const auto one_by_one = plan_statuses(conn, machine);
    const auto& together = batched.at(machine);
    ASSERT_EQ(together.size(), one_by_one.size()) << machine;
    for (std::size_t i = 0; i < together.size(); ++i) {
      EXPECT_EQ(together[i].plan_id, one_by_one[i].plan_id);
      EXPECT_EQ(together[i].machine_id, machine);
      EXPECT_EQ(together[i].hours_between, one_by_one[i].hours_between);
      EXPECT_EQ(together[i].since, one_by_one[i].since);
      EXPECT_EQ(together[i].used_hours, one_by_one[i].used_hours);
      EXPECT_EQ(together[i].due, one_by_one[i].due);
      EXPECT_EQ(together[i].lcd_message, one_by_one[i].lcd_message);
      EXPECT_EQ(together[i].description, one_by_one[i].description);
      (together[i].due ? due : not_due) += 1;
    }
  }
  EXPECT_EQ(batched.at(m1).size(), 0u);
  EXPECT_EQ(batched.at(m3).size(), 3u);
  EXPECT_EQ(due, 2);  // m2's plan and m3's 2-hour plan (its 1-hour one was serviced since)
  EXPECT_EQ(not_due, 3);
  EXPECT_EQ(batched.at(m3)[0].since, 20000.0);
  EXPECT_EQ(batched.at(m3)[0].description, "plan");
  EXPECT_TRUE(plan_statuses_for(conn, std::vector<Id>{}).empty());
  EXPECT_EQ(machines_with_due_plans(conn), (std::vector<Id>{m2, m3}));
}

TEST_F(MaintenanceDueTest, StatusesOfSeveralMachinesCountPlansMadeElsewhere) {
  plan(m1, 1);
  used(m1, 100, 2);
  used(m2, 100, 2);
  // Plans inserted behind our back (e.g. by the Python tool) have no counter yet.
  conn.execute(
      "INSERT INTO maintenances (maintenance_id, hours_between, description, machine_id) "
      "VALUES (77, 1, 'raw', ?), (78, 5, 'raw too', ?)",
      m2, m2);
  const auto batched = plan_statuses_for(conn, std::vector<Id>{m1, m2});
  ASSERT_EQ(batched.at(m2).size(), 2u);
  EXPECT_EQ(batched.at(m2)[0].plan_id, 77);
  EXPECT_TRUE(batched.at(m2)[0].due);
  EXPECT_DOUBLE_EQ(batched.at(m2)[0].used_hours, 2);
  EXPECT_FALSE(batched.at(m2)[1].due);
  EXPECT_EQ(count_rows("maintenance_counters"), 3);
  expect_counters_match_history();
}

// ---- cost ------------------------------------------------------------------------------------

// SQLite virtual-machine steps run by every statement of the connection during `work`: a
// deterministic measure of how much of the database a call walks.
std::int64_t vm_steps(Connection& conn, const std::function<void()>& work) {
  for (sqlite3_stmt* s = sqlite3_next_stmt(conn.handle(), nullptr); s;
       s = sqlite3_next_stmt(conn.handle(), s))
    sqlite3_stmt_status(s, SQLITE_STMTSTATUS_VM_STEP, 1);
  work();
  std::int64_t steps = 0;
  for (sqlite3_stmt* s = sqlite3_next_stmt(conn.handle(), nullptr); s;
       s = sqlite3_next_stmt(conn.handle(), s))
    steps += sqlite3_stmt_status(s, SQLITE_STMTSTATUS_VM_STEP, 0);
  return steps;
}

TEST_F(MaintenanceDueTest, BoardLookupsCostTheSameWithAnyHistory) {
  // A plan never serviced (the worst case of a SUM since the last intervention) and one
  // serviced long ago.
  plan(m1, 1'000'000);
  const Id serviced_plan = plan(m1, 1'000'000);
  serviced(serviced_plan, m1, 50);
  // An open use older than the whole history, so that walking the uses of the machine from the
  // newest would pass them all before finding it.
  uses.start(user, m1, 60, 60, false);

  std::vector<std::int64_t> due_cost, open_cost, latest_cost, card_cost, close_cost;
  double start = 100;
  for (int round = 0; round < 3; ++round) {
    {
      Transaction tx(conn);
      const int count = round == 0 ? 20 : 2000;
      for (int i = 0; i < count; ++i, start += 10)
        conn.execute(
            "INSERT INTO uses (user_id, machine_id, start_timestamp, last_seen, end_timestamp) "
            "VALUES (?, ?, ?, ?, ?)",
            user, m1, start, start + 5, start + 5);
      tx.commit();
    }
    rebuild(conn);
    due_plans(conn, m1);  // warm the statement cache so every round runs the same statements
    due_cost.push_back(vm_steps(conn, [&] { due_plans(conn, m1); }));
    open_cost.push_back(vm_steps(conn, [&] { ASSERT_TRUE(uses.open_use(m1)); }));
    // 20, 2020, 4020 closed uses, all of the last hours (10 s apart): the same one step.
    latest_cost.push_back(vm_steps(conn, [&] { ASSERT_TRUE(uses.latest_closed(m1)); }));
    card_cost.push_back(
        vm_steps(conn, [&] { ASSERT_TRUE(UsersRepository(conn).by_card("000000A1")); }));
    close_cost.push_back(vm_steps(conn, [&] {
      const Id id = uses.start(user, m2, 5, 5, false);
      uses.close(id, 6, 6);
    }));
  }
  // 20, 2020 and 4020 uses of the machine: the same work every time.
  for (const auto* costs : {&due_cost, &open_cost, &latest_cost, &card_cost, &close_cost}) {
    EXPECT_GT((*costs)[0], 0);
    EXPECT_EQ((*costs)[1], (*costs)[0]);
    EXPECT_EQ((*costs)[2], (*costs)[0]);
  }
}

// ---- the schema step that creates the counters -----------------------------------------------

TEST(MaintenanceCountersStep, FillsTheCountersOfAnUpgradedLegacyFileFromItsHistory) {
  TempDir dir;
  const auto path = copy_fixture(dir, "database-0.1.7.db");
  auto db = open_database(path, OpenOptions{.backup_before_upgrade = false});
  auto& conn = db.conn;
  ASSERT_GT(conn.query_one<std::int64_t>("SELECT COUNT(*) FROM maintenances"), 0);
  EXPECT_EQ(conn.query_one<std::int64_t>("SELECT COUNT(*) FROM maintenance_counters"),
            conn.query_one<std::int64_t>("SELECT COUNT(*) FROM maintenances"));
  auto stmt = conn.prepare(
      "SELECT c.maintenance_id, c.since, c.used_seconds, "
      "(SELECT COALESCE(MAX(timestamp), 0) FROM interventions i WHERE i.maintenance_id = "
      "c.maintenance_id) FROM maintenance_counters c");
  int checked = 0;
  while (stmt.step()) {
    const double since = stmt.get<double>(1);
    EXPECT_EQ(since, stmt.get<double>(3));
    const Id machine = conn.query_one<Id>(
        "SELECT machine_id FROM maintenances WHERE maintenance_id = ?", stmt.get<Id>(0));
    const double expected = conn.query_one<double>(
        "SELECT COALESCE(SUM(end_timestamp - start_timestamp), 0) FROM uses WHERE machine_id = ? "
        "AND start_timestamp > ? AND end_timestamp IS NOT NULL",
        machine, since);
    EXPECT_NEAR(stmt.get<double>(2), expected, 1e-6);
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace fabomatic::db::test
