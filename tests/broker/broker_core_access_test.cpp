// Broker core, access control: the authentication chain, each client's ClientAccess on PUBLISH
// and SUBSCRIBE, the vetoes of hooks, review of connected clients, and $SYS being read-only.
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

// May publish and subscribe below "<prefix>/" only; counts the questions it was asked.
class PrefixAccess final : public ClientAccess {
 public:
  PrefixAccess(std::string prefix, bool stable = true)
      : prefix_(std::move(prefix)), stable_(stable) {}
  bool may_publish(const ClientInfo&, std::string_view topic, bool retain) const override {
    ++publish_questions;
    return !retain && topic.starts_with(prefix_ + "/");
  }
  bool may_subscribe(const ClientInfo&, std::string_view filter) const override {
    return filter.starts_with(prefix_ + "/");
  }
  bool stable() const override { return stable_; }
  mutable int publish_questions = 0;

 private:
  std::string prefix_;
  bool stable_;
};

// Accounts name => password; the account's access is PrefixAccess(name). Defers on unknown
// user names, so that a later hook decides them.
class Accounts final : public BrokerHooks {
 public:
  Accounts() : BrokerHooks(static_cast<HookEvents>(HookEvent::authenticate)) {}
  AuthResult authenticate(const ClientInfo&, const Credentials& credentials) override {
    if (!credentials.username) return AuthResult::defer();
    const auto it = passwords.find(std::string(*credentials.username));
    if (it == passwords.end()) return AuthResult::defer();
    if (credentials.password != std::optional<std::string_view>(it->second)) {
      return AuthResult::refuse(ConnectReturnCode::bad_username_or_password);
    }
    return AuthResult::accept(access_of(it->first), true);
  }
  AuthResult review(const ClientInfo& client) override {
    ++reviews;
    if (!passwords.contains(std::string(client.account))) {
      return AuthResult::refuse(ConnectReturnCode::not_authorized);
    }
    return AuthResult::accept(access_of(std::string(client.account)), true);
  }
  std::shared_ptr<PrefixAccess> access_of(const std::string& name) {
    auto& access = accesses[name];
    if (!access) access = std::make_shared<PrefixAccess>(name);
    return access;
  }
  std::map<std::string, std::string> passwords;
  std::map<std::string, std::shared_ptr<PrefixAccess>> accesses;
  int reviews = 0;
};

// Anonymous clients (and unknown user names) may do what `access` allows, or nothing.
class Anonymous final : public BrokerHooks {
 public:
  explicit Anonymous(bool allowed)
      : BrokerHooks(static_cast<HookEvents>(HookEvent::authenticate)), allowed_(allowed) {}
  AuthResult authenticate(const ClientInfo&, const Credentials&) override {
    ++calls;
    return allowed_ ? AuthResult::accept(access, false)
                    : AuthResult::refuse(ConnectReturnCode::not_authorized);
  }
  std::shared_ptr<const ClientAccess> access = std::make_shared<PrefixAccess>("public");
  int calls = 0;

 private:
  bool allowed_;
};

TEST(BrokerAccess, TheFirstHookThatDoesNotDeferDecides) {
  Broker broker(quiet_config());
  Accounts accounts;
  accounts.passwords["alice"] = "secret";
  Anonymous anonymous(false);
  broker.add_hooks(accounts);
  broker.add_hooks(anonymous);

  TestClient alice(broker);
  alice.login("a", "alice", "secret");
  EXPECT_EQ(anonymous.calls, 0) << "accounts decided: the next hook is not asked";

  TestClient wrong(broker);
  wrong.login("w", "alice", "guess", ConnectReturnCode::bad_username_or_password);
  EXPECT_TRUE(wrong.closed());
  EXPECT_EQ(anonymous.calls, 0);

  TestClient stranger(broker);
  stranger.login("s", "mallory", "x", ConnectReturnCode::not_authorized);
  TestClient nobody(broker);
  nobody.connect("n", true, 60, ConnectReturnCode::not_authorized);
  EXPECT_EQ(anonymous.calls, 2);
}

TEST(BrokerAccess, WhenEveryHookDefersTheClientIsAcceptedWithEveryRight) {
  Broker broker(quiet_config());
  Accounts accounts;  // no accounts: defers on everyone
  broker.add_hooks(accounts);
  TestClient c(broker);
  c.connect("c");
  EXPECT_EQ(c.subscribe({{"#", 0}}), (std::vector<std::uint8_t>{0}));
  c.publish("anything", "x");
  EXPECT_EQ(c.publishes().size(), 1u);
}

