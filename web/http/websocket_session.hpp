// A WebSocket connection as route code sees it. Beast lives in the implementation
// (websocket_connection.cpp); this interface is all a hub of live clients needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace fabomatic::web {

/// The close code (in the range 4000-4999 left to applications, RFC 6455 7.4.2) of a live link
/// closed because its sign-in session ended.
inline constexpr std::uint16_t kSessionEndedCloseCode = 4001;

class WebSocketSession {
 public:
  virtual ~WebSocketSession() = default;

  /// Queues a text message. Call on the reactor thread. Never blocks: when the client has not
  /// taken its earlier messages and the queue would exceed its limit, the client is dropped
  /// (so one slow client cannot hold up the others) and false is returned. False also once the
  /// session is closed.
  virtual bool send(std::string text) = 0;
  /// Starts a normal WebSocket close (1000).
  virtual void close() = 0;
  /// Starts a close with kSessionEndedCloseCode: the client's sign-in session is over, so the
  /// browser goes to sign-in rather than reconnecting (a reconnect would be refused).
  virtual void close_session_ended() = 0;
  virtual bool is_open() const = 0;
  /// Bytes queued but not yet written to the socket.
  virtual std::size_t queued_bytes() const = 0;
  virtual const std::string& remote_address() const = 0;
  /// Unique for the lifetime of the server (for maps of sessions and log lines).
  virtual std::uint64_t id() const = 0;
};

}  // namespace fabomatic::web
