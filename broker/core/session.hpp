// The MQTT session state of one client identifier (MQTT 3.1.1 section 4.1): it outlives the
// connection when the client asked for a persistent session (clean session 0).
//
// Kept small on purpose — a lab's boards hold one each, idle, for days: containers that
// allocate when empty (std::deque, std::map) are avoided or created on first use.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "broker/core/message.hpp"
#include "broker/core/subscription_tree.hpp"

namespace fabomatic::broker {

struct ClientConnection;

/// An outgoing QoS 1/2 message sent and not yet acknowledged (MQTT 4.4).
struct InflightMessage {
  MessagePtr message;
  std::uint16_t packet_id = 0;
  std::uint8_t qos = 1;
  bool retain = false;
  bool released = false;  // QoS 2: PUBREC received, PUBREL sent, waiting for PUBCOMP
};

/// A QoS 1/2 message waiting for room in the in-flight window or for the client to return.
struct QueuedMessage {
  MessagePtr message;
  std::uint8_t qos = 1;
  bool retain = false;
};

struct Session {
  SubscriberId id = 0;
  // The key in the session store: the client identifier, or, for a second client that claimed
  // a live identifier from another account or address (Broker's collision rule), the
  // identifier followed by a NUL and a number (no MQTT client identifier contains a NUL).
  std::string client_id;
  std::string account;  // the account of the client that created it; empty: anonymous
  bool clean = true;
  ClientConnection* connection = nullptr;               // null while the client is away
  std::chrono::steady_clock::time_point offline_since;  // when `connection` became null

  std::vector<std::string> subscriptions;            // filters (the tree holds their QoS)
  std::vector<InflightMessage> inflight;             // in send order
  std::unique_ptr<std::deque<QueuedMessage>> queue;  // created on first use
  std::size_t queued_bytes = 0;                      // topic + payload of the queued messages
  std::vector<std::uint16_t> inbound_qos2;           // ids whose PUBREC was sent, awaiting PUBREL
  std::uint16_t last_packet_id = 0;
  std::size_t dropped = 0;  // queued messages dropped because the queue was full
  // Last acknowledgement of an outgoing message, or the (re)connection: a subscriber that
  // acknowledges nothing for BrokerConfig::stall_timeout holds no publisher back.
  std::chrono::steady_clock::time_point last_progress;

  std::size_t queued() const { return queue ? queue->size() : 0; }
  /// The client identifier the client presented (client_id without a collision suffix).
  std::string_view presented_id() const {
    const std::string_view key = client_id;
    return key.substr(0, key.find('\0'));
  }
};

}  // namespace fabomatic::broker
