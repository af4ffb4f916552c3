// Broker core, message flows (MQTT 3.1.1 sections 3.3 to 3.11, 4.3, 4.4, 4.6, 4.7), driven
// without sockets through TestClient.
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

TEST(BrokerPublish, QoS0IsRoutedToMatchingSubscribers) {
  Broker broker(quiet_config());
  TestClient sub(broker), other(broker), pub(broker);
  sub.connect("sub");
  other.connect("other");
  pub.connect("pub");
  sub.subscribe({{"machine/+", 0}});
  other.subscribe({{"elsewhere", 0}});
  pub.publish("machine/7", R"({"action":"checkmachine"})");
  auto got = sub.publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "machine/7");
  EXPECT_EQ(got[0].payload, R"({"action":"checkmachine"})");
  EXPECT_TRUE(other.publishes().empty());
}

TEST(BrokerPublish, MQTT_3_3_5_1_OverlappingSubscriptionsDeliverOneCopyAtHighestQoS) {
  Broker broker(quiet_config());
  TestClient sub(broker), pub(broker);
  sub.connect("sub");
  pub.connect("pub");
  sub.subscribe({{"a/#", 0}, {"a/+", 2}, {"a/b", 1}});
  pub.publish("a/b", "x", 2, false, 5);
  auto got = sub.publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].qos, 2);
}

TEST(BrokerPublish, DeliveredQoSIsTheMinimumOfPublishedAndGranted) {
  Broker broker(quiet_config());
  TestClient sub(broker), pub(broker);
  sub.connect("sub");
  pub.connect("pub");
  sub.subscribe({{"t", 1}});
  pub.publish("t", "x", 2, false, 9);
  auto got = sub.publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].qos, 1);
}

TEST(BrokerPublish, MQTT_4_3_2_QoS1IsAcknowledgedWithPuback) {
  Broker broker(quiet_config());
  TestClient pub(broker);
  pub.connect("pub");
  pub.publish("t", "x", 1, false, 42);
  auto frames = pub.take();
  ASSERT_EQ(frames.size(), 1u);
  auto d = decode_one(frames[0]);
  auto* ack = std::get_if<AckPacket>(&d.packet);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->type, PacketType::puback);
  EXPECT_EQ(ack->packet_id, 42);
}

TEST(BrokerPublish, MQTT_4_3_3_2_InboundQoS2IsDeliveredExactlyOnce) {
  Broker broker(quiet_config());
  TestClient sub(broker), pub(broker);
  sub.connect("sub");
  pub.connect("pub");
  sub.subscribe({{"t", 2}});
  pub.publish("t", "once", 2, false, 7);
  pub.publish("t", "once", 2, false, 7, true);  // resent with DUP before PUBREL
  EXPECT_EQ(pub.types(), (std::vector<PacketType>{PacketType::pubrec, PacketType::pubrec}));
  pub.write(AckPacket{PacketType::pubrel, 7});
  EXPECT_EQ(pub.types(), std::vector<PacketType>{PacketType::pubcomp});
  EXPECT_EQ(sub.publishes().size(), 1u);
  // After PUBCOMP the id is free again: a new message with it is a new message.
  pub.publish("t", "twice", 2, false, 7);
  EXPECT_EQ(sub.publishes().size(), 1u);
}

TEST(BrokerPublish, MQTT_4_3_3_OutboundQoS2Handshake) {
  Broker broker(quiet_config());
  TestClient sub(broker), pub(broker);
  sub.connect("sub");
  pub.connect("pub");
  sub.subscribe({{"t", 2}});
  pub.publish("t", "x", 2, false, 1);
  auto got = sub.publishes();
  ASSERT_EQ(got.size(), 1u);
  sub.write(AckPacket{PacketType::pubrec, got[0].packet_id});
  auto frames = sub.take();
  ASSERT_EQ(frames.size(), 1u);
  auto rel = std::get<AckPacket>(decode_one(frames[0]).packet);
  EXPECT_EQ(rel.type, PacketType::pubrel);
  EXPECT_EQ(rel.packet_id, got[0].packet_id);
  sub.write(AckPacket{PacketType::pubcomp, got[0].packet_id});
  EXPECT_TRUE(sub.take().empty());
}

TEST(BrokerPublish, MQTT_4_6_0_6_OrderIsPreservedPerClientAndQoS) {
  Broker broker(quiet_config());
  TestClient sub(broker), pub(broker);
  sub.connect("sub");
  pub.connect("pub");
  sub.subscribe({{"t", 1}});
  // More QoS 1 messages than the in-flight window: the rest wait in the queue and must come
  // out in order as the subscriber acknowledges.
  std::vector<std::string> payloads;
  for (int i = 1; i <= 100; ++i)
    pub.publish("t", std::to_string(i), 1, false, i);
  while (payloads.size() < 100) {
    auto got = sub.publishes();
    ASSERT_FALSE(got.empty());
    for (const auto& m : got) {
      payloads.push_back(m.payload);
      sub.write(AckPacket{PacketType::puback, m.packet_id});
    }
  }
  for (int i = 1; i <= 100; ++i)
    EXPECT_EQ(payloads[i - 1], std::to_string(i));
}

