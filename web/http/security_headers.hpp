// Headers every HTTPS response carries, so that no route can forget them: a strict CSP (only
// our own origin, no framing, no plugins, no <base>), HSTS, no MIME sniffing, no referrer.
#pragma once

#include "web/http/http_message.hpp"

namespace fabomatic::web {

inline constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'";

/// Sets each header the handler did not set itself. HSTS only over TLS (RFC 6797 8.1).
void add_security_headers(Headers& headers, bool over_tls);

}  // namespace fabomatic::web
