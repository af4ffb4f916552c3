// A WebSocket over the HTTPS connection's TLS stream (internal to web/): a ping/pong
// keep-alive, a bounded send queue (a client that does not keep up is dropped), and the
// route's callbacks — run where handlers run (ServerOptions::app), in the order they happen;
// send() and close() may be called from there, they hop to the connection's thread.
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <string>

#include "web/http/beast_messages.hpp"
#include "web/http/server_state.hpp"
#include "web/http/tls_stream.hpp"

namespace fabomatic::web::detail {

class WebSocketConnection : public WebSocketSession,
                            public Connection,
                            public std::enable_shared_from_this<WebSocketConnection> {
 public:
  WebSocketConnection(TlsStream stream, std::shared_ptr<ServerState> state, ConnectionSlot slot,
                      const WebSocketRoute& route, Request request);

  /// Answers the upgrade request (101) and starts reading messages.
  void accept(BeastRequest upgrade_request);

  bool send(std::string text) override;
  void close() override;
  void close_session_ended() override;
  bool is_open() const override { return open_.load(); }
  std::size_t queued_bytes() const override { return queued_bytes_.load(); }
  const std::string& remote_address() const override { return request_.remote_address; }
  std::uint64_t id() const override { return slot_.id(); }
  void close_now() override;

 private:
  void on_accept(boost::beast::error_code ec);
  void read_next();
  void on_read(boost::beast::error_code ec);
  void write_next();
  void on_write(boost::beast::error_code ec);
  void drop(std::string_view reason);
  void enqueue(std::string text);
  void start_close(std::uint16_t code, const char* reason);
  /// Runs `f` on the connection's thread: now when no app executor is set (everything runs on
  /// one thread then), else posted.
  template <class F>
  void on_own_thread(F f);
  void notify_closed();
  /// Keep-alive: every half idle period, a ping when nothing came from the client since the
  /// last look; closed after a whole idle period of silence (not even a pong).
  void schedule_keep_alive();
  void on_keep_alive(boost::beast::error_code ec);

  boost::beast::websocket::stream<TlsStream> ws_;
  std::shared_ptr<ServerState> state_;
  ConnectionSlot slot_;
  const WebSocketRoute& route_;  // owned by the Router inside state_
  Request request_;
  BeastRequest upgrade_request_;
  boost::beast::flat_buffer read_buffer_;
  std::deque<std::string> queue_;
  std::atomic<std::size_t> queued_bytes_{0};
  // When the client last took a message (or the queue was last empty): see send().
  std::chrono::steady_clock::time_point last_progress_ = std::chrono::steady_clock::now();
  boost::asio::steady_timer keep_alive_;
  bool heard_ = false;    // a frame (message, ping, pong) came since the last keep-alive look
  int silent_looks_ = 0;  // keep-alive looks in a row that found nothing heard
  bool pinging_ = false;  // our ping is being written
  std::atomic<bool> open_{false};  // accepted and neither closing nor dropped
  bool opened_ = false;            // on_open was called (so on_close is owed)
  bool writing_ = false;
  bool closing_ = false;
  bool dropped_ = false;
};

}  // namespace fabomatic::web::detail
