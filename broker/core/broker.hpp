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
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
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

/// The address part of a transport's remote address "address:port" (the port is after the last
/// colon, so "::1:5678" gives "::1").
std::string_view address_of(std::string_view remote_address);

/// Per-connection state of the core. Owned by the Broker; the transport holds a pointer.
struct ClientConnection {
  Transport* transport = nullptr;
  Session* session = nullptr;     // set once CONNECT was accepted
  std::string input;              // bytes of an incomplete packet, kept between reads
  std::size_t input_counted = 0;  // input's size as counted in Broker::incomplete_bytes_
  Clock::time_point input_since;  // when input's first byte arrived (while input is not empty)
  std::string username;
  std::string remote_address;  // "address:port"
  MessagePtr will;             // published unless the client ends with DISCONNECT
  // Until CONNECT: when the socket was accepted (bytes arriving do not move it). Then: the
  // last packet received (keep-alive).
  Clock::time_point last_activity;
  // What the client may do (null: everything), from the hook that accepted it (`authority`).
  std::shared_ptr<const ClientAccess> access;
  BrokerHooks* authority = nullptr;
  std::string allowed_topic;  // the last topic `access` allowed (when access->stable())
  // Since when the transport has held max_output_bytes unsent (none: below it), for
  // BrokerConfig::output_stall_timeout.
  std::optional<Clock::time_point> output_full_since;
  std::uint16_t keep_alive = 0;  // seconds; 0 = no keep-alive
  std::uint8_t protocol_level = 4;
  bool connected = false;        // CONNECT accepted
  bool pending_counted = false;  // counted in pending_per_address_ (until CONNECT is accepted)
  bool as_account = false;       // `username` names the account the client proved
  bool refusal_logged = false;   // a refused PUBLISH of this client was logged already
  bool input_held = false;       // `input` holds packets left unhandled while the client was held
  std::size_t index = 0;         // position in Broker::connections_
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
  std::uint64_t connections_refused = 0;    // connection limits (total, per address)
  std::uint64_t publishes_refused = 0;      // access or a hook said no
  std::uint64_t subscriptions_refused = 0;  // invalid, refused, or over the per-client limit
  std::uint64_t retained_refused = 0;       // not retained: the retained store was full
  std::uint64_t sessions_expired = 0;       // persistent sessions discarded (idle or evicted)
  std::uint64_t client_id_shared = 0;       // a live client id claimed from elsewhere: both kept
};

/// A client identifier held by more than one live client at once (see Broker's collision rule).
struct SharedClientId {
  struct Holder {
    std::string remote_address;
    std::string account;  // empty: anonymous
    std::string username;
  };
  std::string client_id;
  std::vector<Holder> holders;
};

class Broker final : public MessageBus {
 public:
  /// `start`: the time now, on the clock the transport will pass to every call (tests may
  /// start at the epoch and move time with tick()).
  /// `retained`: null for an in-memory store bounded by the config's retained limits.
  explicit Broker(BrokerConfig config = {}, Clock::time_point start = {},
                  std::unique_ptr<RetainedStore> retained = nullptr,
                  std::unique_ptr<SessionStore> sessions = make_memory_session_store());
  ~Broker() override;
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  /// Adds hooks of the embedding program (not owned; they must outlive the broker). CONNECT is
  /// decided by the first authenticating hook that does not defer, in the order they were
  /// added; a SUBSCRIBE/PUBLISH needs the client's access and every vetoing hook's consent.
  void add_hooks(BrokerHooks& hooks);
  const BrokerConfig& config() const { return config_; }

  // --- access control ------------------------------------------------------------------------
  /// Re-asks `hooks` (BrokerHooks::review) about every connected client it accepted, after what
  /// it decides on changed; a refused client is disconnected. Returns how many were.
  std::size_t review_clients(BrokerHooks& hooks);
  /// Disconnects every connected client `which` selects (as if its connection was lost: the
  /// will is published); returns how many.
  std::size_t disconnect_clients(const std::function<bool(const ClientInfo&)>& which,
                                 std::string_view reason);
  /// Calls `visit` for every connected client.
  void for_each_client(const std::function<void(const ClientInfo&)>& visit) const;
  /// The client identifiers held by several live clients at once, each with its holders.
  std::vector<SharedClientId> shared_client_ids() const;

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
  /// The packets of a read that were not handled when the hold began are handled here, once it
  /// ends; that may close the connection (transport.close()), so check before reading on.
  bool accepts_input(ClientConnection& client, Clock::time_point now);

  /// Closes every connection (at shutdown). Wills are not published: the broker is going
  /// away, not the clients.
  void close_all();

