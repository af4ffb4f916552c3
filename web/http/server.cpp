#include "web/http/server.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>

#include "certs/certificates.hpp"
#include "common/histogram.hpp"
#include "web/http/https_session.hpp"
#include "web/http/redirect_session.hpp"
#include "web/http/server_state.hpp"
#include "web/http/tls_context.hpp"

namespace fabomatic::web {

namespace asio = boost::asio;
using asio::ip::tcp;
using detail::ConnectionSlot;
using detail::ServerState;

namespace {

/// Accepts connections on one port and starts a session of the given kind for each, unless
/// the server is at its connection limit: then the socket is closed at once, so an excess
/// client learns it promptly instead of waiting in a queue.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  using StartSession = std::function<void(tcp::socket, ConnectionSlot)>;

  Listener(asio::io_context& io, std::shared_ptr<ServerState> state, const tcp::endpoint& endpoint,
           StartSession start_session)
      : acceptor_(io), retry_(io), state_(std::move(state)), start_(std::move(start_session)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }

  void start() { accept(); }
  void close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void accept() {
    acceptor_.async_accept(
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          self->on_accept(ec, std::move(socket));
        });
  }

  void on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open() || state_->stopped) return;
    if (ec) {
      // Typically out of file descriptors: pause instead of spinning on the error.
      state_->log(log::Level::warning, "accept failed: " + ec.message());
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
        if (!wait_ec) self->accept();
      });
      return;
    }
    boost::system::error_code ignored;
    std::string address;  // only the per-address limit needs it
    if (state_->options.max_connections_per_address != 0) {
      const auto peer = socket.remote_endpoint(ignored);
      if (!ignored) address = peer.address().to_string();
    }
    if (state_->connection_count.load() >= state_->options.max_connections) {
      state_->log(log::Level::debug, "connection limit reached, refused a connection");
      socket.close(ignored);
    } else if (!state_->admit_address(address)) {
      // One laptop holding every slot with slow handshakes or idle keep-alives would lock the
      // staff out of the portal.
      state_->log(log::Level::debug, "connection limit of " + address + " reached, refused");
      socket.close(ignored);
    } else {
      socket.set_option(tcp::no_delay(true), ignored);
      start_(std::move(socket), ConnectionSlot(state_, std::move(address)));
    }
    accept();
  }

  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  std::shared_ptr<ServerState> state_;
  StartSession start_;
};

}  // namespace

void HttpStats::record(int status, std::chrono::steady_clock::duration took) {
  const int status_class = std::clamp(status / 100, 1, 5);
  responses[status_class - 1].fetch_add(1, std::memory_order_relaxed);
  const double seconds = std::chrono::duration<double>(took).count();
  latency_counts[histogram_bucket(kLatencyBounds, seconds)].fetch_add(1, std::memory_order_relaxed);
  latency_sum_us.fetch_add(static_cast<std::uint64_t>(
                               std::chrono::duration_cast<std::chrono::microseconds>(took).count()),
                           std::memory_order_relaxed);
}

struct Server::Impl {
  asio::io_context& io;
  std::shared_ptr<ServerState> state;
  std::shared_ptr<Listener> https;
  std::shared_ptr<Listener> redirect;
};

Server::Server(asio::io_context& io, const certs::Material& tls, Router router,
               ServerOptions options)
    : impl_(new Impl{io,
                     std::make_shared<ServerState>(std::move(options), std::move(router),
                                                   detail::make_tls_context(tls)),
                     nullptr, nullptr}) {}

Server::~Server() {
  stop();
}

void Server::start() {
  auto& state = impl_->state;
  const auto address = asio::ip::make_address(state->options.bind_address);
  impl_->https = std::make_shared<Listener>(
      impl_->io, state, tcp::endpoint(address, state->options.port),
      [state](tcp::socket socket, ConnectionSlot slot) {
        std::make_shared<detail::HttpsSession>(std::move(socket), state, std::move(slot))->start();
      });
  state->https_port = impl_->https->port();
  if (state->options.redirect_port) {
    impl_->redirect = std::make_shared<Listener>(
        impl_->io, state, tcp::endpoint(address, *state->options.redirect_port),
        [state](tcp::socket socket, ConnectionSlot slot) {
          std::make_shared<detail::RedirectSession>(std::move(socket), state, std::move(slot))
              ->start();
        });
    impl_->redirect->start();
  }
  impl_->https->start();
  state->log(
      log::Level::info,
      "HTTPS on " + state->options.bind_address + ":" + std::to_string(state->https_port) +
          (impl_->redirect ? ", redirect from HTTP port " + std::to_string(impl_->redirect->port())
                           : std::string()));
}

void Server::stop() {
  auto& state = impl_->state;
  if (state->stopped) return;
  state->stopped = true;
  if (impl_->https) impl_->https->close();
  if (impl_->redirect) impl_->redirect->close();
  for (const auto& connection : state->live_connections())
    connection->close_now();
}

std::uint16_t Server::port() const {
  return impl_->state->https_port;
}

std::optional<std::uint16_t> Server::redirect_port() const {
  if (!impl_->redirect) return std::nullopt;
  return impl_->redirect->port();
}

std::size_t Server::connection_count() const {
  return impl_->state->connection_count.load();
}

}  // namespace fabomatic::web
