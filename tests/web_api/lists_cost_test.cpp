// Every list of the REST API reads the names, counts and states of its page's rows in a
// constant number of SQL statements, however many distinct members, machines, plans, roles and
// types the page shows (the reactor thread that runs the handlers also answers the boards).
// The machines list has its own tests in machines_list_cost_test.cpp.
#include <cstdio>

#include "db/authorizations_repository.hpp"
#include "db/interventions_repository.hpp"
#include "db/machine_types_repository.hpp"
#include "db/machines_repository.hpp"
#include "db/maintenances_repository.hpp"
#include "db/roles_repository.hpp"
#include "db/unknown_cards_repository.hpp"
#include "db/users_repository.hpp"
#include "db/uses_repository.hpp"
#include "support_api.hpp"
#include "support_statements.hpp"

namespace fabomatic::web::api::test {
namespace {

class ListsCost : public ApiTest {
 protected:
  // Adds `count` of each: a role with a member, a type with a machine, a plan on the machine,
  // a use, an authorization, an intervention and an unknown-card tap, all naming different
  // rows, so that every row of a page names a member, machine or plan no other row names.
  void add_rows(int count) {
    db::Transaction tx(db_);
    for (int i = 0; i < count; ++i, ++added_) {
      const std::string n = std::to_string(added_);
      const db::Id role = db::RolesRepository(db_).create(db::Role{.name = "Role " + n});
      char card[9];
      std::snprintf(card, sizeof card, "%08x", 0x10000 + added_);
      const db::Id member = db::UsersRepository(db_).create(
          db::User{.name = "Member", .surname = n, .role_id = role, .card = std::string(card)});
      const db::Id type = db::MachineTypesRepository(db_).create(
          db::MachineType{.name = "Type " + n, .timeout_min = 10});
      const db::Id machine =
          db::MachinesRepository(db_).create(db::Machine{.name = "Machine " + n, .type_id = type});
      const db::Id plan = db::MaintenancesRepository(db_).create(db::MaintenancePlan{
          .hours_between = 1, .description = "Plan " + n, .machine_id = machine});
      db::UsesRepository(db_).record_closed(member, machine, 1000, 9000, false);
      db::AuthorizationsRepository(db_).create(member, machine);
      db::InterventionsRepository(db_).create(db::Intervention{
          .maintenance_id = plan, .machine_id = machine, .user_id = member, .timestamp = 5000});
      card[0] = 'a';
      db::UnknownCardsRepository(db_).record(card, machine, now_ - added_);
    }
    tx.commit();
  }

  int statements_of(const std::string& target) {
    const Reply first = get(target);  // statements prepared once, before measuring
    EXPECT_EQ(first.status, 200) << target;
    StatementCounter counter(db_);
    EXPECT_EQ(get(target).text, first.text) << target;
    return counter.runs();
  }

  int added_ = 0;
};

TEST_F(ListsCost, StatementsPerPageDoNotGrowWithTheRowsOnIt) {
  const std::vector<std::string> lists{
      "/api/v1/uses",          "/api/v1/authorizations",    "/api/v1/interventions",
      "/api/v1/unknown-cards", "/api/v1/maintenance-plans", "/api/v1/roles",
      "/api/v1/machine-types", "/api/v1/members",           "/api/v1/boards"};
  add_rows(3);
  std::vector<int> few;
  for (const auto& list : lists)
    few.push_back(statements_of(list + "?limit=500"));
  add_rows(27);
  for (std::size_t i = 0; i < lists.size(); ++i) {
    EXPECT_GT(few[i], 0) << lists[i];
    EXPECT_EQ(statements_of(lists[i] + "?limit=500"), few[i]) << lists[i];
  }
  // The pages did grow, and name the right rows.
  const Reply uses = get("/api/v1/uses?limit=500&sort=id&order=asc");
  ASSERT_EQ(uses.body["items"].size(), 30u);
  EXPECT_EQ(uses.body["items"][29]["member_name"], "Member 29");
  EXPECT_EQ(uses.body["items"][29]["machine_name"], "Machine 29");
  const Reply interventions = get("/api/v1/interventions?limit=500&sort=id&order=asc");
  ASSERT_EQ(interventions.body["items"].size(), 30u);
  EXPECT_EQ(interventions.body["items"][7]["plan_description"], "Plan 7");
  EXPECT_EQ(interventions.body["items"][7]["member_name"], "Member 7");
  const Reply types = get("/api/v1/machine-types?limit=500");
  ASSERT_EQ(types.body["items"].size(), 31u);
  EXPECT_EQ(types.body["items"][0]["machine_count"], 1);  // the seeded MACHINE1
  EXPECT_EQ(types.body["items"][30]["machine_count"], 1);
  const Reply roles = get("/api/v1/roles?limit=500&sort=name&order=desc");
  EXPECT_EQ(roles.body["items"][0]["name"], "Role 9");
  EXPECT_EQ(roles.body["items"][0]["member_count"], 1);
}

}  // namespace
}  // namespace fabomatic::web::api::test
