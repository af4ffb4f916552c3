// One MQTT client over TCP: the Transport the broker core talks to, bound to an Asio socket.
//
// Memory per idle connection is what limits how many boards a Raspberry Pi serves, so a
// connection owns no read buffer: it waits for readability (async_wait) and then reads into a
// buffer shared by all connections of the thread; only the bytes of an incomplete packet are
// kept, by the core. Everything queued for the peer during one turn of the reactor is written
// with one system call.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "broker/core/transport.hpp"

namespace fabomatic::broker {

class Broker;
struct ClientConnection;

class TcpConnection final : public Transport, public std::enable_shared_from_this<TcpConnection> {
 public:
  TcpConnection(boost::asio::ip::tcp::socket socket, Broker& broker);

  /// Registers with the broker and starts reading; closes at once when the broker refuses.
  void start();

  void send(std::string_view bytes) override;
  std::size_t pending_bytes() const override { return out_.size() + writing_.size(); }
  void close() override;

  /// Writes what is queued now (used at the end of a read handler).
  void flush_now();

 private:
  void wait_readable();
  void wait_until_accepted();  // flow control: look again shortly, read once the core accepts
  void on_readable(const boost::system::error_code& error);
  void schedule_flush();
  void flush();
  void lost();  // the stream died: tell the core, then close
  void shutdown_socket();

  boost::asio::ip::tcp::socket socket_;
  Broker& broker_;
  ClientConnection* client_ = nullptr;  // null once either side ended the connection
  std::string out_;                     // queued during this turn
  std::string writing_;                 // handed to an asynchronous write
  // Created the first time flow control holds this client back; most connections never need it.
  std::unique_ptr<boost::asio::steady_timer> hold_timer_;
  bool flush_scheduled_ = false;
  bool writing_active_ = false;
};

}  // namespace fabomatic::broker
