// The appliance's configuration: the FabOMatic settings.toml, read as the old tool wrote it,
// plus our additive keys with safe defaults.
//
// How each key of the old tool is interpreted (the README quotes this table):
//
//   [database] url           sqlite:///relative/path, resolved against the working directory at
//                            start (as before); sqlite:////absolute/path. Other schemes: error.
//   [database] name          read, informational only (the old tool did not use it either).
//   [MQTT] broker            the old tool's external broker host. The broker is embedded now,
//                            so it is read and ignored (a note is logged when it is not local).
//   [MQTT] port              where the embedded broker listens (1883).
//   [MQTT] client_id         the backend's name: stats go to <stats_topic>/<client_id>.
//   [MQTT] topic             query topic prefix: boards publish on <topic>/<id>.
//   [MQTT] reply_subtopic    replies go to <topic>/<id>/<reply_subtopic>. The old tool appended
//   [MQTT] request_subtopic  the value verbatim and its own files wrote "/reply"; a leading "/"
//                            is accepted and stripped, so "reply" and "/reply" mean the same.
//   [MQTT] stats_topic       first level of the stats topic.
//   [MQTT] user              the old tool's own broker login (unused there): read, ignored.
//   [MQTT] allow_anonymous   absent from the old tool's files: "legacy" (see AnonymousMode).
//   [web] secret_key         the old tool's session key: read and kept, not used.
//   [web] default_admin_email, base_url    the first admin's login; the portal's public URL.
//   [email] server, port, use_tls, username, password, sender    SMTP for mails, as before.
//   [weekly_summary] enabled, language     the weekly summary mail (en or it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"

