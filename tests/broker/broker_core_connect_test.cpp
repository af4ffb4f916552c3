// Broker core, connection life cycle (MQTT 3.1.1 sections 3.1, 3.2, 3.14, 4.1), driven without
// sockets through TestClient.
#include <gtest/gtest.h>

#include "broker_test_client.hpp"

namespace fabomatic::broker {
namespace {

using testing::TestClient;

BrokerConfig quiet_config() {
  BrokerConfig config;
  config.sys_interval = std::chrono::seconds(0);
  return config;
}

TEST(BrokerConnect, AcceptsCleanSessionWithoutSessionPresent) {
  Broker broker(quiet_config());
  TestClient c(broker);
  EXPECT_FALSE(c.connect("board1"));  // MQTT-3.2.2-1
  EXPECT_EQ(broker.connected_count(), 1u);
}

TEST(BrokerConnect, MQTT_3_1_0_1_FirstPacketMustBeConnect) {
  Broker broker(quiet_config());
  TestClient c(broker);
  c.publish("a", "x");
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(broker.connection_count(), 0u);
}

TEST(BrokerConnect, MQTT_3_1_0_2_SecondConnectIsAProtocolViolation) {
  Broker broker(quiet_config());
  TestClient c(broker);
  c.connect("board1");
  ConnectPacket again;
  again.client_id = "board1";
  c.write(again);
  EXPECT_TRUE(c.closed());
}

TEST(BrokerConnect, MQTT_3_1_3_6_ZeroLengthIdWithCleanSessionGetsAnId) {
  Broker broker(quiet_config());
  TestClient a(broker), b(broker);
  a.connect("");
  b.connect("");
  EXPECT_EQ(broker.connected_count(), 2u);  // two distinct assigned ids, no takeover
  EXPECT_FALSE(a.closed());
}

TEST(BrokerConnect, MQTT_3_1_3_8_ZeroLengthIdWithoutCleanSessionRejected) {
  Broker broker(quiet_config());
  TestClient c(broker);
  c.connect("", false, 60, ConnectReturnCode::identifier_rejected);
  EXPECT_TRUE(c.closed());  // MQTT-3.2.2-5
}

TEST(BrokerConnect, MQTT_3_1_2_2_UnsupportedLevelAnsweredWithCode1) {
  Broker broker(quiet_config());
  TestClient c(broker);
  ConnectPacket p;
  p.protocol_level = 5;
  p.client_id = "x";
  c.write(p);
  c.expect_connack(ConnectReturnCode::unacceptable_protocol_version);
  EXPECT_TRUE(c.closed());
}

TEST(BrokerConnect, Mqtt31ClientsAreAccepted) {
  Broker broker(quiet_config());
  TestClient c(broker);
  ConnectPacket p;
  p.protocol_name = "MQIsdp";
  p.protocol_level = 3;
  p.client_id = "legacy";
  c.write(p);
  c.expect_connack(ConnectReturnCode::accepted);
}

TEST(BrokerConnect, Mqtt31ClientIdLongerThan23Rejected) {
  Broker broker(quiet_config());
  TestClient c(broker);
  ConnectPacket p;
  p.protocol_name = "MQIsdp";
  p.protocol_level = 3;
  p.client_id = "a-client-id-of-24-chars!";
  c.write(p);
  c.expect_connack(ConnectReturnCode::identifier_rejected);
}

TEST(BrokerConnect, MalformedPacketClosesOnlyThatConnection) {
  Broker broker(quiet_config());
  TestClient good(broker), bad(broker);
  good.connect("good");
  bad.connect("bad");
  bad.write_raw(std::string("\x30\xff\xff\xff\xff\x01", 6));  // 5-byte remaining length
  EXPECT_TRUE(bad.closed());
  EXPECT_FALSE(good.closed());
  EXPECT_EQ(broker.stats().protocol_errors, 1u);
}

TEST(BrokerConnect, PacketAboveMaximumSizeCloses) {
  BrokerConfig config = quiet_config();
  config.max_packet_size = 100;
  Broker broker(config);
  TestClient c(broker);
  c.connect("c");
  c.publish("t", std::string(200, 'x'));
  EXPECT_TRUE(c.closed());
}

TEST(BrokerConnect, MQTT_3_1_4_2_TakeoverClosesTheExistingConnection) {
  Broker broker(quiet_config());
  TestClient first(broker), second(broker);
  first.connect("BOARD7");
  second.connect("BOARD7");
  EXPECT_TRUE(first.closed());
  EXPECT_FALSE(second.closed());
  EXPECT_EQ(broker.connected_count(), 1u);
  EXPECT_EQ(broker.session_count(), 1u);
}

TEST(BrokerConnect, MQTT_3_2_2_2_PersistentSessionIsPresentOnReturn) {
  Broker broker(quiet_config());
  {
    TestClient c(broker);
    EXPECT_FALSE(c.connect("p", false));
    c.subscribe({{"a/b", 1}});
    c.write(EmptyPacket{PacketType::disconnect});
  }
  TestClient again(broker);
  EXPECT_TRUE(again.connect("p", false));
  EXPECT_EQ(broker.subscription_count(), 1u);  // MQTT-3.1.2-4
}

TEST(BrokerConnect, MQTT_3_1_2_6_CleanSessionDiscardsState) {
  Broker broker(quiet_config());
  {
    TestClient c(broker);
    c.connect("p", false);
    c.subscribe({{"a/b", 1}});
    c.write(EmptyPacket{PacketType::disconnect});
  }
  TestClient again(broker);
  EXPECT_FALSE(again.connect("p", true));
  EXPECT_EQ(broker.subscription_count(), 0u);
  again.write(EmptyPacket{PacketType::disconnect});
  EXPECT_EQ(broker.session_count(), 0u);
}

TEST(BrokerConnect, MQTT_3_1_2_8_WillPublishedWhenConnectionIsLost) {
  Broker broker(quiet_config());
  TestClient watcher(broker);
  watcher.connect("watcher");
  watcher.subscribe({{"status/#", 0}});
  TestClient c(broker);
  ConnectPacket p;
  p.client_id = "dying";
  p.has_will = true;
  p.will = Will{"status/dying", "gone", 0, false};
  c.write(p);
  c.expect_connack(ConnectReturnCode::accepted);
  c.drop();
  auto got = watcher.publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "status/dying");
  EXPECT_EQ(got[0].payload, "gone");
}

TEST(BrokerConnect, MQTT_3_1_2_10_NoWillAfterDisconnect) {
  Broker broker(quiet_config());
  TestClient watcher(broker);
  watcher.connect("watcher");
  watcher.subscribe({{"status/#", 0}});
  TestClient c(broker);
  ConnectPacket p;
  p.client_id = "polite";
  p.has_will = true;
  p.will = Will{"status/polite", "gone", 0, false};
  c.write(p);
  c.expect_connack(ConnectReturnCode::accepted);
  c.write(EmptyPacket{PacketType::disconnect});
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(watcher.publishes().empty());
}

TEST(BrokerConnect, MQTT_3_1_2_24_KeepAliveExpiresAfterOneAndAHalfTimes) {
  Broker broker(quiet_config());
  TestClient watcher(broker);
  watcher.connect("watcher", true, 0);
  watcher.subscribe({{"will", 0}});
  TestClient c(broker);
  c.connect_with_will("silent", Will{"will", "expired", 0, false}, 10);
  const auto start = broker.now();
  broker.tick(start + std::chrono::seconds(14));
  EXPECT_FALSE(c.closed());
  broker.tick(start + std::chrono::seconds(16));
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(watcher.publishes().size(), 1u);
  EXPECT_FALSE(watcher.closed());  // keep-alive 0 never expires
}

TEST(BrokerConnect, SocketWithoutConnectIsClosedAfterTimeout) {
  BrokerConfig config = quiet_config();
  config.connect_timeout = std::chrono::seconds(5);
  Broker broker(config);
  TestClient c(broker);
  broker.tick(broker.now() + std::chrono::seconds(6));
  EXPECT_TRUE(c.closed());
}

TEST(BrokerConnect, MQTT_3_12_4_1_PingreqAnsweredWithPingresp) {
  Broker broker(quiet_config());
  TestClient c(broker);
  c.connect("c");
  c.write(EmptyPacket{PacketType::pingreq});
  EXPECT_EQ(c.types(), std::vector<PacketType>{PacketType::pingresp});
}

TEST(BrokerConnect, ServerToClientPacketsFromAClientCloseIt) {
  Broker broker(quiet_config());
  TestClient c(broker);
  c.connect("c");
  c.write(EmptyPacket{PacketType::pingresp});
  EXPECT_TRUE(c.closed());
}

class RefusingHooks : public BrokerHooks {
 public:
  RefusingHooks()
      : BrokerHooks(HookEvent::authenticate | HookEvent::authorize_subscribe |
                    HookEvent::connected | HookEvent::disconnected) {}
  AuthResult authenticate(const ClientInfo&, const Credentials& credentials) override {
    return credentials.password == std::optional<std::string_view>("secret")
               ? AuthResult::accept(nullptr, true)
               : AuthResult::refuse(ConnectReturnCode::bad_username_or_password);
  }
  bool authorize_subscribe(const ClientInfo&, std::string_view filter) override {
    return filter != "forbidden";
  }
  void on_connected(const ClientInfo& client) override { connected.emplace_back(client.client_id); }
  void on_disconnected(const ClientInfo& client, bool graceful) override {
    disconnected.emplace_back(std::string(client.client_id) + (graceful ? ":graceful" : ":lost"));
  }
  std::vector<std::string> connected, disconnected;
};

TEST(BrokerHooks, AuthenticationDecidesTheConnack) {
  Broker broker(quiet_config());
  RefusingHooks hooks;
  broker.add_hooks(hooks);
  TestClient bad(broker);
  ConnectPacket p;
  p.client_id = "x";
  p.has_username = true;
  p.username = "user";
  p.has_password = true;
  p.password = "wrong";
  bad.write(p);
  bad.expect_connack(ConnectReturnCode::bad_username_or_password);
  EXPECT_TRUE(bad.closed());

  TestClient good(broker);
  p.password = "secret";
  good.write(p);
  good.expect_connack(ConnectReturnCode::accepted);
  EXPECT_EQ(hooks.connected, std::vector<std::string>{"x"});
  EXPECT_EQ(good.subscribe({{"forbidden", 0}, {"allowed", 1}}),
            (std::vector<std::uint8_t>{kSubackFailure, 1}));
  good.drop();
  EXPECT_EQ(hooks.disconnected, std::vector<std::string>{"x:lost"});
}

// Counts every call, whatever events it declared.
class CountingHooks : public BrokerHooks {
 public:
  explicit CountingHooks(HookEvents events, bool allow = true)
      : BrokerHooks(events), allow_(allow) {}
  AuthResult authenticate(const ClientInfo&, const Credentials&) override {
    ++calls;
    return AuthResult::accept(nullptr, false);
  }
  bool authorize_publish(const ClientInfo&, std::string_view) override {
    ++calls;
    return allow_;
  }
  bool authorize_subscribe(const ClientInfo&, std::string_view) override {
    ++calls;
    return allow_;
  }
  int calls = 0;

