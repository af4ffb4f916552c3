// The broker on an Asio reactor: TCP listeners and the clock that drives keep-alive and $SYS.
// The embedding program owns the io_context and runs it (one thread by default).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace fabomatic::broker {

class Broker;

class Server {
 public:
  Server(boost::asio::io_context& io, Broker& broker);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Listens for MQTT over TCP; port 0 picks a free port. Returns the bound port. Throws
  /// std::system_error when the address cannot be bound.
  std::uint16_t listen_tcp(const std::string& bind_address, std::uint16_t port);

  /// The certificate (chain) and private key of a TLS listener, PEM files.
  struct TlsFiles {
    std::string certificate_file;
    std::string private_key_file;
  };

  /// Listens for MQTT over TLS (8883 is usual). Throws std::system_error when the address
  /// cannot be bound, std::runtime_error when the certificate or key cannot be used.
  std::uint16_t listen_tls(const std::string& bind_address, std::uint16_t port,
                           const TlsFiles& tls);

  /// Listens for MQTT over WebSocket (subprotocol "mqtt", binary frames), over TLS when `tls`
  /// is given (wss://).
  std::uint16_t listen_websocket(const std::string& bind_address, std::uint16_t port,
                                 const TlsFiles* tls = nullptr);

  /// Starts the periodic tick (keep-alive, CONNECT timeout, $SYS).
  void start();

  /// Stops accepting, closes every connection and stops the tick; run() then returns once
  /// nothing else is pending.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fabomatic::broker
