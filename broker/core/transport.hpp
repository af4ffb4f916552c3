// The seam between the Sans-I/O broker core and a byte stream (TCP, TLS, WebSocket, or a test
// double). The core calls these; the transport calls Broker::on_data / on_transport_closed.
#pragma once

#include <cstddef>
#include <string_view>

namespace fabomatic::broker {

class Transport {
 public:
  virtual ~Transport() = default;

  /// Queues bytes for the peer. Bytes queued during one turn of the reactor leave together.
  virtual void send(std::string_view bytes) = 0;

  /// Bytes queued but not yet accepted by the operating system: the core stops sending QoS 0
  /// messages to a client that does not read.
  virtual std::size_t pending_bytes() const = 0;

  /// Sends what is queued (best effort) and closes. After this call the transport never calls
  /// the core again for this connection.
  virtual void close() = 0;
};

}  // namespace fabomatic::broker
