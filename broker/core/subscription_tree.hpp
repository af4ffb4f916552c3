// The subscription tree: topic filters of all sessions, organised by topic level so that
// matching a topic costs in proportion to its depth and to the matching filters, not to the
// number of filters in the broker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace fabomatic::broker {

/// Identifies a session (not a connection): subscriptions outlive the socket of a persistent
/// session.
using SubscriberId = std::uint32_t;

struct Subscriber {
  SubscriberId id = 0;
  std::uint8_t qos = 0;  // granted QoS
};

class SubscriptionTree {
 public:
  SubscriptionTree();
  ~SubscriptionTree();
  SubscriptionTree(const SubscriptionTree&) = delete;
  SubscriptionTree& operator=(const SubscriptionTree&) = delete;

  /// Adds the subscription, or replaces the QoS of an identical one (MQTT-3.8.4-3).
  /// Returns true when it was new. `filter` must be a valid topic filter.
  bool add(std::string_view filter, SubscriberId id, std::uint8_t qos);

  /// Whether `id` is subscribed to exactly `filter` (a valid filter).
  bool contains(std::string_view filter, SubscriberId id) const;

  /// Removes one subscription; returns whether it existed. Empty tree nodes are freed.
  bool remove(std::string_view filter, SubscriberId id);

  /// Appends one entry for every (filter, subscriber) pair whose filter matches `topic`, a
  /// valid topic name. A subscriber with overlapping filters appears once per filter: the
  /// caller keeps one delivery at the highest QoS (MQTT-3.3.5-1).
  void match(std::string_view topic, std::vector<Subscriber>& out) const;

  /// Number of (filter, subscriber) pairs.
  std::size_t size() const { return size_; }

  /// Number of tree nodes besides the root: lets tests check that remove() frees what add()
  /// created, and benchmarks relate memory to the tree's shape.
  std::size_t node_count() const { return node_count_; }

 private:
  struct Node;
  class ChildList;
  class SubscriberList;
  std::unique_ptr<Node> root_;
  std::size_t size_ = 0;
  std::size_t node_count_ = 0;
};

}  // namespace fabomatic::broker
