#include "db/maintenances_repository.hpp"

#include "db/interventions_repository.hpp"
#include "db/maintenance_due.hpp"
#include "db/repository.hpp"
#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

class MaintenancesRepositoryTest : public RepoTest {
 protected:
  MaintenancesRepository plans{conn};
  Id m1 = add_machine("M1");
  Id m2 = add_machine("M2");
  Id user = add_user("Staff", add_role("Fab Staff", true, true), "000000a1");
};

TEST_F(MaintenancesRepositoryTest, CreateGetUpdateEveryColumn) {
  const Id id = plans.create(MaintenancePlan{.hours_between = 10,
                                             .description = "replace engine",
                                             .machine_id = m1,
                                             .attachment = "a.pdf",
                                             .lcd_message = "Engine!",
                                             .instructions_url = "https://x/y"});
  auto plan = plans.get(id);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->hours_between, 10.0);
  EXPECT_EQ(plan->description, "replace engine");
  EXPECT_EQ(plan->machine_id, m1);
  EXPECT_EQ(plan->attachment, "a.pdf");
  EXPECT_EQ(plan->lcd_message, "Engine!");
  EXPECT_EQ(plan->instructions_url, "https://x/y");
  // A counter row exists from the start.
  EXPECT_EQ(conn.query_one<std::int64_t>(
                "SELECT COUNT(*) FROM maintenance_counters WHERE maintenance_id = ?", id),
            1);

  EXPECT_TRUE(plans.update(
      MaintenancePlan{.id = id, .hours_between = 2.5, .description = "oil", .machine_id = m2}));
  plan = plans.get(id);
  EXPECT_EQ(plan->hours_between, 2.5);
  EXPECT_EQ(plan->description, "oil");
  EXPECT_EQ(plan->machine_id, m2);
  EXPECT_FALSE(plan->attachment);
  EXPECT_FALSE(plan->lcd_message);
  EXPECT_FALSE(plan->instructions_url);
  EXPECT_FALSE(plans.update(MaintenancePlan{.id = 999, .machine_id = m1}));
  EXPECT_FALSE(plans.get(999));
}

TEST_F(MaintenancesRepositoryTest, AMissingMachineConflicts) {
  try {
    plans.create(MaintenancePlan{.hours_between = 1, .description = "x", .machine_id = 999});
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "machine");
  }
  EXPECT_EQ(count_rows("maintenances"), 0);
}

TEST_F(MaintenancesRepositoryTest, ListByMachineAndCount) {
  const Id a = plans.create(MaintenancePlan{.description = "a", .machine_id = m2});
  const Id b = plans.create(MaintenancePlan{.description = "b", .machine_id = m1});
  const Id c = plans.create(MaintenancePlan{.description = "c", .machine_id = m1});
  auto all = plans.list();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, b);
  EXPECT_EQ(all[1].id, c);
  EXPECT_EQ(all[2].id, a);
  auto of_m1 = plans.list({.machine_id = m1}, {.limit = 1, .offset = 1});
  ASSERT_EQ(of_m1.size(), 1u);
  EXPECT_EQ(of_m1[0].id, c);
  EXPECT_EQ(plans.count({.machine_id = m1}), 2);
  EXPECT_EQ(plans.count(), 3);
}

TEST_F(MaintenancesRepositoryTest, RemoveDeletesThePlanWithItsInterventionsAndSaysHowMany) {
  const Id doomed = plans.create(MaintenancePlan{.description = "a", .machine_id = m1});
  const Id kept = plans.create(MaintenancePlan{.description = "b", .machine_id = m1});
  InterventionsRepository interventions(conn);
  for (Id plan : {doomed, doomed, kept}) {
    interventions.create(
        Intervention{.maintenance_id = plan, .machine_id = m1, .user_id = user, .timestamp = 5});
  }
  EXPECT_EQ(plans.cascade_counts(doomed), PlanCascade{.interventions = 2});
  const auto gone = plans.remove(doomed);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->interventions, 2);
  EXPECT_EQ(gone->total(), 2);
  EXPECT_FALSE(plans.get(doomed));
  EXPECT_EQ(count_rows("interventions"), 1);
  EXPECT_EQ(count_rows("maintenance_counters"), 1);
  EXPECT_FALSE(plans.remove(doomed));
  EXPECT_EQ(plans.cascade_counts(kept).interventions, 1);
}

}  // namespace
}  // namespace fabomatic::db::test
