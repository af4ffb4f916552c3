// A WebSocket connection as route code sees it. Beast lives in the implementation
// (websocket_connection.cpp); this interface is all a hub of live clients needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace fabomatic::web {

class WebSocketSession {
 public:
  virtual ~WebSocketSession() = default;

  /// Queues a text message. Call on the reactor thread. Never blocks: when the client has not
  /// taken its earlier messages and the queue would exceed its limit, the client is dropped
  /// (so one slow client cannot hold up the others) and false is returned. False also once the
  /// session is closed.
  virtual bool send(std::string text) = 0;
  /// Starts a normal WebSocket close.
  virtual void close() = 0;
  virtual bool is_open() const = 0;
  /// Bytes queued but not yet written to the socket.
  virtual std::size_t queued_bytes() const = 0;
  virtual const std::string& remote_address() const = 0;
  /// Unique for the lifetime of the server (for maps of sessions and log lines).
  virtual std::uint64_t id() const = 0;
};

}  // namespace fabomatic::web
