// The broker core: MQTT 3.1.1 semantics without I/O (Sans-I/O).
//
// A transport (TCP, TLS, WebSocket, or a test double) attaches each new byte stream with
// attach(), hands over received bytes with on_data() and reports a dead stream with
// on_transport_closed(); the core answers through the Transport interface. The core never
// reads a clock: time enters with the calls that need it (attach, on_data, accepts_input) and
// with tick(), so tests drive every timeout without sleeping. Everything runs on one thread
// (the reactor's): no locks.
//
// The handling of each packet type lives in its own file: broker_connect.cpp (CONNECT,
// DISCONNECT, keep-alive, wills), broker_publish.cpp (PUBLISH and its acknowledgements,
// routing, queues), broker_subscribe.cpp (SUBSCRIBE, UNSUBSCRIBE, retained delivery),
// broker_sys.cpp ($SYS topics).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "broker/codec/codec.hpp"
#include "broker/core/config.hpp"
#include "broker/core/hooks.hpp"
#include "broker/core/message_bus.hpp"
#include "broker/core/retained_store.hpp"
#include "broker/core/session_store.hpp"
#include "broker/core/subscription_tree.hpp"
#include "broker/core/transport.hpp"

namespace fabomatic::broker {

using Clock = std::chrono::steady_clock;

/// Per-connection state of the core. Owned by the Broker; the transport holds a pointer.
struct ClientConnection {
  Transport* transport = nullptr;
  Session* session = nullptr;  // set once CONNECT was accepted
  std::string input;           // bytes of an incomplete packet, kept between reads
  std::string username;
  std::string remote_address;
  MessagePtr will;  // published unless the client ends with DISCONNECT
  Clock::time_point last_activity;
  std::uint16_t keep_alive = 0;  // seconds; 0 = no keep-alive
  std::uint8_t protocol_level = 4;
  bool connected = false;  // CONNECT accepted
  std::size_t index = 0;   // position in Broker::connections_
  // Sessions whose queues this client's messages filled (flow control): while any of them is
  // still congested, the transport stops reading this client (see Broker::accepts_input).
  std::vector<SubscriberId> held_by;
};

/// Counters for $SYS and for metrics.
struct BrokerStats {
  std::uint64_t messages_received = 0;  // PUBLISH packets from clients
  std::uint64_t messages_sent = 0;      // PUBLISH packets to clients
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t messages_dropped = 0;  // queue full or slow QoS 0 consumer
  std::uint64_t connections_total = 0;
  std::uint64_t protocol_errors = 0;
};

class Broker final : public MessageBus {
 public:
  /// `start`: the time now, on the clock the transport will pass to every call (tests may
  /// start at the epoch and move time with tick()).
  explicit Broker(BrokerConfig config = {}, Clock::time_point start = {},
                  std::unique_ptr<RetainedStore> retained = make_memory_retained_store(),
                  std::unique_ptr<SessionStore> sessions = make_memory_session_store());
  ~Broker() override;
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  /// Adds hooks of the embedding program (not owned; they must outlive the broker). With
  /// several, a CONNECT or a SUBSCRIBE/PUBLISH authorization needs every hook's consent.
  void add_hooks(BrokerHooks& hooks);
  const BrokerConfig& config() const { return config_; }

  // --- transport side ---------------------------------------------------------------------
  /// Registers a new byte stream; returns null when the connection limit is reached (the
  /// transport then closes the socket at once).
  ClientConnection* attach(Transport& transport, std::string remote_address, Clock::time_point now);
  /// Feeds bytes received at `now`. May call transport.close() (protocol error, DISCONNECT).
  void on_data(ClientConnection& client, std::string_view bytes, Clock::time_point now);
  /// The stream died (EOF, reset, error): an abnormal disconnect, the will is published.
  void on_transport_closed(ClientConnection& client);
  /// Flow control: false while a subscriber that this client's messages congested is still
  /// working through its queue. The transport then reads nothing more from the client and asks
  /// again shortly; a publisher faster than its subscribers is slowed to their pace instead of
  /// having its QoS 1/2 messages dropped. Keep-alive does not expire while a client is held.
  bool accepts_input(ClientConnection& client, Clock::time_point now);

  /// Closes every connection (at shutdown). Wills are not published: the broker is going
  /// away, not the clients.
  void close_all();

  /// Advances time: keep-alive expiry (MQTT-3.1.2-24), CONNECT timeout, $SYS publication.
  void tick(Clock::time_point now);

