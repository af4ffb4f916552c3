#include "web/http/websocket_connection.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace fabomatic::web::detail {

namespace {
// Over its queue limit, a client that took no message for this long is dropped.
constexpr auto kStalledAfter = std::chrono::seconds(2);
}  // namespace

namespace beast = boost::beast;
namespace websocket = beast::websocket;

WebSocketConnection::WebSocketConnection(TlsStream stream, std::shared_ptr<ServerState> state,
                                         ConnectionSlot slot, const WebSocketRoute& route,
                                         Request request)
    : ws_(std::move(stream)),
      state_(std::move(state)),
      slot_(std::move(slot)),
      route_(route),
      request_(std::move(request)),
      keep_alive_(ws_.get_executor()) {}

void WebSocketConnection::accept(BeastRequest upgrade_request) {
  slot_.attach(weak_from_this());
  upgrade_request_ = std::move(upgrade_request);
  // From here Beast's timer bounds the handshake and the closing handshake. The idle keep-alive
  // is ours (schedule_keep_alive): Beast's sends its ping from its own timer, with no handler
  // of ours holding this connection, so a connection ended meanwhile freed the stream under
  // that ping's write (caught by ASan). Every operation on ws_ is now started here, with a
  // handler that keeps the connection alive until it completes.
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = state_->options.handshake_timeout;
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws_.set_option(timeouts);
  ws_.control_callback([this](websocket::frame_type, beast::string_view) { heard_ = true; });
  ws_.read_message_max(state_->options.websocket_message_limit);
  // Beast names itself and its version in the 101 answer unless a Server field is set (it
  // cannot be left out): the product's name without a version, as the broker's WebSocket does.
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(beast::http::field::server, "fabomatic");
  }));
  ws_.async_accept(upgrade_request_,
                   [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

void WebSocketConnection::on_accept(beast::error_code ec) {
  upgrade_request_ = {};
  if (ec) {
    beast::get_lowest_layer(ws_).close();
    slot_.release();
    return;
  }
  open_ = true;
  opened_ = true;
  schedule_keep_alive();
  if (route_.on_open) {
    state_->run_app([self = shared_from_this()] {
      try {
        self->route_.on_open(self, self->request_);
      } catch (const std::exception& e) {
        self->state_->log(log::Level::error, std::string("WebSocket on_open failed: ") + e.what());
        self->on_own_thread([self] { self->drop("on_open failed"); });
      }
    });
  }
  read_next();
}

void WebSocketConnection::read_next() {
  ws_.async_read(read_buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->on_read(ec);
  });
}

void WebSocketConnection::notify_closed() {
  if (!opened_) return;
  opened_ = false;
  if (!route_.on_close) return;
  state_->run_app([self = shared_from_this()] {
    try {
      self->route_.on_close(*self);
    } catch (const std::exception& e) {
      self->state_->log(log::Level::error, std::string("WebSocket on_close failed: ") + e.what());
    }
  });
}

void WebSocketConnection::on_read(beast::error_code ec) {
  if (ec) {
    open_ = false;
    keep_alive_.cancel();
    beast::get_lowest_layer(ws_).close();
    slot_.release();
    return notify_closed();
  }
  if (route_.on_message && ws_.got_text()) {
    const auto data = read_buffer_.cdata();
    state_->run_app([self = shared_from_this(),
                     text = std::string(static_cast<const char*>(data.data()), data.size())] {
      try {
        self->route_.on_message(*self, text);
      } catch (const std::exception& e) {
        self->state_->log(log::Level::error,
                          std::string("WebSocket on_message failed: ") + e.what());
        self->on_own_thread([self] { self->drop("on_message failed"); });
      }
    });
  }
  heard_ = true;
  read_buffer_.consume(read_buffer_.size());
  read_next();
}

void WebSocketConnection::schedule_keep_alive() {
  const auto idle = state_->options.websocket_idle_timeout;
  if (idle <= std::chrono::milliseconds::zero()) return;  // no keep-alive
  keep_alive_.expires_after(idle / 2);
  keep_alive_.async_wait(
      [self = shared_from_this()](beast::error_code ec) { self->on_keep_alive(ec); });
}

void WebSocketConnection::on_keep_alive(beast::error_code ec) {
  if (ec || closing_ || !ws_.is_open()) return;
  if (heard_) {
    heard_ = false;
    silent_looks_ = 0;
  } else if (++silent_looks_ >= 2) {  // a whole idle period without a frame, not even a pong
    close_now();
    return;
  } else if (!pinging_) {
    pinging_ = true;
    ws_.async_ping({}, [self = shared_from_this()](beast::error_code) { self->pinging_ = false; });
  }
  schedule_keep_alive();
}

template <class F>
void WebSocketConnection::on_own_thread(F f) {
  if (!state_->options.app) return f();
  boost::asio::post(ws_.get_executor(), std::move(f));
}

bool WebSocketConnection::send(std::string text) {
  if (!open_) return false;
  on_own_thread([self = shared_from_this(), text = std::move(text)]() mutable {
    self->enqueue(std::move(text));
  });
  return open_;  // still open: queued (a drop for being slow is decided on the own thread)
}

void WebSocketConnection::enqueue(std::string text) {
  if (!open_) return;
  // A burst (a board replaying its buffer: hundreds of events in one reactor turn) may queue
  // more than the limit for a client that reads well; what marks a client that does not keep
  // up is a queue over the limit while nothing was taken for a while, or one far over it.
  const std::size_t limit = state_->options.websocket_queue_limit;
  const std::size_t after = queued_bytes_ + text.size();
  if (after > limit) {
    const bool stalled =
        std::chrono::steady_clock::now() - last_progress_ > kStalledAfter || after > 4 * limit;
    if (stalled) {
      drop("does not keep up (" + std::to_string(queued_bytes_) + " bytes queued)");
      return;
    }
  }
  if (queue_.empty()) last_progress_ = std::chrono::steady_clock::now();
  queued_bytes_ += text.size();
  queue_.push_back(std::move(text));
  if (!writing_) write_next();
}

void WebSocketConnection::write_next() {
  if (queue_.empty() || closing_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  ws_.text(true);
  ws_.async_write(
      boost::asio::buffer(queue_.front()),
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void WebSocketConnection::on_write(beast::error_code ec) {
  last_progress_ = std::chrono::steady_clock::now();
  queued_bytes_ -= queue_.front().size();
  queue_.pop_front();
  if (ec) {
    writing_ = false;
    if (open_) drop("write failed");
    return;
  }
  write_next();
}

void WebSocketConnection::close() {
  if (!open_.exchange(false)) return;
  on_own_thread(
      [self = shared_from_this()] { self->start_close(websocket::close_code::normal, ""); });
}

void WebSocketConnection::close_session_ended() {
  if (!open_.exchange(false)) return;
  on_own_thread(
      [self = shared_from_this()] { self->start_close(kSessionEndedCloseCode, "session ended"); });
}

void WebSocketConnection::start_close(std::uint16_t code, const char* reason) {
  closing_ = true;
  websocket::close_reason why(static_cast<websocket::close_code>(code));
  why.reason = reason;
  ws_.async_close(why, [self = shared_from_this()](beast::error_code) {});
}

void WebSocketConnection::drop(std::string_view reason) {
  if (dropped_) return;
  dropped_ = true;
  state_->log(log::Level::warning,
              "WebSocket client " + request_.remote_address + " dropped: " + std::string(reason));
  open_ = false;
  close_now();
}

void WebSocketConnection::close_now() {
  open_ = false;
  beast::get_lowest_layer(ws_).close();
}

}  // namespace fabomatic::web::detail
