// settings.toml: the old tool's file read unchanged, our keys and their defaults, precise
// validation messages, unknown-key warnings, the search order and the default file.
#include "backend/settings.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fabomatic::backend {
namespace {

namespace fs = std::filesystem;
const fs::path kCwd = "/srv/lab";

Settings parse(std::string_view text) {
  return parse_settings(text, "settings.toml", kCwd);
}

/// The single error a text produces.
std::string error_of(std::string_view text) {
  try {
    parse(text);
  } catch (const SettingsError& e) {
    EXPECT_EQ(e.errors().size(), 1u) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << text;
  return {};
}

std::vector<std::string> warnings_of(std::string_view text) {
  return parse(text).warnings;
}

// The reference settings.toml of the old tool, as the brief quotes it.
constexpr std::string_view kReference = R"([database]
url = "sqlite:///database.sqldb"
name = "fablab"

[MQTT]
broker = "localhost"
port = 1883
client_id = "backend"
topic = "machine"
reply_subtopic = "reply"
request_subtopic = "request"
stats_topic = "stats"

[web]
secret_key = "some_secret"
default_admin_email = "admin@fablab.org"

[email]
server = "smtp.google.com"
port = 587
use_tls = true
username = ""
password = ""

[weekly_summary]
enabled = false
)";

TEST(Settings, ReadsTheReferenceFileUnchanged) {
  const Settings s = parse(kReference);
  EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
  EXPECT_EQ(s.database.url, "sqlite:///database.sqldb");
  EXPECT_EQ(s.database.name, "fablab");
  EXPECT_EQ(s.database.file, "/srv/lab/database.sqldb");
  EXPECT_EQ(s.mqtt.broker, "localhost");
  EXPECT_EQ(s.mqtt.port, 1883);
  EXPECT_EQ(s.mqtt.client_id, "backend");
  EXPECT_EQ(s.mqtt.topic, "machine");
  EXPECT_EQ(s.mqtt.reply_subtopic, "reply");
  EXPECT_EQ(s.mqtt.request_subtopic, "request");
  EXPECT_EQ(s.mqtt.stats_topic, "stats");
  EXPECT_EQ(s.web.secret_key, "some_secret");
  EXPECT_EQ(s.web.default_admin_email, "admin@fablab.org");
  EXPECT_EQ(s.email.server, "smtp.google.com");
  EXPECT_EQ(s.email.port, 587);
  EXPECT_TRUE(s.email.use_tls);
  EXPECT_EQ(s.email.username, "");
  EXPECT_EQ(s.email.password, "");
  EXPECT_FALSE(s.weekly_summary.enabled);
}

TEST(Settings, ReadsTheOldToolsOwnExampleWithSlashedSubtopics) {
  // FabOMatic's conf/settings.example.toml: "/reply", the unused user, base_url, sender,
  // language.
  const Settings s = parse(R"([database]
url = "sqlite:///database.sqldb"
name = "fablab"
[MQTT]
broker = "localhost"
port = 1883
client_id = "backend-3"
topic = "machine"
reply_subtopic = "/reply"
request_subtopic = "/request"
stats_topic = "stats"
user = ""
[web]
secret_key = "ç°32è+3242039ikòlòà"
default_admin_email = "admin@fablab.org"
base_url = "your.external.url.for.fabomatic"
[email]
server = "smtp.google.com"
port = 587
use_tls = true
username = ""
password = ""
sender = "admin@fablab.org"
[weekly_summary]
enabled = true
language = "IT"
)");
  EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
  EXPECT_EQ(s.mqtt.reply_subtopic, "reply");
  EXPECT_EQ(s.mqtt.request_subtopic, "request");
  EXPECT_EQ(s.mqtt.client_id, "backend-3");
  EXPECT_EQ(s.mqtt.user, "");
  EXPECT_EQ(s.web.secret_key, "ç°32è+3242039ikòlòà");
  EXPECT_EQ(s.web.base_url, "your.external.url.for.fabomatic");
  EXPECT_EQ(s.email.sender, "admin@fablab.org");
  EXPECT_TRUE(s.weekly_summary.enabled);
  EXPECT_EQ(s.weekly_summary.language, "it");
}

TEST(Settings, DatabaseUrls) {
  EXPECT_EQ(parse("[database]\nurl = \"sqlite:///data/fab.db\"").database.file,
            "/srv/lab/data/fab.db");
  EXPECT_EQ(parse("[database]\nurl = \"sqlite:///../fab.db\"").database.file, "/srv/fab.db");
  EXPECT_EQ(parse("[database]\nurl = \"sqlite:////var/lib/fabomatic/db.sqldb\"").database.file,
            "/var/lib/fabomatic/db.sqldb");
  EXPECT_EQ(parse("[database]\nurl = \"sqlite:////var/lib/fabomatic/db.sqldb\"").database.url,
            "sqlite:////var/lib/fabomatic/db.sqldb");
}

TEST(Settings, DefaultsOfEveryKey) {
  const Settings s = parse("");
  EXPECT_EQ(s.database.url, "sqlite:///database.sqldb");
  EXPECT_EQ(s.database.file, "/srv/lab/database.sqldb");
  EXPECT_EQ(s.mqtt.port, 1883);
  EXPECT_EQ(s.mqtt.client_id, "backend");
  EXPECT_EQ(s.mqtt.topic, "machine");
  EXPECT_EQ(s.mqtt.reply_subtopic, "reply");
  EXPECT_EQ(s.mqtt.request_subtopic, "request");
  EXPECT_EQ(s.mqtt.stats_topic, "stats");
  EXPECT_EQ(s.mqtt.bind_address, "0.0.0.0");
  EXPECT_EQ(s.mqtt.max_connections, 10000u);
  EXPECT_EQ(s.mqtt.max_packet_size, 262144u);
  EXPECT_EQ(s.mqtt.max_inflight, 20u);
  EXPECT_EQ(s.mqtt.max_queued_messages, 1000u);
  EXPECT_EQ(s.mqtt.connect_timeout_s, 10u);
  EXPECT_EQ(s.mqtt.sys_interval_s, 10u);
  EXPECT_TRUE(s.mqtt.users.empty());
  EXPECT_EQ(s.mqtt.anonymous, AnonymousMode::legacy);
  EXPECT_TRUE(s.mqtt.password_file.empty());
  EXPECT_TRUE(s.mqtt.acl_file.empty());
  EXPECT_FALSE(s.mqtt.use_username_as_clientid);
  EXPECT_EQ(s.mqtt.max_connect_size, 8192u);
  EXPECT_EQ(s.mqtt.max_connections_per_address, 0u);
  EXPECT_EQ(s.mqtt.max_pending_connections_per_address, 64u);
  EXPECT_EQ(s.mqtt.max_retained_messages, 10000u);
  EXPECT_EQ(s.mqtt.max_retained_bytes, 16u << 20);
  EXPECT_EQ(s.mqtt.max_persistent_sessions, 1000u);
  EXPECT_EQ(s.mqtt.persistent_session_expiry_s, 7u * 86400);
  EXPECT_EQ(s.mqtt.max_subscriptions_per_client, 1000u);
  EXPECT_EQ(s.mqtt.max_subscriptions_total, 100'000u);
  EXPECT_EQ(s.mqtt.max_output_total, 64u << 20);
  EXPECT_EQ(s.mqtt.tls.port, 0);
  EXPECT_EQ(s.mqtt.websocket.port, 0);
  EXPECT_EQ(s.mqtt.websocket_tls.port, 0);
  EXPECT_EQ(s.backend.unknown_card_window_s, 300u);
  EXPECT_EQ(s.backend.max_unknown_cards, 10000u);
  EXPECT_EQ(s.backend.max_discovered_boards, 100u);
  EXPECT_EQ(s.backend.discovered_boards_retention_days, 30u);
  EXPECT_EQ(s.web.secret_key, "");
  EXPECT_EQ(s.web.default_admin_email, "admin@fablab.org");
  EXPECT_EQ(s.web.port, 23336);
  EXPECT_EQ(s.web.bind_address, "0.0.0.0");
  EXPECT_EQ(s.web.http_redirect_port, 0);
  EXPECT_TRUE(s.web.certificate.empty());
  EXPECT_TRUE(s.web.private_key.empty());
  EXPECT_EQ(s.web.session_idle_min, 30u);
  EXPECT_EQ(s.web.session_absolute_hours, 12u);
  EXPECT_EQ(s.web.max_connections_per_address, 64u);
  EXPECT_EQ(s.email.server, "smtp.gmail.com");
  EXPECT_EQ(s.email.port, 587);
  EXPECT_TRUE(s.email.use_tls);
  EXPECT_EQ(s.email.sender, "admin@fablab.org");
  EXPECT_FALSE(s.weekly_summary.enabled);
  EXPECT_EQ(s.weekly_summary.language, "en");
  EXPECT_EQ(s.backend.data_dir, "/srv/lab");
  EXPECT_EQ(s.backend.purge_retention_days, 365u);
  EXPECT_EQ(s.backend.unknown_cards_retention_days, 30u);
  EXPECT_EQ(s.backend.use_timeout_min, 60u);
  EXPECT_EQ(s.backend.online_window_s, 90u);
  EXPECT_EQ(s.backend.stats_interval_s, 5u);
  EXPECT_EQ(s.backend.log_level, log::Level::info);
  // An empty file says nothing: no key it lacks changes what fabomatic does.
  EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
}

TEST(Settings, ReadsEveryAdditiveKey) {
  const Settings s = parse(R"(
[MQTT]
bind_address = "::"
max_connections = 500
max_packet_size = 4096
max_inflight = 5
max_queued_messages = 0
connect_timeout_s = 3
sys_interval_s = 0
[web]
secret_key = "k"
port = 8443
bind_address = "127.0.0.1"
http_redirect_port = 8080
certificate = "tls/cert.pem"
private_key = "/etc/ssl/private/key.pem"
session_idle_min = 15
session_absolute_hours = 24
max_connections = 100
max_connections_per_address = 8
body_limit_kib = 256
client_timeout_s = 3
[backend]
data_dir = "var"
purge_retention_days = 730
unknown_cards_retention_days = 7
use_timeout_min = 120
online_window_s = 60
stats_interval_s = 0
log_level = "debug"
)");
  EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
  EXPECT_EQ(s.mqtt.bind_address, "::");
  EXPECT_EQ(s.mqtt.max_connections, 500u);
  EXPECT_EQ(s.mqtt.max_packet_size, 4096u);
  EXPECT_EQ(s.mqtt.max_inflight, 5u);
  EXPECT_EQ(s.mqtt.max_queued_messages, 0u);
  EXPECT_EQ(s.mqtt.connect_timeout_s, 3u);
  EXPECT_EQ(s.mqtt.sys_interval_s, 0u);
  EXPECT_EQ(s.web.port, 8443);
  EXPECT_EQ(s.web.bind_address, "127.0.0.1");
  EXPECT_EQ(s.web.http_redirect_port, 8080);
  EXPECT_EQ(s.web.certificate, "/srv/lab/tls/cert.pem");
  EXPECT_EQ(s.web.private_key, "/etc/ssl/private/key.pem");
  EXPECT_EQ(s.web.session_idle_min, 15u);
  EXPECT_EQ(s.web.session_absolute_hours, 24u);
  EXPECT_EQ(s.web.max_connections, 100u);
  EXPECT_EQ(s.web.max_connections_per_address, 8u);
  EXPECT_EQ(s.web.body_limit_kib, 256u);
  EXPECT_EQ(s.web.client_timeout_s, 3u);
  EXPECT_EQ(s.backend.data_dir, "/srv/lab/var");
  EXPECT_EQ(s.backend.purge_retention_days, 730u);
  EXPECT_EQ(s.backend.unknown_cards_retention_days, 7u);
  EXPECT_EQ(s.backend.use_timeout_min, 120u);
  EXPECT_EQ(s.backend.online_window_s, 60u);
  EXPECT_EQ(s.backend.stats_interval_s, 0u);
  EXPECT_EQ(s.backend.log_level, log::Level::debug);
}

TEST(Settings, RetentionBackupAndSummaryScheduleKeys) {
  Settings s = parse("");
  EXPECT_EQ(s.backend.interventions_retention_days, 365u);
  EXPECT_EQ(s.backend.audit_retention_days, 730u);
  EXPECT_TRUE(s.backend.backup_dir.empty());
  EXPECT_EQ(s.backend.backup_keep, 7u);
  EXPECT_EQ(s.backend.backup_hour, 3u);
  EXPECT_EQ(s.weekly_summary.day, "monday");
  EXPECT_EQ(s.weekly_summary.hour, 8u);
  // Interventions follow purge_retention_days unless given, as before the key existed.
  s = parse("[backend]\npurge_retention_days = 100\n");
  EXPECT_EQ(s.backend.interventions_retention_days, 100u);
  s = parse(
      "[backend]\npurge_retention_days = 100\ninterventions_retention_days = 50\n"
      "audit_retention_days = 0\nbackup_dir = \"backups\"\nbackup_keep = 3\nbackup_hour = 23\n"
      "[weekly_summary]\nday = \"Friday\"\nhour = 17\n");
  EXPECT_EQ(s.backend.interventions_retention_days, 50u);
  EXPECT_EQ(s.backend.audit_retention_days, 0u);
  EXPECT_EQ(s.backend.backup_dir, kCwd / "backups");
  EXPECT_EQ(s.backend.backup_keep, 3u);
  EXPECT_EQ(s.backend.backup_hour, 23u);
  EXPECT_EQ(s.weekly_summary.day, "friday");
  EXPECT_EQ(s.weekly_summary.hour, 17u);
  EXPECT_NE(
      error_of("[weekly_summary]\nday = \"someday\"\n").find("[weekly_summary] day: must be a day"),
      std::string::npos);
  EXPECT_NE(error_of("[weekly_summary]\nhour = 24\n").find("from 0 to 23"), std::string::npos);
  EXPECT_NE(error_of("[backend]\nbackup_keep = 0\n").find("backup_keep"), std::string::npos);
}

TEST(Settings, LogLevelAsNumberOrName) {
  EXPECT_EQ(parse("[backend]\nlog_level = 10").backend.log_level, log::Level::debug);
  EXPECT_EQ(parse("[backend]\nlog_level = 20").backend.log_level, log::Level::info);
  EXPECT_EQ(parse("[backend]\nlog_level = 30").backend.log_level, log::Level::warning);
  EXPECT_EQ(parse("[backend]\nlog_level = 40").backend.log_level, log::Level::error);
  EXPECT_EQ(parse("[backend]\nlog_level = \"WARNING\"").backend.log_level, log::Level::warning);
  EXPECT_EQ(parse("[backend]\nlog_level = \"40\"").backend.log_level, log::Level::error);
}

TEST(Settings, BrokerAccounts) {
  const Settings legacy = parse("[MQTT]\nport = 1883");
  EXPECT_EQ(legacy.mqtt.anonymous, AnonymousMode::legacy) << "an old file keeps its boards";
  const Settings accounts = parse(R"(
[MQTT]
port = 1883
[MQTT.users]
user = "password"
shelly = "s3cret"
)");
  EXPECT_EQ(accounts.mqtt.users.size(), 2u);
  EXPECT_EQ(accounts.mqtt.users.at("user"), "password");
  EXPECT_EQ(accounts.mqtt.users.at("shelly"), "s3cret");
  EXPECT_EQ(accounts.mqtt.anonymous, AnonymousMode::refused)
      << "accounts without allow_anonymous lock others out";
  EXPECT_TRUE(accounts.warnings.empty()) << accounts.warnings.front();
  const Settings both = parse(R"(
[MQTT]
allow_anonymous = true
users = { user = "password" }
)");
  EXPECT_EQ(both.mqtt.anonymous, AnonymousMode::allowed);
  EXPECT_EQ(both.mqtt.users.at("user"), "password");
  EXPECT_EQ(parse("[MQTT]\nallow_anonymous = false").mqtt.anonymous, AnonymousMode::refused);
}

TEST(Settings, AccessFilesListenersAndBounds) {
  const Settings s = parse(R"(
[MQTT]
password_file = "conf/passwd"
acl_file = "/etc/mosquitto/acl"
use_username_as_clientid = true
tls_port = 8883
websocket_port = 9001
websocket_tls_port = 9002
tls_certificate = "mqtt.pem"
tls_private_key = "mqtt.key"
max_connect_size = 4096
max_connections_per_address = 50
max_pending_connections_per_address = 8
max_retained_messages = 10
max_retained_bytes = 1000
max_persistent_sessions = 5
persistent_session_expiry_s = 0
max_subscriptions_per_client = 20
max_subscriptions_total = 500
max_output_total = 1000000
[backend]
unknown_card_window_s = 60
max_unknown_cards = 500
max_discovered_boards = 7
discovered_boards_retention_days = 3
)");
  EXPECT_EQ(s.mqtt.password_file, fs::path("/srv/lab/conf/passwd"));
  EXPECT_EQ(s.mqtt.acl_file, fs::path("/etc/mosquitto/acl"));
  EXPECT_TRUE(s.mqtt.use_username_as_clientid);
  EXPECT_EQ(s.mqtt.tls.port, 8883);
  EXPECT_EQ(s.mqtt.websocket.port, 9001);
  EXPECT_EQ(s.mqtt.websocket_tls.port, 9002);
  EXPECT_EQ(s.mqtt.tls_certificate, fs::path("/srv/lab/mqtt.pem"));
  EXPECT_EQ(s.mqtt.max_connect_size, 4096u);
  EXPECT_EQ(s.mqtt.max_connections_per_address, 50u);
  EXPECT_EQ(s.mqtt.max_pending_connections_per_address, 8u);
  EXPECT_EQ(s.mqtt.max_retained_messages, 10u);
  EXPECT_EQ(s.mqtt.max_retained_bytes, 1000u);
  EXPECT_EQ(s.mqtt.max_persistent_sessions, 5u);
  EXPECT_EQ(s.mqtt.persistent_session_expiry_s, 0u);
  EXPECT_EQ(s.mqtt.max_subscriptions_per_client, 20u);
  EXPECT_EQ(s.mqtt.max_subscriptions_total, 500u);
  EXPECT_EQ(s.mqtt.max_output_total, 1000000u);
  EXPECT_EQ(s.backend.unknown_card_window_s, 60u);
  EXPECT_EQ(s.backend.max_unknown_cards, 500u);
  EXPECT_EQ(s.backend.max_discovered_boards, 7u);
  EXPECT_EQ(s.backend.discovered_boards_retention_days, 3u);
}

TEST(Settings, ListenerPortsMustDiffer) {
  EXPECT_THROW(parse("[MQTT]\ntls_port = 1883"), SettingsError);
  EXPECT_THROW(parse("[MQTT]\nwebsocket_port = 23336"), SettingsError);
  EXPECT_THROW(parse("[MQTT]\nwebsocket_port = 9001\nwebsocket_tls_port = 9001"), SettingsError);
  EXPECT_THROW(parse("[MQTT]\ntls_certificate = \"a.pem\""), SettingsError);
  EXPECT_NO_THROW(parse("[MQTT]\ntls_port = 8883\nwebsocket_port = 9001"));
}

TEST(SettingsFile, ANewInstallationRefusesAnonymousClients) {
  EXPECT_EQ(parse(default_settings_text("k")).mqtt.anonymous, AnonymousMode::refused);
}

TEST(Settings, OtherBrokerHostIsReadButWarnedAbout) {
  const auto warnings = warnings_of("[MQTT]\nbroker = \"fabpi2.local\"\n[web]\nsecret_key = \"k\"");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "settings.toml: [MQTT] broker: names the old external broker \"fabpi2.local\"; the "
            "broker is now embedded and listens on [MQTT] port");
}

TEST(Settings, TopicsOtherThanTheFirmwaresAreWarnedAbout) {
  const Settings s = parse(
      "[MQTT]\ntopic = \"lab/boards\"\nreply_subtopic = \"/answer\"\n[web]\nsecret_key = \"k\"");
  EXPECT_EQ(s.mqtt.topic, "lab/boards");
  EXPECT_EQ(s.mqtt.reply_subtopic, "answer");
  ASSERT_EQ(s.warnings.size(), 2u);
  EXPECT_EQ(s.warnings[0],
            "settings.toml: [MQTT] topic: \"lab/boards\" differs from the Fab-O-Matic firmware's "
            "\"machine\"; unmodified boards will not be answered");
  EXPECT_EQ(s.warnings[1],
            "settings.toml: [MQTT] reply_subtopic: \"answer\" differs from the Fab-O-Matic "
            "firmware's \"reply\"; unmodified boards will not be answered");
}

// --- validation: every message names the key and says what is wrong ----------------------

struct BadValue {
  std::string toml;
  std::string message;
};

TEST(Settings, ValidationMessages) {
  const std::vector<BadValue> cases = {
      {"[MQTT]\nport = \"abc\"",
       R"(settings.toml: [MQTT] port: must be an integer from 1 to 65535, got "abc")"},
      {"[MQTT]\nport = 0", "settings.toml: [MQTT] port: must be an integer from 1 to 65535, got 0"},
      {"[MQTT]\nport = 65536",
       "settings.toml: [MQTT] port: must be an integer from 1 to 65535, got 65536"},
      {"[MQTT]\nport = 1883.0",
       "settings.toml: [MQTT] port: must be an integer from 1 to 65535, got 1883.0"},
      {"[MQTT]\nport = true",
       "settings.toml: [MQTT] port: must be an integer from 1 to 65535, got true"},
      {"[MQTT]\nport = [1883]",
       "settings.toml: [MQTT] port: must be an integer from 1 to 65535, got an array"},
      {"[MQTT]\nbroker = 5", "settings.toml: [MQTT] broker: must be a string, got 5"},
      {"[MQTT]\nclient_id = \"\"", "settings.toml: [MQTT] client_id: must not be empty"},
      {"[MQTT]\nclient_id = \"a/#\"",
       R"(settings.toml: [MQTT] client_id: must not contain the MQTT wildcards + or # (nor a NUL), got "a/#")"},
      {"[MQTT]\ntopic = \"machine/\"",
       R"(settings.toml: [MQTT] topic: must not start or end with '/', got "machine/")"},
      {"[MQTT]\ntopic = \"/machine\"",
       R"(settings.toml: [MQTT] topic: must not start or end with '/', got "/machine")"},
      {"[MQTT]\ntopic = \"machine/+\"",
       R"(settings.toml: [MQTT] topic: must not contain the MQTT wildcards + or # (nor a NUL), got "machine/+")"},
      {"[MQTT]\nreply_subtopic = \"/\"", "settings.toml: [MQTT] reply_subtopic: must not be empty"},
      {"[MQTT]\nrequest_subtopic = \"\"",
       "settings.toml: [MQTT] request_subtopic: must not be empty"},
      {"[MQTT]\nstats_topic = \"stats/#\"",
       R"(settings.toml: [MQTT] stats_topic: must not contain the MQTT wildcards + or # (nor a NUL), got "stats/#")"},
      {"[MQTT]\nbind_address = \"localhost\"",
       R"(settings.toml: [MQTT] bind_address: must be an IPv4 or IPv6 address such as "0.0.0.0" or "::", got "localhost")"},
      {"[MQTT]\nmax_connections = 0",
       "settings.toml: [MQTT] max_connections: must be an integer from 1 to 1000000, got 0"},
      {"[MQTT]\nmax_packet_size = 100",
       "settings.toml: [MQTT] max_packet_size: must be an integer from 512 to 268435455, got 100"},
      {"[MQTT]\nmax_inflight = 70000",
       "settings.toml: [MQTT] max_inflight: must be an integer from 1 to 65535, got 70000"},
      {"[MQTT]\nmax_queued_messages = -1",
       "settings.toml: [MQTT] max_queued_messages: must be an integer from 0 to 1000000, got -1"},
      {"[MQTT]\nconnect_timeout_s = 0",
       "settings.toml: [MQTT] connect_timeout_s: must be an integer from 1 to 3600, got 0"},
      {"[MQTT]\nsys_interval_s = 100000",
       "settings.toml: [MQTT] sys_interval_s: must be an integer from 0 to 86400, got 100000"},
      {"[MQTT]\nallow_anonymous = \"yes\"",
       R"(settings.toml: [MQTT] allow_anonymous: must be true or false, got "yes")"},
      {"[MQTT]\nusers = \"user:password\"",
       R"(settings.toml: [MQTT] users: must be a table of user name = "password" ([MQTT.users]), got "user:password")"},
      {"[MQTT.users]\nuser = 1234",
       "settings.toml: [MQTT] users.user: must be the password as a string, got 1234"},
      {"[database]\nurl = \"postgresql://localhost/fablab\"",
       R"(settings.toml: [database] url: must be a SQLite URL, sqlite:///relative/path or sqlite:////absolute/path, got "postgresql://localhost/fablab")"},
      {"[database]\nurl = \"sqlite:///\"",
       "settings.toml: [database] url: names no database file (sqlite:///database.sqldb for "
       "example)"},
      {"[database]\nurl = \"sqlite:///db.sqldb?mode=ro\"",
       R"(settings.toml: [database] url: URL parameters (after '?') are not supported, got "sqlite:///db.sqldb?mode=ro")"},
      {"[database]\nname = 1", "settings.toml: [database] name: must be a string, got 1"},
      {"[web]\nsecret_key = 42", "settings.toml: [web] secret_key: must be a string, got 42"},
      {"[web]\ndefault_admin_email = \"admin\"",
       R"(settings.toml: [web] default_admin_email: must be an e-mail address, got "admin")"},
      {"[web]\ndefault_admin_email = \"a dmin@lab.test\"",
       R"(settings.toml: [web] default_admin_email: must be an e-mail address, got "a dmin@lab.test")"},
      {"[web]\nbase_url = \"javascript:alert(1)\"",
       R"x(settings.toml: [web] base_url: must be the portal's web address (https://host[:port][/path], or host[:port]), got "javascript:alert(1)")x"},
      {"[web]\nport = 99999",
       "settings.toml: [web] port: must be an integer from 1 to 65535, got 99999"},
      {"[web]\nport = 1883",
       "settings.toml: [web] port: must differ from [MQTT] port (both are 1883)"},
      {"[web]\nhttp_redirect_port = 23336",
       "settings.toml: [web] http_redirect_port: must differ from [web] port and [MQTT] port, got "
       "23336"},
      {"[web]\nbind_address = \"\"",
       R"(settings.toml: [web] bind_address: must be an IPv4 or IPv6 address such as "0.0.0.0" or "::", got "")"},
      {"[web]\ncertificate = \"cert.pem\"",
       "settings.toml: [web] private_key: certificate and private_key go together: set both, or "
       "neither for a self-signed certificate"},
      {"[web]\nprivate_key = \"key.pem\"",
       "settings.toml: [web] certificate: certificate and private_key go together: set both, or "
       "neither for a self-signed certificate"},
      {"[web]\nsession_idle_min = 0",
       "settings.toml: [web] session_idle_min: must be an integer from 1 to 10080, got 0"},
      {"[web]\nsession_absolute_hours = 9000",
       "settings.toml: [web] session_absolute_hours: must be an integer from 1 to 8760, got 9000"},
      {"[email]\nport = \"587\"",
       R"(settings.toml: [email] port: must be an integer from 1 to 65535, got "587")"},
      {"[email]\nuse_tls = 1", "settings.toml: [email] use_tls: must be true or false, got 1"},
      {"[email]\nserver = false", "settings.toml: [email] server: must be a string, got false"},
      {"[email]\nusername = 1", "settings.toml: [email] username: must be a string, got 1"},
      {"[email]\npassword = 1", "settings.toml: [email] password: must be a string, got 1"},
      {"[email]\nsender = 1", "settings.toml: [email] sender: must be a string, got 1"},
      {"[weekly_summary]\nenabled = \"false\"",
       R"(settings.toml: [weekly_summary] enabled: must be true or false, got "false")"},
      {"[weekly_summary]\nlanguage = \"fr\"",
       R"(settings.toml: [weekly_summary] language: must be "en" or "it", got "fr")"},
      {"[backend]\ndata_dir = 1", "settings.toml: [backend] data_dir: must be a string, got 1"},
      {"[backend]\npurge_retention_days = 0",
       "settings.toml: [backend] purge_retention_days: must be an integer from 1 to 36500, got 0"},
      {"[backend]\nunknown_cards_retention_days = 0",
       "settings.toml: [backend] unknown_cards_retention_days: must be an integer from 1 to "
       "36500, got 0"},
      {"[backend]\nuse_timeout_min = 0",
       "settings.toml: [backend] use_timeout_min: must be an integer from 1 to 10080, got 0"},
      {"[backend]\nonline_window_s = 5",
       "settings.toml: [backend] online_window_s: must be an integer from 10 to 86400, got 5"},
      {"[backend]\nstats_interval_s = -5",
       "settings.toml: [backend] stats_interval_s: must be an integer from 0 to 86400, got -5"},
      {"[backend]\nlog_level = \"loud\"",
       R"(settings.toml: [backend] log_level: must be debug, info, warning, error or a number from 0 to 50, got "loud")"},
      {"[backend]\nlog_level = 60",
       "settings.toml: [backend] log_level: must be debug, info, warning, error or a number from "
       "0 to 50, got 60"},
      {"MQTT = 1883", "settings.toml: MQTT: must be a section ([MQTT]), got 1883"},
  };
  for (const auto& bad : cases) {
    EXPECT_EQ(error_of(bad.toml), bad.message) << bad.toml;
  }
}

TEST(Settings, PortalAddressesForMailLinks) {
  // The old tool's form (a host and port, https:// put before it) and whole http(s) URLs.
  for (const char* good :
       {"", "fablab.local", "fablab.local:5000", "192.168.1.10:23336",
        "https://fablab.example.org/portal", "HTTP://[fd00::1]:8443", "https://my_lab.local/"}) {
    EXPECT_TRUE(is_portal_address(good)) << good;
  }
  // What would make a reset mail's link something else than the portal.
  for (const char* bad : {"javascript:alert(1)", "javascript://%0aalert(1)", "file:///etc/passwd",
                          "https://user@evil.example", "https://", "https://lab:", "lab:99999x",
                          "https://lab.test/\"onmouseover", "https://lab test", "https://[fd00::1",
                          "lab\n.test", "https://lab:123456"}) {
    EXPECT_FALSE(is_portal_address(bad)) << bad;
  }
}

TEST(Settings, LongBadStringsAreShortenedInMessages) {
  const std::string message = error_of("[MQTT]\nport = \"" + std::string(500, '9') + "\"");
  EXPECT_LT(message.size(), 160u);
  EXPECT_NE(message.find("...\""), std::string::npos) << message;
}

TEST(Settings, EveryProblemIsReportedAtOnce) {
  try {
    parse("[MQTT]\nport = 0\ntopic = \"\"\n[email]\nuse_tls = \"no\"\n");
    FAIL() << "accepted";
  } catch (const SettingsError& e) {
    ASSERT_EQ(e.errors().size(), 3u);
    EXPECT_EQ(e.errors()[0],
              "settings.toml: [MQTT] port: must be an integer from 1 to 65535, got 0");
    EXPECT_EQ(e.errors()[1], "settings.toml: [MQTT] topic: must not be empty");
    EXPECT_EQ(e.errors()[2], R"(settings.toml: [email] use_tls: must be true or false, got "no")");
    EXPECT_EQ(std::string(e.what()), e.errors()[0] + "\n" + e.errors()[1] + "\n" + e.errors()[2]);
  }
}

TEST(Settings, TomlSyntaxErrorsGiveLineAndColumn) {
  const std::string message = error_of("[MQTT]\nport = 1883\nbroker = localhost\n");
  EXPECT_EQ(message.rfind("settings.toml:3:", 0), 0u) << message;
  EXPECT_NE(message.find("not valid TOML"), std::string::npos) << message;
  EXPECT_EQ(error_of("[MQTT]\nport = 1\nport = 2\n").rfind("settings.toml:3:", 0), 0u);
  EXPECT_NE(error_of("[MQTT\n").find("not valid TOML"), std::string::npos);
  EXPECT_NE(error_of("\xFF\xFE\x00garbage").find("not valid TOML"), std::string::npos);
}

TEST(Settings, UnknownKeysAndSectionsAreWarnedAbout) {
  const auto warnings = warnings_of(R"(
title = "lab"
[web]
secret_key = "k"
prot = 1
[MQTT]
Port = 1884
[mqtt]
port = 1
[extras]
x = 1
)");
  ASSERT_EQ(warnings.size(), 5u);
  EXPECT_EQ(warnings[0], "settings.toml: [MQTT] Port: unknown key, ignored (did you mean port?)");
  EXPECT_EQ(warnings[1], "settings.toml: [web] prot: unknown key, ignored");
  EXPECT_EQ(warnings[2], "settings.toml: [extras]: unknown section, ignored");
  EXPECT_EQ(warnings[3], "settings.toml: [mqtt]: unknown section, ignored (did you mean [MQTT]?)");
  EXPECT_EQ(warnings[4], "settings.toml: title: unknown key outside any section, ignored");
}

// --- files --------------------------------------------------------------------------------

/// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("fabomatic-settings-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_file(const fs::path& file, std::string_view text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

/// Runs with HOME and the working directory pointing elsewhere, restored afterwards.
class Environment {
 public:
  Environment(const fs::path& home, const fs::path& cwd) : old_cwd_(fs::current_path()) {
    if (const char* home_now = std::getenv("HOME")) old_home_ = home_now;
    ::setenv("HOME", home.c_str(), 1);
    fs::current_path(cwd);
  }
  ~Environment() {
    fs::current_path(old_cwd_);
    if (old_home_) {
      ::setenv("HOME", old_home_->c_str(), 1);
    } else {
      ::unsetenv("HOME");
    }
  }

 private:
  fs::path old_cwd_;
  std::optional<std::string> old_home_;
};

TEST(SettingsFile, LoadsAFileAndResolvesAgainstTheWorkingDirectory) {
  TempDir dir;
  write_file(dir.path() / "conf" / "fab.toml", kReference);
  Environment env(dir.path(), dir.path());
  const Settings s = load_settings("conf/fab.toml");
  EXPECT_EQ(s.database.file, dir.path() / "database.sqldb");
  EXPECT_EQ(s.source, dir.path() / "conf" / "fab.toml");
  EXPECT_EQ(s.mqtt.port, 1883);
}

TEST(SettingsFile, MissingOrUnreadableFileIsAnErrorNotACrash) {
  TempDir dir;
  try {
    load_settings(dir.path() / "nope.toml");
    FAIL();
  } catch (const SettingsError& e) {
    EXPECT_NE(std::string(e.what()).find("nope.toml: cannot be read"), std::string::npos)
        << e.what();
  }
  try {
    load_settings(dir.path());
    FAIL() << "a directory read as an empty file";
  } catch (const SettingsError& e) {
    EXPECT_EQ(std::string(e.what()), dir.path().string() + ": is a directory");
  }
  std::string garbage;
  for (int i = 0; i < 4096; ++i)
    garbage += static_cast<char>((i * 7919) & 0xFF);
  write_file(dir.path() / "garbage.toml", garbage);
  EXPECT_THROW(load_settings(dir.path() / "garbage.toml"), SettingsError);
}

TEST(SettingsFile, SearchOrder) {
  const auto paths = settings_search_paths("/home/fab", "/srv/lab");
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(paths[0], "/home/fab/.config/FabOMatic/settings.toml");
  EXPECT_EQ(paths[1], "/etc/FabOMatic/settings.toml");
  EXPECT_EQ(paths[2], "/srv/lab/settings.toml");
  EXPECT_EQ(settings_search_paths("", "/srv/lab").size(), 2u) << "no HOME, no home path";
}

TEST(SettingsFile, FindsTheFirstExistingFile) {
  if (fs::exists("/etc/FabOMatic/settings.toml")) {
    GTEST_SKIP() << "/etc/FabOMatic/settings.toml exists on this machine";
  }
  TempDir home;
  TempDir work;
  Environment env(home.path(), work.path());
  EXPECT_EQ(find_settings_file(), std::nullopt);

  write_file(work.path() / "settings.toml", kReference);
  EXPECT_EQ(find_settings_file(), work.path() / "settings.toml");

  const fs::path user_file = home.path() / ".config" / "FabOMatic" / "settings.toml";
  write_file(user_file, kReference);
  EXPECT_EQ(find_settings_file(), user_file) << "the user's file comes before ./settings.toml";

  fs::remove(user_file);
  fs::create_directories(user_file);  // a directory of that name is not a settings file
  EXPECT_EQ(find_settings_file(), work.path() / "settings.toml");
}

TEST(SettingsFile, DefaultFileIsCreatedPrivateAndParses) {
  TempDir dir;
  const fs::path file = dir.path() / "new" / "settings.toml";
  write_default_settings(file);
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  Environment env(dir.path(), dir.path());
  const Settings s = load_settings(file);
  EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
  EXPECT_EQ(s.web.secret_key.size(), 64u);
  EXPECT_EQ(s.web.secret_key.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(s.database.file, dir.path() / "database.sqldb");
  EXPECT_EQ(s.mqtt.port, 1883);
  EXPECT_EQ(s.mqtt.reply_subtopic, "reply");

  const fs::path other = dir.path() / "other.toml";
  write_default_settings(other);
  EXPECT_NE(load_settings(other).web.secret_key, s.web.secret_key) << "a fresh key per file";
}

TEST(SettingsFile, DefaultFileNeverOverwrites) {
  TempDir dir;
  const fs::path file = dir.path() / "settings.toml";
  write_file(file, "# mine\n");
  EXPECT_THROW(write_default_settings(file), SettingsError);
  std::ifstream stream(file);
  std::stringstream text;
  text << stream.rdbuf();
  EXPECT_EQ(text.str(), "# mine\n");
}

TEST(SettingsFile, DefaultTextKeepsEveryKeyOfTheOldTool) {
  const Settings s = parse(default_settings_text("some_secret"));
  EXPECT_TRUE(s.warnings.empty());
  EXPECT_EQ(s.web.secret_key, "some_secret");
  const std::string text = default_settings_text("some_secret");
  for (const char* line :
       {"url = \"sqlite:///database.sqldb\"", "name = \"fablab\"", "broker = \"localhost\"",
        "port = 1883", "client_id = \"backend\"", "topic = \"machine\"",
        "reply_subtopic = \"reply\"", "request_subtopic = \"request\"", "stats_topic = \"stats\"",
        "secret_key = \"some_secret\"", "default_admin_email = \"admin@fablab.org\"",
        "server = \"smtp.gmail.com\"", "port = 587", "use_tls = true", "username = \"\"",
        "password = \"\"", "enabled = false"}) {
    EXPECT_NE(text.find(std::string("\n") + line), std::string::npos) << line;
  }
  EXPECT_EQ(parse(default_settings_text("a\"b\\c\x7f")).web.secret_key, "a\"b\\c\x7f");
}

TEST(SettingsFile, ExampleInToolsIsTheDefaultFile) {
  std::ifstream stream(fs::path(FABOMATIC_SOURCE_DIR) / "tools" / "settings.example.toml");
  ASSERT_TRUE(stream) << "tools/settings.example.toml is missing";
  std::stringstream text;
  text << stream.rdbuf();
  EXPECT_EQ(text.str(), default_settings_text("some_secret"))
      << "regenerate tools/settings.example.toml from default_settings_text(\"some_secret\")";
}

TEST(LogLevel, PythonNumbersAndNames) {
  EXPECT_EQ(parse_log_level("10"), log::Level::debug);
  EXPECT_EQ(parse_log_level("0"), log::Level::debug);
  EXPECT_EQ(parse_log_level("15"), log::Level::info);
  EXPECT_EQ(parse_log_level("20"), log::Level::info);
  EXPECT_EQ(parse_log_level("30"), log::Level::warning);
  EXPECT_EQ(parse_log_level("40"), log::Level::error);
  EXPECT_EQ(parse_log_level("50"), log::Level::error);
  EXPECT_EQ(parse_log_level("debug"), log::Level::debug);
  EXPECT_EQ(parse_log_level("INFO"), log::Level::info);
  EXPECT_EQ(parse_log_level("Warn"), log::Level::warning);
  EXPECT_EQ(parse_log_level("warning"), log::Level::warning);
  EXPECT_EQ(parse_log_level("error"), log::Level::error);
  EXPECT_EQ(parse_log_level("critical"), log::Level::error);
  for (const char* bad : {"", "51", "100", "-10", "1e1", " 10", "verbose", "0x10", "1000"}) {
    EXPECT_EQ(parse_log_level(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace fabomatic::backend
