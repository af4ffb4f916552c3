// Small RAII and parsing helpers over OpenSSL's C API, shared by the loader, the self-signed
// generator and the tests (which parse certificates back to check them).
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fabomatic::certs {

struct X509Deleter {
  void operator()(X509* p) const { X509_free(p); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

/// Drains OpenSSL's error queue into one readable line ("" when empty).
std::string openssl_errors();

/// All certificates of a PEM text, leaf first. Throws CertError when there is none.
std::vector<X509Ptr> parse_certificates(std::string_view pem, std::string_view what);
/// The private key of a PEM text (PKCS#8, traditional RSA/EC). Throws CertError.
PkeyPtr parse_private_key(std::string_view pem, std::string_view what);

std::string to_pem(X509* cert);
std::string to_pem(EVP_PKEY* key);

/// SHA-256 of the DER encoding, uppercase hex pairs joined by ':'.
std::string fingerprint_sha256(X509* cert);
std::chrono::system_clock::time_point not_after(X509* cert);
std::chrono::system_clock::time_point not_before(X509* cert);
/// Subject alternative names as text: DNS names as they are, IP addresses in their usual
/// notation ("127.0.0.1", "::1").
std::vector<std::string> subject_alt_names(X509* cert);

}  // namespace fabomatic::certs