namespace fabomatic::backend {

struct DatabaseSettings {
  std::string url = "sqlite:///database.sqldb";  // as written in the file
  std::string name = "fablab";                   // informational
  std::filesystem::path file;                    // the SQLite file `url` names, absolute
};

/// Who may connect without an account.
enum class AnonymousMode {
  refused,  // allow_anonymous = false: every client needs an account
  allowed,  // allow_anonymous = true: anonymous clients get the ACL file's anonymous rules, or
            // every right without an ACL file (the old open broker)
  legacy,   // no allow_anonymous key and no [MQTT.users] (a file of the old tool): anonymous
            // clients may only speak for machines that exist — publish on machine/<id>, no
            // retain, subscribe to machine/<id>/reply and /request — until the lab moves its
            // boards to accounts; the portal shows a warning meanwhile
};

/// An extra MQTT listener: MQTT over TLS, over WebSocket, or over WebSocket and TLS.
struct MqttListenerSettings {
  std::uint16_t port = 0;  // 0 = off
};

struct MqttSettings {
  // Keys of the old tool.
  std::string broker = "localhost";          // ignored: the broker is embedded
  std::uint16_t port = 1883;                 // where the embedded broker listens
  std::string client_id = "backend";         // stats topic suffix
  std::string topic = "machine";             // boards publish queries on <topic>/<id>
  std::string reply_subtopic = "reply";      // without leading '/'
  std::string request_subtopic = "request";  // without leading '/'
  std::string stats_topic = "stats";
  std::string user;  // the old tool's own login; ignored
  // Ours.
  std::string bind_address = "0.0.0.0";  // all interfaces
  std::uint32_t max_connections = 10000;
  std::uint32_t max_packet_size = 262144;    // bytes, incoming packets larger are refused
  std::uint16_t max_inflight = 20;           // QoS 1/2 messages in flight per client
  std::uint32_t max_queued_messages = 1000;  // per offline persistent session
  std::uint32_t connect_timeout_s = 10;      // time allowed between accept and CONNECT
  std::uint32_t sys_interval_s = 10;         // $SYS publication period, 0 = off
  // Bounds on what clients can make the broker hold (broker/core/config.hpp).
  std::uint32_t max_connect_size = 8192;          // first packet before CONNECT is accepted
  std::uint32_t max_connections_per_address = 0;  // 0 = no limit (a lab's NAT)
  // Connections from one address not logged in yet (CONNECT not accepted); 0 = no limit.
  std::uint32_t max_pending_connections_per_address = 64;
  std::uint32_t max_retained_messages = 10000;
  std::uint32_t max_retained_bytes = 16 << 20;
  std::uint32_t max_persistent_sessions = 1000;
  std::uint32_t persistent_session_expiry_s = 7 * 86400;  // 0 = never
  std::uint32_t max_subscriptions_per_client = 1000;
  std::uint32_t max_subscriptions_total = 100'000;
  std::uint32_t max_output_total = 64 << 20;  // bytes waiting for clients, all connections
  // Accounts and rules, Mosquitto's files (read at start and again on SIGHUP).
  std::filesystem::path password_file;  // mosquitto_passwd's format; empty = none
  std::filesystem::path acl_file;       // Mosquitto's ACL format; empty = none
  bool use_username_as_clientid = false;
  // Client accounts with their password in clear, from the [MQTT.users] table
  // (user name = "password"): like lines of password_file.
  std::map<std::string, std::string> users;
  // allow_anonymous as written: refused (false), allowed (true); absent: legacy, or refused
  // when [MQTT.users] has accounts (as before).
  AnonymousMode anonymous = AnonymousMode::legacy;
  // Extra listeners, off by default. TLS uses tls_certificate/tls_private_key, or the portal's
  // certificate (configured or self-signed) when they are empty.
  MqttListenerSettings tls;            // MQTT over TLS (8883 is usual)
  MqttListenerSettings websocket;      // MQTT over WebSocket, ws:// (browsers, Node-RED)
  MqttListenerSettings websocket_tls;  // MQTT over WebSocket and TLS, wss://
  std::filesystem::path tls_certificate;
  std::filesystem::path tls_private_key;
};

struct WebSettings {
  // Keys of the old tool.
  std::string secret_key;  // the old tool's; fabomatic's sessions are server-side tokens
  std::string default_admin_email = "admin@fablab.org";
  std::string base_url;  // public URL used in mails, empty = unknown
  // Ours.
  std::uint16_t port = 23336;  // HTTPS
  std::string bind_address = "0.0.0.0";
  std::uint16_t http_redirect_port = 0;  // plain HTTP redirecting to HTTPS, 0 = off
  std::filesystem::path certificate;     // PEM, empty = self-signed in data_dir
  std::filesystem::path private_key;     // PEM, empty = self-signed in data_dir
  std::uint32_t session_idle_min = 30;
  std::uint32_t session_absolute_hours = 12;
  // Limits against slow or hostile clients (web/server.hpp has the finer ones).
  std::uint32_t max_connections = 512;  // HTTPS + WebSocket at once; more are closed at once
  std::uint32_t max_connections_per_address = 64;  // the same per remote address, 0 = no limit
  std::uint32_t body_limit_kib = 1024;             // largest request body; more: 413
  std::uint32_t client_timeout_s = 10;  // TLS handshake, and first byte to end of headers
};

struct EmailSettings {
  std::string server = "smtp.gmail.com";
  std::uint16_t port = 587;
  bool use_tls = true;
  std::string username;
  std::string password;
  std::string sender = "admin@fablab.org";
};

struct WeeklySummarySettings {
  bool enabled = false;
  std::string language = "en";  // "en" or "it"
  // Ours: when the service sends it, in local time (the old tool relied on cron).
  std::string day = "monday";  // monday .. sunday
  std::uint32_t hour = 8;      // 0..23
};

struct BackendSettings {
  std::filesystem::path data_dir;                    // absolute; default: the working directory
  std::uint32_t purge_retention_days = 365;          // uses
  std::uint32_t interventions_retention_days = 365;  // default: purge_retention_days
  std::uint32_t unknown_cards_retention_days = 30;
  std::uint32_t audit_retention_days = 730;  // audit-log entries; 0 = kept forever
  // Nightly backup copies: none when backup_dir is empty.
  std::filesystem::path backup_dir;
  std::uint32_t backup_keep = 7;              // the newest copies kept in backup_dir
  std::uint32_t backup_hour = 3;              // local time
  std::uint32_t use_timeout_min = 60;         // close uses not refreshed for this long
  std::uint32_t online_window_s = 90;         // a board is online when heard within this window
  std::uint32_t stats_interval_s = 5;         // stats/<client_id> period, 0 = off
  std::uint32_t stale_check_interval_s = 60;  // how often uses past use_timeout_min are closed
  // Unknown-card taps: one row per card and machine per window; at most max_unknown_cards rows.
  std::uint32_t unknown_card_window_s = 300;
  std::uint32_t max_unknown_cards = 10000;
  // Boards announcing a machine id that has no machine: at most this many, forgotten when not
  // heard for the retention.
  std::uint32_t max_discovered_boards = 100;
  std::uint32_t discovered_boards_retention_days = 30;
  log::Level log_level = log::Level::info;
};

struct Settings {
  DatabaseSettings database;
  MqttSettings mqtt;
  WebSettings web;
  EmailSettings email;
  WeeklySummarySettings weekly_summary;
  BackendSettings backend;

