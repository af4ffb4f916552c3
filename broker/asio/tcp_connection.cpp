#include "broker/asio/tcp_connection.hpp"

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <vector>

#include "broker/core/broker.hpp"

namespace fabomatic::broker {

namespace {
// Shared by every connection of the thread: a socket is read only when it has data, and the
// core copies out only what belongs to an incomplete packet.
thread_local std::array<char, 64 * 1024> t_read_buffer;

// A connection that keeps the reactor busy with a flood yields after this many reads per
// wake-up, so other clients are served in between.
constexpr int kReadsPerWakeup = 4;

// A large output buffer is released once sent, so a burst does not pin memory for days.
constexpr std::size_t kKeepCapacity = 16 * 1024;

// Connections given output while a read handler runs: flushed when it returns, so what one read
// produced leaves at once, one write per connection, without a trip through the scheduler.
thread_local std::vector<std::shared_ptr<TcpConnection>> t_flush_after_read;
thread_local bool t_in_read_handler = false;

// Runs the flushes collected during one read handler, also if the handler throws.
class FlushAfterRead {
 public:
  FlushAfterRead() { t_in_read_handler = true; }
  ~FlushAfterRead() {
    t_in_read_handler = false;
    // Swap out first: a flush may fail and close a connection, which must not touch the list.
    std::vector<std::shared_ptr<TcpConnection>> batch;
    batch.swap(t_flush_after_read);
    for (auto& connection : batch)
      connection->flush_now();
    batch.clear();
    if (t_flush_after_read.empty()) t_flush_after_read.swap(batch);  // keep the capacity
  }
  FlushAfterRead(const FlushAfterRead&) = delete;
  FlushAfterRead& operator=(const FlushAfterRead&) = delete;
};

// How often a client held back by flow control asks the core again. Short: the congested
// subscriber drains its queue within a few round trips.
constexpr auto kHoldRecheck = std::chrono::milliseconds(1);
}  // namespace

TcpConnection::TcpConnection(boost::asio::ip::tcp::socket socket, Broker& broker)
    : socket_(std::move(socket)), broker_(broker) {}

void TcpConnection::start() {
  boost::system::error_code ec;
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);
  const auto endpoint = socket_.remote_endpoint(ec);
  std::string remote = ec ? std::string("unknown")
                          : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  client_ = broker_.attach(*this, std::move(remote), Clock::now());
  if (!client_) {
    shutdown_socket();
    return;
  }
  wait_readable();
}

void TcpConnection::wait_readable() {
  socket_.async_wait(boost::asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& error) {
                       self->on_readable(error);
                     });
}

void TcpConnection::on_readable(const boost::system::error_code& error) {
  if (!client_) return;  // closed meanwhile
  if (error) {
    lost();
    return;
  }
  const FlushAfterRead flush_after_read;
  for (int i = 0; i < kReadsPerWakeup && client_; ++i) {
    const bool accepted = broker_.accepts_input(*client_, Clock::now());
    if (!client_) return;  // packets it handled closed the connection
    if (!accepted) {
      wait_until_accepted();
      return;
    }
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(boost::asio::buffer(t_read_buffer), ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) break;
    if (ec) {  // EOF or reset
      lost();
      return;
    }
    broker_.on_data(*client_, std::string_view(t_read_buffer.data(), n), Clock::now());
    if (n < t_read_buffer.size()) break;  // drained
  }
  if (client_) wait_until_accepted();
}

void TcpConnection::wait_until_accepted() {
  const bool accepted = broker_.accepts_input(*client_, Clock::now());
  if (!client_) return;  // packets it handled closed the connection
  if (accepted) {
    wait_readable();
    return;
  }
  if (!hold_timer_)
    hold_timer_ = std::make_unique<boost::asio::steady_timer>(socket_.get_executor());
  hold_timer_->expires_after(kHoldRecheck);
  hold_timer_->async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (error || !self->client_) return;
    self->wait_until_accepted();
  });
}

void TcpConnection::send(std::string_view bytes) {
  out_.append(bytes);
  broker_.output_queued(bytes.size());
  schedule_flush();
}

void TcpConnection::schedule_flush() {
  if (flush_scheduled_ || writing_active_) return;
  flush_scheduled_ = true;
  if (t_in_read_handler) {
    t_flush_after_read.push_back(shared_from_this());
    return;
  }
  // Output from a timer or another handler: runs after the handlers already queued in this
  // turn, so their output leaves together.
  boost::asio::post(socket_.get_executor(), [self = shared_from_this()] { self->flush(); });
}

void TcpConnection::flush_now() {
  flush();
}

void TcpConnection::flush() {
  flush_scheduled_ = false;
  if (out_.empty() || !socket_.is_open()) return;
  // Most writes fit in the socket buffer: try at once, fall back to an asynchronous write.
  boost::system::error_code ec;
  const std::size_t n = socket_.write_some(boost::asio::buffer(out_), ec);
  if (ec && ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) {
    lost();
    return;
  }
  if (!ec) {
    out_.erase(0, n);
    broker_.output_released(n);
  }
  if (out_.empty()) {
    if (out_.capacity() > kKeepCapacity) std::string().swap(out_);
    return;
  }
  writing_.swap(out_);
  writing_active_ = true;
  boost::asio::async_write(
      socket_, boost::asio::buffer(writing_),
      [self = shared_from_this()](const boost::system::error_code& error, std::size_t) {
        self->writing_active_ = false;
        self->broker_.output_released(self->writing_.size());
        self->writing_.clear();
        if (self->writing_.capacity() > kKeepCapacity) std::string().swap(self->writing_);
        if (error) {
          self->lost();
          return;
        }
        if (!self->out_.empty()) self->flush();
      });
}

void TcpConnection::lost() {
  if (ClientConnection* client = std::exchange(client_, nullptr)) {
    broker_.on_transport_closed(*client);
  }
  shutdown_socket();
}

void TcpConnection::close() {
  // Called by the core, which forgets this connection: send what is queued (a CONNACK with a
  // refusal, say) as far as the socket takes it now, then close.
  client_ = nullptr;
  if (!out_.empty() && !writing_active_ && socket_.is_open()) {
    boost::system::error_code ec;
    socket_.write_some(boost::asio::buffer(out_), ec);
  }
  shutdown_socket();
}

void TcpConnection::shutdown_socket() {
  broker_.output_released(out_.size());  // what was not written is dropped with the socket
  out_.clear();
  if (hold_timer_) hold_timer_->cancel();
  if (!socket_.is_open()) return;
  boost::system::error_code ec;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  socket_.close(ec);  // cancels the pending wait; its handler drops the last reference
}

}  // namespace fabomatic::broker
