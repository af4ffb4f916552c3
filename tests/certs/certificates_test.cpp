#include "certs/certificates.hpp"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <regex>

#include "certs/openssl_util.hpp"
#include "certs/self_signed.hpp"
#include "certs/subject_names.hpp"

namespace fabomatic::certs {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "fabomatic-certs-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

mode_t mode_of(const fs::path& file) {
  struct stat info {};
  EXPECT_EQ(::stat(file.c_str(), &info), 0) << file;
  return info.st_mode & 0777;
}

void write_file(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool any_contains(const std::vector<std::string>& list, const std::string& part) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& s) { return s.find(part) != std::string::npos; });
}

Config self_signed_config(const fs::path& dir) {
  Config config;
  config.data_dir = dir;
  config.host_name = "fablab-pi";
  return config;
}

TEST(Certificates, CreatesSelfSignedPairOnFirstStart) {
  TempDir dir;
  const Material material = load_or_create(self_signed_config(dir.path() / "data"));
  EXPECT_TRUE(material.created);
  EXPECT_TRUE(material.self_signed);
  EXPECT_TRUE(material.warnings.empty());
  EXPECT_EQ(material.certificate_file, dir.path() / "data" / "cert.pem");
  EXPECT_TRUE(fs::exists(material.certificate_file));
  EXPECT_TRUE(fs::exists(material.key_file));
  EXPECT_NE(material.certificate_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(material.private_key_pem.find("PRIVATE KEY"), std::string::npos);
  EXPECT_TRUE(
      std::regex_match(material.fingerprint_sha256, std::regex("([0-9A-F]{2}:){31}[0-9A-F]{2}")))
      << material.fingerprint_sha256;
  const auto certs = parse_certificates(material.certificate_pem, "test");
  EXPECT_EQ(fingerprint_sha256(certs.front().get()), material.fingerprint_sha256);
}

TEST(Certificates, KeyFileIsPrivate) {
  TempDir dir;
  const mode_t old_umask = ::umask(0);  // the mode must not depend on a permissive umask
  const Material material = load_or_create(self_signed_config(dir.path()));
  ::umask(old_umask);
  EXPECT_EQ(mode_of(material.key_file), 0600u);
  EXPECT_EQ(mode_of(material.certificate_file), 0644u);
  EXPECT_FALSE(fs::exists(dir.path() / "key.pem.tmp"));
}

TEST(Certificates, ReusesExistingPair) {
  TempDir dir;
  const Material first = load_or_create(self_signed_config(dir.path()));
  const auto written = fs::last_write_time(first.certificate_file);
  const Material second = load_or_create(self_signed_config(dir.path()));
  EXPECT_FALSE(second.created);
  EXPECT_TRUE(second.self_signed);
  EXPECT_EQ(second.fingerprint_sha256, first.fingerprint_sha256);
  EXPECT_EQ(second.private_key_pem, first.private_key_pem);
  EXPECT_EQ(fs::last_write_time(second.certificate_file), written);
  EXPECT_TRUE(second.warnings.empty());
}

TEST(Certificates, SubjectAltNamesCoverHostLocalhostAndAddresses) {
  TempDir dir;
  const Material material = load_or_create(self_signed_config(dir.path()));
  const auto certs = parse_certificates(material.certificate_pem, "test");
  const auto names = subject_alt_names(certs.front().get());
  EXPECT_TRUE(contains(names, "fablab-pi"));
  EXPECT_TRUE(contains(names, "fablab-pi.local"));
  EXPECT_TRUE(contains(names, "localhost"));
  EXPECT_TRUE(contains(names, "127.0.0.1"));
  EXPECT_TRUE(contains(names, "::1"));
  for (const auto& address : machine_addresses()) {
    EXPECT_TRUE(contains(names, address)) << address;
  }
}

TEST(Certificates, CertificateIsAServerCertificateBrowsersAccept) {
  TempDir dir;
  Config config = self_signed_config(dir.path());
  const Material material = load_or_create(config);
  const auto certs = parse_certificates(material.certificate_pem, "test");
  X509* cert = certs.front().get();
  EXPECT_EQ(X509_get_signature_nid(cert), NID_ecdsa_with_SHA256);
  EXPECT_NE(X509_get_extended_key_usage(cert) & XKU_SSL_SERVER, 0u);
  EXPECT_EQ(X509_check_ca(cert), 0);
  const auto validity = not_after(cert) - not_before(cert);
  // Apple's limit for TLS server certificates is 825 days, counted from notBefore.
  EXPECT_LE(validity, std::chrono::days(825));
  EXPECT_GE(validity, std::chrono::days(824));
  EVP_PKEY* key = X509_get0_pubkey(cert);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(key), 256);
}

TEST(Certificates, SubjectNamesOfDottedHost) {
  const SubjectNames names = subject_names_for("Pi.Lab.Example", {"192.168.1.20", "fd00::5"});
  EXPECT_EQ(names.dns, (std::vector<std::string>{"pi.lab.example", "pi", "pi.local", "localhost"}));
  EXPECT_EQ(names.ips, (std::vector<std::string>{"127.0.0.1", "::1", "192.168.1.20", "fd00::5"}));
}

TEST(Certificates, MachineAddressesExcludeLoopback) {
  for (const auto& address : machine_addresses()) {
    EXPECT_NE(address.rfind("127.", 0), 0u) << address;
    EXPECT_NE(address, "::1");
  }
}

