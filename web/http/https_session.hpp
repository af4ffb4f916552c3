// One HTTPS connection (internal to web/): TLS handshake, then requests read with limits and
// timeouts, routed, answered; keep-alive; hands the stream over to a WebSocket session on an
// upgrade.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "web/http/beast_messages.hpp"
#include "web/http/body_stream.hpp"
#include "web/http/request_target.hpp"
#include "web/http/server_state.hpp"
#include "web/http/tls_stream.hpp"

namespace fabomatic::web::detail {

class HttpsSession : public Connection, public std::enable_shared_from_this<HttpsSession> {
 public:
  HttpsSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
               ConnectionSlot slot);
  ~HttpsSession() override;
  void start();
  void close_now() override;

 private:
  /// What happens once a response is written.
  enum class After {
    next_request,  // keep-alive
    shutdown,      // TLS close_notify, then close
    linger,        // the client may still be sending: drain for a while, then close
  };

  void on_handshake(boost::beast::error_code ec);
  void wait_for_request();
  void read_header();
  void on_header(boost::beast::error_code ec);
  /// The route's admit check on the header (where handlers run), then read_body_admitted.
  void admit_body();
  /// Sets the body's memory aside, answers an Expect: 100-continue, reads the body.
  void read_body_admitted();
  void read_body();
  void on_body(boost::beast::error_code ec);
  void handle_request();
  void run_handler(const Request& request, Reply reply);
  void upgrade();
  void open_websocket(Request request);
  /// The WebSocket route's authorize, with a throw turned into a 500. Where handlers run.
  std::optional<Response> authorize(const Request& request);
  /// The route's admit (RouteOptions), with a throw turned into a 500. Where handlers run.
  std::optional<Response> admit(const Request& request);
  /// Runs `f` on this connection's thread: how work done where handlers run (ServerOptions::app,
  /// through ServerState::run_app) comes back to the stream.
  template <class F>
  void back_here(F f);
  void respond(Response response, After after);
  /// A Response with a BodyStream: the header, then each piece as a chunk, then the last chunk.
  void respond_streamed(Response response);
  void next_piece();
  void on_piece(std::optional<std::string> piece);
  /// Drops the stream (cancelling its production) and the connection.
  void abort_stream(boost::beast::error_code ec, const char* stage);
  void on_write(boost::beast::error_code ec);
  void linger();
  /// Takes `bytes` of the server's body memory budget for this request; false when it is spent.
  bool reserve_body(std::size_t bytes);
  void release_body();
  void end_quietly(boost::beast::error_code ec, const char* stage);
  Request make_request();
  /// Keep-alive when the client wants it and its request was read entirely.
  After after_early_answer() const;

  TlsStream stream_;
  std::shared_ptr<ServerState> state_;
  ConnectionSlot slot_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  BeastResponse response_;
  // A streamed answer in progress: its header, the header's serializer, the body's producer
  // and the piece being written.
  std::unique_ptr<boost::beast::http::response<boost::beast::http::empty_body>> stream_header_;
  std::unique_ptr<boost::beast::http::response_serializer<boost::beast::http::empty_body>>
      stream_serializer_;
  std::shared_ptr<BodyStream> body_stream_;
  std::string piece_;
  RequestTarget target_;
  RouteMatch match_;
  std::string remote_address_;
  std::uint16_t remote_port_ = 0;
  bool head_ = false;
  std::chrono::steady_clock::time_point request_complete_;  // for HttpStats
  After after_ = After::next_request;
  std::string drain_;
  std::size_t drained_ = 0;
  std::size_t body_reserved_ = 0;
};

}  // namespace fabomatic::web::detail
