// Broker core, flow control: a QoS 1/2 publisher faster than an online subscriber is held back
// (the transport stops reading it) instead of overflowing the subscriber's bounded queue, while a
// stalled subscriber holds nobody back. Beyond MQTT 3.1.1, which leaves flow control to the
// server (section 4.3 only requires the in-flight window, 4.6 the order).
#include <gtest/gtest.h>

#include "broker_test_client.hpp"

namespace fabomatic::broker {
namespace {

using testing::TestClient;

BrokerConfig small_queue_config() {
  BrokerConfig config;
  config.sys_interval = std::chrono::seconds(0);
  config.max_inflight = 2;
  config.max_queued = 8;  // held at 4 queued, released at 2
  config.stall_timeout = std::chrono::milliseconds(200);
  return config;
}

// Acknowledges every PUBLISH received so far; returns their payloads.
std::vector<std::string> ack_all(TestClient& sub) {
  std::vector<std::string> payloads;
  for (const auto& p : sub.publishes()) {
    payloads.push_back(p.payload);
    sub.write(AckPacket{PacketType::puback, p.packet_id});
  }
  return payloads;
}

TEST(BrokerFlowControl, PublisherIsHeldWhileAnAcknowledgingSubscriberIsCongested) {
  Broker broker(small_queue_config());
  TestClient sub(broker), pub(broker);
  sub.connect("sub");
  pub.connect("pub");
  sub.subscribe({{"t", 1}});
  // 2 in flight, then the queue fills: the 4th queued message reaches the high-water mark.
  for (int i = 1; i <= 6; ++i) {
    EXPECT_TRUE(pub.accepted()) << "held too early, before message " << i;
    pub.publish("t", std::to_string(i), 1, false, i);
  }
  EXPECT_FALSE(pub.accepted());
  // The subscriber works through its queue: 2 acknowledgements bring it to 2 queued.
  auto got = ack_all(sub);
  EXPECT_EQ(got, (std::vector<std::string>{"1", "2"}));
  EXPECT_TRUE(pub.accepted());
  // Nothing was dropped: every message arrives, in order (MQTT-4.6.0-2).
  for (int round = 0; round < 4; ++round) {
    for (const auto& p : ack_all(sub))
      got.push_back(p);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"1", "2", "3", "4", "5", "6"}));
  EXPECT_EQ(broker.stats().messages_dropped, 0u);
}

// One read can hold many more PUBLISHes than a subscriber's queue: the hold is checked between
// packets, the rest of the read waits until the subscriber caught up, and every message the
// publisher was acknowledged reaches the subscriber (MQTT-4.5.0-1: a message the Server took
// ownership of is added to the session of every matching subscription).
TEST(BrokerFlowControl, MQTT_4_5_0_1_PacketsOfOneReadBeyondTheQueueWaitForTheSubscriber) {
  Broker broker(small_queue_config());
  TestClient sub(broker), pub(broker);
  sub.connect("sub");
  pub.connect("pub");
  sub.subscribe({{"t", 1}});
  std::vector<std::string> sent;
  std::string burst;
  for (int i = 1; i <= 40; ++i) {
    sent.push_back(std::to_string(i));
    encode(PublishPacket{.qos = 1,
                         .topic = "t",
                         .packet_id = static_cast<std::uint16_t>(i),
                         .payload = sent.back()},
           burst);
  }
  pub.write_raw(burst);  // 40 QoS 1 PUBLISHes in one read: five times the queue
  EXPECT_FALSE(pub.accepted());
  std::vector<std::string> got;
  for (int round = 0; round < 100 && got.size() < sent.size(); ++round) {
    for (const auto& p : ack_all(sub))
      got.push_back(p);
    pub.accepted();  // the transport asks again: what is left of the read is handled
  }
  EXPECT_EQ(got, sent);
  EXPECT_EQ(broker.stats().messages_dropped, 0u);
  EXPECT_EQ(pub.types(), std::vector<PacketType>(40, PacketType::puback));
}

// A held read that ends in a malformed packet: handled when the hold ends, it closes the
// connection from inside accepts_input() (which must not touch the freed connection after).
TEST(BrokerFlowControl, APacketErrorFoundWhenTheHoldEndsClosesTheConnection) {
  Broker broker(small_queue_config());
  TestClient sub(broker), pub(broker);
  sub.connect("sub");
  pub.connect("pub");
  sub.subscribe({{"t", 1}});
  std::string burst;
  for (int i = 1; i <= 10; ++i)
    encode(
        PublishPacket{
            .qos = 1, .topic = "t", .packet_id = static_cast<std::uint16_t>(i), .payload = "x"},
        burst);
  burst += std::string("\x00\x00", 2);  // packet type 0 is reserved: a protocol error
  pub.write_raw(burst);
  EXPECT_FALSE(pub.closed()) << "the error waits behind the hold";
  for (int round = 0; round < 20 && !pub.closed(); ++round) {
    ack_all(sub);
    pub.accepted();
  }
  EXPECT_TRUE(pub.closed());
  EXPECT_EQ(broker.stats().protocol_errors, 1u);
}

