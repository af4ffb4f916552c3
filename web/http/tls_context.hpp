// The server's TLS configuration (internal to web/): TLS 1.2 and 1.3 only, forward-secret AEAD
// ciphers for 1.2, no renegotiation.
#pragma once

#include <boost/asio/ssl/context.hpp>

namespace fabomatic::certs {
struct Material;
}

namespace fabomatic::web::detail {

/// Throws std::system_error when the certificate or key cannot be used.
boost::asio::ssl::context make_tls_context(const certs::Material& material);

}  // namespace fabomatic::web::detail
