#include "broker/asio/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <list>
#include <stdexcept>
#include <system_error>

#include "broker/asio/stream_connection.hpp"
#include "broker/asio/tcp_connection.hpp"
#include "broker/core/broker.hpp"

namespace fabomatic::broker {

namespace {
using boost::asio::ip::tcp;

// Keep-alive is checked at this period: a silent client is closed between 1.5 and 1.5 + this
// times its keep-alive interval.
constexpr auto kTickPeriod = std::chrono::milliseconds(250);

// After a failed accept (out of file descriptors) wait before trying again instead of spinning.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

class TcpListener {
 public:
  using OnAccept = std::function<void(tcp::socket)>;
  TcpListener(boost::asio::io_context& io, Broker& broker, const tcp::endpoint& endpoint,
              OnAccept on_accept)
      : acceptor_(io), retry_timer_(io), broker_(broker), on_accept_(std::move(on_accept)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(boost::asio::socket_base::max_listen_connections);
    accept();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void stop() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    retry_timer_.cancel();
  }

 private:
  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& error, tcp::socket socket) {
      if (error == boost::asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (error) {
        broker_.log(log::Level::warning, "accept failed: " + error.message());
        retry_timer_.expires_after(kAcceptRetryDelay);
        retry_timer_.async_wait([this](const boost::system::error_code& e) {
          if (!e) accept();
        });
        return;
      }
      on_accept_(std::move(socket));
      accept();
    });
  }

  tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  Broker& broker_;
  OnAccept on_accept_;
};

std::unique_ptr<boost::asio::ssl::context> make_tls_context(const Server::TlsFiles& files) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  boost::system::error_code ec;
  context->use_certificate_chain_file(files.certificate_file, ec);
  if (ec) {
    throw std::runtime_error("MQTT TLS certificate " + files.certificate_file + ": " +
                             ec.message());
  }
  context->use_private_key_file(files.private_key_file, ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error("MQTT TLS private key " + files.private_key_file + ": " +
                             ec.message());
  }
  return context;
}

}  // namespace

struct Server::Impl {
  Impl(boost::asio::io_context& io, Broker& broker) : io(io), broker(broker), timer(io) {}

  void schedule_tick() {
    timer.expires_after(kTickPeriod);
    timer.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      broker.tick(Clock::now());
      schedule_tick();
    });
  }

  std::uint16_t listen(const std::string& bind_address, std::uint16_t port,
                       TcpListener::OnAccept on_accept) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(bind_address, ec);
    if (ec) throw std::system_error(ec, "invalid bind address '" + bind_address + "'");
    try {
      return listeners.emplace_back(io, broker, tcp::endpoint(address, port), std::move(on_accept))
          .port();
    } catch (const boost::system::system_error& e) {
      throw std::system_error(e.code(),
                              "cannot listen on " + bind_address + ":" + std::to_string(port));
    }
  }

  boost::asio::io_context& io;
  Broker& broker;
  boost::asio::steady_timer timer;
  std::list<TcpListener> listeners;  // stable addresses: handlers capture `this`
  std::list<std::unique_ptr<boost::asio::ssl::context>> tls_contexts;  // live as long as these
};

Server::Server(boost::asio::io_context& io, Broker& broker)
    : impl_(std::make_unique<Impl>(io, broker)) {}

Server::~Server() {
  stop();
}

std::uint16_t Server::listen_tcp(const std::string& bind_address, std::uint16_t port) {
  Broker& broker = impl_->broker;
  return impl_->listen(bind_address, port, [&broker](tcp::socket socket) {
    std::make_shared<TcpConnection>(std::move(socket), broker)->start();
  });
}

std::uint16_t Server::listen_tls(const std::string& bind_address, std::uint16_t port,
                                 const TlsFiles& tls) {
  auto* context = impl_->tls_contexts.emplace_back(make_tls_context(tls)).get();
  Broker& broker = impl_->broker;
  return impl_->listen(bind_address, port, [&broker, context](tcp::socket socket) {
    start_stream_connection(StreamKind::tls, std::move(socket), broker, context);
  });
}

std::uint16_t Server::listen_websocket(const std::string& bind_address, std::uint16_t port,
                                       const TlsFiles* tls) {
  boost::asio::ssl::context* context =
      tls ? impl_->tls_contexts.emplace_back(make_tls_context(*tls)).get() : nullptr;
  Broker& broker = impl_->broker;
  const StreamKind kind = tls ? StreamKind::websocket_tls : StreamKind::websocket;
  return impl_->listen(bind_address, port, [&broker, context, kind](tcp::socket socket) {
    start_stream_connection(kind, std::move(socket), broker, context);
  });
}

void Server::start() {
  impl_->schedule_tick();
}

void Server::stop() {
  impl_->timer.cancel();
  for (auto& listener : impl_->listeners)
    listener.stop();
  impl_->broker.close_all();
}

}  // namespace fabomatic::broker
