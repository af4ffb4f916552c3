// The settings editor's backend: every editable key is one that parse_settings reads, the file's
// text is changed key by key with its comments kept, and the file is replaced safely.
#include "backend/settings_editor.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fabomatic::backend {
namespace {

namespace fs = std::filesystem;
const fs::path kCwd = "/srv/lab";

Settings parse(std::string_view text) {
  return parse_settings(text, "settings.toml", kCwd);
}

SettingEdit edit(std::string_view name, SettingValue value) {
  const SettingSpec* spec = find_setting(name);
  EXPECT_NE(spec, nullptr) << name;
  return {spec, std::move(value)};
}

TEST(SettingsEditor, EveryEditableKeyIsReadByTheStartupCodeAndKeepsItsValue) {
  const std::string base = default_settings_text("secret");
  const Settings defaults = parse(base);
  ASSERT_GT(editable_settings().size(), 40u);
  for (const auto& spec : editable_settings()) {
    SCOPED_TRACE(spec.name());
    // Writing each key with its current value gives a file that reads the same, without a
    // warning about an unknown key: the spec names a key the reader knows.
    SettingValue value = spec.get(defaults);
    if (spec.name() == "web.secret_key") value = std::string("secret");
    const std::string text = edit_settings_text(base, {{&spec, value}});
    const Settings read = parse(text);
    EXPECT_TRUE(read.warnings.empty()) << read.warnings.front();
    EXPECT_EQ(spec.get(read), spec.get(defaults));
    EXPECT_TRUE(key_is_set(text, spec.section, spec.key));
  }
  EXPECT_EQ(find_setting("database.url"), nullptr);  // not editable: a wrong one loses data
  EXPECT_TRUE(find_setting("email.server")->apply != nullptr);  // applies at once
  EXPECT_TRUE(find_setting("web.port")->restart());
}

TEST(SettingsEditor, ChangesValuesKeepingCommentsAndLayout) {
  const std::string text =
      "# my lab\n"
      "[email]\n"
      "server = \"smtp.old.org\"   # the provider\n"
      "port = 587\n"
      "password = \"a # not a comment\"  # keep me\n"
      "\n"
      "[web]\n"
      "# port = 23336                # HTTPS port of the portal\n"
      "base_url = 'https://lab'\n";
  const std::string out = edit_settings_text(
      text, {edit("email.server", std::string("smtp.new.org")),
             edit("email.port", std::int64_t{25}), edit("email.password", std::string("p\"w")),
             edit("web.port", std::int64_t{8443}), edit("email.use_tls", false)});
  EXPECT_EQ(out,
            "# my lab\n"
            "[email]\n"
            "use_tls = false\n"
            "server = \"smtp.new.org\"   # the provider\n"
            "port = 25\n"
            "password = \"p\\\"w\"  # keep me\n"
            "\n"
            "[web]\n"
            "# port = 23336                # HTTPS port of the portal\n"
            "port = 8443\n"
            "base_url = 'https://lab'\n");
  const Settings read = parse(out);
  EXPECT_EQ(read.email.password, "p\"w");
  EXPECT_EQ(read.web.port, 8443);
  EXPECT_FALSE(read.email.use_tls);
}

TEST(SettingsEditor, AddsMissingSectionsOrRestoresACommentedOutHeader) {
  const std::string text =
      "[web]\nsecret_key = \"x\"\n\n# [backend]\n# purge_retention_days = 365  # uses\n";
  const std::string out =
      edit_settings_text(text, {edit("backend.purge_retention_days", std::int64_t{30}),
                                edit("weekly_summary.day", std::string("friday"))});
  EXPECT_EQ(out,
            "[web]\nsecret_key = \"x\"\n\n[backend]\n# purge_retention_days = 365  # uses\n"
            "purge_retention_days = 30\n\n[weekly_summary]\nday = \"friday\"\n");
  const Settings read = parse(out);
  EXPECT_EQ(read.backend.purge_retention_days, 30u);
  EXPECT_EQ(read.weekly_summary.day, "friday");
  EXPECT_TRUE(key_is_set(out, "weekly_summary", "day"));
  EXPECT_FALSE(key_is_set(out, "weekly_summary", "hour"));
}

TEST(SettingsEditor, ACrlfFileStaysCrlfAddedLinesIncluded) {
  const std::string text = "[email]\r\nserver = \"old\"\r\n\r\n[web]\r\nport = 23336\r\n";
  const std::string out = edit_settings_text(
      text, {edit("email.server", std::string("new")), edit("email.use_tls", false),
             edit("backend.log_level", std::string("debug"))});
  EXPECT_EQ(out,
            "[email]\r\nuse_tls = false\r\nserver = \"new\"\r\n\r\n[web]\r\nport = 23336\r\n"
            "\r\n[backend]\r\nlog_level = \"debug\"\r\n");
  EXPECT_EQ(parse(out).email.server, "new");
}

TEST(SettingsEditor, AMultiLineValueIsNotEditedBlindly) {
  const std::string text = "[email]\nsender = \"\"\"\nlab@x\"\"\"\n";
  EXPECT_THROW(edit_settings_text(text, {edit("email.sender", std::string("a@b"))}), SettingsError);
}

TEST(SettingsEditor, ErrorLinesNameTheirSetting) {
  EXPECT_EQ(setting_named_in("/etc/x/settings.toml: [email] port: must be an integer"),
            "email.port");
  EXPECT_EQ(setting_named_in("settings.toml: [web] port: must differ from [MQTT] port"),
            "web.port");
  EXPECT_EQ(setting_named_in("settings.toml:3:7: not valid TOML: ..."), "");
}

class SettingsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/fabomatic-settings-edit-XXXXXX";
    dir = mkdtemp(pattern);
    file = dir / "settings.toml";
    std::ofstream(file) << "[email]\nserver = \"old\"\n";
    ::chmod(file.c_str(), 0640);
  }
  void TearDown() override {
    ::chmod(dir.c_str(), 0700);
    fs::remove_all(dir);
  }
  std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  fs::path dir, file;
};