 private:
  bool allow_;
};

TEST(BrokerHooks, OnlyDeclaredEventsAreCalled) {
  Broker broker(quiet_config());
  CountingHooks connect_only(static_cast<HookEvents>(HookEvent::authenticate), false);
  broker.add_hooks(connect_only);
  TestClient c(broker);
  c.connect("c");
  EXPECT_EQ(connect_only.calls, 1);
  // authorize_subscribe / authorize_publish would refuse, but were not declared: never called.
  EXPECT_EQ(c.subscribe({{"t", 0}}), (std::vector<std::uint8_t>{0}));
  c.write(PublishPacket{.topic = "t", .payload = "x"});
  EXPECT_EQ(c.take().size(), 1u);  // its own message back
  EXPECT_EQ(connect_only.calls, 1);
}

TEST(BrokerHooks, EveryHookMustConsent) {
  Broker broker(quiet_config());
  CountingHooks yes(HookEvent::authorize_subscribe | HookEvent::authorize_publish, true);
  CountingHooks no(static_cast<HookEvents>(HookEvent::authorize_subscribe), false);
  broker.add_hooks(yes);
  broker.add_hooks(no);
  TestClient c(broker);
  c.connect("c");
  EXPECT_EQ(c.subscribe({{"t", 0}}), (std::vector<std::uint8_t>{kSubackFailure}));
  EXPECT_EQ(yes.calls, 1);
  EXPECT_EQ(no.calls, 1);
}

}  // namespace
}  // namespace fabomatic::broker
