#include "broker/asio/stream_connection.hpp"

#include <array>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <memory>
#include <string>
#include <vector>

#include "broker/asio/websocket_subprotocol.hpp"
#include "broker/core/broker.hpp"
#include "broker/core/transport.hpp"

namespace fabomatic::broker {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;

// How often a client held back by flow control asks the core again (as TcpConnection).
constexpr auto kHoldRecheck = std::chrono::milliseconds(1);
// The WebSocket upgrade request: a browser's is well under this.
constexpr std::size_t kMaxUpgradeRequest = 8 * 1024;
// A large output buffer is released once sent, so a burst does not pin memory.
constexpr std::size_t kKeepCapacity = 16 * 1024;
// How long the last bytes of a connection the core closed (a CONNACK refusal) may take.
constexpr auto kCloseGrace = std::chrono::seconds(2);

std::string remote_of(const tcp::socket& socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string("unknown")
            : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

// One client on a TLS stream, a WebSocket over TCP, or a WebSocket over TLS.
template <class Stream>
class StreamConnection final : public Transport,
                               public std::enable_shared_from_this<StreamConnection<Stream>> {
 public:
  static constexpr bool kWebSocket = !std::is_same_v<Stream, TlsStream>;

  template <class... Args>
  StreamConnection(Broker& broker, Args&&... args)
      : stream_(std::forward<Args>(args)...), broker_(broker), timer_(stream_.get_executor()) {}

  void start() {
    auto& socket = beast::get_lowest_layer(stream_);
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    client_ = broker_.attach(*this, remote_of(socket), Clock::now());
    if (!client_) {
      shutdown();
      return;
    }
    handshake();
  }

  void send(std::string_view bytes) override {
    if (!open_) return;
    out_.append(bytes);
    broker_.output_queued(bytes.size());
    if (!writing_active_ && ready_) write();
  }

  std::size_t pending_bytes() const override { return out_.size() + writing_.size(); }

  void close() override {
    // Called by the core, which forgets this connection: send what is queued as far as it goes
    // (a CONNACK with a refusal, say), then close.
    client_ = nullptr;
    if (!writing_active_ && ready_ && !out_.empty() && open_) {
      closing_ = true;
      write();  // the completion closes the socket
      // A peer that reads nothing must not keep the socket: give the last bytes a while only.
      timer_.expires_after(kCloseGrace);
      timer_.async_wait([self = this->shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) self->shutdown();
      });
      return;
    }
    shutdown();
  }

 private:
  void handshake() {
    auto self = this->shared_from_this();
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self](const boost::system::error_code& ec) {
                                if (ec) return self->lost();
                                self->became_ready();
                              });
    } else if constexpr (std::is_same_v<Stream, websocket::stream<TlsStream>>) {
      stream_.next_layer().async_handshake(asio::ssl::stream_base::server,
                                           [self](const boost::system::error_code& ec) {
                                             if (ec) return self->lost();
                                             self->upgrade();
                                           });
    } else {
      upgrade();
    }
  }

  // Reads the HTTP upgrade request, then accepts the WebSocket with the "mqtt" subprotocol the
  // MQTT-over-WebSocket clients ask for (MQTT 3.1.1 section 6).
  void upgrade() {
    if constexpr (kWebSocket) {
      parser_ = std::make_unique<http::request_parser<http::string_body>>();
      parser_->header_limit(kMaxUpgradeRequest);
      parser_->body_limit(0);
      auto self = this->shared_from_this();
      http::async_read(stream_.next_layer(), upgrade_buffer_, *parser_,
                       [self](const boost::system::error_code& ec, std::size_t) {
                         if (ec || !self->client_) return self->lost();
                         self->accept_websocket();
                       });
    }
  }

  void accept_websocket() {
    if constexpr (kWebSocket) {
      const auto& request = parser_->get();
      if (!websocket::is_upgrade(request)) return lost();
      std::vector<std::string_view> offered;
      for (auto [it, end] = request.equal_range(http::field::sec_websocket_protocol); it != end;
           ++it) {
        offered.push_back(it->value());
      }
      const std::string protocol(choose_websocket_subprotocol(offered));
      stream_.set_option(websocket::stream_base::decorator([protocol](websocket::response_type& r) {
        if (!protocol.empty()) r.set(http::field::sec_websocket_protocol, protocol);
        r.set(http::field::server, "fabomatic");
      }));
      stream_.binary(true);
      // No limit on a whole message: one message may carry many packets (MQTT-6.0.0-2), each is
      // bounded by the core's max_packet_size, and reads go through a fixed buffer anyway.
      stream_.read_message_max(0);
      auto self = this->shared_from_this();
      stream_.async_accept(request, [self](const boost::system::error_code& ec) {
        self->parser_.reset();
        self->upgrade_buffer_ = beast::flat_buffer();
        if (ec) return self->lost();
        self->became_ready();
      });
    }
  }

  void became_ready() {
    if (!client_) return shutdown();  // the core gave up meanwhile (CONNECT timeout)
    ready_ = true;
    if (!out_.empty()) write();
    read();
  }

  void read() {
    if (!client_) return;
    const bool accepted = broker_.accepts_input(*client_, Clock::now());
    if (!client_) return;  // packets it handled closed the connection
    if (!accepted) {
      // Flow control: look again shortly, read once the core accepts.
      timer_.expires_after(kHoldRecheck);
      timer_.async_wait([self = this->shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) self->read();
      });
      return;
    }
    stream_.async_read_some(
        asio::buffer(buffer_),
        [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          if (!self->client_) return;
          if (ec) return self->lost();
          if constexpr (kWebSocket) {
            // MQTT-6.0.0-1: packets travel in binary frames; any other data frame closes.
            if (!self->stream_.got_binary()) return self->lost();
          }
          self->broker_.on_data(*self->client_, std::string_view(self->buffer_.data(), n),
                                Clock::now());
          self->read();
        });
  }

  void write() {
    writing_.swap(out_);
    writing_active_ = true;
    auto done = [self = this->shared_from_this()](const boost::system::error_code& ec,
                                                  std::size_t) {
      self->writing_active_ = false;
      self->broker_.output_released(self->writing_.size());
      self->writing_.clear();
      if (self->writing_.capacity() > kKeepCapacity) std::string().swap(self->writing_);
      if (ec) return self->lost();
      if (self->closing_) return self->shutdown();
      if (!self->out_.empty() && self->open_) self->write();
    };
    if constexpr (kWebSocket) {
      stream_.async_write(asio::buffer(writing_), std::move(done));
    } else {
      asio::async_write(stream_, asio::buffer(writing_), std::move(done));
    }
  }

  void lost() {
    if (ClientConnection* client = std::exchange(client_, nullptr)) {
      broker_.on_transport_closed(*client);
    }
    shutdown();
  }

  void shutdown() {
    if (!open_) return;
    open_ = false;
    timer_.cancel();
    broker_.output_released(out_.size());
    out_.clear();
    boost::system::error_code ec;
    auto& socket = beast::get_lowest_layer(stream_);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);  // cancels what is pending; the handlers drop the last references
  }

  Stream stream_;
  Broker& broker_;
  asio::steady_timer timer_;
  ClientConnection* client_ = nullptr;  // null once either side ended the connection
  std::array<char, 4096> buffer_{};
  std::string out_;      // queued for the peer
  std::string writing_;  // handed to an asynchronous write
  std::unique_ptr<http::request_parser<http::string_body>> parser_;  // upgrade request
  beast::flat_buffer upgrade_buffer_;
  bool ready_ = false;  // handshakes done: reads and writes may start
  bool writing_active_ = false;
  bool closing_ = false;  // close once the write in flight is done
  bool open_ = true;
};

}  // namespace

void start_stream_connection(StreamKind kind, tcp::socket socket, Broker& broker,
                             asio::ssl::context* tls) {
  switch (kind) {
    case StreamKind::tls:
      std::make_shared<StreamConnection<TlsStream>>(broker, std::move(socket), *tls)->start();
      return;
    case StreamKind::websocket:
      std::make_shared<StreamConnection<websocket::stream<tcp::socket>>>(broker, std::move(socket))
          ->start();
      return;
    case StreamKind::websocket_tls:
      std::make_shared<StreamConnection<websocket::stream<TlsStream>>>(broker, std::move(socket),
                                                                       *tls)
          ->start();
      return;
  }
}

}  // namespace fabomatic::broker
