// In-process clients for the web tests: HTTPS (Beast over TLS, verifying the server's
// certificate for "localhost") and WebSocket. Every operation runs on the client's own
// io_context with a deadline, so a misbehaving server fails a test instead of hanging it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fabomatic::web::test {

namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;
using HttpResponse = http::response<http::string_body>;
using Fields = std::vector<std::pair<std::string, std::string>>;
using ClientTlsStream = beast::ssl_stream<beast::tcp_stream>;

/// Runs one asynchronous operation on `io` until it completes or `limit` passes; on timeout
/// `cancel` is called and the operation drained. Returns the operation's error.
class Runner {
 public:
  template <class Start, class Cancel>
  beast::error_code run(Start&& start, Cancel&& cancel, std::chrono::milliseconds limit) {
    std::optional<beast::error_code> result;
    io_.restart();
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    io_.run_for(limit);
    if (!result) {
      cancel();
      io_.restart();
      io_.run();
      return boost::asio::error::timed_out;
    }
    return *result;
  }

 protected:
  boost::asio::io_context io_;
};

boost::asio::ssl::context make_client_tls_context();

class HttpsClient : public Runner {
 public:
  /// `source`: the local address to connect from (any of 127.0.0.0/8 works on Linux); empty:
  /// the system's choice.
  explicit HttpsClient(std::uint16_t port, std::string source = {});

  /// TCP connect and TLS handshake.
  beast::error_code connect(std::chrono::milliseconds limit = 5s);
  /// TCP only: the client never starts TLS.
  beast::error_code connect_tcp_only();
  beast::error_code write_raw(std::string_view bytes);
  /// Writes the request and reads the answer, waiting for it at most `limit`.
  std::optional<HttpResponse> request(http::verb method, std::string_view target,
                                      std::string body = {}, const Fields& fields = {},
                                      std::chrono::milliseconds limit = 5s);
  std::optional<HttpResponse> read_response(bool head = false,
                                            std::chrono::milliseconds limit = 5s);
  /// True when the server ends the connection within `limit` (data before that is discarded).
  bool closed_within(std::chrono::milliseconds limit);

 private:
  beast::error_code connect_tcp(std::chrono::milliseconds limit);

  std::uint16_t port_;
  std::string source_;
  boost::asio::ssl::context tls_;
  std::unique_ptr<ClientTlsStream> stream_;
  beast::flat_buffer buffer_;
};

/// Plain TCP (the redirect port): sends bytes, reads one response.
class PlainClient : public Runner {
 public:
  explicit PlainClient(std::uint16_t port);
  std::optional<HttpResponse> exchange(std::string_view raw_request);

 private:
  beast::tcp_stream stream_;
  std::uint16_t port_;
};

class WebSocketClient : public Runner {
 public:
  explicit WebSocketClient(std::uint16_t port);

  /// Connects and upgrades; when the server refuses, `refused_status` gets its HTTP status.
  beast::error_code connect(std::string_view target, int* refused_status = nullptr,
                            const Fields& fields = {});
  beast::error_code send(std::string_view text);
  std::optional<std::string> read(std::chrono::milliseconds limit = 5s);
  /// True when the server ends the session within `limit` (messages are discarded).
  bool closed_within(std::chrono::milliseconds limit);
  int pings_received() const { return pings_; }
  /// The code of the server's close frame, once closed_within() saw it.
  std::uint16_t close_code() const { return ws_->reason().code; }

 private:
  std::uint16_t port_;
  boost::asio::ssl::context tls_;
  std::unique_ptr<beast::websocket::stream<ClientTlsStream>> ws_;
  beast::flat_buffer buffer_;
  int pings_ = 0;
};

}  // namespace fabomatic::web::test
