// One connection on the optional plain-HTTP port (internal to web/): reads a request header
// and answers 308 to the same path on the HTTPS port, then closes.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "web/http/beast_messages.hpp"
#include "web/http/server_state.hpp"

namespace fabomatic::web::detail {

/// "https://<host of Host header>[:port]<target>", or nullopt when the Host header is missing
/// or not a plain host name / IP literal (it ends up in a Location header).
std::optional<std::string> https_location(std::string_view host_header, std::string_view target,
                                          std::uint16_t https_port);

class RedirectSession : public Connection, public std::enable_shared_from_this<RedirectSession> {
 public:
  RedirectSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
                  ConnectionSlot slot);
  void start();
  void close_now() override;

 private:
  void on_header(boost::beast::error_code ec);

  boost::beast::tcp_stream stream_;
  std::shared_ptr<ServerState> state_;
  ConnectionSlot slot_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request_parser<boost::beast::http::empty_body> parser_;
  BeastResponse response_;
};

}  // namespace fabomatic::web::detail
