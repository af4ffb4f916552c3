// /api/v1/board-accounts and /api/v1/mqtt/*: create (the secret once, out of the audit log),
// rotate, revoke, list with who is connected, the anonymous mode's warning and the shared
// client ids — over a real broker core with boards attached as test clients.
#include <gtest/gtest.h>

#include "../broker/broker_test_client.hpp"
#include "support_api.hpp"

namespace fabomatic::web::api::test {
namespace {

using broker::testing::TestClient;

// The fixture's broker core (support_api.hpp) starts in the legacy mode.
class BoardAccountsApiTest : public ApiTest {};

TEST_F(BoardAccountsApiTest, CreateShowsTheSecretOnceAndKeepsItOutOfTheAuditLog) {
  const Reply created = post("/api/v1/board-accounts", {{"machine_id", 1}});
  ASSERT_EQ(created.status, 201) << created.text;
  const std::string secret = created.body["secret"];
  EXPECT_EQ(secret.size(), 29u);
  EXPECT_EQ(created.body["username"], "board-1");
  EXPECT_EQ(created.body["account"]["machine_name"], "MACHINE1");
  EXPECT_EQ(created.body["account"]["connected"], false);

  for (const auto& entry : audit_entries()) {
    EXPECT_EQ(entry.after_json.value_or("").find(secret), std::string::npos);
    EXPECT_EQ(entry.before_json.value_or("").find(secret), std::string::npos);
  }
  ASSERT_FALSE(audit_entries().empty());
  EXPECT_EQ(audit_entries().front().entity, "board_account");
  EXPECT_EQ(audit_entries().front().action, "create");

  const Reply list = get("/api/v1/board-accounts");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["items"].size(), 1u);
  EXPECT_EQ(list.text.find(secret), std::string::npos) << "never shown again";
  EXPECT_FALSE(list.body["items"][0].contains("secret"));
  EXPECT_EQ(list.body["anonymous"], "legacy");

  // The board logs in with it and shows as connected.
  TestClient board(*broker_, "10.0.0.5:4000");
  board.login("BOARD1", "board-1", secret);
  const Reply after = get("/api/v1/board-accounts");
  EXPECT_EQ(after.body["items"][0]["connected"], true);
  EXPECT_EQ(after.body["items"][0]["remote_address"], "10.0.0.5:4000");
}

TEST_F(BoardAccountsApiTest, CreateRefusesAMissingMachineAndASecondAccount) {
  EXPECT_EQ(post("/api/v1/board-accounts", {{"machine_id", 99}}).status, 400);
  EXPECT_EQ(post("/api/v1/board-accounts", {}).status, 400);
  EXPECT_EQ(post("/api/v1/board-accounts", {{"machine_id", 1}, {"extra", 1}}).status, 400);
  ASSERT_EQ(post("/api/v1/board-accounts", {{"machine_id", 1}}).status, 201);
  const Reply again = post("/api/v1/board-accounts", {{"machine_id", 1}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.code(), "conflict");
}

TEST_F(BoardAccountsApiTest, RotateAndRevokeDisconnectTheBoard) {
  const std::string first = post("/api/v1/board-accounts", {{"machine_id", 1}}).body["secret"];
  TestClient board(*broker_);
  board.login("BOARD1", "board-1", first);
  const Reply rotated = post("/api/v1/board-accounts/1/rotate", json::object());
  ASSERT_EQ(rotated.status, 200) << rotated.text;
  const std::string second = rotated.body["secret"];
  EXPECT_NE(second, first);
  EXPECT_TRUE(board.closed());
  EXPECT_EQ(audit_entries().front().action, "rotate_secret");

  TestClient again(*broker_);
  again.login("BOARD1", "board-1", second);
  EXPECT_EQ(del("/api/v1/board-accounts/1").status, 204);
  EXPECT_TRUE(again.closed());
  EXPECT_EQ(del("/api/v1/board-accounts/1").status, 404);
  EXPECT_EQ(post("/api/v1/board-accounts/1/rotate", json::object()).status, 404);
}

TEST_F(BoardAccountsApiTest, StatusWarnsInLegacyModeWithTheSteps) {
  TestClient anonymous_board(*broker_, "10.0.0.9:1");
  anonymous_board.login("BOARD9", "user", "password");
  anonymous_board.publish("machine/1", R"({"action":"alive"})");
  const Reply status = get("/api/v1/mqtt/status");
  ASSERT_EQ(status.status, 200) << status.text;
  EXPECT_EQ(status.body["anonymous"], "legacy");
  EXPECT_TRUE(status.body["warning"].is_string());
  EXPECT_EQ(status.body["steps"].size(), 3u);
  EXPECT_EQ(status.body["anonymous_clients"], 1);
  EXPECT_EQ(status.body["anonymous_boards"], json::array({1}));
  EXPECT_EQ(status.body["machines_without_account"], json::array({1}));
}

TEST_F(BoardAccountsApiTest, NoWarningOnceAnonymousClientsAreRefused) {
  start_mqtt(backend::AnonymousMode::refused);
  const Reply status = get("/api/v1/mqtt/status");
  EXPECT_EQ(status.body["anonymous"], "refused");
  EXPECT_TRUE(status.body["warning"].is_null());
  EXPECT_TRUE(status.body["steps"].empty());
}

TEST_F(BoardAccountsApiTest, SharedClientIdsSayWhichMachinesShareIt) {
  const db::Id seven = create("machines", {{"name", "SEVEN"}});
  TestClient three(*broker_, "10.0.0.3:1"), other(*broker_, "10.0.0.7:1");
  three.login("BOARD417", "user", "password");
  other.login("BOARD417", "user", "password");
  three.publish("machine/1", R"({"action":"alive"})");
  other.publish("machine/" + std::to_string(seven), R"({"action":"alive"})");
  const Reply shared = get("/api/v1/mqtt/shared-client-ids");
  ASSERT_EQ(shared.status, 200) << shared.text;
  ASSERT_EQ(shared.body["items"].size(), 1u);
  EXPECT_EQ(shared.body["items"][0]["client_id"], "BOARD417");
  EXPECT_EQ(shared.body["items"][0]["summary"],
            "machines 1 and " + std::to_string(seven) + " share client id BOARD417");
}

TEST_F(BoardAccountsApiTest, WithoutTheBrokerTheRoutesAnswer503) {
  context_.mqtt_security = nullptr;
  EXPECT_EQ(get("/api/v1/board-accounts").status, 503);
  EXPECT_EQ(get("/api/v1/mqtt/status").status, 503);
}

}  // namespace
}  // namespace fabomatic::web::api::test
