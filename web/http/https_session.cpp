#include "web/http/https_session.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "web/http/request_codings.hpp"
#include "web/http/security_headers.hpp"
#include "web/http/websocket_connection.hpp"
#include "web/http/websocket_handshake.hpp"

namespace fabomatic::web::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

constexpr std::size_t kDrainLimit = 16 * 1024 * 1024;  // bytes discarded while lingering
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

HttpsSession::HttpsSession(asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
                           ConnectionSlot slot)
    : stream_(std::move(socket), state->tls), state_(std::move(state)), slot_(std::move(slot)) {
  beast::error_code ec;
  const auto endpoint = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
  if (!ec) {
    remote_address_ = endpoint.address().to_string();
    remote_port_ = endpoint.port();
  }
}

HttpsSession::~HttpsSession() {
  release_body();
}

bool HttpsSession::reserve_body(std::size_t bytes) {
  release_body();
  const std::size_t limit = state_->options.body_memory_limit;
  auto& reserved = state_->body_bytes_reserved;
  std::size_t now = reserved.load();
  do {
    // Alone, any body its route allows fits (a route limit may exceed the budget).
    if (now != 0 && (now >= limit || bytes > limit - now)) return false;
  } while (!reserved.compare_exchange_weak(now, now + bytes));
  body_reserved_ = bytes;
  return true;
}

void HttpsSession::release_body() {
  state_->body_bytes_reserved -= body_reserved_;
  body_reserved_ = 0;
}

void HttpsSession::start() {
  slot_.attach(weak_from_this());
  beast::get_lowest_layer(stream_).expires_after(state_->options.handshake_timeout);
  stream_.async_handshake(
      asio::ssl::stream_base::server,
      [self = shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
}

void HttpsSession::close_now() {
  beast::get_lowest_layer(stream_).close();
}

void HttpsSession::end_quietly(beast::error_code ec, const char* stage) {
  if (ec == beast::error::timeout) {
    state_->log(log::Level::debug, "dropped " + remote_address_ + ": timeout " + stage);
  }
  beast::get_lowest_layer(stream_).close();
}

void HttpsSession::on_handshake(beast::error_code ec) {
  if (ec) return end_quietly(ec, "in TLS handshake");
  read_header();  // the first request: the header timeout covers the wait for it
}

void HttpsSession::wait_for_request() {
  if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
  // Between requests the idle timeout applies; the header timeout starts at the first byte.
  beast::get_lowest_layer(stream_).expires_after(state_->options.idle_timeout);
  stream_.async_read_some(buffer_.prepare(4096),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            if (ec) return self->end_quietly(ec, "while idle");
                            self->buffer_.commit(n);
                            self->read_header();
                          });
}

void HttpsSession::read_header() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(state_->options.header_limit));
  // The body limit depends on the route, known only after the header: checked in on_header.
  parser_->body_limit(boost::none);
  beast::get_lowest_layer(stream_).expires_after(state_->options.header_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
}

HttpsSession::After HttpsSession::after_early_answer() const {
  if (!parser_->is_done()) return After::linger;
  return parser_->keep_alive() ? After::next_request : After::shutdown;
}

void HttpsSession::on_header(beast::error_code ec) {
  head_ = false;
  request_complete_ = std::chrono::steady_clock::now();  // early answers: from the header
  if (ec == http::error::header_limit) {
    return respond(Response::error(431, "header_too_large", "request header fields too large"),
                   After::linger);
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return end_quietly(ec, "");
  }
  if (ec && is_http_error(ec)) {
    return respond(Response::error(400, "bad_request", "malformed HTTP request"), After::linger);
  }
  if (ec) return end_quietly(ec, "reading the request header");

  auto& request = parser_->get();
  head_ = request.method() == http::verb::head;
  const bool has_body = parser_->chunked() || parser_->content_length().value_or(0) > 0;
  if (auto refusal = coding_refusal(request, has_body)) {
    return respond(std::move(refusal->answer),
                   refusal->framing_lost ? After::shutdown : after_early_answer());
  }
  TargetResult parsed = parse_target(request.target());
  if (parsed.status == 404) {
    return respond(Response::error(404, "not_found", "no such resource"), after_early_answer());
  }
  if (parsed.status != 0) {
    return respond(Response::error(400, "bad_request", "malformed request target"),
                   after_early_answer());
  }
  target_ = std::move(parsed.target);
  match_ = state_->router.find(to_method(request.method()), target_.segments);
  if (match_.outcome != RouteMatch::Outcome::found) {
    return respond(dispatch(match_, make_request(), {}), after_early_answer());
  }
  if (match_.route->websocket && beast::websocket::is_upgrade(request) && parser_->is_done()) {
    return upgrade();
  }
  const std::size_t limit = match_.route->options.body_limit.value_or(state_->options.body_limit);
  if (const auto length = parser_->content_length(); length && *length > limit) {
    return respond(Response::error(413, "body_too_large",
                                   "request body larger than " + std::to_string(limit) + " bytes"),
                   After::linger);
  }
  if (parser_->is_done()) return handle_request();
  if (match_.route->options.admit) return admit_body();
  read_body_admitted();
}

