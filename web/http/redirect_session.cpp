#include "web/http/redirect_session.hpp"

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "web/http/security_headers.hpp"

namespace fabomatic::web::detail {

namespace beast = boost::beast;
namespace http = beast::http;

std::optional<std::string> https_location(std::string_view host_header, std::string_view target,
                                          std::uint16_t https_port) {
  std::string_view host = host_header;
  if (!host.empty() && host.front() == '[') {  // IPv6 literal, maybe with a port
    const auto end = host.find(']');
    if (end == std::string_view::npos) return std::nullopt;
    const std::string_view inside = host.substr(1, end - 1);
    if (inside.empty() ||
        inside.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      return std::nullopt;
    }
    host = host.substr(0, end + 1);
  } else {
    host = host.substr(0, host.find(':'));
    if (host.empty() || host.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
                            std::string_view::npos) {
      return std::nullopt;
    }
  }
  std::string location = "https://" + std::string(host);
  if (https_port != 443) location += ":" + std::to_string(https_port);
  // Only an origin-form target is kept; anything else goes to the home page.
  location += !target.empty() && target.front() == '/' ? target : std::string_view("/");
  return location;
}

RedirectSession::RedirectSession(boost::asio::ip::tcp::socket socket,
                                 std::shared_ptr<ServerState> state, ConnectionSlot slot)
    : stream_(std::move(socket)), state_(std::move(state)), slot_(std::move(slot)) {}

void RedirectSession::start() {
  slot_.attach(weak_from_this());
  parser_.header_limit(static_cast<std::uint32_t>(state_->options.header_limit));
  stream_.expires_after(state_->options.header_timeout);
  http::async_read_header(
      stream_, buffer_, parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
}

void RedirectSession::close_now() {
  stream_.close();
}

void RedirectSession::on_header(beast::error_code ec) {
  if (ec) {
    stream_.close();
    return;
  }
  const auto& request = parser_.get();
  const auto location =
      https_location(request[http::field::host], request.target(), state_->https_port);
  Response response;
  if (location) {
    response = Response::text(308, "Moved to " + *location + "\n");
    response.headers.set("Location", *location);
  } else {
    response = Response::error(400, "bad_request", "missing or invalid Host header");
  }
  add_security_headers(response.headers, false);
  fill_response(response_, std::move(response), request.method() == http::verb::head, false);
  stream_.expires_after(state_->options.write_timeout);
  http::async_write(
      stream_, response_, [self = shared_from_this()](beast::error_code, std::size_t) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
        self->stream_.close();
      });
}

}  // namespace fabomatic::web::detail
