#include "db/purge.hpp"

#include "db/interventions_repository.hpp"
#include "db/maintenance_due.hpp"
#include "db/maintenances_repository.hpp"
#include "db/seed.hpp"
#include "db/unknown_cards_repository.hpp"
#include "db/uses_repository.hpp"
#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

constexpr double kDay = 86400;
constexpr double kNow = 2'000'000'000;

class PurgeTest : public RepoTest {
 protected:
  Id role = add_role("Fab Users", false, true);
  Id user = add_user("Mario", role, "000000a1");
  Id machine = add_machine("M1");
  Id plan = MaintenancesRepository(conn).create(
      MaintenancePlan{.hours_between = 1, .description = "p", .machine_id = machine});
  UsesRepository uses{conn};
  InterventionsRepository interventions{conn};
  UnknownCardsRepository taps{conn};

  Id use_at(double when) { return uses.record_closed(user, machine, when, when + 7200, false); }
  Id intervention_at(double when) {
    return interventions.create(Intervention{
        .maintenance_id = plan, .machine_id = machine, .user_id = user, .timestamp = when});
  }
};

TEST_F(PurgeTest, MovesOldHistoryToAnonymousAndDeletesOldTapsCountingOnlyThisRunsChanges) {
  const Id old_use = use_at(kNow - 400 * kDay);
  const Id old_open = uses.start(user, machine, kNow - 366 * kDay, kNow - 366 * kDay, false);
  const Id recent_use = use_at(kNow - 10 * kDay);
  const Id old_intervention = intervention_at(kNow - 500 * kDay);
  const Id recent_intervention = intervention_at(kNow - 364 * kDay);
  taps.record("aaaa0001", machine, kNow - 31 * kDay);
  const Id recent_tap = taps.record("aaaa0002", machine, kNow - 29 * kDay);
  const double hours_before = machine_hours(machine);
  const auto due_before = plan_statuses(conn, machine);

  const auto result = purge(conn, kNow);
  EXPECT_EQ(result, (PurgeResult{.uses = 2, .interventions = 1, .unknown_cards = 1}));
  EXPECT_EQ(result.total(), 4);

  const Id anonymous = anonymous_user_id(conn).value();  // created by the purge
  EXPECT_NE(anonymous, user);
  EXPECT_EQ(uses.get(old_use)->user_id, anonymous);
  EXPECT_EQ(uses.get(old_open)->user_id, anonymous);
  EXPECT_EQ(uses.get(recent_use)->user_id, user);
  EXPECT_EQ(interventions.get(old_intervention)->user_id, anonymous);
  EXPECT_EQ(interventions.get(recent_intervention)->user_id, user);
  const auto left = taps.list();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, recent_tap);
  // What the machines did is untouched: hours, durations, maintenance state.
  EXPECT_EQ(machine_hours(machine), hours_before);
  EXPECT_EQ(uses.get(old_use)->end, kNow - 400 * kDay + 7200);
  EXPECT_EQ(plan_statuses(conn, machine)[0].used_hours, due_before[0].used_hours);

  // A second run has nothing left to change.
  EXPECT_EQ(purge(conn, kNow), PurgeResult{});
  EXPECT_EQ(anonymous_user_id(conn), anonymous);
}

TEST_F(PurgeTest, PeriodsAreConfigurable) {
  const Id use = use_at(kNow - 8 * kDay);
  const Id intervention = intervention_at(kNow - 8 * kDay);
  taps.record("aaaa0001", machine, kNow - 2 * kDay);
  const PurgePolicy policy{.history_days = 7, .interventions_days = 7, .unknown_cards_days = 1};
  const auto result = purge(conn, kNow, policy);
  EXPECT_EQ(result, (PurgeResult{.uses = 1, .interventions = 1, .unknown_cards = 1}));
  const Id anonymous = anonymous_user_id(conn).value();
  EXPECT_EQ(uses.get(use)->user_id, anonymous);
  EXPECT_EQ(interventions.get(intervention)->user_id, anonymous);
  EXPECT_EQ(purge(conn, kNow, policy).total(), 0);
}

TEST_F(PurgeTest, UsesAndInterventionsHaveTheirOwnPeriods) {
  const Id use = use_at(kNow - 20 * kDay);
  const Id intervention = intervention_at(kNow - 20 * kDay);
  // Uses kept 30 days, interventions 10: only the intervention goes to Anonymous.
  auto result = purge(conn, kNow, PurgePolicy{.history_days = 30, .interventions_days = 10});
  EXPECT_EQ(result, (PurgeResult{.interventions = 1}));
  EXPECT_EQ(uses.get(use)->user_id, user);
  EXPECT_EQ(interventions.get(intervention)->user_id, anonymous_user_id(conn).value());
  result = purge(conn, kNow, PurgePolicy{.history_days = 10, .interventions_days = 10});
  EXPECT_EQ(result, (PurgeResult{.uses = 1}));
}

TEST_F(PurgeTest, OldAuditEntriesAreDeletedUnlessKeptForever) {
  const auto add_entry = [&](double when) {
    conn.execute(
        "INSERT INTO audit_log (timestamp, user_id, action, entity, before_json) "
        "VALUES (?, ?, 'update', 'member', '{\"name\":\"Mario\"}')",
        when, user);
  };
  add_entry(kNow - 800 * kDay);
  add_entry(kNow - 100 * kDay);
  EXPECT_EQ(purge(conn, kNow, PurgePolicy{.audit_days = 0}).audit_entries, 0);  // 0: kept
  EXPECT_EQ(count_rows("audit_log"), 2);
  EXPECT_EQ(purge(conn, kNow).audit_entries, 1);  // default: 730 days
  EXPECT_EQ(count_rows("audit_log"), 1);
  EXPECT_EQ(purge(conn, kNow, PurgePolicy{.audit_days = 30}).audit_entries, 1);
  EXPECT_EQ(count_rows("audit_log"), 0);
}

TEST_F(PurgeTest, UsesAnExistingAnonymousUser) {
  ensure_anonymous(conn);
  const Id anonymous = anonymous_user_id(conn).value();
  const auto users_before = count_rows("users");
  const Id use = use_at(kNow - 400 * kDay);
  EXPECT_EQ(purge(conn, kNow).uses, 1);
  EXPECT_EQ(uses.get(use)->user_id, anonymous);
  EXPECT_EQ(count_rows("users"), users_before);
}

TEST_F(PurgeTest, NothingOldNothingChanged) {
  use_at(kNow - 1 * kDay);
  intervention_at(kNow - 1 * kDay);
  taps.record("aaaa0001", machine, kNow - 1 * kDay);
  EXPECT_EQ(purge(conn, kNow).total(), 0);
}

}  // namespace
}  // namespace fabomatic::db::test
