// The TLS certificate and key the appliance serves: either the files configured in [web], or a
// self-signed pair created in the data directory on first start and reused afterwards.
#pragma once

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace fabomatic::certs {

struct Config {
  /// [web] certificate / key paths. Both empty: use (or create) the self-signed pair.
  std::filesystem::path certificate_file;
  std::filesystem::path key_file;
  /// Where the self-signed pair lives (cert.pem, key.pem). Created when missing.
  std::filesystem::path data_dir;
  /// Host name for the self-signed certificate; empty: this machine's name (gethostname).
  std::string host_name;
  /// Validity of a created certificate. Apple platforms (Safari on iOS/macOS) refuse TLS server
  /// certificates valid for more than 825 days, even after the user accepted them, so that is
  /// the default; the pair is renewed automatically when less than `renew_before` is left.
  std::chrono::days validity{825};
  std::chrono::days renew_before{30};
};

struct Material {
  std::string certificate_pem;  // the leaf first, then any chain certificates
  std::string private_key_pem;
  /// SHA-256 of the leaf certificate (DER) as browsers show it: "AB:CD:...:EF".
  std::string fingerprint_sha256;
  std::filesystem::path certificate_file;
  std::filesystem::path key_file;
  std::chrono::system_clock::time_point not_after;
  bool self_signed = false;  // our own pair from the data directory
  bool created = false;      // created (or renewed) by this call
  /// Problems that do not stop the server (expired configured certificate, readable key file,
  /// renewal of the self-signed pair); the caller logs them.
  std::vector<std::string> warnings;
};

/// Unusable TLS material; what() names the file and the problem.
class CertError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Loads the configured pair, or reuses/creates the self-signed pair. Throws CertError.
Material load_or_create(const Config& config);

/// File names of the self-signed pair inside Config::data_dir.
inline constexpr const char* kSelfSignedCertificateName = "cert.pem";
inline constexpr const char* kSelfSignedKeyName = "key.pem";

}  // namespace fabomatic::certs
