// Creation of a self-signed TLS server certificate (ECDSA P-256, SHA-256) with the extensions
// browsers insist on: subjectAltName, extendedKeyUsage serverAuth, CA:FALSE.
#pragma once

#include <chrono>
#include <string>

#include "certs/subject_names.hpp"

namespace fabomatic::certs {

struct PemPair {
  std::string certificate_pem;
  std::string private_key_pem;
};

/// A new key and certificate; the subject CN is `common_name`. Throws CertError.
PemPair create_self_signed(const std::string& common_name, const SubjectNames& names,
                           std::chrono::days validity);

}  // namespace fabomatic::certs
