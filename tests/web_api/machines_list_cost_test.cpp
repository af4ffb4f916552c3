// What GET /api/v1/machines costs: a constant number of SQL statements per page whatever the
// number of machines on it (the reactor thread that runs the handler also answers the boards),
// and list items equal to what the per-machine reads give. Also prints the time of one call
// with 200 machines of 2 plans each (a figure for the report, asserted by nobody).
#include <chrono>
#include <cstdio>

#include "db/interventions_repository.hpp"
#include "db/machine_types_repository.hpp"
#include "db/machines_repository.hpp"
#include "db/maintenance_due.hpp"
#include "db/maintenances_repository.hpp"
#include "db/uses_repository.hpp"
#include "support_api.hpp"
#include "support_statements.hpp"

namespace fabomatic::web::api::test {
namespace {

class MachinesListCost : public ApiTest {
 protected:
  db::Id type_ = db::MachineTypesRepository(db_).create(
      db::MachineType{.name = "Lasers", .timeout_min = 30, .grace_period_min = 1});

  // Adds `count` machines: with 0, 1, 2 or 3 plans in turn, with or without a type, some used
  // past their plans' hours, some plans serviced since.
  void add_machines(int count, int plans_each = -1) {
    db::Transaction tx(db_);
    db::MachinesRepository machines(db_);
    db::MaintenancesRepository plans(db_);
    db::UsesRepository uses(db_);
    db::InterventionsRepository interventions(db_);
    for (int i = 0; i < count; ++i, ++added_) {
      const auto type =
          added_ % 3 == 0 ? std::nullopt : std::optional<db::Id>(added_ % 3 == 1 ? 1 : type_);
      const db::Id machine =
          machines.create(db::Machine{.name = "M" + std::to_string(added_), .type_id = type});
      const int plan_count = plans_each >= 0 ? plans_each : added_ % 4;
      for (int p = 0; p < plan_count; ++p) {
        const db::Id plan = plans.create(db::MaintenancePlan{
            .hours_between = 1.0 + p * 2,
            .description = "plan " + std::to_string(p) + " of " + std::to_string(machine),
            .machine_id = machine,
            .lcd_message = p == 1 ? std::optional<std::string>("Oil me") : std::nullopt});
        if ((added_ + p) % 5 == 0)
          interventions.create(db::Intervention{
              .maintenance_id = plan, .machine_id = machine, .user_id = 1, .timestamp = 5000});
      }
      // 0, 1.5 or 3 hours of use, part of it before the interventions.
      for (int u = 0; u < added_ % 3; ++u)
        uses.record_closed(1, machine, 1000 + u * 10000, 1000 + u * 10000 + 5400, false);
    }
    tx.commit();
  }

  int statements_of(const std::string& target) {
    get(target);  // statements prepared (and plans counted) once, before measuring
    StatementCounter counter(db_);
    EXPECT_EQ(get(target).status, 200);
    return counter.runs();
  }

  int added_ = 0;
};

TEST_F(MachinesListCost, StatementsPerPageDoNotGrowWithTheMachinesOnIt) {
  add_machines(4);  // with the seeded MACHINE1: 5 machines
  const int five = statements_of("/api/v1/machines?limit=500");
  add_machines(45);
  const int fifty = statements_of("/api/v1/machines?limit=500");
  EXPECT_EQ(get("/api/v1/machines?limit=500").body["items"].size(), 50u);
  std::printf("GET /api/v1/machines: %d statements with 5 machines, %d with 50\n", five, fifty);
  EXPECT_GT(five, 0);
  EXPECT_EQ(fifty, five);
  // The same for a filtered, sorted page.
  EXPECT_EQ(statements_of("/api/v1/machines?sort=name&order=desc&q=M1&limit=3"),
            statements_of("/api/v1/machines?sort=name&order=desc&q=M&limit=40"));
}

// The list item of each machine is what the per-machine reads say, key by key and in order.
TEST_F(MachinesListCost, ListItemsEqualThePerMachineReads) {
  add_machines(12);
  const Reply page = get("/api/v1/machines?limit=500");
  ASSERT_EQ(page.status, 200);
  // Read again keeping the order of keys (Reply::body has them sorted).
  const auto items = Json::parse(page.text)["items"];
  ASSERT_EQ(items.size(), 13u);
  int due_machines = 0;
  for (const auto& item : items) {
    const db::Id id = item["id"].get<db::Id>();
    const db::Machine machine = *db::MachinesRepository(db_).get(id);
    const auto type =
        machine.type_id ? db::MachineTypesRepository(db_).get(*machine.type_id) : std::nullopt;
    Json plans = Json::array();
    bool due = false;
    for (const auto& status : db::plan_statuses(db_, id)) {
      due = due || status.due;
      plans.push_back(
          Json{{"plan_id", status.plan_id},
               {"description", db::MaintenancesRepository(db_).get(status.plan_id)->description},
               {"hours_between", status.hours_between},
               {"used_hours", status.used_hours},
               {"since", status.since},
               {"due", status.due},
               {"lcd_message", status.lcd_message}});
    }
    due_machines += due;
    const Json expected{{"id", id},
                        {"name", machine.name},
                        {"type_id", machine.type_id ? Json(*machine.type_id) : Json(nullptr)},
                        {"type_name", type ? Json(type->name) : Json(nullptr)},
                        {"hours", machine.hours},
                        {"blocked", machine.blocked},
                        {"last_seen", machine.last_seen ? Json(*machine.last_seen) : Json(nullptr)},
                        {"maintenance_due", due},
                        {"maintenance", plans}};
    // Compared as text: the same keys in the same order with the same values.
    EXPECT_EQ(item.dump(), expected.dump()) << id;
    EXPECT_EQ(get("/api/v1/machines/" + std::to_string(id)).text, item.dump()) << id;
  }
  EXPECT_GT(due_machines, 0);
  EXPECT_LT(due_machines, 13);
}

TEST_F(MachinesListCost, PrintsTheTimeOfAPageOf200MachinesWith2PlansEach) {
  add_machines(199, 2);
  const std::string target = "/api/v1/machines?limit=200";
  ASSERT_EQ(get(target).body["items"].size(), 200u);
  constexpr int kCalls = 50;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kCalls; ++i)
    respond(Method::get, target);
  const std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
  std::printf("GET %s: %.0f us per call of the handler (%d calls)\n", target.c_str(),
              took.count() / kCalls, kCalls);
}

}  // namespace
}  // namespace fabomatic::web::api::test
