// Maintenance plans (LCD message limit, state, cascade) and interventions (manual
// registration, edit, delete, filters).
#include "support_api.hpp"

namespace fabomatic::web::api::test {
namespace {

using MaintenanceTest = ApiTest;

TEST_F(MaintenanceTest, PlanValidation) {
  const Reply reply =
      post("/api/v1/maintenance-plans", {{"machine_id", 5},
                                         {"description", ""},
                                         {"hours_between", "ten"},
                                         {"lcd_message", "seventeen chars!!"},
                                         {"instructions_url", "javascript:alert(1)"}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.field("machine_id"), "no such machine");
  EXPECT_EQ(reply.field("description"), "must not be empty");
  EXPECT_EQ(reply.field("hours_between"), "must be a number");
  EXPECT_EQ(reply.field("lcd_message"), "at most 16 characters");
  EXPECT_EQ(reply.field("instructions_url"), "must start with http:// or https://");
  EXPECT_EQ(post("/api/v1/maintenance-plans", json::object()).field("hours_between"), "required");

  const Reply ok = post("/api/v1/maintenance-plans", {{"machine_id", 1},
                                                      {"description", "Lens"},
                                                      {"hours_between", 2.5},
                                                      {"lcd_message", "sixteen chars!!!"},
                                                      {"instructions_url", "https://x.example/a"}});
  ASSERT_EQ(ok.status, 201);
  EXPECT_EQ(ok.body["lcd_message"], "sixteen chars!!!");
  EXPECT_EQ(ok.body["machine_name"], "MACHINE1");
  EXPECT_EQ(ok.body["due"], false);
  EXPECT_EQ(ok.body["since"], 0.0);
  const std::string url = "/api/v1/maintenance-plans/" + std::to_string(ok.body["id"].get<int>());
  const Reply patched = patch(url, {{"hours_between", 3}});
  EXPECT_EQ(patched.body["lcd_message"], "sixteen chars!!!");
  EXPECT_EQ(patched.body["description"], "Lens");
  EXPECT_EQ(patch(url, {{"lcd_message", nullptr}}).body["lcd_message"], nullptr);
  // A description may span lines; no text takes other control characters.
  const Reply lines =
      post("/api/v1/maintenance-plans",
           {{"machine_id", 1}, {"description", "Clean\nthe lens"}, {"hours_between", 5}});
  EXPECT_EQ(lines.status, 201);
  const Reply bell =
      post("/api/v1/maintenance-plans",
           {{"machine_id", 1}, {"description", "Clean\athe lens"}, {"hours_between", 5}});
  EXPECT_EQ(bell.field("description"), "must not contain control characters");
}

TEST_F(MaintenanceTest, PlanCascadeAndDelete) {
  const db::Id plan = create("maintenance-plans",
                             {{"machine_id", 1}, {"description", "Oil"}, {"hours_between", 1}});
  const std::string url = "/api/v1/maintenance-plans/" + std::to_string(plan);
  create("interventions", {{"plan_id", plan}, {"member_id", 1}});
  create("interventions", {{"plan_id", plan}, {"member_id", 1}});
  EXPECT_EQ(get(url + "/cascade").body, (json{{"interventions", 2}, {"total", 2}}));
  const Reply removed = del(url);
  ASSERT_EQ(removed.status, 200);
  EXPECT_EQ(removed.body["removed"]["interventions"], 2);
  EXPECT_EQ(count_rows("interventions"), 0);
  EXPECT_EQ(get(url).status, 404);
  EXPECT_EQ(audit_entries()[0].entity, "maintenance_plan");
}

TEST_F(MaintenanceTest, InterventionsRegisterEditDeleteAndFilter) {
  const db::Id lens = create("maintenance-plans",
                             {{"machine_id", 1}, {"description", "Lens"}, {"hours_between", 1}});
  const db::Id laser = create("machines", {{"name", "Laser"}});
  const db::Id oil = create("maintenance-plans",
                            {{"machine_id", laser}, {"description", "Oil"}, {"hours_between", 1}});
  // Make the lens plan due, then service it by hand: no longer due.
  create("uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_ - 7200}, {"end", now_ - 10}});
  EXPECT_EQ(get("/api/v1/maintenance-plans/" + std::to_string(lens)).body["due"], true);
  const Reply manual = post("/api/v1/interventions", {{"plan_id", lens}, {"member_id", 1}});
  ASSERT_EQ(manual.status, 201);
  EXPECT_EQ(manual.body["timestamp"], now_);  // defaults to now
  EXPECT_EQ(manual.body["machine_id"], 1);
  EXPECT_EQ(manual.body["plan_description"], "Lens");
  EXPECT_EQ(manual.body["replay"], false);
  EXPECT_EQ(get("/api/v1/maintenance-plans/" + std::to_string(lens)).body["due"], false);
  EXPECT_FALSE(live_.machine(1)->maintenance_due);

  // Dated in the future (a year's typo), an intervention would count as the plan's latest
  // service until that date and hide the reminder: refused, nothing changed.
  const Reply typo = post("/api/v1/interventions",
                          {{"plan_id", lens}, {"member_id", 1}, {"timestamp", 2918000000.0}});
  EXPECT_EQ(typo.status, 400);
  EXPECT_EQ(typo.field_code("timestamp")["code"], "future");
  EXPECT_EQ(get("/api/v1/interventions").body["total"], 1);

  // Moving it back in time makes the plan due again.
  const std::string url = "/api/v1/interventions/" + std::to_string(manual.body["id"].get<int>());
  const Reply edited = patch(url, {{"timestamp", now_ - 9000}});
  ASSERT_EQ(edited.status, 200);
  EXPECT_EQ(edited.body["timestamp"], now_ - 9000);
  EXPECT_EQ(edited.body["member_id"], 1);
  EXPECT_EQ(get("/api/v1/maintenance-plans/" + std::to_string(lens)).body["due"], true);

  // Another plan moves it to the plan's machine.
  const Reply moved = patch(url, {{"plan_id", oil}});
  EXPECT_EQ(moved.body["machine_id"], laser);
  EXPECT_EQ(patch(url, {{"machine_id", 1}}).field("machine_id"), "unknown field");
  EXPECT_EQ(patch(url, {{"timestamp", -5}}).status, 400);

  create("interventions", {{"plan_id", lens}, {"member_id", 1}, {"timestamp", now_ - 100}});
  EXPECT_EQ(get("/api/v1/interventions").body["total"], 2);
  EXPECT_EQ(get("/api/v1/interventions?machine_id=" + std::to_string(laser)).body["total"], 1);
  EXPECT_EQ(get("/api/v1/interventions?plan_id=" + std::to_string(lens)).body["total"], 1);
  EXPECT_EQ(
      get("/api/v1/interventions?member_id=1&from=" + std::to_string(now_ - 200)).body["total"], 1);
  EXPECT_EQ(get("/api/v1/interventions?before=" + std::to_string(now_ - 200)).body["total"], 1);
  EXPECT_EQ(get("/api/v1/interventions?from=yesterday").field("from"),
            "must be a unix time in seconds");
  const Reply oldest_first = get("/api/v1/interventions?sort=timestamp&order=asc");
  EXPECT_EQ(oldest_first.body["items"][0]["timestamp"], now_ - 9000);

  EXPECT_EQ(del(url).status, 204);
  EXPECT_EQ(del(url).status, 404);
  EXPECT_EQ(post("/api/v1/interventions", {{"plan_id", 999}, {"member_id", 999}}).field("plan_id"),
            "no such maintenance plan");
}

}  // namespace
}  // namespace fabomatic::web::api::test