void HttpsSession::admit_body() {
  state_->run_app([self = shared_from_this(), request = make_request()] {
    auto refusal = self->admit(request);
    self->back_here([self, refusal = std::move(refusal)]() mutable {
      // The body is still on its way: drain it for a while after the answer, then close.
      if (refusal) return self->respond(std::move(*refusal), After::linger);
      self->read_body_admitted();
    });
  });
}

std::optional<Response> HttpsSession::admit(const Request& request) {
  try {
    return match_.route->options.admit(request);
  } catch (const std::exception& e) {
    state_->log(log::Level::error, std::string("admitting a request failed: ") + e.what());
    return Response::internal_error();
  }
}

void HttpsSession::read_body_admitted() {
  const std::size_t limit = match_.route->options.body_limit.value_or(state_->options.body_limit);
  if (!reserve_body(parser_->content_length().value_or(limit))) {
    state_->log(log::Level::warning,
                "request bodies in memory at their limit: refused a body from " + remote_address_);
    Response busy = Response::error(503, "busy", "the server is receiving too much; retry soon");
    busy.headers.set("Retry-After", "5");
    return respond(std::move(busy), After::linger);
  }
  parser_->body_limit(limit);  // enforced while a chunked body arrives
  if (const auto expect = parser_->get()[http::field::expect];
      !expect.empty() && beast::iequals(expect, "100-continue")) {
    beast::get_lowest_layer(stream_).expires_after(state_->options.write_timeout);
    return asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                               if (ec) return self->end_quietly(ec, "writing 100 Continue");
                               self->read_body();
                             });
  }
  read_body();
}

void HttpsSession::read_body() {
  // A large body (a restore's database over the lab's Wi-Fi) may take longer than the fixed
  // timeout: it gets time for its size at the slowest rate still accepted.
  const auto& options = state_->options;
  const std::size_t size = parser_->content_length().value_or(
      match_.route->options.body_limit.value_or(options.body_limit));
  const auto for_size = std::chrono::milliseconds(
      options.body_min_rate > 0 ? size * 1000 / options.body_min_rate : 0);
  beast::get_lowest_layer(stream_).expires_after(options.body_timeout + for_size);
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
}

void HttpsSession::on_body(beast::error_code ec) {
  if (ec == http::error::body_limit) {
    return respond(Response::error(413, "body_too_large", "request body too large"), After::linger);
  }
  if (ec && is_http_error(ec) && ec != http::error::partial_message &&
      ec != http::error::end_of_stream) {
    return respond(Response::error(400, "bad_request", "malformed request body"), After::linger);
  }
  if (ec) return end_quietly(ec, "reading the request body");
  request_complete_ = std::chrono::steady_clock::now();
  handle_request();
}

Request HttpsSession::make_request() {
  Request request;
  fill_request(request, parser_->get());
  request.path = target_.path;
  // Copied, not moved: the route's admit check and then its handler each get a request.
  request.path_params = match_.params;
  request.query = target_.query;
  request.remote_address = remote_address_;
  request.remote_port = remote_port_;
  return request;
}

template <class F>
void HttpsSession::back_here(F f) {
  asio::post(stream_.get_executor(), std::move(f));
}

void HttpsSession::run_handler(const Request& request, Reply reply) {
  dispatch(
      match_, request,
      [this](std::string_view message) {
        state_->log(log::Level::error, std::string(message) + " (client " + remote_address_ + ")");
      },
      std::move(reply));
}

void HttpsSession::handle_request() {
  const After after = parser_->keep_alive() ? After::next_request : After::shutdown;
  Request request = make_request();
  if (match_.route->options.io_thread_safe) {
    return run_handler(request, [this, after](Response r) { respond(std::move(r), after); });
  }
  // `self` in the callbacks: the session stays alive while its request is on the reactor. The
  // answer comes back to this connection's thread, whenever and wherever the handler gives it.
  Reply reply = [self = shared_from_this(), after](Response response) {
    self->back_here([self, response = std::move(response), after]() mutable {
      self->respond(std::move(response), after);
    });
  };
  state_->run_app([self = shared_from_this(), request = std::move(request), reply] {
    self->run_handler(request, reply);
  });
}