TEST_F(SettingsFileTest, ReplacesTheFileKeepingThePreviousOneAndItsPermissions) {
  EXPECT_EQ(why_not_writable(file), "");
  const fs::path backup = replace_settings_file(file, "[email]\nserver = \"new\"\n");
  EXPECT_EQ(backup, dir / "settings.toml.bak");
  EXPECT_EQ(read(file), "[email]\nserver = \"new\"\n");
  EXPECT_EQ(read(backup), "[email]\nserver = \"old\"\n");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  // The first change also keeps the admin's own file as .orig; nothing else is left beside it.
  EXPECT_EQ(read(dir / "settings.toml.orig"), "[email]\nserver = \"old\"\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), {}), 3);
}

TEST_F(SettingsFileTest, ASecondChangeKeepsTheOriginalFile) {
  replace_settings_file(file, "[email]\nserver = \"second\"\n");
  const fs::path backup = replace_settings_file(file, "[email]\nserver = \"third\"\n");
  EXPECT_EQ(read(file), "[email]\nserver = \"third\"\n");
  EXPECT_EQ(read(backup), "[email]\nserver = \"second\"\n");
  EXPECT_EQ(read(dir / "settings.toml.orig"), "[email]\nserver = \"old\"\n");
}

TEST_F(SettingsFileTest, AReadOnlyFolderIsSaidAndLeavesTheFileAlone) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes anywhere";
  ::chmod(dir.c_str(), 0500);
  EXPECT_NE(why_not_writable(file).find("cannot be changed by the service"), std::string::npos);
  EXPECT_THROW(replace_settings_file(file, "x"), SettingsError);
  EXPECT_EQ(read(file), "[email]\nserver = \"old\"\n");
  EXPECT_NE(why_not_writable("").find("built-in defaults"), std::string::npos);
}

}  // namespace
}  // namespace fabomatic::backend
