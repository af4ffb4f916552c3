// The stream type of every HTTPS and WebSocket connection (internal to web/).
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace fabomatic::web::detail {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

}  // namespace fabomatic::web::detail
