// Broker core, two clients with one client id: the specification's takeover (MQTT-3.1.4-2) for
// the same client coming back, both kept for two different clients (two boards that named
// themselves alike), and Mosquitto's use_username_as_clientid.
#include <gtest/gtest.h>

#include <map>

#include "broker_test_client.hpp"

namespace fabomatic::broker {
namespace {

using testing::TestClient;

BrokerConfig quiet_config() {
  BrokerConfig config;
  config.sys_interval = std::chrono::seconds(0);
  return config;
}

// Accepts user u with password "pw-u" as account u; anonymous clients are accepted as such.
class Accounts final : public BrokerHooks {
 public:
  Accounts() : BrokerHooks(static_cast<HookEvents>(HookEvent::authenticate)) {}
  AuthResult authenticate(const ClientInfo&, const Credentials& credentials) override {
    if (!credentials.username) return AuthResult::accept(nullptr, false);
    const std::string expected = "pw-" + std::string(*credentials.username);
    if (credentials.password != std::optional<std::string_view>(expected)) {
      return AuthResult::refuse(ConnectReturnCode::bad_username_or_password);
    }
    return AuthResult::accept(nullptr, true);
  }
};

TEST(BrokerClientId, TheSameAnonymousClientFromTheSameAddressTakesOver) {
  Broker broker(quiet_config());
  TestClient first(broker, "10.0.0.5:4000"), second(broker, "10.0.0.5:4001");
  first.connect("BOARD417");
  second.connect("BOARD417");  // the board reconnected; its old connection was half-open
  EXPECT_TRUE(first.closed());
  EXPECT_FALSE(second.closed());
  EXPECT_EQ(broker.session_count(), 1u);
  EXPECT_TRUE(broker.shared_client_ids().empty());
}

TEST(BrokerClientId, TwoAnonymousBoardsFromTwoAddressesAreBothKeptAndBothServed) {
  Broker broker(quiet_config());
  TestClient board3(broker, "10.0.0.3:4000"), board7(broker, "10.0.0.7:4000");
  TestClient backend(broker);
  backend.connect("backend");
  board3.connect("BOARD417");
  board3.subscribe({{"machine/3/reply", 0}});
  board7.connect("BOARD417");
  board7.subscribe({{"machine/7/reply", 0}});
  EXPECT_FALSE(board3.closed());
  EXPECT_FALSE(board7.closed());
  EXPECT_EQ(broker.connected_count(), 3u);
  EXPECT_EQ(broker.stats().client_id_shared, 1u);

  backend.publish("machine/3/reply", "for 3");
  backend.publish("machine/7/reply", "for 7");
  const auto to3 = board3.publishes();
  const auto to7 = board7.publishes();
  ASSERT_EQ(to3.size(), 1u);
  ASSERT_EQ(to7.size(), 1u);
  EXPECT_EQ(to3[0].payload, "for 3");
  EXPECT_EQ(to7[0].payload, "for 7");

  const auto shared = broker.shared_client_ids();
  ASSERT_EQ(shared.size(), 1u);
  EXPECT_EQ(shared[0].client_id, "BOARD417");
  ASSERT_EQ(shared[0].holders.size(), 2u);
  std::vector<std::string> addresses{shared[0].holders[0].remote_address,
                                     shared[0].holders[1].remote_address};
  std::sort(addresses.begin(), addresses.end());
  EXPECT_EQ(addresses, (std::vector<std::string>{"10.0.0.3:4000", "10.0.0.7:4000"}));

  // Hooks see the id the client presented, not the broker's key for the second session.
  std::vector<std::string> ids;
  broker.for_each_client([&](const ClientInfo& c) { ids.emplace_back(c.client_id); });
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "BOARD417"), 2);

  // Each board's own reconnection still takes its own connection over, and only that one.
  TestClient board7_again(broker, "10.0.0.7:4001");
  board7_again.connect("BOARD417");
  EXPECT_TRUE(board7.closed());
  EXPECT_FALSE(board3.closed());
  board7_again.subscribe({{"machine/7/reply", 0}});
  backend.publish("machine/7/reply", "again");
  EXPECT_EQ(board7_again.publishes().size(), 1u);

