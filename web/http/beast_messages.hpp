// Conversions between Beast's HTTP messages and the Beast-free Request/Response of handlers
// (internal to web/).
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "web/http/http_message.hpp"

namespace fabomatic::web::detail {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

Method to_method(boost::beast::http::verb verb);

/// Method, target, headers and body (moved out of `request`); path parts and the client's
/// address are the caller's.
void fill_request(Request& out, BeastRequest& request);

/// Status, headers and body of `response` into `out`. A HEAD answer keeps the GET answer's
/// Content-Length without a body; 1xx, 204 and 304 carry neither.
void fill_response(BeastResponse& out, Response response, bool head, bool keep_alive);

}  // namespace fabomatic::web::detail
