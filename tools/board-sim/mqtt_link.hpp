// A minimal MQTT 3.1.1 client connection (QoS 0 only) on an Asio TCP socket, built on the
// broker's codec: what a board, the benchmark driver and the relay responder need, no more.
//
// Cheap enough that one thread runs hundreds of them without distorting the latency it
// measures: TCP_NODELAY, a publish is written at once with a non-blocking send when nothing
// is queued (no extra reactor turn), and everything published while the link handles one
// received chunk (e.g. the relay answering a burst of queries) goes out in one system call.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace fabomatic::board_sim {

struct LinkOptions {
  std::string client_id;
  std::string username;  // sent when not empty
  std::string password;  // sent when username is not empty
  std::uint16_t keep_alive_s = 10;
  bool clean_session = true;
};

class MqttLink {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    /// CONNACK received; `code` 0 means accepted (otherwise the link closes right after).
    virtual void on_connack(MqttLink& link, std::uint8_t code) = 0;
    virtual void on_suback(MqttLink&, std::uint16_t /*packet_id*/) {}
    virtual void on_publish(MqttLink& link, std::string_view topic, std::string_view payload) = 0;
    /// The connection ended (refused, lost, or closed by us); called once per connect().
    virtual void on_closed(MqttLink& link, std::string_view reason) = 0;
  };

  MqttLink(boost::asio::io_context& io, Handler& handler);
  MqttLink(const MqttLink&) = delete;
  MqttLink& operator=(const MqttLink&) = delete;
  ~MqttLink();

  /// Connects the socket and sends CONNECT. A link can connect again after on_closed.
  void connect(const boost::asio::ip::tcp::endpoint& endpoint, LinkOptions options);
  /// One SUBSCRIBE at QoS 0 for the given filters.
  void subscribe(std::uint16_t packet_id, std::initializer_list<std::string_view> filters);
  /// PUBLISH at QoS 0, not retained. False when the link is not connected.
  bool publish(std::string_view topic, std::string_view payload);
  /// Sends PINGREQ when nothing was sent for half the keep-alive (call it now and then).
  void keep_alive(std::chrono::steady_clock::time_point now);
  /// Closes the socket; on_closed follows (synchronously) if the link was open.
  void close(std::string_view reason = "closed by client");

  bool open() const { return state_ != State::closed; }
  bool established() const { return state_ == State::established; }
  const std::string& client_id() const { return options_.client_id; }

 private:
  enum class State : std::uint8_t { closed, connecting, awaiting_connack, established };

  void start_read();
  void on_read(const boost::system::error_code& error, std::size_t bytes);
  bool dispatch();  // false when the link was closed while dispatching
  void send(std::string_view bytes);
  void flush();
  void start_async_write();

  boost::asio::ip::tcp::socket socket_;
  Handler& handler_;
  LinkOptions options_;
  State state_ = State::closed;
  unsigned generation_ = 0;  // ignores completions of a previous connection
  std::string in_;           // received, not yet decoded
  std::size_t in_used_ = 0;
  std::string out_;      // waiting to be written
  std::string writing_;  // owned by the asynchronous write in progress
  bool writing_active_ = false;
  bool corked_ = false;  // dispatching a received chunk: publishes wait for its end
  std::chrono::steady_clock::time_point last_sent_{};
};

}  // namespace fabomatic::board_sim