  // One leaves: the id is no longer shared.
  board3.drop();
  EXPECT_TRUE(broker.shared_client_ids().empty());
  EXPECT_EQ(broker.session_count(), 2u);  // backend and board 7
}

TEST(BrokerClientId, DifferentAccountsAreDifferentClientsAndTheSameAccountTakesOver) {
  Broker broker(quiet_config());
  Accounts accounts;
  broker.add_hooks(accounts);
  // Behind one NAT: same address, told apart by their accounts.
  TestClient a(broker, "192.168.1.1:1000"), b(broker, "192.168.1.1:1001");
  a.login("BOARD1", "board-3", "pw-board-3");
  b.login("BOARD1", "board-7", "pw-board-7");
  EXPECT_FALSE(a.closed());
  EXPECT_FALSE(b.closed());
  const auto shared = broker.shared_client_ids();
  ASSERT_EQ(shared.size(), 1u);
  std::vector<std::string> accounts_seen{shared[0].holders[0].account,
                                         shared[0].holders[1].account};
  std::sort(accounts_seen.begin(), accounts_seen.end());
  EXPECT_EQ(accounts_seen, (std::vector<std::string>{"board-3", "board-7"}));

  TestClient a_again(broker, "192.168.1.9:1000");  // same account, new address
  a_again.login("BOARD1", "board-3", "pw-board-3");
  EXPECT_TRUE(a.closed());
  EXPECT_FALSE(b.closed());
}

TEST(BrokerClientId, APersistentSessionIsNeverHandedToAnotherAccount) {
  Broker broker(quiet_config());
  Accounts accounts;
  broker.add_hooks(accounts);
  {
    TestClient alice(broker);
    alice.login("phone", "alice", "pw-alice", ConnectReturnCode::accepted, false);
    alice.subscribe({{"alice/inbox", 1}});
    alice.drop();
  }
  TestClient bob(broker);
  bob.login("phone", "bob", "pw-bob", ConnectReturnCode::identifier_rejected, false);
  // A clean-session client of another account gets a session of its own; alice's stays.
  TestClient bob_clean(broker);
  EXPECT_FALSE(bob_clean.login("phone", "bob", "pw-bob"));
  TestClient alice_back(broker);
  EXPECT_TRUE(alice_back.login("phone", "alice", "pw-alice", ConnectReturnCode::accepted, false));
}

TEST(BrokerClientId, APersistentClientFromAnotherAddressTakesOverAsTheSpecificationSays) {
  Broker broker(quiet_config());
  TestClient laptop(broker, "10.0.0.1:1"), laptop_roamed(broker, "10.0.0.2:1");
  laptop.connect("node-red", false);
  EXPECT_TRUE(laptop_roamed.connect("node-red", false));
  EXPECT_TRUE(laptop.closed());
}

TEST(BrokerClientId, UseUsernameAsClientId) {
  BrokerConfig config = quiet_config();
  config.use_username_as_clientid = true;
  Broker broker(config);
  Accounts accounts;
  broker.add_hooks(accounts);
  TestClient a(broker, "10.0.0.1:1"), b(broker, "10.0.0.2:1");
  a.login("BOARD1", "board-3", "pw-board-3");
  b.login("BOARD1", "board-7", "pw-board-7");
  std::vector<std::string> ids;
  broker.for_each_client([&](const ClientInfo& c) { ids.emplace_back(c.client_id); });
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"board-3", "board-7"}));
  EXPECT_TRUE(broker.shared_client_ids().empty());
  // The same account again is the same client: takeover.
  TestClient a2(broker, "10.0.0.9:1");
  a2.login("whatever", "board-3", "pw-board-3");
  EXPECT_TRUE(a.closed());
  // Anonymous clients keep their own ids.
  TestClient anonymous(broker);
  anonymous.connect("anon-1");
  ids.clear();
  broker.for_each_client([&](const ClientInfo& c) { ids.emplace_back(c.client_id); });
  EXPECT_NE(std::find(ids.begin(), ids.end(), "anon-1"), ids.end());
}

}  // namespace
}  // namespace fabomatic::broker
