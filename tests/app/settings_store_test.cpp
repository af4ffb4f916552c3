// The portal's settings editor (app::SettingsFile): a path that parses but names nothing usable
// is refused before the file is written, since the next start would stop on it and the portal
// could not undo that.
#include "app/settings_store.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "backend/settings.hpp"
#include "certs/certificates.hpp"

namespace fabomatic::app {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class SettingsStoreTest : public ::testing::Test {
 protected:
  SettingsStoreTest() {
    dir_ = fs::temp_directory_path() / ("settings-store-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    file_ = dir_ / "settings.toml";
    std::ofstream(file_) << "[backend]\ndata_dir = \"" << dir_.string() << "\"\n";
    running_ = backend::load_settings(file_);
  }
  ~SettingsStoreTest() override { fs::remove_all(dir_); }

  fs::path dir_;
  fs::path file_;
  backend::Settings running_;
};

TEST_F(SettingsStoreTest, PathsThatNameNothingUsableAreRefusedAndTheFileIsLeftAlone) {
  SettingsFile store(running_, nullptr);
  const std::string before = read_all(file_);
  auto outcome = store.change({{"web.certificate", (dir_ / "missing-cert.pem").string()},
                               {"web.private_key", (dir_ / "missing-key.pem").string()}});
  EXPECT_FALSE(outcome.saved);
  EXPECT_NE(outcome.errors["web.certificate"].message.find("no such file"), std::string::npos);
  EXPECT_NE(outcome.errors["web.private_key"].message.find("no such file"), std::string::npos);
  EXPECT_EQ(outcome.errors["web.private_key"].params["problem"], "no_file");
  std::ofstream(dir_ / "a-file") << "not a folder";
  outcome = store.change({{"backend.data_dir", (dir_ / "a-file").string()}});
  EXPECT_FALSE(outcome.saved);
  EXPECT_NE(outcome.errors["backend.data_dir"].message.find("is not a folder"), std::string::npos);
  // A code and its parts, for the portal to say it in the user's language.
  EXPECT_EQ(outcome.errors["backend.data_dir"].code, "unusable");
  EXPECT_EQ(outcome.errors["backend.data_dir"].params["problem"], "not_a_folder");
  EXPECT_EQ(outcome.errors["backend.data_dir"].params["subject"], (dir_ / "a-file").string());
  outcome = store.change({{"backend.backup_dir", (dir_ / "a-file" / "below").string()}});
  EXPECT_FALSE(outcome.saved);
  // A folder the service cannot write (here /proc: not even root may create a file there).
  outcome = store.change({{"backend.data_dir", "/proc/1"}});
  EXPECT_FALSE(outcome.saved);
  EXPECT_NE(outcome.errors["backend.data_dir"].message.find("cannot write in /proc/1"),
            std::string::npos)
      << outcome.errors["backend.data_dir"].message;
  EXPECT_EQ(outcome.errors["backend.data_dir"].params["problem"], "not_writable");
  EXPECT_NE(outcome.errors["backend.data_dir"].params["detail"], "");
  EXPECT_EQ(read_all(file_), before);

  // Files that exist but are no certificate, or a certificate without its key: the start's own
  // loader refuses them, so does the editor.
  std::ofstream(dir_ / "not-a-cert.pem") << "x";
  std::ofstream(dir_ / "not-a-key.pem") << "x";
  outcome = store.change({{"web.certificate", (dir_ / "not-a-cert.pem").string()},
                          {"web.private_key", (dir_ / "not-a-key.pem").string()}});
  EXPECT_FALSE(outcome.saved);
  EXPECT_EQ(outcome.errors["web.certificate"].params["problem"], "tls_pair");
  const certs::Material pair = certs::load_or_create({.data_dir = dir_ / "tls"});
  outcome = store.change({{"web.certificate", pair.certificate_file.string()}});
  EXPECT_FALSE(outcome.saved);  // parse_settings: the two go together
  // ... said on the field that was sent, not on the file.
  EXPECT_NE(outcome.errors["web.certificate"].message.find("go together"), std::string::npos);
  EXPECT_EQ(outcome.errors.count("file"), 0u);
  EXPECT_EQ(read_all(file_), before);

  // A folder still to be made under an existing one, and a certificate with its key: saved.
  outcome = store.change({{"backend.backup_dir", (dir_ / "new" / "backups").string()},
                          {"web.certificate", pair.certificate_file.string()},
                          {"web.private_key", pair.key_file.string()}});
  EXPECT_TRUE(outcome.saved);
  EXPECT_TRUE(outcome.errors.empty());
}

// What the start would read but not use well: refused with a code the portal translates.
TEST_F(SettingsStoreTest, TypedValuesMailsAndFoldersCouldNotUseAreRefused) {
  SettingsFile store(running_, nullptr);
  const std::string before = read_all(file_);
  auto outcome = store.change({{"web.default_admin_email", std::string(250, 'a') + "@lab.test"},
                               {"web.base_url", "javascript:alert(1)"},
                               {"backend.data_dir", "../../etc"},
                               {"backend.backup_dir", "backups"}});
  EXPECT_FALSE(outcome.saved);
  EXPECT_EQ(outcome.errors["web.default_admin_email"].code, "too_long");
  EXPECT_EQ(outcome.errors["web.base_url"].code, "pattern");
  EXPECT_EQ(outcome.errors["web.base_url"].params["format"], "url");
  EXPECT_EQ(outcome.errors["backend.data_dir"].params["problem"], "relative_path");
  EXPECT_EQ(outcome.errors["backend.data_dir"].params["subject"], "../../etc");
  EXPECT_EQ(outcome.errors["backend.backup_dir"].params["problem"], "relative_path");
  outcome = store.change({{"web.default_admin_email", "admin@lab.test; bcc@evil.test"}});
  EXPECT_EQ(outcome.errors["web.default_admin_email"].params["format"], "email");
  EXPECT_EQ(read_all(file_), before);

  // The old tool's host[:port] form, an https URL and an empty folder (the default) are fine.
  outcome = store.change({{"web.base_url", "fablab.local:23336"},
                          {"web.default_admin_email", "manager@lab.test"},
                          {"backend.backup_dir", ""}});
  EXPECT_TRUE(outcome.saved) << (outcome.errors.empty() ? "" : outcome.errors.begin()->first);
  outcome = store.change({{"web.base_url", "https://fablab.example.org/portal"}});
  EXPECT_TRUE(outcome.saved);
}

// A listener moved where the next start could not open it (an address this host does not have,
// a port another program holds) would stop the broker and the portal together: refused.
TEST_F(SettingsStoreTest, AListenerTheNextStartCouldNotOpenIsRefusedAndTheFileIsLeftAlone) {
  SettingsFile store(running_, nullptr);
  const std::string before = read_all(file_);
  // 203.0.113.7 (TEST-NET-3) is no address of this host.
  auto outcome = store.change({{"web.bind_address", "203.0.113.7"}});
  EXPECT_FALSE(outcome.saved);
  EXPECT_NE(outcome.errors["web.bind_address"].message.find("could not listen on 203.0.113.7"),
            std::string::npos)
      << outcome.errors["web.bind_address"].message;
  EXPECT_EQ(outcome.errors["web.bind_address"].params["problem"], "cannot_listen");
  EXPECT_EQ(outcome.errors["web.bind_address"].params["subject"], "203.0.113.7");
  // A port another program listens on.
  const int other = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(other, reinterpret_cast<sockaddr*>(&at), sizeof at), 0);
  ASSERT_EQ(::listen(other, 1), 0);
  socklen_t length = sizeof at;
  ::getsockname(other, reinterpret_cast<sockaddr*>(&at), &length);
  const int taken = ntohs(at.sin_port);
  outcome = store.change({{"MQTT.bind_address", "127.0.0.1"}, {"MQTT.port", taken}});
  ::close(other);
  EXPECT_FALSE(outcome.saved);
  EXPECT_NE(outcome.errors["MQTT.port"].message.find("Address already in use"), std::string::npos)
      << outcome.errors["MQTT.port"].message;
  EXPECT_EQ(outcome.errors["MQTT.port"].params["subject"], "127.0.0.1:" + std::to_string(taken));
  EXPECT_EQ(outcome.errors["MQTT.port"].params["detail"], "Address already in use");
  EXPECT_EQ(read_all(file_), before);

  // The loopback address, on the port that runs now (ours, free at the next start): saved.
  outcome = store.change({{"web.bind_address", "127.0.0.1"}});
  EXPECT_TRUE(outcome.saved);
  EXPECT_TRUE(outcome.errors.empty());
}

}  // namespace
}  // namespace fabomatic::app
