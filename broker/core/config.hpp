// Limits and timings of the broker. Every value has a safe default; the embedding program
// fills them from its settings. The defaults bound what any client can make the broker hold to
// what a Raspberry Pi can spare.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/log.hpp"

namespace fabomatic::broker {

struct BrokerConfig {
  std::size_t max_packet_size = 256 * 1024;  // bytes, whole packet; larger closes the connection
  // Before its CONNECT was accepted a client is nobody: its first packet may be at most this
  // large (a CONNECT with a will fits), so an unauthenticated socket cannot make us buffer
  // max_packet_size bytes.
  std::size_t max_connect_size = 8 * 1024;
  std::size_t max_connections = 10'000;
  // Connections at once from one IP address; 0 = no limit (a lab's NAT puts every board behind
  // one address).
  std::size_t max_connections_per_address = 0;
  // Connections from one IP address whose CONNECT has not been accepted yet; beyond, refused at
  // accept. One laptop opening sockets and sending nothing cannot take the connection slots the
  // boards need (a board holds such a socket for milliseconds). 0 = no limit.
  std::size_t max_pending_per_address = 64;
  // Bytes of incomplete packets held across all connections (a packet arrives in pieces and
  // waits whole before it is handled). Beyond it, a client whose incomplete packet is larger
  // than 16 KiB is disconnected: thousands of clients each sending all but the last byte of a
  // max_packet_size PUBLISH would otherwise take gigabytes. A board's packets are far smaller.
  std::size_t max_incomplete_total = 32 << 20;
  // A packet must be complete within this time of its first byte (the rest of it keeps a
  // connection open even without keep-alive).
  std::chrono::seconds incomplete_packet_timeout{60};
  std::uint16_t max_inflight = 20;         // unacknowledged outgoing QoS 1/2 messages per client
  std::size_t max_queued = 1000;           // QoS 1/2 messages queued per session beyond in-flight
  std::size_t max_output_bytes = 8 << 20;  // unsent bytes per socket before QoS 0 is dropped
  // Bytes waiting for clients across all connections: unsent socket output plus the messages
  // queued in sessions. Beyond it, QoS 0 messages to a client that already has output pending
  // are dropped and no QoS 1/2 message is queued any more (each counts as dropped).
  std::size_t max_output_total = 64 << 20;
  // A client whose unsent output stays at max_output_bytes this long reads nothing (a hung
  // device, or one that means harm): it is disconnected, its will published, so that a few of
  // them cannot hold max_output_total and stop QoS 1/2 queueing for everybody else.
  std::chrono::seconds output_stall_timeout{60};
  // Retained messages kept (count, and bytes of topic + payload); beyond, a retained message on
  // a new topic (or a larger replacement) is routed but not retained.
  std::size_t max_retained_messages = 10'000;
  std::size_t max_retained_bytes = 16 << 20;
  // Sessions kept for clients that asked for a persistent one (clean session 0). At the limit a
  // new one replaces the session offline the longest; when all are online it is refused
  // (CONNACK 0x03). An offline persistent session is discarded after this idle time (0: never).
  std::size_t max_persistent_sessions = 1000;
  std::chrono::seconds persistent_session_expiry{7 * 24 * 3600};
  std::size_t max_subscriptions_per_client = 1000;  // more filters are refused with SUBACK 0x80
  // (filter, client) pairs across every session: with max_connections clients each at its own
  // limit the tree alone could outgrow a Pi's memory. Beyond it new filters get SUBACK 0x80.
  std::size_t max_subscriptions_total = 100'000;
  // Mosquitto's use_username_as_clientid: a client that authenticated as an account uses its
  // user name as client id (whatever it sent), so accounts never take each other's sessions.
  bool use_username_as_clientid = false;
  // Flow control: a publisher whose QoS 1/2 messages fill an online subscriber's queue past half
  // of max_queued is read no further until that queue is down to a quarter — unless the
  // subscriber acknowledged nothing for this long: a stalled client is not waited for, its
  // queue overflows instead (and the publishers carry on).
  std::chrono::milliseconds stall_timeout{1000};
  // A socket must send CONNECT within this time of being accepted (bytes that dribble in do not
  // extend it).
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds sys_interval{10};  // $SYS publication period; 0 disables
  std::string version = "fabomatic";      // published as $SYS/broker/version
  log::Sink logger;                       // empty: the program's log (common/log)
};

}  // namespace fabomatic::broker