TEST(BrokerPublish, InflightWindowIsBoundedAndRefilledByAcks) {
  BrokerConfig config = quiet_config();
  config.max_inflight = 2;
  Broker broker(config);
  TestClient sub(broker), pub(broker);
  sub.connect("sub");
  pub.connect("pub");
  sub.subscribe({{"t", 1}});
  for (int i = 1; i <= 5; ++i)
    pub.publish("t", std::to_string(i), 1, false, i);
  auto first = sub.publishes();
  ASSERT_EQ(first.size(), 2u);
  sub.write(AckPacket{PacketType::puback, first[0].packet_id});
  auto next = sub.publishes();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].payload, "3");
}

TEST(BrokerPublish, MQTT_4_4_0_1_UnacknowledgedMessagesAreResentWithDupOnReconnect) {
  Broker broker(quiet_config());
  TestClient pub(broker);
  pub.connect("pub");
  {
    TestClient sub(broker);
    sub.connect("persistent", false);
    sub.subscribe({{"t", 1}});
    pub.publish("t", "unacked", 1, false, 1);
    ASSERT_EQ(sub.publishes().size(), 1u);
    sub.drop();
  }
  pub.publish("t", "queued", 1, false, 2);  // client away: queued
  TestClient sub(broker);
  EXPECT_TRUE(sub.connect("persistent", false));
  auto got = sub.publishes();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].payload, "unacked");
  EXPECT_TRUE(got[0].dup);
  EXPECT_EQ(got[1].payload, "queued");
  EXPECT_FALSE(got[1].dup);
}

TEST(BrokerPublish, QoS0IsNotQueuedForAbsentClients) {
  Broker broker(quiet_config());
  TestClient pub(broker);
  pub.connect("pub");
  {
    TestClient sub(broker);
    sub.connect("persistent", false);
    sub.subscribe({{"t", 0}});
    sub.drop();
  }
  pub.publish("t", "lost", 0);
  TestClient sub(broker);
  sub.connect("persistent", false);
  EXPECT_TRUE(sub.publishes().empty());
}

TEST(BrokerPublish, OfflineQueueIsBounded) {
  BrokerConfig config = quiet_config();
  config.max_queued = 3;
  Broker broker(config);
  TestClient pub(broker);
  pub.connect("pub");
  {
    TestClient sub(broker);
    sub.connect("persistent", false);
    sub.subscribe({{"t", 1}});
    sub.drop();
  }
  for (int i = 1; i <= 10; ++i)
    pub.publish("t", std::to_string(i), 1, false, i);
  EXPECT_EQ(broker.stats().messages_dropped, 7u);
  TestClient sub(broker);
  sub.connect("persistent", false);
  auto got = sub.publishes();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].payload, "1");
}

TEST(BrokerPublish, SlowQoS0ConsumerLosesMessagesInsteadOfGrowingMemory) {
  BrokerConfig config = quiet_config();
  config.max_output_bytes = 1000;
  Broker broker(config);
  TestClient sub(broker), pub(broker);
  sub.connect("sub");
  pub.connect("pub");
  sub.subscribe({{"t", 0}});
  sub.set_pending_bytes(5000);
  pub.publish("t", "x");
  EXPECT_TRUE(sub.publishes().empty());
  EXPECT_EQ(broker.stats().messages_dropped, 1u);
}

TEST(BrokerRetained, MQTT_3_3_1_6_RetainedMessageDeliveredOnSubscribeWithRetainFlag) {
  Broker broker(quiet_config());
  TestClient pub(broker), sub(broker);
  pub.connect("pub");
  pub.publish("shelly/relay/0", "on", 1, true, 1);
  pub.take();
  sub.connect("sub");
  EXPECT_EQ(sub.subscribe({{"shelly/#", 1}}), std::vector<std::uint8_t>{1});
  auto got = sub.publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].retain);  // MQTT-3.3.1-8
  EXPECT_EQ(got[0].payload, "on");
}

TEST(BrokerRetained, MQTT_3_3_1_9_LiveDeliveryClearsRetainFlag) {
  Broker broker(quiet_config());
  TestClient pub(broker), sub(broker);
  pub.connect("pub");
  sub.connect("sub");
  sub.subscribe({{"t", 0}});
  pub.publish("t", "x", 0, true);
  auto got = sub.publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].retain);
}