TEST(Certificates, LoadsConfiguredPair) {
  TempDir dir;
  const PemPair pair =
      create_self_signed("lab.example.org", subject_names_for("lab", {}), std::chrono::days(90));
  write_file(dir.path() / "server.crt", pair.certificate_pem);
  write_file(dir.path() / "server.key", pair.private_key_pem);
  fs::permissions(dir.path() / "server.key", fs::perms::owner_read | fs::perms::owner_write);
  Config config;
  config.certificate_file = dir.path() / "server.crt";
  config.key_file = dir.path() / "server.key";
  const Material material = load_or_create(config);
  EXPECT_FALSE(material.created);
  EXPECT_FALSE(material.self_signed);
  EXPECT_EQ(material.certificate_pem, pair.certificate_pem);
  EXPECT_TRUE(material.warnings.empty());
  EXPECT_FALSE(fs::exists(dir.path() / "cert.pem"));  // nothing created
}

TEST(Certificates, MismatchedKeyIsAnError) {
  TempDir dir;
  const auto names = subject_names_for("lab", {});
  const PemPair a = create_self_signed("a", names, std::chrono::days(90));
  const PemPair b = create_self_signed("b", names, std::chrono::days(90));
  write_file(dir.path() / "a.crt", a.certificate_pem);
  write_file(dir.path() / "b.key", b.private_key_pem);
  Config config;
  config.certificate_file = dir.path() / "a.crt";
  config.key_file = dir.path() / "b.key";
  try {
    load_or_create(config);
    FAIL() << "a key of another certificate was accepted";
  } catch (const CertError& e) {
    EXPECT_NE(std::string(e.what()).find("does not match"), std::string::npos) << e.what();
  }
}

TEST(Certificates, MissingConfiguredFileIsAnError) {
  TempDir dir;
  Config config;
  config.certificate_file = dir.path() / "nope.crt";
  config.key_file = dir.path() / "nope.key";
  try {
    load_or_create(config);
    FAIL() << "missing files were accepted";
  } catch (const CertError& e) {
    EXPECT_NE(std::string(e.what()).find("nope.crt does not exist"), std::string::npos) << e.what();
  }
}

TEST(Certificates, OnlyOneConfiguredPathIsAnError) {
  Config config;
  config.certificate_file = "/etc/ssl/some.crt";
  EXPECT_THROW(load_or_create(config), CertError);
}

TEST(Certificates, GarbageCertificateIsAnError) {
  TempDir dir;
  write_file(dir.path() / "x.crt", "not a certificate");
  write_file(dir.path() / "x.key", "not a key");
  Config config;
  config.certificate_file = dir.path() / "x.crt";
  config.key_file = dir.path() / "x.key";
  EXPECT_THROW(load_or_create(config), CertError);
}

TEST(Certificates, ExpiredConfiguredCertificateWarns) {
  TempDir dir;
  const PemPair pair =
      create_self_signed("old", subject_names_for("old", {}), std::chrono::days(-1));
  write_file(dir.path() / "old.crt", pair.certificate_pem);
  write_file(dir.path() / "old.key", pair.private_key_pem);
  fs::permissions(dir.path() / "old.key", fs::perms::owner_read | fs::perms::owner_write);
  Config config;
  config.certificate_file = dir.path() / "old.crt";
  config.key_file = dir.path() / "old.key";
  const Material material = load_or_create(config);
  EXPECT_TRUE(any_contains(material.warnings, "expired")) << material.warnings.size();
}

TEST(Certificates, ReadableConfiguredKeyWarns) {
  TempDir dir;
  const PemPair pair = create_self_signed("k", subject_names_for("k", {}), std::chrono::days(9));
  write_file(dir.path() / "k.crt", pair.certificate_pem);
  write_file(dir.path() / "k.key", pair.private_key_pem);
  fs::permissions(dir.path() / "k.key", fs::perms::others_read, fs::perm_options::add);
  Config config;
  config.certificate_file = dir.path() / "k.crt";
  config.key_file = dir.path() / "k.key";
  EXPECT_TRUE(any_contains(load_or_create(config).warnings, "accessible by other users"));
}

TEST(Certificates, RenewsSelfSignedPairCloseToExpiry) {
  TempDir dir;
  Config config = self_signed_config(dir.path());
  config.validity = std::chrono::days(10);  // inside the 30-day renewal window
  const Material first = load_or_create(config);
  config.validity = std::chrono::days(825);
  const Material second = load_or_create(config);
  EXPECT_TRUE(second.created);
  EXPECT_NE(second.fingerprint_sha256, first.fingerprint_sha256);
  EXPECT_TRUE(any_contains(second.warnings, "renewed"));
  EXPECT_FALSE(load_or_create(config).created);  // and the renewed pair is kept
}

TEST(Certificates, ReplacesDamagedSelfSignedPair) {
  TempDir dir;
  const Material first = load_or_create(self_signed_config(dir.path()));
  write_file(first.certificate_file, "garbage");
  const Material second = load_or_create(self_signed_config(dir.path()));
  EXPECT_TRUE(second.created);
  EXPECT_TRUE(any_contains(second.warnings, "renewed"));
  EXPECT_EQ(mode_of(second.key_file), 0600u);
}

TEST(Certificates, ReplacesPairWithMissingKey) {
  TempDir dir;
  const Material first = load_or_create(self_signed_config(dir.path()));
  fs::remove(first.key_file);
  const Material second = load_or_create(self_signed_config(dir.path()));
  EXPECT_TRUE(second.created);
  EXPECT_NE(second.fingerprint_sha256, first.fingerprint_sha256);
}

}  // namespace
}  // namespace fabomatic::certs