TEST(BrokerAccess, ClientAccessDecidesEveryPublishAndSubscribe) {
  Broker broker(quiet_config());
  Accounts accounts;
  accounts.passwords["alice"] = "secret";
  broker.add_hooks(accounts);
  TestClient watcher(broker);
  watcher.connect("watcher");  // no user name: every hook defers, every right
  ASSERT_EQ(watcher.subscribe({{"#", 1}}), (std::vector<std::uint8_t>{1}));

  TestClient alice(broker);
  alice.login("a", "alice", "secret");
  // MQTT-3.9.3: one return code per filter, 0x80 for the refused one.
  EXPECT_EQ(alice.subscribe({{"#", 0}, {"alice/in", 1}, {"bob/in", 0}}),
            (std::vector<std::uint8_t>{kSubackFailure, 1, kSubackFailure}));
  alice.publish("alice/out", "mine");
  alice.publish("bob/out", "not mine");
  alice.publish("alice/out", "retained", 0, true);  // PrefixAccess refuses retain
  alice.publish("bob/out", "at least once", 1, false, 5);
  // The refused QoS 1 message is acknowledged and dropped (MQTT 3.1.1 has no negative ack).
  EXPECT_EQ(alice.types(), std::vector<PacketType>{PacketType::puback});
  const auto seen = watcher.publishes();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].payload, "mine");
  EXPECT_EQ(broker.stats().publishes_refused, 3u);
  EXPECT_EQ(broker.stats().subscriptions_refused, 2u);
  EXPECT_FALSE(alice.closed());
}

TEST(BrokerAccess, AStableAccessIsAskedOncePerTopic) {
  Broker broker(quiet_config());
  Accounts accounts;
  accounts.passwords["alice"] = "secret";
  broker.add_hooks(accounts);
  TestClient alice(broker);
  alice.login("a", "alice", "secret");
  for (int i = 0; i < 5; ++i)
    alice.publish("alice/out", "x");
  EXPECT_EQ(accounts.accesses["alice"]->publish_questions, 1);
  alice.publish("alice/other", "x");
  alice.publish("alice/out", "x");
  EXPECT_EQ(accounts.accesses["alice"]->publish_questions, 3);
  alice.publish("alice/out", "x", 0, true);  // a retained message is always asked about
  EXPECT_EQ(accounts.accesses["alice"]->publish_questions, 4);
}

TEST(BrokerAccess, AnUnstableAccessIsAskedEveryTime) {
  Broker broker(quiet_config());
  Anonymous anonymous(true);
  auto access = std::make_shared<PrefixAccess>("public", false);
  anonymous.access = access;
  broker.add_hooks(anonymous);
  TestClient c(broker);
  c.connect("c");
  for (int i = 0; i < 3; ++i)
    c.publish("public/x", "x");
  EXPECT_EQ(access->publish_questions, 3);
}

TEST(BrokerAccess, SysIsReadOnlyForEveryClient) {
  Broker broker(quiet_config());
  TestClient watcher(broker), writer(broker);
  watcher.connect("watcher");
  writer.connect("writer");
  ASSERT_EQ(watcher.subscribe({{"$SYS/#", 0}}), (std::vector<std::uint8_t>{0}));
  writer.publish("$SYS/broker/version", "forged");
  writer.publish("$SYS", "forged");
  writer.publish("$SYS/broker/uptime", "forged", 0, true);
  EXPECT_TRUE(watcher.publishes().empty());
  EXPECT_EQ(broker.retained_count(), 0u);
  // Other '$' topics and look-alikes are ordinary.
  ASSERT_EQ(watcher.subscribe({{"$SYSTEM/x", 0}}, 2), (std::vector<std::uint8_t>{0}));
  writer.publish("$SYSTEM/x", "fine");
  EXPECT_EQ(watcher.publishes().size(), 1u);
}

// A will is a message its client publishes (MQTT 3.1.1 section 5.4.2, authorization of
// publishing): published on a lost connection only where the client's PUBLISH would be, so a
// client cannot forge $SYS or write outside its ACL by connecting with a will and dropping.
TEST(BrokerAccess, AWillNeedsThePublishRightOfItsClient) {
  Broker broker(quiet_config());
  Anonymous anonymous(true);
  anonymous.access = std::make_shared<PrefixAccess>("public");
  broker.add_hooks(anonymous);
  // In-process subscriptions see every message routed, $SYS included.
  std::vector<std::string> seen;
  const auto record = [&](const Message& m) { seen.push_back(m.topic + "=" + m.payload); };
  broker.subscribe("#", record);
  broker.subscribe("$SYS/#", record);
  TestClient forger(broker), outsider(broker), allowed(broker);
  forger.connect_with_will("forger", Will{"$SYS/broker/version", "will", 0, true});
  outsider.connect_with_will("outsider", Will{"private/x", "will", 0, false});
  allowed.connect_with_will("allowed", Will{"public/x", "will", 0, false});
  forger.drop();
  outsider.drop();
  allowed.drop();
  EXPECT_EQ(seen, std::vector<std::string>{"public/x=will"});
  EXPECT_EQ(broker.stats().publishes_refused, 2u);
  EXPECT_EQ(broker.retained_count(), 0u);
}