TEST(BrokerRetained, MQTT_3_3_1_10_EmptyPayloadClearsRetainedMessage) {
  Broker broker(quiet_config());
  TestClient pub(broker);
  pub.connect("pub");
  pub.publish("t", "x", 0, true);
  EXPECT_EQ(broker.retained_count(), 1u);
  pub.publish("t", "", 0, true);
  EXPECT_EQ(broker.retained_count(), 0u);
  TestClient sub(broker);
  sub.connect("sub");
  sub.subscribe({{"t", 0}});
  EXPECT_TRUE(sub.publishes().empty());
}

TEST(BrokerSubscribe, InvalidFilterIsRefusedWithFailureCode) {
  Broker broker(quiet_config());
  TestClient c(broker);
  c.connect("c");
  EXPECT_EQ(c.subscribe({{"a/#/b", 0}, {"a+", 1}, {"ok/+", 2}}),
            (std::vector<std::uint8_t>{kSubackFailure, kSubackFailure, 2}));
  EXPECT_FALSE(c.closed());
}

TEST(BrokerSubscribe, MQTT_3_10_4_UnsubscribeStopsDeliveryAndIsAcknowledged) {
  Broker broker(quiet_config());
  TestClient sub(broker), pub(broker);
  sub.connect("sub");
  pub.connect("pub");
  sub.subscribe({{"t", 0}});
  sub.write(UnsubscribePacket{3, {"t", "never-subscribed"}});
  auto frames = sub.take();
  ASSERT_EQ(frames.size(), 1u);
  auto ack = std::get<AckPacket>(decode_one(frames[0]).packet);
  EXPECT_EQ(ack.type, PacketType::unsuback);
  EXPECT_EQ(ack.packet_id, 3);
  pub.publish("t", "x");
  EXPECT_TRUE(sub.publishes().empty());
  EXPECT_EQ(broker.subscription_count(), 0u);
}

// UNSUBACK has no failure code: an invalid filter closes the connection (MQTT-4.7.1-2 with
// MQTT-4.8.0-1), without an UNSUBACK and without removing the packet's valid filters.
TEST(BrokerSubscribe, MQTT_4_8_0_1_UnsubscribeOfAnInvalidFilterClosesAndRemovesNothing) {
  Broker broker(quiet_config());
  TestClient sub(broker);
  sub.connect("sub", /*clean=*/false);
  sub.subscribe({{"t", 0}});
  sub.write(UnsubscribePacket{3, {"t", "a/#/b"}});
  EXPECT_TRUE(sub.take().empty());
  EXPECT_TRUE(sub.closed());
  EXPECT_EQ(broker.subscription_count(), 1u);
  EXPECT_EQ(broker.stats().protocol_errors, 1u);
}

TEST(BrokerSys, MQTT_4_7_2_1_SysTopicsPublishedButNotMatchedByHash) {
  BrokerConfig config;
  config.sys_interval = std::chrono::seconds(1);
  config.version = "fabomatic test";
  Broker broker(config);
  TestClient all(broker), sys(broker);
  all.connect("all");
  sys.connect("sys");
  all.subscribe({{"#", 0}});
  sys.subscribe({{"$SYS/broker/version", 0}, {"$SYS/broker/clients/connected", 0}});
  broker.tick(broker.now() + std::chrono::seconds(2));
  EXPECT_TRUE(all.publishes().empty());
  auto got = sys.publishes();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].payload, "fabomatic test");
  EXPECT_EQ(got[1].payload, "2");
}

TEST(BrokerBus, InterceptorSeesMessagesThatAreAlsoRoutedAndCanReply) {
  Broker broker(quiet_config());
  std::vector<std::string> seen;
  broker.subscribe("machine/+", [&](const Message& m) {
    seen.push_back(m.topic + " " + m.payload);
    broker.publish(m.topic + "/reply", R"({"request_ok":true})");
  });
  TestClient board(broker), monitor(broker);
  board.connect("BOARD1");
  monitor.connect("monitor");
  board.subscribe({{"machine/1/reply", 0}});
  monitor.subscribe({{"machine/#", 0}});
  board.publish("machine/1", "query");
  EXPECT_EQ(seen, std::vector<std::string>{"machine/1 query"});
  auto reply = board.publishes();
  ASSERT_EQ(reply.size(), 1u);
  EXPECT_EQ(reply[0].topic, "machine/1/reply");
  auto monitored = monitor.publishes();
  ASSERT_EQ(monitored.size(), 2u);  // the query and the reply
  EXPECT_EQ(monitored[0].topic, "machine/1");
  EXPECT_EQ(monitored[1].topic, "machine/1/reply");
}

TEST(BrokerBus, HandlerMayUnsubscribeItself) {
  Broker broker(quiet_config());
  int calls = 0;
  MessageBus::HandlerId id = 0;
  id = broker.subscribe("t", [&](const Message&) {
    ++calls;
    broker.unsubscribe(id);
  });
  broker.publish("t", "1");
  broker.publish("t", "2");
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace fabomatic::broker