  /// The latest time passed in (by tick() or a transport call): what in-process publishes and
  /// the transport-less calls count with.
  Clock::time_point now() const { return now_; }

  // --- MessageBus: in-process publish and interception --------------------------------------
  void publish(std::string_view topic, std::string_view payload, std::uint8_t qos = 0,
               bool retain = false) override;
  HandlerId subscribe(std::string_view filter, Handler handler) override;
  void unsubscribe(HandlerId id) override;

  // --- observation ---------------------------------------------------------------------------
  const BrokerStats& stats() const { return stats_; }
  std::size_t connection_count() const { return connections_.size(); }
  std::size_t connected_count() const { return connected_; }
  std::size_t session_count() const { return sessions_->size(); }
  std::size_t subscription_count() const { return subscriptions_.size(); }
  std::size_t retained_count() const { return retained_->size(); }

  /// Writes through the configured logger, if any.
  void log(log::Level level, std::string_view text) const;

 private:
  // connection lifecycle (broker_connect.cpp)
  void handle_packet(ClientConnection& client, const FixedHeader& header, const Packet& packet);
  void handle_connect(ClientConnection& client, const ConnectPacket& packet);
  void reject_connect(ClientConnection& client, ConnectReturnCode code);
  void close_client(ClientConnection& client, bool publish_will, std::string_view reason);
  void detach(ClientConnection& client);
  void end_session_connection(ClientConnection& client, bool graceful);
  void discard_session(Session& session);
  std::string assign_client_id();
  ClientInfo info(const ClientConnection& client) const;
  void process_frames(ClientConnection& client, std::string_view& data);

  // publish path (broker_publish.cpp)
  void handle_publish(ClientConnection& client, const PublishPacket& packet);
  void handle_ack(ClientConnection& client, const AckPacket& packet);
  void route(const MessagePtr& message);
  void deliver(Session& session, const MessagePtr& message, std::uint8_t qos, bool retain);
  void send_publish(Session& session, InflightMessage& inflight, bool dup);
  void enqueue(Session& session, const MessagePtr& message, std::uint8_t qos, bool retain);
  void hold_publisher(Session& congested);
  bool congested(const Session& session, Clock::time_point now) const;
  void pump_queue(Session& session);
  void resume_session(Session& session);
  std::uint16_t next_packet_id(Session& session);
  void send(ClientConnection& client, std::string_view bytes);

  // subscriptions (broker_subscribe.cpp)
  void handle_subscribe(ClientConnection& client, const SubscribePacket& packet);
  void handle_unsubscribe(ClientConnection& client, const UnsubscribePacket& packet);
  void deliver_retained(Session& session, std::string_view filter, std::uint8_t granted);

  // $SYS (broker_sys.cpp)
  void publish_sys();

  BrokerConfig config_;
  // The installed hooks, one list per HookEvent bit: an event nobody handles costs nothing.
  std::array<std::vector<BrokerHooks*>, kHookEventCount> hooks_;
  const std::vector<BrokerHooks*>& hooks_for(HookEvent event) const;
  std::unique_ptr<RetainedStore> retained_;
  std::unique_ptr<SessionStore> sessions_;
  SubscriptionTree subscriptions_;

  struct Interceptor {
    std::string filter;
    Handler handler;
  };
  SubscriptionTree interceptor_tree_;  // filter -> interceptor slot
  // slot = HandlerId; null = free. Shared so that a handler that unsubscribes itself while it
  // runs is not destroyed under its own feet.
  std::vector<std::shared_ptr<Interceptor>> interceptors_;

  std::vector<std::unique_ptr<ClientConnection>> connections_;  // unordered; index in client
  // Connections closed while a call is still using them are freed when the outermost call
  // into the core returns (see EntryGuard in broker.cpp).
  std::vector<std::unique_ptr<ClientConnection>> closed_;
  int depth_ = 0;
  friend class EntryGuard;
  std::size_t connected_ = 0;
  std::vector<Subscriber> match_scratch_;  // reused by route() to avoid an allocation
  ClientConnection* publisher_ = nullptr;  // the client whose PUBLISH is being routed, if any
  // The last QoS 0 PUBLISH encoded, reused while one message fans out to many receivers.
  MessagePtr encoded_message_;
  bool encoded_retain_ = false;
  std::string encode_scratch_;
  BrokerStats stats_;
  Clock::time_point now_;
  Clock::time_point started_;
  Clock::time_point next_sys_;
  std::uint64_t assigned_ids_ = 0;
};

}  // namespace fabomatic::broker
