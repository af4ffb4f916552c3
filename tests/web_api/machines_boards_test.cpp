// Machines (maintenance per plan, cascade before and after delete, live refresh), boards and
// discovered boards with their create-machine action.
#include "db/boards_repository.hpp"
#include "db/discovered_boards_repository.hpp"
#include "db/unknown_cards_repository.hpp"
#include "support_api.hpp"

namespace fabomatic::web::api::test {
namespace {

using MachinesTest = ApiTest;
using BoardsTest = ApiTest;

TEST_F(MachinesTest, CreateValidatesAndRefusesDuplicates) {
  const Reply bad = post("/api/v1/machines",
                         {{"type_id", 42}, {"hours", -1}, {"blocked", "no"}, {"last_seen", 5}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.field("name"), "required");
  EXPECT_EQ(bad.field("type_id"), "no such machine type");
  EXPECT_NE(bad.field("hours"), "");
  EXPECT_EQ(bad.field("blocked"), "must be true or false");
  EXPECT_EQ(bad.field("last_seen"), "unknown field");

  // A name is one line of text: no control characters (a NUL reached exports, the dashboard
  // showed "a\u25a1b").
  for (const char* name : {"a\x01b", "a\nb", "tab\there"}) {
    const Reply control = post("/api/v1/machines", {{"name", std::string(name)}});
    EXPECT_EQ(control.status, 400);
    EXPECT_EQ(control.field("name"), "must be one line, without control characters");
  }
  // Nor what reorders or hides text: a name shown as another one in the lists.
  for (const char* name : {"\xE2\x80\xAE"
                           "rotcaf",
                           "\xEF\xBB\xBF"
                           "MACHINE1",
                           "a\xE2\x80\xA8"
                           "b",
                           "a\xC2\x85"
                           "b"}) {
    const Reply hidden = post("/api/v1/machines", {{"name", std::string(name)}});
    EXPECT_EQ(hidden.status, 400) << name;
    EXPECT_EQ(hidden.field_code("name")["code"], "control_characters");
  }
  const Reply nul = post("/api/v1/machines", {{"name", std::string("a\0b", 3)}});
  EXPECT_EQ(nul.status, 400);
  // Nor a name that is only a no-break space (pasted from a web page): it is empty.
  const Reply blank = post("/api/v1/machines", {{"name", "\xC2\xA0\xE3\x80\x80"}});
  EXPECT_EQ(blank.status, 400);
  EXPECT_EQ(blank.field_code("name")["code"], "required");
  // JSON sent as another type is refused by its type, and creates nothing.
  const Reply plain = call(Method::post, "/api/v1/machines", R"({"name":"Plain"})", "text/plain");
  EXPECT_EQ(plain.status, 415);
  EXPECT_EQ(plain.code(), "unsupported_media_type");
  EXPECT_EQ(count_rows("machines"), 1);

  const Reply dup = post("/api/v1/machines", {{"name", "MACHINE1"}});
  EXPECT_EQ(dup.status, 409);
  EXPECT_NE(dup.field("name"), "");

  const Reply ok = post("/api/v1/machines", {{"name", "Laser"}, {"type_id", 1}});
  ASSERT_EQ(ok.status, 201);
  EXPECT_EQ(ok.body["type_name"], "Default type");
  EXPECT_EQ(ok.body["hours"], 0.0);
  EXPECT_EQ(ok.body["last_seen"], nullptr);
  EXPECT_EQ(ok.body["maintenance"], json::array());
  // The live model knows the new machine at once.
  EXPECT_TRUE(live_.machine(ok.body["id"].get<db::Id>()).has_value());

  const Reply taken_id = post("/api/v1/machines", {{"name", "Other"}, {"id", 1}});
  EXPECT_EQ(taken_id.status, 409);
  EXPECT_NE(taken_id.field("id"), "");

  // A chosen id beyond 2^31 - 1: the browser would round one beyond 2^53, and after it SQLite
  // would give the machines created next random 63-bit ids. After the largest one, a new machine
  // takes the lowest free id.
  const Reply huge = post("/api/v1/machines", {{"name", "Huge"}, {"id", 9007199254740993LL}});
  EXPECT_EQ(huge.status, 400);
  EXPECT_EQ(huge.field_code("id")["code"], "range");
  const Reply largest = post("/api/v1/machines", {{"name", "Largest"}, {"id", 2147483647}});
  ASSERT_EQ(largest.status, 201);
  const Reply next = post("/api/v1/machines", {{"name", "Next"}});
  ASSERT_EQ(next.status, 201);
  EXPECT_EQ(next.body["id"], 3);
}

TEST_F(MachinesTest, PatchBlocksWithoutTouchingOtherFieldsAndUpdatesLiveStatus) {
  patch("/api/v1/machines/1", {{"hours", 12.5}});
  const Reply reply = patch("/api/v1/machines/1", {{"blocked", true}});
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body["blocked"], true);
  EXPECT_EQ(reply.body["hours"], 12.5);
  EXPECT_EQ(reply.body["name"], "MACHINE1");
  EXPECT_EQ(reply.body["type_id"], 1);
  EXPECT_TRUE(live_.machine(1)->blocked);
  EXPECT_EQ(get("/api/v1/live/status").body["machines"][0]["state"], "blocked");
  EXPECT_EQ(patch("/api/v1/machines/1", {{"type_id", nullptr}}).body["type_name"], nullptr);
}

TEST_F(MachinesTest, MaintenanceStatePerPlan) {
  const db::Id plan = create("maintenance-plans", {{"machine_id", 1},
                                                   {"description", "Clean lens"},
                                                   {"hours_between", 1},
                                                   {"lcd_message", "Clean lens!"}});
  create("maintenance-plans", {{"machine_id", 1}, {"description", "Oil"}, {"hours_between", 10}});
  // Two closed hours of use: the 1-hour plan is due, the 10-hour one is not.
  create("uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_ - 7200}, {"end", now_}});
  const Reply reply = get("/api/v1/machines/1");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body["maintenance_due"], true);
  ASSERT_EQ(reply.body["maintenance"].size(), 2u);
  EXPECT_EQ(reply.body["maintenance"][0]["plan_id"], plan);
  EXPECT_EQ(reply.body["maintenance"][0]["description"], "Clean lens");
  EXPECT_EQ(reply.body["maintenance"][0]["due"], true);
  EXPECT_NEAR(reply.body["maintenance"][0]["used_hours"].get<double>(), 2.0, 1e-9);
  EXPECT_EQ(reply.body["maintenance"][1]["due"], false);
  EXPECT_NEAR(reply.body["hours"].get<double>(), 2.0, 1e-9);
  EXPECT_TRUE(live_.machine(1)->maintenance_due);
}

TEST_F(MachinesTest, CascadeCountsBeforeAndAfterDelete) {
  const db::Id m = create("machines", {{"name", "Laser"}});
  const std::string url = "/api/v1/machines/" + std::to_string(m);
  db::BoardsRepository(db_).upsert(m, {"10.0.0.7", "1.2.3", "SER", 1000}, now_);
  const db::Id plan = create("maintenance-plans",
                             {{"machine_id", m}, {"description", "Lens"}, {"hours_between", 5}});
  create("interventions", {{"plan_id", plan}, {"member_id", 1}});
  create("interventions", {{"plan_id", plan}, {"member_id", 1}, {"timestamp", now_ - 10}});
  create("authorizations", {{"member_id", 1}, {"machine_id", m}});
  create("uses", {{"member_id", 1}, {"machine_id", m}, {"start", now_ - 60}, {"end", now_}});
  create("uses", {{"member_id", 1}, {"machine_id", m}, {"start", now_ - 30}});
  db::UnknownCardsRepository(db_).record("abcdef01", m, now_);

  const Reply before = get(url + "/cascade");
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(before.body, (json{{"boards", 1},
                               {"plans", 1},
                               {"interventions", 2},
                               {"authorizations", 1},
                               {"uses", 2},
                               {"unknown_cards", 1},
                               {"total", 8}}));
  // Another machine's rows are not counted.
  EXPECT_EQ(get("/api/v1/machines/1/cascade").body["total"], 0);

  // A body on a route that takes none is refused, not dropped while the machine goes.
  const Reply with_body = call(Method::delete_, url, R"({"keep_uses":true})");
  EXPECT_EQ(with_body.status, 400);
  EXPECT_EQ(with_body.code(), "unexpected_body");
  EXPECT_EQ(call(Method::delete_, url, "{", "text/plain").code(), "unexpected_body");
  EXPECT_EQ(get(url).status, 200);

  const Reply removed = call(Method::delete_, url, " {} ");  // how some clients say "nothing"
  ASSERT_EQ(removed.status, 200);
  EXPECT_EQ(removed.body["removed"], before.body);
  EXPECT_EQ(get(url).status, 404);
  EXPECT_EQ(get(url + "/cascade").status, 404);
  EXPECT_EQ(del(url).status, 404);
  EXPECT_EQ(count_rows("uses"), 0);
  EXPECT_EQ(count_rows("interventions"), 0);
  EXPECT_FALSE(live_.machine(m).has_value());
  const auto entry = audit_entries()[0];
  EXPECT_EQ(entry.action, "delete");
  EXPECT_EQ(entry.entity, "machine");
  EXPECT_EQ(json::parse(*entry.before_json)["removed"]["total"], 8);
}

TEST_F(MachinesTest, ListFiltersAndSorts) {
  create("machines", {{"name", "Laser"}, {"hours", 30}});
  create("machines", {{"name", "lathe"}, {"hours", 10}, {"blocked", true}});
  create("machines", {{"name", "Printer"}, {"hours", 20}, {"type_id", 1}});
  EXPECT_EQ(get("/api/v1/machines").body["total"], 4);
  EXPECT_EQ(get("/api/v1/machines?blocked=true").body["items"][0]["name"], "lathe");
  EXPECT_EQ(get("/api/v1/machines?type_id=1").body["total"], 2);
  EXPECT_EQ(get("/api/v1/machines?q=LA").body["total"], 2);
  const Reply by_hours = get("/api/v1/machines?sort=hours&order=desc&limit=2");
  ASSERT_EQ(by_hours.body["items"].size(), 2u);
  EXPECT_EQ(by_hours.body["items"][0]["name"], "Laser");
  EXPECT_EQ(by_hours.body["items"][1]["name"], "Printer");
  EXPECT_EQ(get("/api/v1/machines?sort=name").body["items"][1]["name"], "lathe");
  EXPECT_EQ(get("/api/v1/machines?blocked=maybe").field("blocked"), "must be true or false");
}

TEST_F(MachinesTest, NamesListEveryMachineByNameWithIdAndNameOnly) {
  create("machines", {{"name", "laser b"}});
  create("machines", {{"name", "Drill"}});
  const db::Id laser = create("machines", {{"name", "Laser A"}});
  create("maintenance-plans",
         {{"machine_id", laser}, {"description", "Lens"}, {"hours_between", 1}});
  const Reply all = get("/api/v1/machines/names");
  ASSERT_EQ(all.status, 200);
  ASSERT_TRUE(all.body.is_array());
  std::vector<std::string> names;
  for (const auto& item : all.body) {
    EXPECT_EQ(item.size(), 2u) << item.dump();  // nothing but id and name
    names.push_back(item["name"]);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Drill", "Laser A", "laser b", "MACHINE1"}));
  EXPECT_EQ(all.body[1], (json{{"id", laser}, {"name", "Laser A"}}));

  const Reply some = get("/api/v1/machines/names?q=LASER");
  ASSERT_EQ(some.body.size(), 2u);
  EXPECT_EQ(some.body[0]["name"], "Laser A");
  EXPECT_EQ(get("/api/v1/machines/names?q=" + std::string(101, 'x')).status, 400);
  // "names" is not an id: the machine routes still answer their ids.
  EXPECT_EQ(get("/api/v1/machines/" + std::to_string(laser)).body["name"], "Laser A");
}

TEST_F(BoardsTest, BoardsListedWithMachineAndOnlineState) {
  db::BoardsRepository(db_).upsert(1, {"10.0.0.5", "2.0", "ABC", 4242}, now_);
  live_.heard(1, now_);
  const Reply reply = get("/api/v1/boards");
  ASSERT_EQ(reply.status, 200);
  ASSERT_EQ(reply.body["total"], 1);
  const auto& board = reply.body["items"][0];
  EXPECT_EQ(board["machine_name"], "MACHINE1");
  EXPECT_EQ(board["ip_address"], "10.0.0.5");
  EXPECT_EQ(board["heap"], 4242);
  EXPECT_EQ(board["online"], true);
  EXPECT_EQ(get("/api/v1/boards?machine_id=2").body["total"], 0);
  const std::string url = "/api/v1/boards/" + std::to_string(board["id"].get<int>());
  EXPECT_EQ(get(url).body, board);
  EXPECT_EQ(del(url).status, 204);
  EXPECT_EQ(get(url).status, 404);
  EXPECT_EQ(audit_entries()[0].entity, "board");
}

TEST_F(BoardsTest, DiscoveredBoardBecomesAMachine) {
  db::DiscoveredBoardsRepository(db_).record(7, {"10.0.0.9", "3.1", "S7", 999}, now_ - 5);
  const Reply listed = get("/api/v1/discovered-boards");
  ASSERT_EQ(listed.body["total"], 1);
  EXPECT_EQ(listed.body["items"][0]["machine_id"], 7);
  EXPECT_EQ(listed.body["items"][0]["ip_address"], "10.0.0.9");

  EXPECT_EQ(post("/api/v1/discovered-boards/8/machine", {{"name", "X"}}).status, 404);
  EXPECT_EQ(post("/api/v1/discovered-boards/7/machine", {{"name", ""}}).field("name"),
            "must not be empty");
  const Reply created = post("/api/v1/discovered-boards/7/machine", {{"name", "Router"}});
  ASSERT_EQ(created.status, 201) << created.body.dump();
  EXPECT_EQ(created.body["id"], 7);
  EXPECT_EQ(created.body["name"], "Router");
  EXPECT_EQ(get("/api/v1/discovered-boards").body["total"], 0);
  const auto board = db::BoardsRepository(db_).by_machine(7);
  ASSERT_TRUE(board);
  EXPECT_EQ(board->ip_address, "10.0.0.9");
  EXPECT_EQ(live_.machine(7)->board_ip, "10.0.0.9");
  // Heard 5 s ago: online on the dashboard now, not at its next alive.
  EXPECT_TRUE(live_.machine(7)->online);
  EXPECT_DOUBLE_EQ(live_.machine(7)->last_heard, now_ - 5);
  EXPECT_EQ(get("/api/v1/boards?machine_id=7").body["items"][0]["online"], true);
  EXPECT_EQ(post("/api/v1/discovered-boards/7/machine", {{"name", "Again"}}).status, 404);

  // One silent for an hour is made a machine too, offline, last seen an hour ago.
  db::DiscoveredBoardsRepository(db_).record(9, {"10.0.0.8", "3.1", "S9", 999}, now_ - 3600);
  ASSERT_EQ(post("/api/v1/discovered-boards/9/machine", {{"name", "Old"}}).status, 201);
  EXPECT_FALSE(live_.machine(9)->online);
  EXPECT_DOUBLE_EQ(live_.machine(9)->last_heard, now_ - 3600);
}

TEST_F(BoardsTest, DiscoveredBoardCanBeDismissed) {
  db::DiscoveredBoardsRepository(db_).record(9, {"10.0.0.9", "3.1", std::nullopt, std::nullopt},
                                             now_);
  EXPECT_EQ(del("/api/v1/discovered-boards/9").status, 204);
  EXPECT_EQ(del("/api/v1/discovered-boards/9").status, 404);
  EXPECT_EQ(get("/api/v1/discovered-boards").body["total"], 0);
  EXPECT_EQ(audit_entries()[0].entity, "discovered_board");
}

}  // namespace
}  // namespace fabomatic::web::api::test
