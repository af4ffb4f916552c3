#include "certs/openssl_util.hpp"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>

#include "certs/certificates.hpp"

namespace fabomatic::certs {

namespace {

struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

BioPtr memory_bio(std::string_view text) {
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) throw CertError("out of memory creating a BIO");
  return bio;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::chrono::system_clock::time_point to_time_point(const ASN1_TIME* time) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) throw CertError("certificate has an unreadable date");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

std::string openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text;
}

std::vector<X509Ptr> parse_certificates(std::string_view pem, std::string_view what) {
  auto bio = memory_bio(pem);
  std::vector<X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert);
  }
  // Reading stops with a "no start line" error at the end of the text: expected once we have
  // at least one certificate.
  const std::string errors = openssl_errors();
  if (certs.empty()) {
    throw CertError(std::string(what) + ": no PEM certificate found" +
                    (errors.empty() ? "" : " (" + errors + ")"));
  }
  return certs;
}

PkeyPtr parse_private_key(std::string_view pem, std::string_view what) {
  auto bio = memory_bio(pem);
  // A null password callback with an empty password makes encrypted keys fail instead of
  // prompting on the terminal.
  static constexpr char kNoPassword[] = "";
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>(kNoPassword)));
  if (!key) {
    throw CertError(std::string(what) + ": no usable PEM private key (encrypted keys are not " +
                    "supported): " + openssl_errors());
  }
  openssl_errors();
  return key;
}

std::string to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    throw CertError("cannot encode certificate: " + openssl_errors());
  }
  return bio_text(bio.get());
}

std::string to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw CertError("cannot encode private key: " + openssl_errors());
  }
  return bio_text(bio.get());
}

std::string fingerprint_sha256(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &length) != 1) {
    throw CertError("cannot hash certificate: " + openssl_errors());
  }
  std::string text;
  text.reserve(length * 3);
  for (unsigned int i = 0; i < length; ++i) {
    char pair[4];
    std::snprintf(pair, sizeof pair, "%02X", digest[i]);
    if (i != 0) text += ':';
    text += pair;
  }
  return text;
}

std::chrono::system_clock::time_point not_after(X509* cert) {
  return to_time_point(X509_get0_notAfter(cert));
}

std::chrono::system_clock::time_point not_before(X509* cert) {
  return to_time_point(X509_get0_notBefore(cert));
}

std::vector<std::string> subject_alt_names(X509* cert) {
  std::vector<std::string> names;
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans == nullptr) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                         static_cast<std::size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      const int length = ASN1_STRING_length(ip);
      char text[INET6_ADDRSTRLEN] = {};
      const int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : 0;
      if (family != 0 && inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof text)) {
        names.emplace_back(text);
      }
    }
  }
  GENERAL_NAMES_free(sans);
  return names;
}

}  // namespace fabomatic::certs
