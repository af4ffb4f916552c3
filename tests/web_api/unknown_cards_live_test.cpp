// Unknown cards (list, delete, convert to member) and the live snapshot with remote start/stop.
#include "db/unknown_cards_repository.hpp"
#include "db/users_repository.hpp"
#include "support_api.hpp"
#include "web/live/status_json.hpp"

namespace fabomatic::web::api::test {
namespace {

using UnknownCardsTest = ApiTest;
using LiveTest = ApiTest;

TEST_F(UnknownCardsTest, ListNewestFirstWithFilters) {
  db::UnknownCardsRepository taps(db_);
  const db::Id laser = create("machines", {{"name", "Laser"}});
  taps.record("AABBCCDD", 1, now_ - 20);
  taps.record("aabbccdd", laser, now_ - 10);
  taps.record("11223344", 1, now_);
  const Reply all = get("/api/v1/unknown-cards");
  ASSERT_EQ(all.body["total"], 3);
  EXPECT_EQ(all.body["items"][0]["card"], "11223344");
  EXPECT_EQ(all.body["items"][1]["machine_name"], "Laser");
  EXPECT_EQ(all.body["items"][2]["card"], "aabbccdd");  // lowercase
  EXPECT_EQ(get("/api/v1/unknown-cards?card=AABBCCDD").body["total"], 2);
  EXPECT_EQ(get("/api/v1/unknown-cards?machine_id=1").body["total"], 2);
  EXPECT_EQ(get("/api/v1/unknown-cards?limit=1&offset=2").body["items"].size(), 1u);
}

TEST_F(UnknownCardsTest, DeleteOneTap) {
  const db::Id id = db::UnknownCardsRepository(db_).record("aabbccdd", 1, now_);
  EXPECT_EQ(del("/api/v1/unknown-cards/" + std::to_string(id)).status, 204);
  EXPECT_EQ(del("/api/v1/unknown-cards/" + std::to_string(id)).status, 404);
  EXPECT_EQ(audit_entries()[0].entity, "unknown_card");
}

TEST_F(UnknownCardsTest, ConvertToMemberRemovesEveryTapOfTheCard) {
  db::UnknownCardsRepository taps(db_);
  const db::Id id = taps.record("aabbccdd", 1, now_ - 10);
  taps.record("aabbccdd", 1, now_);
  taps.record("55667788", 1, now_);
  const std::string url = "/api/v1/unknown-cards/" + std::to_string(id) + "/convert";

  EXPECT_EQ(post(url, {{"name", "Anna"}, {"role_id", 3}, {"card", "55667788"}}).field("card"),
            "unknown field");
  EXPECT_EQ(post(url, {{"role_id", 3}}).field("name"), "required");
  EXPECT_EQ(taps.count(), 3);

  const Reply reply = post(url, {{"name", "Anna"}, {"surname", "Neri"}, {"role_id", 3}});
  ASSERT_EQ(reply.status, 201) << reply.body.dump();
  EXPECT_EQ(reply.body["member"]["card"], "aabbccdd");
  EXPECT_EQ(reply.body["removed_taps"], 2);
  EXPECT_EQ(reply.body["authorization"], nullptr);  // not asked for
  EXPECT_EQ(taps.count(), 1);
  EXPECT_TRUE(db::UsersRepository(db_).by_card("aabbccdd").has_value());
  EXPECT_EQ(post(url, {{"name", "Again"}, {"role_id", 3}}).status, 404);
  const auto entries = audit_entries();
  EXPECT_EQ(entries[0].action, "create");
  EXPECT_EQ(entries[0].entity, "user");
  EXPECT_EQ(entries[1].entity, "unknown_card");
  EXPECT_EQ(json::parse(*entries[1].before_json)["taps"], 2);
}

TEST_F(UnknownCardsTest, ConvertCanAuthorizeTheMachineOfTheTapInTheSameChange) {
  db::UnknownCardsRepository taps(db_);
  const db::Id laser = create("machines", {{"name", "Laser"}});
  const db::Id tap = taps.record("aabbccdd", laser, now_);
  const std::string url = "/api/v1/unknown-cards/" + std::to_string(tap) + "/convert";
  EXPECT_EQ(post(url, {{"name", "Anna"}, {"role_id", 3}, {"authorize_machine", "yes"}})
                .field("authorize_machine"),
            "must be true or false");
  EXPECT_FALSE(db::UsersRepository(db_).by_card("aabbccdd").has_value());  // nothing made

  const Reply reply = post(url, {{"name", "Anna"}, {"role_id", 3}, {"authorize_machine", true}});
  ASSERT_EQ(reply.status, 201) << reply.body.dump();
  const auto member = reply.body["member"]["id"].get<db::Id>();
  EXPECT_EQ(reply.body["authorization"]["member_id"], member);
  EXPECT_EQ(reply.body["authorization"]["machine_id"], laser);
  const Reply listed = get("/api/v1/authorizations?member_id=" + std::to_string(member));
  ASSERT_EQ(listed.body["total"], 1);
  EXPECT_EQ(listed.body["items"][0]["machine_name"], "Laser");
  EXPECT_EQ(audit_entries()[0].entity, "authorization");
}

// A board may report any text as a card; what POST /members refuses cannot become a member's
// card through a tap either.
TEST_F(UnknownCardsTest, ATapWhoseCardNoMemberMayHaveIsNotConverted) {
  const db::Id id = db::UnknownCardsRepository(db_).record("<img src=x>", 1, now_);
  const Reply reply = post("/api/v1/unknown-cards/" + std::to_string(id) + "/convert",
                           {{"name", "Anna"}, {"role_id", 3}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.field("card"), "");
  EXPECT_FALSE(db::UsersRepository(db_).by_card("<img src=x>").has_value());
  EXPECT_EQ(db::UnknownCardsRepository(db_).count(), 1);
}

TEST_F(LiveTest, SnapshotShowsStateByPrecedence) {
  Reply reply = get("/api/v1/live/status");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body["time"], now_);
  ASSERT_EQ(reply.body["machines"].size(), 1u);
  EXPECT_EQ(reply.body["machines"][0]["state"], "offline");
  EXPECT_EQ(reply.body["machines"][0]["member_id"], nullptr);
  live_.heard(1, now_);
  EXPECT_EQ(get("/api/v1/live/status").body["machines"][0]["state"], "free");
  create("maintenance-plans", {{"machine_id", 1}, {"description", "Oil"}, {"hours_between", 0}});
  create("uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_ - 60}, {"end", now_}});
  EXPECT_EQ(get("/api/v1/live/status").body["machines"][0]["state"], "maintenance");
  patch("/api/v1/machines/1", {{"blocked", true}});
  EXPECT_EQ(get("/api/v1/live/status").body["machines"][0]["state"], "blocked");
  create("uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_}});
  reply = get("/api/v1/live/status");
  EXPECT_EQ(reply.body["machines"][0]["state"], "in_use");
  EXPECT_EQ(reply.body["machines"][0]["member_name"], "admin admin");
  EXPECT_EQ(reply.body["machines"][0]["in_use_since"], now_);
}

TEST_F(LiveTest, TheWebSocketShowsAMachineAsTheSnapshotDoes) {
  live_.heard(1, now_);
  create("uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_}});
  const auto status = live_.machine(1);
  ASSERT_TRUE(status);
  backend::LiveEvent event;
  event.machine = *status;
  const json pushed = json::parse(live_event_json(event).dump());
  EXPECT_EQ(pushed["type"], "machine");
  // Same keys, same values, same order as the snapshot: the dashboard reads either alike.
  const auto snapshot = nlohmann::ordered_json::parse(get("/api/v1/live/status").text);
  EXPECT_EQ(live_event_json(event)["machine"].dump(), snapshot["machines"][0].dump());
  EXPECT_EQ(pushed["machine"]["member_name"], "admin admin");
}

TEST_F(LiveTest, RemoteStartIsSentAs202) {
  live_.heard(1, now_);
  const Reply reply = call(Method::post, "/api/v1/machines/1/start");
  ASSERT_EQ(reply.status, 202) << reply.body.dump();
  EXPECT_EQ(reply.body["request"], "start");
  ASSERT_EQ(bus_.published.size(), 1u);
  EXPECT_EQ(bus_.published[0].topic, "machine/1/request");
  EXPECT_EQ(json::parse(bus_.published[0].payload),
            (json{{"request_type", "start"}, {"uid", "12345678"}}));
  EXPECT_EQ(audit_entries()[0].action, "start");

  // A second request while the first is pending is refused with the reason.
  const Reply again = call(Method::post, "/api/v1/machines/1/stop");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.code(), "refused");
  EXPECT_EQ(again.body["error"]["reason"], "pending");
  EXPECT_NE(again.body["error"]["message"].get<std::string>().find("pending"), std::string::npos);
}

TEST_F(LiveTest, RemoteRefusals) {
  const Reply offline = call(Method::post, "/api/v1/machines/1/start");
  EXPECT_EQ(offline.status, 409);
  EXPECT_EQ(offline.code(), "refused");
  EXPECT_EQ(offline.body["error"]["reason"], "offline");
  EXPECT_EQ(call(Method::post, "/api/v1/machines/99/stop").status, 404);
  live_.heard(1, now_);
  patch("/api/v1/members/1", {{"card", nullptr}});
  const Reply no_card = call(Method::post, "/api/v1/machines/1/start");
  EXPECT_EQ(no_card.status, 409);
  EXPECT_EQ(no_card.code(), "refused");
  EXPECT_EQ(no_card.body["error"]["reason"], "no_card");
  EXPECT_TRUE(bus_.published.empty());
  // Stopping needs no card of the admin's: the board logs out whoever is in.
  const Reply stop = call(Method::post, "/api/v1/machines/1/stop");
  EXPECT_EQ(stop.status, 202) << stop.body.dump();
  ASSERT_EQ(bus_.published.size(), 1u);
  EXPECT_EQ(json::parse(bus_.published[0].payload), (json{{"request_type", "stop"}, {"uid", ""}}));
  context_.remote = nullptr;
  EXPECT_EQ(call(Method::post, "/api/v1/machines/1/stop").status, 503);
}

}  // namespace
}  // namespace fabomatic::web::api::test
