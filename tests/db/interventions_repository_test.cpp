#include "db/interventions_repository.hpp"

#include "db/maintenance_due.hpp"
#include "db/maintenances_repository.hpp"
#include "db/repository.hpp"
#include "db/uses_repository.hpp"
#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

class InterventionsRepositoryTest : public RepoTest {
 protected:
  InterventionsRepository interventions{conn};
  Id m1 = add_machine("M1");
  Id m2 = add_machine("M2");
  Id role = add_role("Fab Staff", true, true);
  Id u1 = add_user("A", role, "000000a1");
  Id u2 = add_user("B", role, "000000b2");
  Id p1 = MaintenancesRepository(conn).create(
      MaintenancePlan{.hours_between = 1, .description = "p1", .machine_id = m1});
  Id p2 = MaintenancesRepository(conn).create(
      MaintenancePlan{.hours_between = 1, .description = "p2", .machine_id = m2});
};

std::vector<Id> ids(const std::vector<Intervention>& list) {
  std::vector<Id> out;
  for (const auto& i : list)
    out.push_back(i.id);
  return out;
}

TEST_F(InterventionsRepositoryTest, CreateGetUpdateRemove) {
  const Id id = interventions.create(Intervention{
      .maintenance_id = p1, .machine_id = m1, .user_id = u1, .timestamp = 100, .replay = true});
  auto row = interventions.get(id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->maintenance_id, p1);
  EXPECT_EQ(row->machine_id, m1);
  EXPECT_EQ(row->user_id, u1);
  EXPECT_EQ(row->timestamp, 100.0);
  EXPECT_TRUE(row->replay);

  EXPECT_TRUE(interventions.update(Intervention{
      .id = id, .maintenance_id = p2, .machine_id = m2, .user_id = u2, .timestamp = 200}));
  row = interventions.get(id);
  EXPECT_EQ(row->maintenance_id, p2);
  EXPECT_EQ(row->machine_id, m2);
  EXPECT_EQ(row->user_id, u2);
  EXPECT_EQ(row->timestamp, 200.0);
  EXPECT_FALSE(row->replay);
  EXPECT_FALSE(interventions.update(Intervention{.id = 999, .maintenance_id = p1}));

  EXPECT_TRUE(interventions.remove(id));
  EXPECT_FALSE(interventions.get(id));
  EXPECT_FALSE(interventions.remove(id));
}

TEST_F(InterventionsRepositoryTest, MissingReferencesConflictAndChangeNothing) {
  EXPECT_THROW(interventions.create(Intervention{
                   .maintenance_id = 999, .machine_id = m1, .user_id = u1, .timestamp = 1}),
               Conflict);
  EXPECT_THROW(interventions.create(Intervention{
                   .maintenance_id = p1, .machine_id = m1, .user_id = 999, .timestamp = 1}),
               Conflict);
  EXPECT_EQ(count_rows("interventions"), 0);
}

TEST_F(InterventionsRepositoryTest, RecordDueRecordsOneInterventionPerDuePlan) {
  const Id p3 = MaintenancesRepository(conn).create(
      MaintenancePlan{.hours_between = 100, .description = "p3", .machine_id = m1});
  EXPECT_TRUE(interventions.record_due(m1, u1, 50, false).empty());      // nothing due yet
  UsesRepository(conn).record_closed(u2, m1, 10, 10 + 2 * 3600, false);  // p1 (1 h) now due
  EXPECT_EQ(interventions.record_due(m1, u1, 8000, true), (std::vector<Id>{p1}));
  const auto rows = interventions.list({.machine_id = m1});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].maintenance_id, p1);
  EXPECT_EQ(rows[0].user_id, u1);
  EXPECT_EQ(rows[0].timestamp, 8000.0);
  EXPECT_TRUE(rows[0].replay);
  EXPECT_FALSE(any_due(conn, m1));
  EXPECT_TRUE(interventions.record_due(m1, u1, 8001, false).empty());
  EXPECT_EQ(interventions.count({.maintenance_id = p3}), 0);
}

TEST_F(InterventionsRepositoryTest, ListFiltersSortsAndPages) {
  const Id a = interventions.create(
      Intervention{.maintenance_id = p1, .machine_id = m1, .user_id = u1, .timestamp = 10});
  const Id b = interventions.create(
      Intervention{.maintenance_id = p2, .machine_id = m2, .user_id = u1, .timestamp = 30});
  const Id c = interventions.create(
      Intervention{.maintenance_id = p1, .machine_id = m1, .user_id = u2, .timestamp = 20});
  EXPECT_EQ(ids(interventions.list()), (std::vector<Id>{b, c, a}));
  EXPECT_EQ(interventions.count(), 3);
  EXPECT_EQ(ids(interventions.list({.machine_id = m1})), (std::vector<Id>{c, a}));
  EXPECT_EQ(ids(interventions.list({.maintenance_id = p2})), (std::vector<Id>{b}));
  EXPECT_EQ(ids(interventions.list({.user_id = u1})), (std::vector<Id>{b, a}));
  EXPECT_EQ(ids(interventions.list({.from = 15, .before = 30})), (std::vector<Id>{c}));
  EXPECT_EQ(interventions.count({.from = 20}), 2);
  EXPECT_EQ(ids(interventions.list({.sort = InterventionSort::Id, .descending = false})),
            (std::vector<Id>{a, b, c}));
  EXPECT_EQ(ids(interventions.list({.sort = InterventionSort::Machine, .descending = false})),
            (std::vector<Id>{a, c, b}));
  EXPECT_EQ(ids(interventions.list({.sort = InterventionSort::User})), (std::vector<Id>{c, b, a}));
  EXPECT_EQ(ids(interventions.list({}, {.limit = 1, .offset = 2})), (std::vector<Id>{a}));
}

}  // namespace
}  // namespace fabomatic::db::test
