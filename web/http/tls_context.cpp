#include "web/http/tls_context.hpp"

#include <openssl/ssl.h>

#include <boost/asio/buffer.hpp>

#include "certs/certificates.hpp"

namespace fabomatic::web::detail {

namespace ssl = boost::asio::ssl;

ssl::context make_tls_context(const certs::Material& material) {
  ssl::context context(ssl::context::tls_server);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                      ssl::context::single_dh_use);
  SSL_CTX* native = context.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // TLS 1.2 suites with ECDHE and AEAD only, for ECDSA and RSA certificates alike; TLS 1.3
  // suites are all fine and keep OpenSSL's defaults.
  SSL_CTX_set_cipher_list(native, "ECDHE+AESGCM:ECDHE+CHACHA20");
  context.use_certificate_chain(boost::asio::buffer(material.certificate_pem));
  context.use_private_key(boost::asio::buffer(material.private_key_pem), ssl::context::pem);
  return context;
}

}  // namespace fabomatic::web::detail