  std::filesystem::path source;       // the file read; empty for built-in defaults
  std::vector<std::string> warnings;  // unknown keys and the like: log them at start
};

/// A settings file that cannot be used. what() holds one line per problem, each naming the
/// file, the key and what is wrong ("settings.toml: [MQTT] port: must be an integer from 1 to
/// 65535, got \"abc\""); errors() has the same lines one by one.
class SettingsError : public std::runtime_error {
 public:
  explicit SettingsError(std::vector<std::string> errors);
  explicit SettingsError(const std::string& error)
      : SettingsError(std::vector<std::string>{error}) {}
  const std::vector<std::string>& errors() const noexcept { return errors_; }

 private:
  std::vector<std::string> errors_;
};

/// Built-in defaults, with relative paths resolved against `working_dir`.
Settings default_settings(const std::filesystem::path& working_dir);

/// Parses settings.toml text. `source_name` prefixes messages; relative paths resolve against
/// `working_dir`. Missing keys keep their defaults; throws SettingsError listing every problem.
Settings parse_settings(std::string_view toml_text, std::string_view source_name,
                        const std::filesystem::path& working_dir);

/// Reads a settings.toml file (relative paths resolve against the current directory).
Settings load_settings(const std::filesystem::path& file);

/// Where the settings file is looked for when --config is not given, in order:
/// <home>/.config/FabOMatic/settings.toml, /etc/FabOMatic/settings.toml, <cwd>/settings.toml.
std::vector<std::filesystem::path> settings_search_paths(const std::filesystem::path& home,
                                                         const std::filesystem::path& cwd);

/// The first existing file of settings_search_paths($HOME, current directory), if any.
std::optional<std::filesystem::path> find_settings_file();

/// The commented default settings file: the old tool's keys with their values, then ours
/// commented out at their defaults. tools/settings.example.toml is this text with
/// secret_key "some_secret".
std::string default_settings_text(std::string_view secret_key);

/// Creates `file` (mode 0600, it holds secrets) with default_settings_text and a fresh random
/// secret_key. Never overwrites: throws SettingsError when the file exists or cannot be written.
void write_default_settings(const std::filesystem::path& file);

/// A value [web] base_url may hold: "" (the portal's own address is used), host[:port][/path]
/// (the old tool's form: https:// goes before it) or http(s)://host[:port][/path]. Another
/// scheme (javascript:, file:), a user part, spaces or quotes would put something else than
/// the portal into the link a password-reset mail carries.
bool is_portal_address(std::string_view url);

/// A log level as Python's logging numbers (0-10 debug, 11-20 info, 21-30 warning, 31-50
/// error) or a name (debug, info, warning/warn, error, critical; any case).
std::optional<log::Level> parse_log_level(std::string_view text);
std::optional<log::Level> log_level_from_number(std::int64_t number);

}  // namespace fabomatic::backend
