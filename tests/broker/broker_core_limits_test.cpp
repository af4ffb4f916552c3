// Broker core, bounds on what a client can make the broker hold: the CONNECT timeout and size,
// retained messages, persistent sessions, subscriptions per client, output across all
// connections, connections per address.
#include <gtest/gtest.h>

#include "broker_test_client.hpp"

namespace fabomatic::broker {
namespace {

using namespace std::chrono_literals;
using testing::TestClient;

BrokerConfig quiet_config() {
  BrokerConfig config;
  config.sys_interval = std::chrono::seconds(0);
  return config;
}

std::string connect_bytes(std::string_view client_id) {
  ConnectPacket p;
  p.client_id = client_id;
  p.keep_alive = 60;
  std::string bytes;
  encode(p, bytes);
  return bytes;
}

TEST(BrokerLimits, TheConnectTimeoutCountsFromTheAcceptNotFromTheLastByte) {
  BrokerConfig config = quiet_config();
  config.connect_timeout = 3s;
  Broker broker(config);
  TestClient slow(broker);
  const std::string connect = connect_bytes("slow");
  // One byte a second: the socket is closed 3 s after the accept all the same.
  for (int second = 1; second <= 10 && !slow.closed(); ++second) {
    broker.tick(broker.now() + 1s);
    if (!slow.closed()) slow.write_raw(connect.substr(second - 1, 1));
  }
  EXPECT_TRUE(slow.closed());
  EXPECT_GE(broker.now() - Clock::time_point{}, 4s);
  EXPECT_LE(broker.now() - Clock::time_point{}, 4s);
}

TEST(BrokerLimits, AConnectInTimeIsNotClosed) {
  BrokerConfig config = quiet_config();
  config.connect_timeout = 3s;
  Broker broker(config);
  TestClient c(broker);
  broker.tick(broker.now() + 2s);
  c.connect("c", true, 0);
  broker.tick(broker.now() + 10s);
  EXPECT_FALSE(c.closed());
}

TEST(BrokerLimits, AFirstPacketLargerThanAConnectNeedsIsRefusedBeforeItIsBuffered) {
  BrokerConfig config = quiet_config();
  config.max_connect_size = 1024;
  Broker broker(config);
  TestClient c(broker);
  // A header announcing a 200 KiB packet: refused at the header, nothing buffered.
  c.write_raw(std::string("\x10\x80\x80\x0c", 4));
  EXPECT_TRUE(c.closed());

  TestClient with_will(broker);
  ConnectPacket p;
  p.client_id = "w";
  p.has_will = true;
  p.will.topic = "status";
  std::string message(900, 'x');
  p.will.message = message;
  with_will.write(p);
  with_will.expect_connack(ConnectReturnCode::accepted);
  // Once connected, the ordinary limit applies.
  with_will.publish("t", std::string(4000, 'y'));
  EXPECT_FALSE(with_will.closed());
}

TEST(BrokerLimits, RetainedMessagesStopAtTheirCountAndKeepBeingRouted) {
  BrokerConfig config = quiet_config();
  config.max_retained_messages = 3;
  Broker broker(config);
  TestClient c(broker), watcher(broker);
  c.connect("c");
  watcher.connect("w");
  watcher.subscribe({{"r/#", 0}});
  for (int i = 0; i < 5; ++i)
    c.publish("r/" + std::to_string(i), "x", 0, true);
  EXPECT_EQ(broker.retained_count(), 3u);
  EXPECT_EQ(broker.stats().retained_refused, 2u);
  EXPECT_EQ(watcher.publishes().size(), 5u);  // delivered all the same
  c.publish("r/0", "replaced", 0, true);      // replacing needs no room
  c.publish("r/1", "", 0, true);              // clearing makes room
  c.publish("r/4", "now", 0, true);
  EXPECT_EQ(broker.retained_count(), 3u);
  EXPECT_EQ(broker.stats().retained_refused, 2u);
}

TEST(BrokerLimits, RetainedMessagesStopAtTheirBytes) {
  BrokerConfig config = quiet_config();
  config.max_retained_bytes = 1000;
  Broker broker(config);
  TestClient c(broker);
  c.connect("c");
  c.publish("a", std::string(600, 'x'), 0, true);
  c.publish("b", std::string(600, 'x'), 0, true);  // 1202 bytes: refused
  EXPECT_EQ(broker.retained_count(), 1u);
  EXPECT_LE(broker.retained_bytes(), 1000u);
  c.publish("a", std::string(1200, 'x'), 0, true);  // a larger replacement: refused, old kept
  EXPECT_EQ(broker.retained_bytes(), 601u);
  c.publish("a", std::string(100, 'x'), 0, true);
  EXPECT_EQ(broker.retained_bytes(), 101u);
}

TEST(BrokerLimits, PersistentSessionsBeyondTheLimitReplaceTheOneOfflineLongest) {
  BrokerConfig config = quiet_config();
  config.max_persistent_sessions = 2;
  Broker broker(config);
  {
    TestClient a(broker), b(broker);
    a.connect("a", false);
    broker.tick(broker.now() + 1s);
    a.drop();
    b.connect("b", false);
    broker.tick(broker.now() + 1s);
    b.drop();
  }
  EXPECT_EQ(broker.persistent_session_count(), 2u);
  TestClient c(broker);
  c.connect("c", false);  // "a" has been offline the longest: it goes
  EXPECT_EQ(broker.persistent_session_count(), 2u);
  TestClient a_again(broker), b_again(broker);
  EXPECT_FALSE(a_again.connect("a", false)) << "a's session was discarded";
  // a, c online and b's replaced: now every persistent session is online.
  EXPECT_EQ(broker.persistent_session_count(), 2u);
  TestClient d(broker);
  d.connect("d", false, 60, ConnectReturnCode::server_unavailable);
  // Clean sessions are not limited by it.
  TestClient e(broker);
  e.connect("e", true);
}

TEST(BrokerLimits, AnOfflinePersistentSessionExpires) {
  BrokerConfig config = quiet_config();
  config.persistent_session_expiry = 3600s;
  Broker broker(config);
  {
    TestClient a(broker);
    a.connect("a", false);
    a.subscribe({{"t", 1}});
    a.drop();
  }
  broker.tick(broker.now() + 3000s);
  EXPECT_EQ(broker.session_count(), 1u);
  broker.tick(broker.now() + 700s);
  EXPECT_EQ(broker.session_count(), 0u);
  EXPECT_EQ(broker.subscription_count(), 0u);
  EXPECT_EQ(broker.stats().sessions_expired, 1u);
  // An online one never does.
  TestClient b(broker);
  b.connect("b", false, 0);
  broker.tick(broker.now() + 10000s);
  EXPECT_EQ(broker.session_count(), 1u);
}

TEST(BrokerLimits, SubscriptionsPerClientAreLimitedAndDuplicatesDoNotCount) {
  BrokerConfig config = quiet_config();
  config.max_subscriptions_per_client = 3;
  Broker broker(config);
  TestClient c(broker);
  c.connect("c");
  EXPECT_EQ(c.subscribe({{"a", 0}, {"b", 0}, {"c", 0}, {"d", 0}}),
            (std::vector<std::uint8_t>{0, 0, 0, kSubackFailure}));
  // The same filter again replaces the subscription (MQTT-3.8.4-3), also at the limit.
  EXPECT_EQ(c.subscribe({{"a", 2}}, 2), (std::vector<std::uint8_t>{2}));
  EXPECT_EQ(broker.subscription_count(), 3u);
  c.write(UnsubscribePacket{3, {"b"}});
  c.take();
  EXPECT_EQ(c.subscribe({{"d", 0}}, 4), (std::vector<std::uint8_t>{0}));
}

// MQTT-3.9.3 lets the server fail a subscription (return code 0x80): so it does for a new
// filter once every client's subscriptions together reach the broker's limit.
TEST(BrokerLimits, SubscriptionsOfAllClientsTogetherAreLimited) {
  BrokerConfig config = quiet_config();
  config.max_subscriptions_total = 3;
  Broker broker(config);
  TestClient a(broker), b(broker);
  a.connect("a");
  b.connect("b");
  EXPECT_EQ(a.subscribe({{"x", 0}, {"y", 0}}), (std::vector<std::uint8_t>{0, 0}));
  EXPECT_EQ(b.subscribe({{"x", 0}, {"z", 0}}), (std::vector<std::uint8_t>{0, kSubackFailure}));
  EXPECT_EQ(broker.subscription_count(), 3u);
  EXPECT_EQ(broker.stats().subscriptions_refused, 1u);
  // At the limit a subscription already held is still replaced (MQTT-3.8.4-3)...
  EXPECT_EQ(b.subscribe({{"x", 1}}, 2), (std::vector<std::uint8_t>{1}));
  // ...and one freed makes room again.
  a.write(UnsubscribePacket{3, {"y"}});
  a.take();
  EXPECT_EQ(b.subscribe({{"z", 0}}, 4), (std::vector<std::uint8_t>{0}));
}

TEST(BrokerLimits, ManyDistinctSubscriptionsStayCheap) {
  BrokerConfig config = quiet_config();
  config.max_subscriptions_per_client = 20000;
  Broker broker(config);
  TestClient c(broker);
  c.connect("c");
  // Each SUBSCRIBE of an existing filter used to scan the session's list; 20 000 filters
  // subscribed twice would take seconds that way.
  for (int round = 0; round < 2; ++round) {
    std::vector<TopicRequest> batch;
    std::vector<std::string> names;
    names.reserve(20000);
    for (int i = 0; i < 20000; ++i)
      names.push_back("f/" + std::to_string(i));
    for (const auto& n : names)
      batch.push_back({n, 0});
    EXPECT_EQ(c.subscribe(batch, static_cast<std::uint16_t>(round + 1)).size(), 20000u);
  }
  EXPECT_EQ(broker.subscription_count(), 20000u);
}

TEST(BrokerLimits, QueuedMessagesStopAtTheOutputTotal) {
  BrokerConfig config = quiet_config();
  config.max_output_total = 10'000;
  Broker broker(config);
  {
    TestClient sub(broker);
    sub.connect("sub", false);
    sub.subscribe({{"t", 1}});
    sub.drop();  // offline: its QoS 1 messages queue
  }
  TestClient pub(broker);
  pub.connect("pub");
  for (int i = 0; i < 20; ++i)
    pub.publish("t", std::string(1000, 'x'), 1, false, static_cast<std::uint16_t>(i + 1));
  EXPECT_LE(broker.output_total(), 10'000u);
  EXPECT_GE(broker.stats().messages_dropped, 10u);
  TestClient back(broker);
  EXPECT_TRUE(back.connect("sub", false));
  EXPECT_EQ(back.publishes().size(), 9u);  // 9 x 1001 bytes fit
  EXPECT_EQ(broker.output_total(), 0u);
}

TEST(BrokerLimits, QoS0ToABusyClientIsDroppedBeyondTheOutputTotal) {
  BrokerConfig config = quiet_config();
  config.max_output_total = 10'000;
  Broker broker(config);
  TestClient slow(broker), fast(broker), pub(broker);
  slow.connect("slow");
  fast.connect("fast");
  pub.connect("pub");
  slow.subscribe({{"t", 0}});
  fast.subscribe({{"t", 0}});
  slow.set_pending_bytes(5000);
  broker.output_queued(20'000);  // what the transports hold
  pub.publish("t", "x");
  EXPECT_TRUE(slow.publishes().empty());
  EXPECT_EQ(fast.publishes().size(), 1u) << "a client that keeps up still gets it";
  broker.output_released(20'000);
  pub.publish("t", "y");
  EXPECT_EQ(slow.publishes().size(), 1u);
}

// A client that reads nothing keeps its unsent output at max_output_bytes: after
// output_stall_timeout it is disconnected (its will published), so that a few such clients
// cannot hold max_output_total and stop QoS 1/2 queueing for every session. One that reads
// again in time stays.
TEST(BrokerLimits, AClientThatReadsNothingForTheStallTimeoutIsDisconnected) {
  BrokerConfig config = quiet_config();
  config.max_output_bytes = 1000;
  config.output_stall_timeout = std::chrono::seconds(60);
  Broker broker(config);
  TestClient watcher(broker), stuck(broker), slow(broker);
  watcher.connect("watcher");
  watcher.subscribe({{"wills/#", 0}});
  stuck.connect_with_will("stuck", Will{"wills/stuck", "gone", 0, false}, 0);
  slow.connect("slow", true, 0);
  stuck.set_pending_bytes(1000);
  slow.set_pending_bytes(1000);
  const auto start = broker.now();
  broker.tick(start + std::chrono::seconds(1));
  broker.tick(start + std::chrono::seconds(40));
  slow.set_pending_bytes(999);  // it read a little: the count starts again
  broker.tick(start + std::chrono::seconds(41));
  slow.set_pending_bytes(1000);
  broker.tick(start + std::chrono::seconds(60));
  EXPECT_FALSE(stuck.closed());
  broker.tick(start + std::chrono::seconds(62));
  EXPECT_TRUE(stuck.closed());
  EXPECT_FALSE(slow.closed());
  const auto wills = watcher.publishes();
  ASSERT_EQ(wills.size(), 1u);
  EXPECT_EQ(wills[0].topic, "wills/stuck");
  broker.tick(start + std::chrono::seconds(121));  // full again since 60 s
  EXPECT_TRUE(slow.closed());
}

TEST(BrokerLimits, ConnectionsPerAddress) {
  BrokerConfig config = quiet_config();
  config.max_connections_per_address = 2;
  Broker broker(config);
  TestClient a(broker, "10.0.0.1:1000"), b(broker, "10.0.0.1:1001");
  TestClient c(broker, "10.0.0.1:1002");
  TestClient other(broker, "10.0.0.2:1000");
  EXPECT_TRUE(a.attached());
  EXPECT_TRUE(b.attached());
  EXPECT_FALSE(c.attached());
  EXPECT_TRUE(other.attached());
  EXPECT_EQ(broker.stats().connections_refused, 1u);
  a.drop();
  TestClient d(broker, "10.0.0.1:1003");
  EXPECT_TRUE(d.attached());
  TestClient v6(broker, "::1:1000"), v6b(broker, "::1:1001"), v6c(broker, "::1:1002");
  EXPECT_FALSE(v6c.attached());
}

// One laptop opening sockets and sending nothing must not take the slots the boards need: the
// connections of one address not logged in yet are capped, those logged in are not.
TEST(BrokerLimits, ConnectionsNotLoggedInYetArePerAddress) {
  BrokerConfig config = quiet_config();
  config.max_pending_per_address = 2;
  Broker broker(config);
  TestClient a(broker, "10.0.0.1:1000"), b(broker, "10.0.0.1:1001");
  TestClient c(broker, "10.0.0.1:1002");
  TestClient other(broker, "10.0.0.2:1000");
  EXPECT_TRUE(a.attached());
  EXPECT_TRUE(b.attached());
  EXPECT_FALSE(c.attached());
  EXPECT_TRUE(other.attached());
  a.connect("a");  // logged in: no longer pending
  TestClient d(broker, "10.0.0.1:1003");
  EXPECT_TRUE(d.attached());
  b.drop();  // gone before logging in
  TestClient e(broker, "10.0.0.1:1004");
  EXPECT_TRUE(e.attached());
  TestClient f(broker, "10.0.0.1:1005");
  EXPECT_FALSE(f.attached());
  // A refused CONNECT frees its place too.
  d.write_raw(std::string("\x10\x0c\x00\x04MQTT\x05\x02\x00\x3c\x00\x00", 14));
  EXPECT_TRUE(d.closed());
  TestClient g(broker, "10.0.0.1:1006");
  EXPECT_TRUE(g.attached());
  EXPECT_EQ(broker.stats().connections_refused, 2u);
}

// A QoS 0 PUBLISH on "t" of `size` bytes in all.
std::string publish_of_size(std::size_t size) {
  // 1 byte of type, the remaining length in 1-3 bytes, 2 + 1 of topic, then the payload.
  std::size_t length_bytes = 1;
  while (size - 1 - length_bytes >= (std::size_t{1} << (7 * length_bytes)))
    ++length_bytes;
  const std::string payload(size - 1 - length_bytes - 3, 'x');
  std::string out;
  encode(PublishPacket{.topic = "t", .payload = payload}, out);
  EXPECT_EQ(out.size(), size);
  return out;
}

// Thousands of clients each sending all but the last byte of a large PUBLISH would hold
// gigabytes: the incomplete packets of all clients are bounded, and the client whose large one
// goes beyond is disconnected. Small ones (a board's) always wait.
TEST(BrokerLimits, IncompletePacketsOfAllClientsAreBounded) {
  BrokerConfig config = quiet_config();
  config.max_incomplete_total = 100 * 1024;
  Broker broker(config);
  int clients = 0;
  auto partial = [&](TestClient& c, std::size_t size) {
    c.connect("c" + std::to_string(++clients), true, 0);
    const std::string bytes = publish_of_size(size);
    c.write_raw(std::string_view(bytes).substr(0, size - 1));
    return bytes.back();
  };
  TestClient a(broker), b(broker), c(broker), d(broker), e(broker);
  const char a_last = partial(a, 60 * 1024);
  partial(b, 10 * 1024);
  partial(c, 40 * 1024);  // 110 KiB in all
  EXPECT_TRUE(c.closed());
  partial(d, 15 * 1024);
  partial(e, 16 * 1024);  // 101 KiB in all, but a small one waits
  EXPECT_FALSE(a.closed() || b.closed() || d.closed() || e.closed());
  a.write_raw(std::string(1, a_last));  // complete: what it held is free again
  EXPECT_EQ(broker.stats().messages_received, 1u);
  TestClient f(broker);
  partial(f, 40 * 1024);
  EXPECT_FALSE(f.closed());
}

// The rest of a packet keeps a connection open even without keep-alive: a packet must be
// complete within the timeout of its first byte, however slowly its bytes keep coming.
TEST(BrokerLimits, APacketIncompleteForTheTimeoutClosesTheConnection) {
  BrokerConfig config = quiet_config();
  config.incomplete_packet_timeout = 5s;
  Broker broker(config);
  const std::string packet = publish_of_size(1000);
  TestClient slow(broker), steady(broker);
  slow.connect("slow", true, 0);
  steady.connect("steady", true, 0);
  slow.write_raw(packet.substr(0, 100));
  steady.write_raw(packet.substr(0, 500));
  broker.tick(broker.now() + 3s);
  slow.write_raw(packet.substr(100, 100));
  steady.write_raw(packet.substr(500) + packet.substr(0, 500));  // one done, the next begun
  broker.tick(broker.now() + 3s);
  EXPECT_TRUE(slow.closed());
  EXPECT_FALSE(steady.closed());
  broker.tick(broker.now() + 3s);
  EXPECT_TRUE(steady.closed());
}

TEST(BrokerLimits, NoLimitPerAddressByDefault) {
  Broker broker(quiet_config());
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 50; ++i) {
    clients.push_back(std::make_unique<TestClient>(broker, "10.0.0.1:" + std::to_string(i)));
    EXPECT_TRUE(clients.back()->attached());
  }
}

}  // namespace
}  // namespace fabomatic::broker
