#include "broker/asio/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <list>
#include <system_error>

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
  TcpListener(boost::asio::io_context& io, Broker& broker, const tcp::endpoint& endpoint)
      : acceptor_(io), retry_timer_(io), broker_(broker) {
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
      std::make_shared<TcpConnection>(std::move(socket), broker_)->start();
      accept();
    });
  }

  tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  Broker& broker_;
};

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

  boost::asio::io_context& io;
  Broker& broker;
  boost::asio::steady_timer timer;
  std::list<TcpListener> listeners;  // stable addresses: handlers capture `this`
};

Server::Server(boost::asio::io_context& io, Broker& broker)
    : impl_(std::make_unique<Impl>(io, broker)) {}

Server::~Server() {
  stop();
}

std::uint16_t Server::listen_tcp(const std::string& bind_address, std::uint16_t port) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(bind_address, ec);
  if (ec) throw std::system_error(ec, "invalid bind address '" + bind_address + "'");
  try {
    return impl_->listeners.emplace_back(impl_->io, impl_->broker, tcp::endpoint(address, port))
        .port();
  } catch (const boost::system::system_error& e) {
    throw std::system_error(e.code(),
                            "cannot listen on " + bind_address + ":" + std::to_string(port));
  }
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
