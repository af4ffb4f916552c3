// CSRF protection: each session has a random token that the client reads from the login or
// session answer and sends back in the X-CSRF-Token header of every state-changing request.
// Another site can make a browser send the cookie (SameSite=Strict already stops most of that)
// but cannot read the token, so it cannot forge the header.
#pragma once

#include <string>
#include <string_view>

#include "web/http/http_message.hpp"

namespace fabomatic::web {

/// POST, PUT, PATCH, DELETE (and unknown methods): requests that must carry the token.
bool is_state_changing(Method method);

/// A fresh token for a new session.
std::string new_csrf_token();

/// True when the request carries `expected` in X-CSRF-Token (constant-time comparison).
bool csrf_token_valid(const Request& request, std::string_view expected);

/// A WebSocket upgrade carries no CSRF header: true when its Origin (which browsers always
/// send) names the host of the Host header (any port: a proxy in front may forward to another
/// one), or when it has none (not a browser, which still needs the session cookie).
bool same_origin_or_none(const Request& request);

}  // namespace fabomatic::web