  /// Transports report the bytes they hold for their peers (queued: accepted by send(), not yet
  /// written; released: written or dropped), so that the output of all connections together
  /// stays within BrokerConfig::max_output_total.
  void output_queued(std::size_t bytes) { output_bytes_ += bytes; }
  void output_released(std::size_t bytes) {
    output_bytes_ -= bytes < output_bytes_ ? bytes : output_bytes_;
  }

  /// Advances time: keep-alive expiry (MQTT-3.1.2-24), CONNECT timeout, clients that read
  /// nothing (output_stall_timeout), expiry of idle persistent sessions, $SYS publication.
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
  std::size_t retained_bytes() const { return retained_->bytes(); }
  std::size_t persistent_session_count() const { return persistent_sessions_; }
  /// Bytes waiting for clients: unsent socket output and messages queued in sessions.
  std::size_t output_total() const { return output_bytes_ + queued_bytes_; }

  /// Writes through the configured logger, if any.
  void log(log::Level level, std::string_view text) const;

 private:
  // connection lifecycle (broker_connect.cpp)
  void handle_packet(ClientConnection& client, const FixedHeader& header, const Packet& packet);
  void handle_connect(ClientConnection& client, const ConnectPacket& packet);
  AuthResult authenticate(ClientConnection& client, const ConnectPacket& packet,
                          std::string_view client_id);
  Session* claim_session(ClientConnection& client, std::string_view client_id, bool clean,
                         std::string& key, ConnectReturnCode& refusal);
  bool make_room_for_persistent_session();
  void reject_connect(ClientConnection& client, ConnectReturnCode code);
  void close_client(ClientConnection& client, bool publish_will, std::string_view reason);
  void end_session_connection(ClientConnection& client, bool graceful);
  Session& create_session(std::string key, bool clean, std::string_view account);
  void discard_session(Session& session);
  void expire_sessions();
  std::string assign_client_id();
  ClientInfo info(const ClientConnection& client) const;
  void process_frames(ClientConnection& client, std::string_view& data);
  void process_input(ClientConnection& client);  // the packets buffered in client.input
  void forget_address(const ClientConnection& client);
  // The connection's CONNECT was accepted, or it closed: no longer pending for its address.
  void forget_pending(ClientConnection& client);
  // Brings incomplete_bytes_ up to date with the client's input after `input` changed; `consumed`:
  // a packet was taken from its front (what is left began arriving now).
  void count_input(ClientConnection& client, bool consumed);

  // publish path (broker_publish.cpp)
  void handle_publish(ClientConnection& client, const PublishPacket& packet);
  bool may_publish(ClientConnection& client, const PublishPacket& packet);
  void store_retained(const MessagePtr& message);
  void handle_ack(ClientConnection& client, const AckPacket& packet);
  void route(const MessagePtr& message);
  void deliver(Session& session, const MessagePtr& message, std::uint8_t qos, bool retain);
  void send_publish(Session& session, InflightMessage& inflight, bool dup);
  void enqueue(Session& session, const MessagePtr& message, std::uint8_t qos, bool retain);
  void unqueue(Session& session, const Message& message);
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
  bool may_subscribe(ClientConnection& client, std::string_view filter);

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
  // Connections per IP address, kept only when max_connections_per_address is set.
  std::unordered_map<std::string, std::size_t> per_address_;
  // Connections per IP address not accepted yet (max_pending_per_address).
  std::unordered_map<std::string, std::size_t> pending_per_address_;
  std::size_t incomplete_bytes_ = 0;  // Σ input of every connection (max_incomplete_total)
  // Presented client id -> the extra sessions of clients that share it (collision rule).
  std::unordered_map<std::string, std::vector<SubscriberId>> extra_sessions_;
  std::uint64_t extra_serial_ = 0;
  std::size_t persistent_sessions_ = 0;
  std::size_t output_bytes_ = 0;  // reported by the transports
  std::size_t queued_bytes_ = 0;  // in session queues
  bool retained_full_logged_ = false;
  // Connections closed while a call is still using them are freed when the outermost call
  // into the core returns (see EntryGuard in broker.cpp).
  std::vector<std::unique_ptr<ClientConnection>> closed_;
  int depth_ = 0;
  friend class EntryGuard;
  std::size_t connected_ = 0;
  std::vector<Subscriber> match_scratch_;  // reused by route() to avoid an allocation
  ClientConnection* publisher_ = nullptr;  // the client whose PUBLISH is being routed, if any
  bool delivering_retained_ = false;       // a SUBSCRIBE's retained messages are being sent
  // The last QoS 0 PUBLISH encoded, reused while one message fans out to many receivers.
  MessagePtr encoded_message_;
  bool encoded_retain_ = false;
  std::string encode_scratch_;
  BrokerStats stats_;
  Clock::time_point now_;
  Clock::time_point started_;
  Clock::time_point next_sys_;
  Clock::time_point next_session_sweep_;
  std::uint64_t assigned_ids_ = 0;
};

}  // namespace fabomatic::broker