TEST(BrokerAccess, ARefusedPublishIsLoggedOncePerClient) {
  BrokerConfig config = quiet_config();
  std::vector<std::string> lines;
  config.logger = [&](log::Level, std::string_view line) { lines.emplace_back(line); };
  Broker broker(config);
  Accounts accounts;
  accounts.passwords["alice"] = "secret";
  broker.add_hooks(accounts);
  TestClient alice(broker);
  alice.login("a", "alice", "secret");
  for (int i = 0; i < 10; ++i)
    alice.publish("elsewhere", "x");
  const auto refusals = std::count_if(lines.begin(), lines.end(), [](const std::string& line) {
    return line.find("refused PUBLISH") != std::string::npos;
  });
  EXPECT_EQ(refusals, 1);
  EXPECT_EQ(broker.stats().publishes_refused, 10u);
}

class Veto final : public BrokerHooks {
 public:
  Veto() : BrokerHooks(HookEvent::authorize_publish | HookEvent::authorize_subscribe) {}
  bool authorize_publish(const ClientInfo&, std::string_view topic) override {
    return !topic.ends_with("/request");
  }
  bool authorize_subscribe(const ClientInfo&, std::string_view filter) override {
    return filter != "#";
  }
};

TEST(BrokerAccess, VetoesApplyOnTopOfEveryClientsAccess) {
  Broker broker(quiet_config());
  Veto veto;
  broker.add_hooks(veto);
  TestClient watcher(broker), c(broker);
  watcher.connect("watcher");
  c.connect("c");
  EXPECT_EQ(watcher.subscribe({{"#", 0}, {"machine/+/request", 0}}),
            (std::vector<std::uint8_t>{kSubackFailure, 0}));
  c.publish("machine/3/request", "start");
  EXPECT_TRUE(watcher.publishes().empty());
}

TEST(BrokerAccess, ReviewRenewsAccessAndDisconnectsWhoIsNoLongerAllowed) {
  Broker broker(quiet_config());
  Accounts accounts;
  accounts.passwords["alice"] = "a";
  accounts.passwords["bob"] = "b";
  broker.add_hooks(accounts);
  TestClient alice(broker), bob(broker), anonymous(broker);
  alice.login("alice-1", "alice", "a");
  bob.login("bob-1", "bob", "b");
  anonymous.connect("anon");  // accepted by nobody in particular: not reviewed
  alice.publish("alice/x", "x");

  accounts.passwords.erase("bob");
  accounts.accesses.clear();  // new access objects, as after a reload
  EXPECT_EQ(broker.review_clients(accounts), 1u);
  EXPECT_EQ(accounts.reviews, 2);
  EXPECT_TRUE(bob.closed());
  EXPECT_FALSE(alice.closed());
  EXPECT_FALSE(anonymous.closed());
  // The renewed access is asked again (the remembered topic went with the old one).
  alice.publish("alice/x", "x");
  EXPECT_EQ(accounts.accesses["alice"]->publish_questions, 1);
}

TEST(BrokerAccess, DisconnectClientsSelectsByWhatHooksSee) {
  Broker broker(quiet_config());
  Accounts accounts;
  accounts.passwords["board-3"] = "s";
  broker.add_hooks(accounts);
  TestClient board(broker, "10.0.0.3:4000"), other(broker, "10.0.0.4:4000");
  board.login("BOARD1", "board-3", "s");
  other.connect("BOARD2");
  std::vector<std::string> seen;
  broker.for_each_client([&](const ClientInfo& c) {
    seen.push_back(std::string(c.client_id) + "/" + std::string(c.account));
  });
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"BOARD1/board-3", "BOARD2/"}));
  EXPECT_EQ(broker.disconnect_clients([](const ClientInfo& c) { return c.account == "board-3"; },
                                      "account revoked"),
            1u);
  EXPECT_TRUE(board.closed());
  EXPECT_FALSE(other.closed());
}

}  // namespace
}  // namespace fabomatic::broker