// MQTT-3.3.1-6: a new subscription gets the retained message of every matching topic, also at
// QoS 1 when they are more than its queue holds (they wait in it, beyond max_queued, as the
// window drains), and a live message published meanwhile comes after them.
TEST(BrokerFlowControl, MQTT_3_3_1_6_EveryRetainedMessageReachesANewQos1Subscription) {
  Broker broker(small_queue_config());
  TestClient pub(broker), sub(broker);
  pub.connect("pub");
  std::vector<std::string> expected;
  for (int i = 0; i < 30; ++i) {
    const std::string topic = "r/" + std::to_string(i);
    pub.publish(topic, "v" + std::to_string(i), 1, true, static_cast<std::uint16_t>(i + 1));
  }
  sub.connect("sub");
  ASSERT_EQ(sub.subscribe({{"r/#", 1}}), (std::vector<std::uint8_t>{1}));
  pub.publish("r/live", "live", 1, false, 100);
  std::vector<std::string> got;
  for (int round = 0; round < 100 && got.size() < 31; ++round) {
    for (const auto& p : ack_all(sub))
      got.push_back(p);
  }
  ASSERT_EQ(got.size(), 31u);
  EXPECT_EQ(got.back(), "live");
  EXPECT_EQ(broker.stats().messages_dropped, 0u);
}

TEST(BrokerFlowControl, StalledSubscriberHoldsNobodyBackAndOverflows) {
  Broker broker(small_queue_config());
  TestClient sub(broker), pub(broker);
  sub.connect("sub");
  pub.connect("pub");
  sub.subscribe({{"t", 1}});
  for (int i = 1; i <= 6; ++i)
    pub.publish("t", std::to_string(i), 1, false, i);
  EXPECT_FALSE(pub.accepted());
  // No acknowledgement for longer than stall_timeout: the subscriber no longer counts.
  broker.tick(broker.now() + std::chrono::milliseconds(250));  // time passes; nothing acked
  EXPECT_TRUE(pub.accepted());
  for (int i = 7; i <= 20; ++i)
    pub.publish("t", std::to_string(i), 1, false, i);
  EXPECT_TRUE(pub.accepted());
  EXPECT_EQ(broker.stats().messages_dropped, 20u - 2u - 8u);  // beyond in-flight + queue
}

TEST(BrokerFlowControl, OfflineSessionHoldsNobodyBack) {
  Broker broker(small_queue_config());
  {
    TestClient away(broker);
    away.connect("away", false);
    away.subscribe({{"t", 1}});
    away.write(EmptyPacket{PacketType::disconnect});
  }
  TestClient pub(broker);
  pub.connect("pub");
  for (int i = 1; i <= 12; ++i)
    pub.publish("t", std::to_string(i), 1, false, i);
  EXPECT_TRUE(pub.accepted());
}

TEST(BrokerFlowControl, InProcessPublisherAndTheSubscriberItselfAreNeverHeld) {
  Broker broker(small_queue_config());
  TestClient sub(broker);
  sub.connect("sub");
  sub.subscribe({{"t", 1}});
  // The subscriber publishes to its own subscription: it must not wait for itself.
  for (int i = 1; i <= 6; ++i)
    sub.publish("t", std::to_string(i), 1, false, i);
  EXPECT_TRUE(sub.accepted());
  for (int i = 0; i < 6; ++i)
    broker.publish("t", "in-process", 1);
  EXPECT_TRUE(sub.accepted());
}

TEST(BrokerFlowControl, HeldPublisherDoesNotExpireByKeepAlive) {
  Broker broker(small_queue_config());
  TestClient sub(broker), pub(broker);
  sub.connect("sub", true, 60);
  pub.connect("pub", true, 1);  // 1.5 s without a packet would expire it
  sub.subscribe({{"t", 1}});
  for (int i = 1; i <= 6; ++i)
    pub.publish("t", std::to_string(i), 1, false, i);
  ASSERT_FALSE(pub.accepted());
  // Time passes while it is held: its silence is not its own, it stays connected.
  broker.tick(broker.now() + std::chrono::seconds(2));
  EXPECT_FALSE(pub.closed());
}

}  // namespace
}  // namespace fabomatic::broker
