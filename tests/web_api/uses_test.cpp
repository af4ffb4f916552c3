// Usage history: filters (member, machine, time range, open), paging through everything,
// manual registration, edit, delete with optional correction of machine hours.
#include <set>

#include "db/machines_repository.hpp"
#include "db/uses_repository.hpp"
#include "support_api.hpp"

namespace fabomatic::web::api::test {
namespace {

using UsesTest = ApiTest;

double machine_hours(db::Connection& db, db::Id id) {
  return db::MachinesRepository(db).get(id)->hours;
}

TEST_F(UsesTest, ManualClosedUseAddsMachineHours) {
  const Reply reply =
      post("/api/v1/uses",
           {{"member_id", 1}, {"machine_id", 1}, {"start", now_ - 5400}, {"end", now_ - 1800}});
  ASSERT_EQ(reply.status, 201);
  EXPECT_EQ(reply.body["open"], false);
  EXPECT_EQ(reply.body["duration_s"], 3600.0);
  EXPECT_EQ(reply.body["member_name"], "admin admin");
  EXPECT_EQ(reply.body["machine_name"], "MACHINE1");
  EXPECT_EQ(reply.body["last_seen"], now_ - 1800);
  EXPECT_NEAR(machine_hours(db_, 1), 1.0, 1e-9);
  EXPECT_EQ(audit_entries()[0].entity, "use");
}

TEST_F(UsesTest, ManualOpenUseShowsOnTheDashboardAndOnlyOnce) {
  const Reply open =
      post("/api/v1/uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_ - 60}});
  ASSERT_EQ(open.status, 201);
  EXPECT_EQ(open.body["open"], true);
  EXPECT_EQ(open.body["end"], nullptr);
  EXPECT_EQ(live_.machine(1)->user_id, 1);
  EXPECT_EQ(get("/api/v1/live/status").body["machines"][0]["state"], "in_use");
  const Reply second = post("/api/v1/uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_}});
  EXPECT_EQ(second.status, 409);
  EXPECT_NE(second.field("end"), "");
}

// Registered as in progress, it counts as seen at registration: the stale-use check (a use not
// seen for use_timeout_min, 60 by default, is closed) leaves one begun an hour ago open.
TEST_F(UsesTest, ManualOpenUseIsSeenWhenRegisteredNotAtItsStart) {
  const Reply open =
      post("/api/v1/uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_ - 3600}});
  ASSERT_EQ(open.status, 201);
  EXPECT_EQ(open.body["last_seen"], now_);
  EXPECT_EQ(open.body["duration_s"], 3600.0);
  EXPECT_EQ(db::UsesRepository(db_).close_stale(now_ + 60 - 3600), 0);  // a minute later
  EXPECT_EQ(get("/api/v1/uses/" + open.body["id"].dump()).body["open"], true);
}

TEST_F(UsesTest, Validation) {
  const Reply reply = post("/api/v1/uses", {{"member_id", 999},
                                            {"machine_id", "1"},
                                            {"start", now_},
                                            {"end", now_ - 1},
                                            {"replay", true}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.field("member_id"), "no such member");
  EXPECT_EQ(reply.field("machine_id"), "must be an integer");
  EXPECT_EQ(reply.field("replay"), "unknown field");
  const Reply order = post(
      "/api/v1/uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_}, {"end", now_ - 1}});
  EXPECT_EQ(order.field("end"), "must not be before start");
  EXPECT_EQ(post("/api/v1/uses", {{"member_id", 1}, {"machine_id", 1}}).field("start"), "required");
  EXPECT_EQ(post("/api/v1/uses", {{"member_id", 1}, {"machine_id", 1}, {"start", 1e300}}).status,
            400);
  // A year's typo would add centuries to the machine's hours.
  const Reply century =
      post("/api/v1/uses",
           {{"member_id", 1}, {"machine_id", 1}, {"start", now_ - 367 * 86400.0}, {"end", now_}});
  EXPECT_EQ(century.status, 400);
  EXPECT_EQ(century.field("end"), "a use lasts at most 366 days");
  EXPECT_EQ(machine_hours(db_, 1), 0.0);
}

// A use records what happened: dated in the future (a year's typo) it would show the machine in
// use, and hold off the stale-use check, until that date. A few minutes ahead pass (a browser's
// clock may run ahead of the appliance's).
TEST_F(UsesTest, AStartOrEndLaterThanNowIsRefusedAndNothingIsWritten) {
  const Reply future =
      post("/api/v1/uses", {{"member_id", 1}, {"machine_id", 1}, {"start", 4102444800.0}});
  EXPECT_EQ(future.status, 400);
  EXPECT_EQ(future.field_code("start")["code"], "future");
  EXPECT_EQ(future.field_code("start")["now"], now_);
  const Reply open_end =
      post("/api/v1/uses",
           {{"member_id", 1}, {"machine_id", 1}, {"start", now_ - 60}, {"end", now_ + 86400}});
  EXPECT_EQ(open_end.field_code("end")["code"], "future");
  EXPECT_EQ(get("/api/v1/uses").body["total"], 0);
  EXPECT_FALSE(live_.machine(1)->user_id);

  const db::Id use = create("uses", {{"member_id", 1},
                                     {"machine_id", 1},
                                     {"start", now_ - 60},
                                     {"end", now_ + 120}});  // within the clock tolerance
  const std::string url = "/api/v1/uses/" + std::to_string(use);
  EXPECT_EQ(patch(url, {{"end", now_ + 7200}}).field_code("end")["code"], "future");
  EXPECT_EQ(get(url).body["end"], now_ + 120);
  EXPECT_NEAR(machine_hours(db_, 1), 180 / 3600.0, 1e-9);
}

TEST_F(UsesTest, DeleteWithAndWithoutHoursCorrection) {
  const db::Id a = create(
      "uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_ - 7200}, {"end", now_ - 3600}});
  const db::Id b =
      create("uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_ - 3600}, {"end", now_}});
  EXPECT_NEAR(machine_hours(db_, 1), 2.0, 1e-9);
  EXPECT_EQ(del("/api/v1/uses/" + std::to_string(a)).status, 204);
  EXPECT_NEAR(machine_hours(db_, 1), 2.0, 1e-9);  // hours kept
  EXPECT_EQ(del("/api/v1/uses/" + std::to_string(b) + "?adjust_hours=true").status, 204);
  EXPECT_NEAR(machine_hours(db_, 1), 1.0, 1e-9);  // b's hour taken off
  EXPECT_EQ(del("/api/v1/uses/" + std::to_string(b)).status, 404);
  EXPECT_EQ(del("/api/v1/uses/1?adjust_hours=perhaps").field("adjust_hours"),
            "must be true or false");
  const auto entry = audit_entries()[0];
  EXPECT_EQ(entry.action, "delete");
  EXPECT_EQ(json::parse(*entry.before_json)["machine_hours_adjusted"], true);
  // Hours set lower by hand meanwhile: taking a use back stops at zero.
  const db::Id c =
      create("uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_ - 3600}, {"end", now_}});
  ASSERT_EQ(patch("/api/v1/machines/1", {{"hours", 0}}).status, 200);
  EXPECT_EQ(del("/api/v1/uses/" + std::to_string(c) + "?adjust_hours=true").status, 204);
  EXPECT_EQ(machine_hours(db_, 1), 0.0);
}

TEST_F(UsesTest, EditKeepsOtherFieldsAndCanAdjustHours) {
  const db::Id id =
      create("uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_ - 3600}, {"end", now_}});
  const std::string url = "/api/v1/uses/" + std::to_string(id);
  const Reply edited = patch(url + "?adjust_hours=true", {{"start", now_ - 7200}});
  ASSERT_EQ(edited.status, 200);
  EXPECT_EQ(edited.body["start"], now_ - 7200);
  EXPECT_EQ(edited.body["end"], now_);
  EXPECT_EQ(edited.body["duration_s"], 7200.0);
  EXPECT_NEAR(machine_hours(db_, 1), 2.0, 1e-9);
  EXPECT_EQ(patch(url, {{"start", now_ + 60}}).field("end"), "must not be before start");
  EXPECT_EQ(patch("/api/v1/uses/999", {{"start", now_}}).status, 404);
}

// A use the stale-use check closed at its last sign of life says so, until a hand edit gives it an
// end staff stand by.
TEST_F(UsesTest, AnEndTheStaleCheckEstimatedIsMarkedUntilEditedByHand) {
  const db::Id id = create("uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_ - 60}});
  const std::string url = "/api/v1/uses/" + std::to_string(id);
  EXPECT_EQ(get(url).body["end_estimated"], false);
  ASSERT_EQ(db::UsesRepository(db_).close_stale(now_ + 1), 1);
  const Reply closed = get(url);
  EXPECT_EQ(closed.body["open"], false);
  EXPECT_EQ(closed.body["end_estimated"], true);
  EXPECT_EQ(get("/api/v1/uses").body["items"][0]["end_estimated"], true);
  EXPECT_EQ(patch(url, {{"end", now_}}).body["end_estimated"], false);
}

TEST_F(UsesTest, FiltersAndPagingThroughTheWholeHistory) {
  const db::Id anna = create("members", {{"name", "Anna"}, {"role_id", 3}});
  const db::Id laser = create("machines", {{"name", "Laser"}});
  // 1200 uses: more than the old portal's 500-row cut.
  for (int i = 0; i < 1200; ++i) {
    db_.execute(
        "INSERT INTO uses (user_id, machine_id, start_timestamp, last_seen, end_timestamp) "
        "VALUES (?, ?, ?, ?, ?)",
        i % 3 == 0 ? anna : db::Id{1}, i % 2 == 0 ? laser : db::Id{1}, now_ - 100000 + i * 10,
        now_ - 100000 + i * 10 + 5, now_ - 100000 + i * 10 + 5);
  }
  create("uses", {{"member_id", anna}, {"machine_id", laser}, {"start", now_}});  // open

  std::set<db::Id> seen;
  std::int64_t offset = 0;
  while (true) {
    const Reply page = get("/api/v1/uses?limit=500&offset=" + std::to_string(offset));
    ASSERT_EQ(page.status, 200);
    EXPECT_EQ(page.body["total"], 1201);
    if (page.body["items"].empty()) break;
    for (const auto& use : page.body["items"])
      seen.insert(use["id"].get<db::Id>());
    offset += 500;
  }
  EXPECT_EQ(seen.size(), 1201u);

  const Reply newest = get("/api/v1/uses?limit=1");
  EXPECT_EQ(newest.body["items"][0]["open"], true);  // newest first by default
  EXPECT_EQ(get("/api/v1/uses?open=true").body["total"], 1);
  EXPECT_EQ(get("/api/v1/uses?member_id=" + std::to_string(anna)).body["total"], 401);
  EXPECT_EQ(get("/api/v1/uses?machine_id=" + std::to_string(laser)).body["total"], 601);
  EXPECT_EQ(
      get("/api/v1/uses?member_id=" + std::to_string(anna) + "&machine_id=" + std::to_string(laser))
          .body["total"],
      201);
  // [from, before): uses 100..199.
  const std::string range = "from=" + std::to_string(now_ - 100000 + 1000) +
                            "&before=" + std::to_string(now_ - 100000 + 2000);
  EXPECT_EQ(get("/api/v1/uses?" + range).body["total"], 100);
  const Reply oldest = get("/api/v1/uses?sort=start&order=asc&limit=2&" + range);
  EXPECT_EQ(oldest.body["items"][0]["start"], now_ - 100000 + 1000);
  EXPECT_EQ(oldest.body["items"][1]["start"], now_ - 100000 + 1010);
  EXPECT_EQ(get("/api/v1/uses?limit=501").field("limit"), "must be between 1 and 500");
}

}  // namespace
}  // namespace fabomatic::web::api::test
