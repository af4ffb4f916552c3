#include "certs/certificates.hpp"

#include <fcntl.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "certs/openssl_util.hpp"
#include "certs/self_signed.hpp"
#include "certs/subject_names.hpp"

namespace fabomatic::certs {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

std::string date_text(Clock::time_point when) {
  const std::time_t t = Clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

std::string read_text(const fs::path& file, std::string_view what) {
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    throw CertError(std::string(what) + " file " + file.string() + " does not exist");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw CertError(std::string(what) + " file " + file.string() +
                    " cannot be read: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Writes through a temporary file and rename, so a crash never leaves half a key; the mode is
/// set explicitly because the umask may be looser than what a private key needs.
void write_atomically(const fs::path& file, const std::string& text, mode_t mode) {
  const fs::path temporary = file.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    throw CertError("cannot create " + temporary.string() + ": " + std::strerror(errno));
  }
  bool ok = ::fchmod(fd, mode) == 0;
  std::size_t written = 0;
  while (ok && written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!ok || ::rename(temporary.c_str(), file.c_str()) != 0) {
    const int error = ok ? errno : saved_errno;
    ::unlink(temporary.c_str());
    throw CertError("cannot write " + file.string() + ": " + std::strerror(error));
  }
}

/// Reads and checks a certificate/key pair; problems that still allow serving are warnings.
Material load_pair(const fs::path& cert_file, const fs::path& key_file) {
  Material material;
  material.certificate_file = cert_file;
  material.key_file = key_file;
  material.certificate_pem = read_text(cert_file, "certificate");
  material.private_key_pem = read_text(key_file, "key");
  const auto chain = parse_certificates(material.certificate_pem, cert_file.string());
  const auto key = parse_private_key(material.private_key_pem, key_file.string());
  X509* leaf = chain.front().get();
  if (X509_check_private_key(leaf, key.get()) != 1) {
    openssl_errors();
    throw CertError("key file " + key_file.string() + " does not match certificate " +
                    cert_file.string());
  }
  material.fingerprint_sha256 = fingerprint_sha256(leaf);
  material.not_after = not_after(leaf);
  const auto now = Clock::now();
  if (material.not_after <= now) {
    material.warnings.push_back("certificate " + cert_file.string() + " expired on " +
                                date_text(material.not_after) +
                                "; browsers will refuse it until it is replaced");
  }
  if (not_before(leaf) > now) {
    material.warnings.push_back("certificate " + cert_file.string() + " is not valid before " +
                                date_text(not_before(leaf)) + " (is the clock right?)");
  }
  struct stat info {};
  if (::stat(key_file.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    material.warnings.push_back("key file " + key_file.string() +
                                " is accessible by other users; chmod 600 it");
  }
  return material;
}

Material create_pair(const Config& config, const fs::path& cert_file, const fs::path& key_file) {
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  if (ec) {
    throw CertError("cannot create data directory " + config.data_dir.string() + ": " +
                    ec.message());
  }
  const std::string host = config.host_name.empty() ? machine_host_name() : config.host_name;
  const PemPair pair =
      create_self_signed(host, subject_names_for(host, machine_addresses()), config.validity);
  // The key first: a certificate without its key would be unusable, the reverse is rewritten.
  write_atomically(key_file, pair.private_key_pem, 0600);
  write_atomically(cert_file, pair.certificate_pem, 0644);
  Material material = load_pair(cert_file, key_file);
  material.self_signed = true;
  material.created = true;
  return material;
}

}  // namespace

Material load_or_create(const Config& config) {
  if (!config.certificate_file.empty() || !config.key_file.empty()) {
    if (config.certificate_file.empty() || config.key_file.empty()) {
      throw CertError("[web] needs both a certificate and a key path (or neither, for a " +
                      std::string("self-signed certificate)"));
    }
    return load_pair(config.certificate_file, config.key_file);
  }
  if (config.data_dir.empty()) throw CertError("no data directory for the TLS certificate");

  const fs::path cert_file = config.data_dir / kSelfSignedCertificateName;
  const fs::path key_file = config.data_dir / kSelfSignedKeyName;
  std::error_code ec;
  const bool has_cert = fs::exists(cert_file, ec);
  const bool has_key = fs::exists(key_file, ec);
  if (!has_cert && !has_key) return create_pair(config, cert_file, key_file);

  std::string renew_reason;
  if (has_cert && has_key) {
    try {
      Material material = load_pair(cert_file, key_file);
      material.self_signed = true;
      if (Clock::now() + config.renew_before < material.not_after) return material;
      renew_reason = "it expires on " + date_text(material.not_after);
    } catch (const CertError& e) {
      renew_reason = e.what();
    }
  } else {
    renew_reason = "only one of " + cert_file.string() + " and " + key_file.string() + " exists";
  }
  Material material = create_pair(config, cert_file, key_file);
  material.warnings.push_back("self-signed certificate renewed (" + renew_reason +
                              "); browsers will ask to accept the new fingerprint " +
                              material.fingerprint_sha256);
  return material;
}

}  // namespace fabomatic::certs