void HttpsSession::upgrade() {
  const auto& upgrade_request = parser_->get();
  if (auto refusal =
          websocket_handshake_refusal(upgrade_request[http::field::sec_websocket_version],
                                      upgrade_request[http::field::sec_websocket_key])) {
    return respond(std::move(*refusal), after_early_answer());
  }
  Request request = make_request();
  if (!match_.route->websocket->authorize) return open_websocket(std::move(request));
  // The authorization reads the sessions: it runs where handlers run, like a request, and its
  // answer comes back to this connection's thread.
  state_->run_app([self = shared_from_this(), request = std::move(request)] {
    auto refusal = self->authorize(request);
    self->back_here([self, request, refusal = std::move(refusal)]() mutable {
      if (refusal) return self->respond(std::move(*refusal), self->after_early_answer());
      self->open_websocket(std::move(request));
    });
  });
}

std::optional<Response> HttpsSession::authorize(const Request& request) {
  try {
    return match_.route->websocket->authorize(request);
  } catch (const std::exception& e) {
    state_->log(log::Level::error, std::string("WebSocket authorization failed: ") + e.what());
    return Response::internal_error();
  }
}

void HttpsSession::open_websocket(Request request) {
  // The WebSocket session takes over the stream and the connection slot; this one ends here.
  auto session = std::make_shared<WebSocketConnection>(
      std::move(stream_), state_, std::move(slot_), *match_.route->websocket, std::move(request));
  session->accept(parser_->release());
}

void HttpsSession::respond(Response response, After after) {
  after_ = after;
  if (state_->options.stats) {
    state_->options.stats->record(response.status,
                                  std::chrono::steady_clock::now() - request_complete_);
  }
  add_security_headers(response.headers, true);
  if (response.stream && !head_) return respond_streamed(std::move(response));
  fill_response(response_, std::move(response), head_, after == After::next_request);
  beast::get_lowest_layer(stream_).expires_after(state_->options.write_timeout);
  http::async_write(
      stream_, response_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void HttpsSession::respond_streamed(Response response) {
  body_stream_ = std::move(response.stream);
  stream_header_ = std::make_unique<http::response<http::empty_body>>();
  auto& header = *stream_header_;
  header.version(11);
  header.result(static_cast<unsigned>(response.status));
  for (const auto& [name, value] : response.headers)
    header.insert(name, value);
  header.keep_alive(after_ == After::next_request);
  header.chunked(true);
  stream_serializer_ = std::make_unique<http::response_serializer<http::empty_body>>(header);
  beast::get_lowest_layer(stream_).expires_after(state_->options.write_timeout);
  http::async_write_header(stream_, *stream_serializer_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return self->abort_stream(ec, "writing a streamed header");
                             self->next_piece();
                           });
}

void HttpsSession::next_piece() {
  // The producer may take a while (an xlsx file is complete before its first byte): no timeout
  // while waiting for it; each write has one.
  beast::get_lowest_layer(stream_).expires_never();
  body_stream_->next([self = shared_from_this()](std::optional<std::string> piece) {
    self->back_here(
        [self, piece = std::move(piece)]() mutable { self->on_piece(std::move(piece)); });
  });
}

void HttpsSession::on_piece(std::optional<std::string> piece) {
  if (!body_stream_) return;  // aborted meanwhile
  if (!piece) {
    state_->log(log::Level::warning,
                "a streamed answer to " + remote_address_ + " failed; connection cut");
    return abort_stream({}, "");
  }
  beast::get_lowest_layer(stream_).expires_after(state_->options.write_timeout);
  if (piece->empty()) {
    return asio::async_write(stream_, http::make_chunk_last(),
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                               self->body_stream_.reset();
                               self->stream_serializer_.reset();
                               self->stream_header_.reset();
                               self->on_write(ec);
                             });
  }
  piece_ = std::move(*piece);
  asio::async_write(stream_, http::make_chunk(asio::buffer(piece_)),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) return self->abort_stream(ec, "writing a streamed body");
                      self->next_piece();
                    });
}

void HttpsSession::abort_stream(beast::error_code ec, const char* stage) {
  body_stream_.reset();
  stream_serializer_.reset();
  stream_header_.reset();
  piece_.clear();
  release_body();
  end_quietly(ec, stage);
}

void HttpsSession::on_write(beast::error_code ec) {
  release_body();  // the request and its body are done with
  if (ec) return end_quietly(ec, "writing the response");
  response_ = {};
  switch (after_) {
    case After::next_request:
      parser_.reset();
      return wait_for_request();
    case After::shutdown:
      beast::get_lowest_layer(stream_).expires_after(state_->options.linger_timeout);
      return stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
        beast::get_lowest_layer(self->stream_).close();
      });
    case After::linger:
      beast::get_lowest_layer(stream_).expires_after(state_->options.linger_timeout);
      drain_.resize(16 * 1024);
      return linger();
  }
}

void HttpsSession::linger() {
  stream_.async_read_some(asio::buffer(drain_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->drained_ += n;
                            if (ec || self->drained_ > kDrainLimit) {
                              beast::get_lowest_layer(self->stream_).close();
                              return;
                            }
                            self->linger();
                          });
}

}  // namespace fabomatic::web::detail
