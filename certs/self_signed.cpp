#include "certs/self_signed.hpp"

#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "certs/certificates.hpp"
#include "certs/openssl_util.hpp"

namespace fabomatic::certs {

namespace {

void check(bool ok, const char* what) {
  if (!ok)
    throw CertError(std::string("creating the self-signed certificate: ") + what + ": " +
                    openssl_errors());
}

void add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  check(extension != nullptr, value.c_str());
  const int added = X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
  check(added == 1, "adding an extension");
}

std::string san_value(const SubjectNames& names) {
  std::string value;
  for (const auto& dns : names.dns)
    value += (value.empty() ? "DNS:" : ",DNS:") + dns;
  for (const auto& ip : names.ips)
    value += (value.empty() ? "IP:" : ",IP:") + ip;
  return value;
}

void set_random_serial(X509* cert) {
  unsigned char bytes[16];
  check(RAND_bytes(bytes, sizeof bytes) == 1, "random serial");
  bytes[0] &= 0x7f;  // serial numbers are positive
  BIGNUM* number = BN_bin2bn(bytes, sizeof bytes, nullptr);
  check(number != nullptr, "serial");
  const bool ok = BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert)) != nullptr;
  BN_free(number);
  check(ok, "serial");
}

}  // namespace

PemPair create_self_signed(const std::string& common_name, const SubjectNames& names,
                           std::chrono::days validity) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EC key");
  X509Ptr cert(X509_new());
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "version");
  set_random_serial(cert.get());
  // An hour of slack for clients whose clock is slightly behind; the validity is counted from
  // notBefore, as Apple's 825-day rule does.
  constexpr long kSlack = 3600;
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kSlack) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                        static_cast<long>(std::chrono::seconds(validity).count()) - kSlack) !=
            nullptr,
        "notAfter");
  check(X509_set_pubkey(cert.get(), key.get()) == 1, "public key");

  X509_NAME* subject = X509_get_subject_name(cert.get());
  // A CN is limited to 64 characters; browsers match the SAN anyway.
  const std::string cn = common_name.substr(0, 64);
  check(X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>("fabomatic"), -1, -1,
                                   0) == 1,
        "subject O");
  check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                   0) == 1,
        "subject CN");
  check(X509_set_issuer_name(cert.get(), subject) == 1, "issuer");

  add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(cert.get(), NID_ext_key_usage, "serverAuth");
  add_extension(cert.get(), NID_subject_key_identifier, "hash");
  add_extension(cert.get(), NID_subject_alt_name, san_value(names));

  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signing");
  return PemPair{to_pem(cert.get()), to_pem(key.get())};
}

}  // namespace fabomatic::certs
