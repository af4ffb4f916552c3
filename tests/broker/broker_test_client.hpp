// A test double for the transport side of the broker core: a client that writes packets into
// the core and reads back what the core sent, without sockets (the core is Sans-I/O).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "broker/codec/codec.hpp"
#include "broker/core/broker.hpp"

namespace fabomatic::broker::testing {

class TestClient final : public Transport {
 public:
  /// `address`: the remote address the transport reports ("address:port").
  explicit TestClient(Broker& broker, std::string address = "test") : broker_(broker) {
    connection_ = broker_.attach(*this, std::move(address), broker_.now());
    if (!connection_) closed_ = true;  // refused by a connection limit
  }
  ~TestClient() override {
    if (connection_ && !closed_) broker_.on_transport_closed(*connection_);
  }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  void send(std::string_view bytes) override { received_.append(bytes); }
  std::size_t pending_bytes() const override { return pending_; }
  void close() override { closed_ = true; }

  bool closed() const { return closed_; }
  /// Flow control: whether the core wants more input from this client now.
  bool accepted() { return broker_.accepts_input(*connection_, broker_.now()); }
  void set_pending_bytes(std::size_t n) { pending_ = n; }

  /// Writes raw bytes into the broker, as if they came from the network.
  void write_raw(std::string_view bytes) {
    ASSERT_FALSE(closed_) << "writing to a closed connection";
    broker_.on_data(*connection_, bytes, broker_.now());
  }

  template <typename P>
  void write(const P& packet) {
    std::string bytes;
    encode(packet, bytes);
    write_raw(bytes);
  }

  /// The socket dies without DISCONNECT.
  void drop() {
    if (!closed_) broker_.on_transport_closed(*connection_);
    closed_ = true;
  }

  /// CONNECT and expect CONNACK with `expected`; returns the session-present flag.
  bool connect(std::string_view client_id, bool clean = true, std::uint16_t keep_alive = 60,
               ConnectReturnCode expected = ConnectReturnCode::accepted) {
    ConnectPacket p;
    p.protocol_name = "MQTT";
    p.protocol_level = 4;
    p.client_id = client_id;
    p.clean_session = clean;
    p.keep_alive = keep_alive;
    write(p);
    return expect_connack(expected);
  }

  /// CONNECT with a will, expecting it accepted.
  bool connect_with_will(std::string_view client_id, const Will& will,
                         std::uint16_t keep_alive = 60) {
    ConnectPacket p;
    p.client_id = client_id;
    p.keep_alive = keep_alive;
    p.has_will = true;
    p.will = will;
    write(p);
    return expect_connack(ConnectReturnCode::accepted);
  }

  /// CONNECT with a user name and password, expecting `expected`.
  bool login(std::string_view client_id, std::string_view username, std::string_view password,
             ConnectReturnCode expected = ConnectReturnCode::accepted, bool clean = true) {
    ConnectPacket p;
    p.client_id = client_id;
    p.clean_session = clean;
    p.keep_alive = 60;
    p.has_username = true;
    p.username = username;
    p.has_password = true;
    p.password = password;
    write(p);
    return expect_connack(expected);
  }

  bool attached() const { return connection_ != nullptr; }

  bool expect_connack(ConnectReturnCode expected) {
    auto frames = take();
    EXPECT_GE(frames.size(), 1u);
    if (frames.empty()) return false;
    // A resumed session may be followed at once by resent messages: keep them readable.
    for (std::size_t i = 1; i < frames.size(); ++i)
      leftover_.push_back(frames[i]);
    auto d = decode_one(frames[0]);
    EXPECT_TRUE(d.ok());
    const auto* ack = std::get_if<ConnackPacket>(&d.packet);
    EXPECT_NE(ack, nullptr);
    if (!ack) return false;
    EXPECT_EQ(ack->return_code, expected);
    return ack->session_present;
  }

  std::vector<std::uint8_t> subscribe(std::vector<TopicRequest> topics, std::uint16_t id = 1) {
    write(SubscribePacket{id, std::move(topics)});
    auto frames = take();
    EXPECT_GE(frames.size(), 1u);
    if (frames.empty()) return {};
    auto d = decode_one(frames[0]);
    const auto* ack = std::get_if<SubackPacket>(&d.packet);
    EXPECT_NE(ack, nullptr);
    EXPECT_EQ(ack ? ack->packet_id : 0, id);
    // Whatever followed the SUBACK (retained messages) stays readable.
    for (std::size_t i = 1; i < frames.size(); ++i)
      leftover_.push_back(frames[i]);
    return ack ? ack->return_codes : std::vector<std::uint8_t>{};
  }

  void publish(std::string_view topic, std::string_view payload, std::uint8_t qos = 0,
               bool retain = false, std::uint16_t id = 0, bool dup = false) {
    write(PublishPacket{dup, qos, retain, topic, id, payload});
  }

  /// Every whole packet received since the last call, each as its own byte string.
  std::vector<std::string> take() {
    std::vector<std::string> frames = std::move(leftover_);
    leftover_.clear();
    std::string_view data = received_;
    while (!data.empty()) {
      auto f = next_frame(data, 1 << 28);
      if (f.status != FrameResult::Status::complete) break;
      frames.emplace_back(data.substr(0, f.header.frame_size()));
      data.remove_prefix(f.header.frame_size());
    }
    received_.erase(0, received_.size() - data.size());
    return frames;
  }

  /// Received PUBLISH packets (other packets are checked to be absent).
  struct Received {
    std::string topic, payload;
    std::uint8_t qos;
    bool retain, dup;
    std::uint16_t packet_id;
  };
  std::vector<Received> publishes() {
    std::vector<Received> out;
    for (const auto& f : take()) {
      auto d = decode_one(f);
      const auto* p = std::get_if<PublishPacket>(&d.packet);
      EXPECT_NE(p, nullptr) << "expected PUBLISH, got " << to_string(type_of(d.packet));
      if (p) {
        out.push_back({std::string(p->topic), std::string(p->payload), p->qos, p->retain, p->dup,
                       p->packet_id});
      }
    }
    return out;
  }

  /// Decoded types of everything received since the last call.
  std::vector<PacketType> types() {
    std::vector<PacketType> out;
    for (const auto& f : take())
      out.push_back(type_of(decode_one(f).packet));
    return out;
  }

 private:
  Broker& broker_;
  ClientConnection* connection_ = nullptr;
  std::string received_;
  std::vector<std::string> leftover_;
  std::size_t pending_ = 0;
  bool closed_ = false;
};

}  // namespace fabomatic::broker::testing
