#include "test_clients.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "test_server.hpp"

namespace fabomatic::web::test {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using asio::ip::tcp;

namespace {
tcp::endpoint loopback(std::uint16_t port) {
  return tcp::endpoint(asio::ip::make_address("127.0.0.1"), port);
}
}  // namespace

ssl::context make_client_tls_context() {
  ssl::context tls(ssl::context::tls_client);
  // Trust exactly the server's self-signed certificate and check that it names "localhost":
  // this also proves the certificate's SAN works for a real TLS client.
  tls.add_certificate_authority(asio::buffer(test_certificate().certificate_pem));
  tls.set_verify_mode(ssl::verify_peer);
  tls.set_verify_callback(ssl::host_name_verification("localhost"));
  return tls;
}

HttpsClient::HttpsClient(std::uint16_t port, std::string source)
    : port_(port),
      source_(std::move(source)),
      tls_(make_client_tls_context()),
      stream_(std::make_unique<ClientTlsStream>(io_, tls_)) {}

beast::error_code HttpsClient::connect_tcp(std::chrono::milliseconds limit) {
  auto& tcp_layer = beast::get_lowest_layer(*stream_);
  if (!source_.empty()) {
    beast::error_code ec;
    auto& socket = tcp_layer.socket();
    socket.open(tcp::v4(), ec);
    if (!ec) socket.bind(tcp::endpoint(asio::ip::make_address(source_), 0), ec);
    if (ec) return ec;
  }
  return run([&](auto handler) { tcp_layer.async_connect(loopback(port_), handler); },
             [&] { tcp_layer.close(); }, limit);
}

beast::error_code HttpsClient::connect(std::chrono::milliseconds limit) {
  auto& tcp_layer = beast::get_lowest_layer(*stream_);
  auto cancel = [&] { tcp_layer.close(); };
  auto ec = connect_tcp(limit);
  if (ec) return ec;
  SSL_set_tlsext_host_name(stream_->native_handle(), "localhost");
  return run([&](auto handler) { stream_->async_handshake(ssl::stream_base::client, handler); },
             cancel, limit);
}

beast::error_code HttpsClient::connect_tcp_only() {
  return connect_tcp(5s);
}

beast::error_code HttpsClient::write_raw(std::string_view bytes) {
  return run([&](auto handler) { asio::async_write(*stream_, asio::buffer(bytes), handler); },
             [&] { beast::get_lowest_layer(*stream_).close(); }, 5s);
}

std::optional<HttpResponse> HttpsClient::request(http::verb method, std::string_view target,
                                                 std::string body, const Fields& fields,
                                                 std::chrono::milliseconds limit) {
  http::request<http::string_body> request{method, target, 11};
  request.set(http::field::host, "localhost");
  for (const auto& [name, value] : fields)
    request.set(name, value);
  if (!body.empty() || method == http::verb::post || method == http::verb::put) {
    request.body() = std::move(body);
    request.prepare_payload();
  }
  const auto ec = run([&](auto handler) { http::async_write(*stream_, request, handler); },
                      [&] { beast::get_lowest_layer(*stream_).close(); }, 5s);
  if (ec) return std::nullopt;
  return read_response(method == http::verb::head, limit);
}

std::optional<HttpResponse> HttpsClient::read_response(bool head, std::chrono::milliseconds limit) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.skip(head);
  const auto ec = run([&](auto handler) { http::async_read(*stream_, buffer_, parser, handler); },
                      [&] { beast::get_lowest_layer(*stream_).close(); }, limit);
  if (ec) return std::nullopt;
  return parser.release();
}

bool HttpsClient::closed_within(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char scratch[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return false;
    const auto ec =
        run([&](auto handler) { stream_->async_read_some(asio::buffer(scratch), handler); },
            [&] { beast::get_lowest_layer(*stream_).cancel(); }, left);
    if (ec == asio::error::timed_out) return false;
    if (ec) return true;
  }
}

PlainClient::PlainClient(std::uint16_t port) : stream_(io_), port_(port) {}

std::optional<HttpResponse> PlainClient::exchange(std::string_view raw_request) {
  auto cancel = [&] { stream_.close(); };
  if (run([&](auto handler) { stream_.async_connect(loopback(port_), handler); }, cancel, 5s)) {
    return std::nullopt;
  }
  if (run([&](auto handler) { asio::async_write(stream_, asio::buffer(raw_request), handler); },
          cancel, 5s)) {
    return std::nullopt;
  }
  beast::flat_buffer buffer;
  HttpResponse response;
  if (run([&](auto handler) { http::async_read(stream_, buffer, response, handler); }, cancel,
          5s)) {
    return std::nullopt;
  }
  return response;
}

WebSocketClient::WebSocketClient(std::uint16_t port)
    : port_(port),
      tls_(make_client_tls_context()),
      ws_(std::make_unique<websocket::stream<ClientTlsStream>>(io_, tls_)) {
  ws_->control_callback([this](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) ++pings_;
  });
}

beast::error_code WebSocketClient::connect(std::string_view target, int* refused_status,
                                           const Fields& fields) {
  ws_->set_option(websocket::stream_base::decorator([fields](websocket::request_type& request) {
    for (const auto& [name, value] : fields)
      request.set(name, value);
  }));
  auto& tcp_layer = beast::get_lowest_layer(*ws_);
  auto cancel = [&] { tcp_layer.close(); };
  auto ec =
      run([&](auto handler) { tcp_layer.async_connect(loopback(port_), handler); }, cancel, 5s);
  if (ec) return ec;
  SSL_set_tlsext_host_name(ws_->next_layer().native_handle(), "localhost");
  ec = run(
      [&](auto handler) { ws_->next_layer().async_handshake(ssl::stream_base::client, handler); },
      cancel, 5s);
  if (ec) return ec;
  websocket::response_type answer;
  ec = run([&](auto handler) { ws_->async_handshake(answer, "localhost", target, handler); },
           cancel, 5s);
  if (ec && refused_status) *refused_status = static_cast<int>(answer.result_int());
  return ec;
}

beast::error_code WebSocketClient::send(std::string_view text) {
  ws_->text(true);
  return run([&](auto handler) { ws_->async_write(asio::buffer(text), handler); },
             [&] { beast::get_lowest_layer(*ws_).close(); }, 5s);
}

std::optional<std::string> WebSocketClient::read(std::chrono::milliseconds limit) {
  buffer_.clear();
  const auto ec = run([&](auto handler) { ws_->async_read(buffer_, handler); },
                      [&] { beast::get_lowest_layer(*ws_).close(); }, limit);
  if (ec) return std::nullopt;
  return beast::buffers_to_string(buffer_.data());
}

bool WebSocketClient::closed_within(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return false;
    buffer_.clear();
    const auto ec = run([&](auto handler) { ws_->async_read(buffer_, handler); },
                        [&] { beast::get_lowest_layer(*ws_).close(); }, left);
    if (ec == asio::error::timed_out) return false;
    if (ec) return true;
  }
}

}  // namespace fabomatic::web::test
