// Limits and timings of the broker. Every value has a safe default; the embedding program
// fills them from its settings.
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
  std::size_t max_connections = 10'000;
  std::uint16_t max_inflight = 20;         // unacknowledged outgoing QoS 1/2 messages per client
  std::size_t max_queued = 1000;           // QoS 1/2 messages queued per session beyond in-flight
  std::size_t max_output_bytes = 8 << 20;  // unsent bytes per socket before QoS 0 is dropped
  // Flow control: a publisher whose QoS 1/2 messages fill an online subscriber's queue past half
  // of max_queued is read no further until that queue is down to a quarter — unless the
  // subscriber acknowledged nothing for this long: a stalled client is not waited for, its
  // queue overflows instead (and the publishers carry on).
  std::chrono::milliseconds stall_timeout{1000};
  std::chrono::seconds connect_timeout{10};  // a socket must send CONNECT within this time
  std::chrono::seconds sys_interval{10};     // $SYS publication period; 0 disables
  std::string version = "fabomatic";         // published as $SYS/broker/version
  log::Sink logger;                          // empty: the program's log (common/log)
};

}  // namespace fabomatic::broker
