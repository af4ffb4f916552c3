// The portal's settings editor (app::SettingsFile): a path that parses but names nothing usable
// is refused before the file is written, since the next start would stop on it and the portal
// could not undo that.
#include "app/settings_store.hpp"

#include <gtest/gtest.h>
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
  std::ofstream(dir_ / "a-file") << "not a folder";
  outcome = store.change({{"backend.data_dir", (dir_ / "a-file").string()}});
  EXPECT_FALSE(outcome.saved);
  EXPECT_NE(outcome.errors["backend.data_dir"].message.find("is not a folder"), std::string::npos);
  outcome = store.change({{"backend.backup_dir", (dir_ / "a-file" / "below").string()}});
  EXPECT_FALSE(outcome.saved);
  EXPECT_EQ(read_all(file_), before);

  // Files that exist but are no certificate, or a certificate without its key: the start's own
  // loader refuses them, so does the editor.
  std::ofstream(dir_ / "not-a-cert.pem") << "x";
  std::ofstream(dir_ / "not-a-key.pem") << "x";
  outcome = store.change({{"web.certificate", (dir_ / "not-a-cert.pem").string()},
                          {"web.private_key", (dir_ / "not-a-key.pem").string()}});
  EXPECT_FALSE(outcome.saved);
  EXPECT_TRUE(outcome.errors.count("web.certificate"));
  const certs::Material pair = certs::load_or_create({.data_dir = dir_ / "tls"});
  outcome = store.change({{"web.certificate", pair.certificate_file.string()}});
  EXPECT_FALSE(outcome.saved);  // parse_settings: the two go together
  EXPECT_FALSE(outcome.errors.empty());
  EXPECT_EQ(read_all(file_), before);

  // A folder still to be made under an existing one, and a certificate with its key: saved.
  outcome = store.change({{"backend.backup_dir", (dir_ / "new" / "backups").string()},
                          {"web.certificate", pair.certificate_file.string()},
                          {"web.private_key", pair.key_file.string()}});
  EXPECT_TRUE(outcome.saved);
  EXPECT_TRUE(outcome.errors.empty());
}

}  // namespace
}  // namespace fabomatic::app
