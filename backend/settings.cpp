#include "backend/settings.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <sstream>

#include "backend/json_text.hpp"
#include "common/text.hpp"

namespace fabomatic::backend {

namespace {

namespace fs = std::filesystem;

/// Problems found while reading, in file order.
struct Diagnostics {
  std::string source;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;

  void error(std::string_view where, std::string_view what) {
    errors.push_back(source + ": " + std::string(where) + ": " + std::string(what));
  }
  void warning(std::string_view where, std::string_view what) {
    warnings.push_back(source + ": " + std::string(where) + ": " + std::string(what));
  }
};

/// A TOML value as the user wrote it, for "got ..." in messages.
std::string describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: {
      std::string out;
      const std::string& text = node.as_string()->get();
      const std::size_t written = append_json_string(out, text, 60);
      if (written < text.size()) out.insert(out.size() - 1, "...");
      return out;
    }
    case toml::node_type::integer:
      return std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point: {
      std::ostringstream stream;
      stream << *node.as_floating_point();
      return stream.str();
    }
    case toml::node_type::boolean:
      return node.as_boolean()->get() ? "true" : "false";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date/time";
  }
}

bool is_ip_address(const std::string& text) {
  std::array<unsigned char, 16> buffer{};
  return inet_pton(AF_INET, text.c_str(), buffer.data()) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer.data()) == 1;
}

/// Reads the keys of one section, remembering which ones it used so that the rest can be
/// reported as unknown.
class SectionReader {
 public:
  SectionReader(const toml::table* table, std::string section, Diagnostics& diagnostics)
      : table_(table), section_(std::move(section)), diagnostics_(diagnostics) {}

  bool has(std::string_view key) {
    known_.insert(std::string(key));
    return table_ != nullptr && table_->contains(key);
  }

  const toml::node* node(std::string_view key) {
    if (!has(key)) return nullptr;
    return table_->get(key);
  }

  void error(std::string_view key, std::string_view what) { diagnostics_.error(where(key), what); }
  void warning(std::string_view key, std::string_view what) {
    diagnostics_.warning(where(key), what);
  }
  std::string where(std::string_view key) const { return "[" + section_ + "] " + std::string(key); }

  bool string(std::string_view key, std::string& out) {
    const toml::node* value = node(key);
    if (value == nullptr) return false;
    if (!value->is_string()) {
      error(key, "must be a string, got " + describe(*value));
      return false;
    }
    out = value->as_string()->get();
    return true;
  }

  /// A string that must not be empty.
  void nonempty_string(std::string_view key, std::string& out) {
    std::string value;
    if (!string(key, value)) return;
    if (value.empty()) {
      error(key, "must not be empty");
      return;
    }
    out = std::move(value);
  }

  void boolean(std::string_view key, bool& out) {
    const toml::node* value = node(key);
    if (value == nullptr) return;
    if (!value->is_boolean()) {
      error(key, "must be true or false, got " + describe(*value));
      return;
    }
    out = value->as_boolean()->get();
  }

  template <typename Int>
  bool integer(std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
    const toml::node* value = node(key);
    if (value == nullptr) return false;
    if (!value->is_integer() || value->as_integer()->get() < min ||
        value->as_integer()->get() > max) {
      error(key, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                     ", got " + describe(*value));
      return false;
    }
    out = static_cast<Int>(value->as_integer()->get());
    return true;
  }

  /// A path; relative ones resolve against `base`. Empty stays empty.
  void path(std::string_view key, fs::path& out, const fs::path& base) {
    std::string value;
    if (!string(key, value)) return;
    out = value.empty() ? fs::path() : (base / value).lexically_normal();
  }

  void ip_address(std::string_view key, std::string& out) {
    std::string value;
    if (!string(key, value)) return;
    if (!is_ip_address(value)) {
      error(key, "must be an IPv4 or IPv6 address such as \"0.0.0.0\" or \"::\", got " +
                     describe(*node(key)));
      return;
    }
    out = std::move(value);
  }

  /// An MQTT topic (or topic part) we publish on or match: no wildcards, no empty levels at
  /// the ends. `strip_slash` drops one leading '/' (the old tool's "/reply" spelling).
  void topic(std::string_view key, std::string& out, bool strip_slash) {
    std::string value;
    if (!string(key, value)) return;
    if (strip_slash && !value.empty() && value.front() == '/') value.erase(0, 1);
    if (value.empty()) {
      error(key, "must not be empty");
    } else if (value.find_first_of(std::string_view("+#\0", 3)) != std::string::npos) {
      error(key,
            "must not contain the MQTT wildcards + or # (nor a NUL), got " + describe(*node(key)));
    } else if (value.front() == '/' || value.back() == '/') {
      error(key, "must not start or end with '/', got " + describe(*node(key)));
    } else {
      out = std::move(value);
    }
  }

  /// Warns about every key of the section this reader was not asked about.
  void finish() {
    if (table_ == nullptr) return;
    for (const auto& [key, value] : *table_) {
      const std::string name(key.str());
      if (known_.count(name) != 0) continue;
      std::string hint;
      for (const auto& candidate : known_) {
        if (text::ascii_lowercase(candidate) == text::ascii_lowercase(name))
          hint = " (did you mean " + candidate + "?)";
      }
      warning(name, "unknown key, ignored" + hint);
    }
  }

 private:
  const toml::table* table_;
  std::string section_;
  Diagnostics& diagnostics_;
  std::set<std::string> known_;
};

const toml::table* section_table(const toml::table& root, std::string_view name,
                                 Diagnostics& diagnostics) {
  const toml::node* node = root.get(name);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) {
    diagnostics.error(std::string(name),
                      "must be a section ([" + std::string(name) + "]), got " + describe(*node));
    return nullptr;
  }
  return node->as_table();
}

void read_database(const toml::table* table, Diagnostics& diagnostics, const fs::path& cwd,
                   DatabaseSettings& out) {
  SectionReader reader(table, "database", diagnostics);
  std::string url;
  if (reader.string("url", url)) {
    constexpr std::string_view kScheme = "sqlite:///";
    const std::string_view rest =
        url.starts_with(kScheme) ? std::string_view(url).substr(kScheme.size()) : "";
    if (!url.starts_with(kScheme)) {
      reader.error("url",
                   "must be a SQLite URL, sqlite:///relative/path or sqlite:////absolute/path, "
                   "got " +
                       describe(*reader.node("url")));
    } else if (rest.empty()) {
      reader.error("url", "names no database file (sqlite:///database.sqldb for example)");
    } else if (rest.find('?') != std::string_view::npos) {
      reader.error("url", "URL parameters (after '?') are not supported, got " +
                              describe(*reader.node("url")));
    } else {
      out.url = url;
    }
  }
  reader.string("name", out.name);
  reader.finish();
  // sqlite:////abs has rest "/abs"; sqlite:///rel has rest "rel" (relative to the start dir).
  out.file = (cwd / std::string_view(out.url).substr(10)).lexically_normal();
}

void read_mqtt(const toml::table* table, Diagnostics& diagnostics, const fs::path& cwd,
               MqttSettings& out) {
  SectionReader reader(table, "MQTT", diagnostics);
  reader.string("broker", out.broker);
  reader.integer("port", out.port, 1, 65535);
  reader.topic("client_id", out.client_id, false);
  reader.topic("topic", out.topic, false);
  reader.topic("reply_subtopic", out.reply_subtopic, true);
  reader.topic("request_subtopic", out.request_subtopic, true);
  reader.topic("stats_topic", out.stats_topic, false);
  reader.string("user", out.user);
  reader.ip_address("bind_address", out.bind_address);
  reader.integer("max_connections", out.max_connections, 1, 1'000'000);
  reader.integer("max_packet_size", out.max_packet_size, 512, 268'435'455);
  reader.integer("max_inflight", out.max_inflight, 1, 65535);
  reader.integer("max_queued_messages", out.max_queued_messages, 0, 1'000'000);
  reader.integer("connect_timeout_s", out.connect_timeout_s, 1, 3600);
  reader.integer("sys_interval_s", out.sys_interval_s, 0, 86400);
  reader.integer("max_connect_size", out.max_connect_size, 128, 268'435'455);
  reader.integer("max_connections_per_address", out.max_connections_per_address, 0, 1'000'000);
  reader.integer("max_pending_connections_per_address", out.max_pending_connections_per_address, 0,
                 1'000'000);
  reader.integer("max_retained_messages", out.max_retained_messages, 0, 100'000'000);
  reader.integer("max_retained_bytes", out.max_retained_bytes, 0, 4'000'000'000);
  reader.integer("max_persistent_sessions", out.max_persistent_sessions, 0, 1'000'000);
  reader.integer("persistent_session_expiry_s", out.persistent_session_expiry_s, 0,
                 10 * 365 * 86400);
  reader.integer("max_subscriptions_per_client", out.max_subscriptions_per_client, 1, 1'000'000);
  reader.integer("max_subscriptions_total", out.max_subscriptions_total, 1, 100'000'000);
  reader.integer("max_output_total", out.max_output_total, 65536, 4'000'000'000);
  reader.path("password_file", out.password_file, cwd);
  reader.path("acl_file", out.acl_file, cwd);
  reader.boolean("use_username_as_clientid", out.use_username_as_clientid);
  reader.integer("tls_port", out.tls.port, 0, 65535);
  reader.integer("websocket_port", out.websocket.port, 0, 65535);
  reader.integer("websocket_tls_port", out.websocket_tls.port, 0, 65535);
  reader.path("tls_certificate", out.tls_certificate, cwd);
  reader.path("tls_private_key", out.tls_private_key, cwd);
  if (out.tls_certificate.empty() != out.tls_private_key.empty()) {
    reader.error(out.tls_certificate.empty() ? "tls_certificate" : "tls_private_key",
                 "tls_certificate and tls_private_key go together: set both, or neither to use "
                 "the portal's certificate");
  }

  if (const toml::node* users = reader.node("users")) {
    if (!users->is_table()) {
      reader.error("users", "must be a table of user name = \"password\" ([MQTT.users]), got " +
                                describe(*users));
    } else {
      for (const auto& [name, password] : *users->as_table()) {
        const std::string user(name.str());
        if (user.empty()) {
          reader.error("users", "a user name must not be empty");
        } else if (!password.is_string()) {
          reader.error("users." + user,
                       "must be the password as a string, got " + describe(password));
        } else {
          out.users[user] = password.as_string()->get();
        }
      }
    }
  }
  // Absent: a file of the old tool. Its boards keep working (legacy) unless it listed accounts,
  // which always locked anonymous clients out.
  out.anonymous = out.users.empty() ? AnonymousMode::legacy : AnonymousMode::refused;
  if (reader.has("allow_anonymous")) {
    bool allow = false;
    reader.boolean("allow_anonymous", allow);
    out.anonymous = allow ? AnonymousMode::allowed : AnonymousMode::refused;
  }

  // The firmware has these compiled in: other values only suit other clients.
  struct FirmwareTopic {
    std::string_view key;
    const std::string& value;
    std::string_view firmware;
  };
  for (const FirmwareTopic& topic :
       {FirmwareTopic{"topic", out.topic, "machine"},
        FirmwareTopic{"reply_subtopic", out.reply_subtopic, "reply"},
        FirmwareTopic{"request_subtopic", out.request_subtopic, "request"}}) {
    if (topic.value == topic.firmware) continue;
    reader.warning(topic.key, "\"" + text::sanitize_utf8(topic.value) +
                                  "\" differs from the Fab-O-Matic firmware's \"" +
                                  std::string(topic.firmware) +
                                  "\"; unmodified boards will not be answered");
  }

  if (!out.broker.empty() && out.broker != "localhost" && out.broker != "127.0.0.1" &&
      out.broker != "::1") {
    reader.warning("broker", "names the old external broker \"" + text::sanitize_utf8(out.broker) +
                                 "\"; the broker is now embedded and listens on [MQTT] port");
  }
  reader.finish();
}

}  // namespace

bool is_portal_address(std::string_view url) {
  if (url.empty()) return true;
  const auto unsafe = [](char c) {
    return text::is_control(c) ||
           std::string_view(" \"<>\\^`{|}").find(c) != std::string_view::npos;
  };
  if (std::any_of(url.begin(), url.end(), unsafe)) return false;
  std::string_view rest = url;
  if (const auto scheme_end = url.find("://"); scheme_end != std::string_view::npos) {
    const auto scheme = url.substr(0, scheme_end);
    if (!text::iequals(scheme, "http") && !text::iequals(scheme, "https")) return false;
    rest = url.substr(scheme_end + 3);
  }
  // host[:port]: a name or an IPv4 address, or an IPv6 one in brackets.
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  const auto host_end = authority.starts_with('[') ? authority.find(']') : authority.find(':');
  if (authority.starts_with('[') && host_end == std::string_view::npos) return false;
  const std::string_view host =
      authority.substr(0, authority.starts_with('[') ? host_end + 1 : host_end);
  std::string_view port = authority.substr(host.size());
  if (!port.empty()) {
    if (port.front() != ':' || port.size() == 1 || port.size() > 6) return false;
    port.remove_prefix(1);
  }
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const auto name_char = [&](char c) {
    return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' ||
           c == '_';
  };
  if (host.empty() || !std::all_of(port.begin(), port.end(), digit)) return false;
  return host.starts_with('[') || std::all_of(host.begin(), host.end(), name_char);
}

namespace {

void read_web(const toml::table* table, Diagnostics& diagnostics, const fs::path& cwd,
              WebSettings& out) {
  SectionReader reader(table, "web", diagnostics);
  // Kept for the old tool's files (and written back unchanged): fabomatic's sessions are random
  // tokens held on the server, which need no signing key.
  reader.string("secret_key", out.secret_key);
  std::string email;
  if (reader.string("default_admin_email", email)) {
    if (!text::plausible_email(email)) {
      reader.error("default_admin_email", "must be an e-mail address, got " +
                                              describe(*reader.node("default_admin_email")));
    } else {
      out.default_admin_email = email;
    }
  }
  if (reader.string("base_url", out.base_url) && !is_portal_address(out.base_url)) {
    reader.error("base_url",
                 "must be the portal's web address (https://host[:port][/path], or "
                 "host[:port]), got " +
                     describe(*reader.node("base_url")));
  }
  reader.integer("port", out.port, 1, 65535);
  reader.ip_address("bind_address", out.bind_address);
  reader.integer("http_redirect_port", out.http_redirect_port, 0, 65535);
  reader.path("certificate", out.certificate, cwd);
  reader.path("private_key", out.private_key, cwd);
  if (out.certificate.empty() != out.private_key.empty()) {
    reader.error(out.certificate.empty() ? "certificate" : "private_key",
                 "certificate and private_key go together: set both, or neither for a "
                 "self-signed certificate");
  }
  reader.integer("session_idle_min", out.session_idle_min, 1, 10080);
  reader.integer("session_absolute_hours", out.session_absolute_hours, 1, 8760);
  reader.integer("max_connections", out.max_connections, 1, 100000);
  reader.integer("max_connections_per_address", out.max_connections_per_address, 0, 100000);
  reader.integer("body_limit_kib", out.body_limit_kib, 1, 65536);
  reader.integer("client_timeout_s", out.client_timeout_s, 1, 3600);
  reader.finish();
}

void read_email(const toml::table* table, Diagnostics& diagnostics, EmailSettings& out) {
  SectionReader reader(table, "email", diagnostics);
  reader.string("server", out.server);
  reader.integer("port", out.port, 1, 65535);
  reader.boolean("use_tls", out.use_tls);
  reader.string("username", out.username);
  reader.string("password", out.password);
  reader.string("sender", out.sender);
  reader.finish();
}

void read_weekly_summary(const toml::table* table, Diagnostics& diagnostics,
                         WeeklySummarySettings& out) {
  SectionReader reader(table, "weekly_summary", diagnostics);
  reader.boolean("enabled", out.enabled);
  std::string language;
  if (reader.string("language", language)) {
    language = text::ascii_lowercase(language);  // the old tool's files may say "EN"
    if (language != "en" && language != "it") {
      reader.error("language",
                   "must be \"en\" or \"it\", got " + describe(*reader.node("language")));
    } else {
      out.language = language;
    }
  }
  std::string day;
  if (reader.string("day", day)) {
    static constexpr std::string_view kDays[] = {"monday", "tuesday",  "wednesday", "thursday",
                                                 "friday", "saturday", "sunday"};
    const std::string lower = text::ascii_lowercase(day);
    if (std::find(std::begin(kDays), std::end(kDays), lower) == std::end(kDays)) {
      reader.error("day", "must be a day of the week (monday ... sunday), got " +
                              describe(*reader.node("day")));
    } else {
      out.day = lower;
    }
  }
  reader.integer("hour", out.hour, 0, 23);
  reader.finish();
}

void read_backend(const toml::table* table, Diagnostics& diagnostics, const fs::path& cwd,
                  BackendSettings& out) {
  SectionReader reader(table, "backend", diagnostics);
  reader.path("data_dir", out.data_dir, cwd);
  if (out.data_dir.empty()) out.data_dir = cwd;
  reader.integer("purge_retention_days", out.purge_retention_days, 1, 36500);
  out.interventions_retention_days = out.purge_retention_days;  // as before, unless set
  reader.integer("interventions_retention_days", out.interventions_retention_days, 1, 36500);
  reader.integer("unknown_cards_retention_days", out.unknown_cards_retention_days, 1, 36500);
  reader.integer("audit_retention_days", out.audit_retention_days, 0, 36500);
  reader.path("backup_dir", out.backup_dir, cwd);
  reader.integer("backup_keep", out.backup_keep, 1, 1000);
  reader.integer("backup_hour", out.backup_hour, 0, 23);
  reader.integer("use_timeout_min", out.use_timeout_min, 1, 10080);
  reader.integer("online_window_s", out.online_window_s, 10, 86400);
  reader.integer("stats_interval_s", out.stats_interval_s, 0, 86400);
  reader.integer("stale_check_interval_s", out.stale_check_interval_s, 1, 86400);
  reader.integer("unknown_card_window_s", out.unknown_card_window_s, 0, 86400);
  reader.integer("max_unknown_cards", out.max_unknown_cards, 1, 100'000'000);
  reader.integer("max_discovered_boards", out.max_discovered_boards, 0, 100'000);
  reader.integer("discovered_boards_retention_days", out.discovered_boards_retention_days, 1,
                 36500);
  if (const toml::node* level = reader.node("log_level")) {
    std::optional<log::Level> parsed;
    if (level->is_integer()) parsed = log_level_from_number(level->as_integer()->get());
    if (level->is_string()) parsed = parse_log_level(level->as_string()->get());
    if (parsed) {
      out.log_level = *parsed;
    } else {
      reader.error(
          "log_level",
          "must be debug, info, warning, error or a number from 0 to 50, got " + describe(*level));
    }
  }
  reader.finish();
}

/// Checks that need several sections.
void cross_check(const Settings& settings, Diagnostics& diagnostics) {
  if (settings.web.port == settings.mqtt.port) {
    diagnostics.error("[web] port", "must differ from [MQTT] port (both are " +
                                        std::to_string(settings.web.port) + ")");
  }
  // The extra MQTT listeners need ports of their own.
  const std::pair<std::string_view, std::uint16_t> ports[] = {
      {"[MQTT] tls_port", settings.mqtt.tls.port},
      {"[MQTT] websocket_port", settings.mqtt.websocket.port},
      {"[MQTT] websocket_tls_port", settings.mqtt.websocket_tls.port},
      {"[MQTT] port", settings.mqtt.port},
      {"[web] port", settings.web.port},
      {"[web] http_redirect_port", settings.web.http_redirect_port}};
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = i + 1; j < std::size(ports) && ports[i].second != 0; ++j) {
      if (ports[j].second == ports[i].second) {
        diagnostics.error(ports[i].first, "must differ from " + std::string(ports[j].first) +
                                              " (both are " + std::to_string(ports[i].second) +
                                              ")");
      }
    }
  }
  const auto redirect = settings.web.http_redirect_port;
  if (redirect != 0 && (redirect == settings.web.port || redirect == settings.mqtt.port)) {
    diagnostics.error(
        "[web] http_redirect_port",
        "must differ from [web] port and [MQTT] port, got " + std::to_string(redirect));
  }
}

constexpr std::array<std::string_view, 6> kSections = {"database", "MQTT",           "web",
                                                       "email",    "weekly_summary", "backend"};

std::string random_secret() {
  std::random_device device;
  std::string secret;
  constexpr std::string_view kHex = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) {
    std::uint32_t word = device();
    for (int j = 0; j < 8; ++j) {
      secret += kHex[word & 0xF];
      word >>= 4;
    }
  }
  return secret;  // 256 bits
}

/// A TOML basic string literal.
std::string toml_quote(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  // JSON leaves DEL raw; TOML wants it escaped.
  std::string quoted;
  for (char c : out) {
    if (c == '\x7f') {
      quoted += "\\u007F";
    } else {
      quoted += c;
    }
  }
  return quoted;
}

}  // namespace

SettingsError::SettingsError(std::vector<std::string> errors)
    : std::runtime_error([&] {
        std::string joined;
        for (const auto& line : errors) {
          if (!joined.empty()) joined += '\n';
          joined += line;
        }
        return joined;
      }()),
      errors_(std::move(errors)) {}

Settings default_settings(const std::filesystem::path& working_dir) {
  return parse_settings("", "defaults", working_dir);
}

Settings parse_settings(std::string_view toml_text, std::string_view source_name,
                        const std::filesystem::path& working_dir) {
  Diagnostics diagnostics{std::string(source_name), {}, {}};
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    throw SettingsError(std::string(source_name) + ":" + std::to_string(begin.line) + ":" +
                        std::to_string(begin.column) +
                        ": not valid TOML: " + std::string(e.description()));
  }
  const fs::path cwd = working_dir.lexically_normal();

  Settings settings;
  read_database(section_table(root, "database", diagnostics), diagnostics, cwd, settings.database);
  read_mqtt(section_table(root, "MQTT", diagnostics), diagnostics, cwd, settings.mqtt);
  read_web(section_table(root, "web", diagnostics), diagnostics, cwd, settings.web);
  read_email(section_table(root, "email", diagnostics), diagnostics, settings.email);
  read_weekly_summary(section_table(root, "weekly_summary", diagnostics), diagnostics,
                      settings.weekly_summary);
  read_backend(section_table(root, "backend", diagnostics), diagnostics, cwd, settings.backend);
  cross_check(settings, diagnostics);

  for (const auto& [key, value] : root) {
    const std::string name(key.str());
    bool known = false;
    std::string hint;
    for (std::string_view section : kSections) {
      if (name == section) known = true;
      if (name != section && text::ascii_lowercase(name) == text::ascii_lowercase(section)) {
        hint = " (did you mean [" + std::string(section) + "]?)";
      }
    }
    if (known) continue;
    if (value.is_table()) {
      diagnostics.warning("[" + name + "]", "unknown section, ignored" + hint);
    } else {
      diagnostics.warning(name, "unknown key outside any section, ignored");
    }
  }

  if (!diagnostics.errors.empty()) throw SettingsError(std::move(diagnostics.errors));
  settings.warnings = std::move(diagnostics.warnings);
  return settings;
}

Settings load_settings(const std::filesystem::path& file) {
  std::error_code ec;
  // An ifstream opens a directory and reads it as empty: that would silently mean defaults.
  if (fs::is_directory(file, ec)) throw SettingsError(file.string() + ": is a directory");
  std::ifstream stream(file, std::ios::binary);
  if (!stream) {
    throw SettingsError(file.string() + ": cannot be read: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << stream.rdbuf();
  if (stream.bad()) throw SettingsError(file.string() + ": cannot be read");
  fs::path cwd = fs::current_path(ec);
  if (ec) throw SettingsError("cannot determine the working directory: " + ec.message());
  Settings settings = parse_settings(text.str(), file.string(), cwd);
  settings.source = fs::absolute(file, ec);
  return settings;
}

std::vector<std::filesystem::path> settings_search_paths(const std::filesystem::path& home,
                                                         const std::filesystem::path& cwd) {
  std::vector<fs::path> paths;
  if (!home.empty()) paths.push_back(home / ".config" / "FabOMatic" / "settings.toml");
  paths.emplace_back("/etc/FabOMatic/settings.toml");
  paths.push_back(cwd / "settings.toml");
  return paths;
}

std::optional<std::filesystem::path> find_settings_file() {
  const char* home = std::getenv("HOME");
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  for (const auto& candidate : settings_search_paths(home ? fs::path(home) : fs::path(), cwd)) {
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  return std::nullopt;
}

std::string default_settings_text(std::string_view secret_key) {
  std::string text =
      R"(# FabOMatic settings, read by fabomatic exactly as the old Python backend wrote them.
# Keys left out keep their defaults. Commented-out keys are fabomatic additions, shown at their
# defaults. Relative paths resolve against the working directory fabomatic starts in.

[database]
url = "sqlite:///database.sqldb"  # SQLite file: sqlite:///relative/path or sqlite:////absolute/path
name = "fablab"                   # informational

[MQTT]
broker = "localhost"          # the old tool's external broker: unused, the broker is embedded
port = 1883                   # where the embedded broker listens (the boards use 1883)
client_id = "backend"         # stats are published on <stats_topic>/<client_id>
topic = "machine"             # boards publish on <topic>/<id> (the firmware uses "machine")
reply_subtopic = "reply"      # replies go to <topic>/<id>/<reply_subtopic>; "/reply" also works
request_subtopic = "request"  # remote start/stop goes to <topic>/<id>/<request_subtopic>
stats_topic = "stats"
# Who may connect: false = only clients with an account (a board account made in the portal
# or with `fabomatic board-account create`, or password_file/[MQTT.users]); true = anyone.
# A settings file of the old tool has no such key: its boards keep working, but anonymous
# clients may then only speak for existing machines, and the portal shows how to move on.
allow_anonymous = false
# password_file = ""          # Mosquitto password file (mosquitto_passwd), re-read on SIGHUP
# acl_file = ""               # Mosquitto ACL file (user/topic/pattern), re-read on SIGHUP
# use_username_as_clientid = false
# bind_address = "0.0.0.0"    # address the broker listens on ("::" for IPv6 too)
# tls_port = 0                # MQTT over TLS (8883 is usual); 0 = off
# websocket_port = 0          # MQTT over WebSocket (ws://); 0 = off
# websocket_tls_port = 0      # MQTT over WebSocket and TLS (wss://); 0 = off
# tls_certificate = ""        # PEM for the TLS listeners; empty = the portal's certificate
# tls_private_key = ""
# max_connections = 10000
# max_connections_per_address = 0  # 0 = no limit (boards behind one NAT share an address)
# max_pending_connections_per_address = 64  # sockets from one address not logged in yet; 0 = no limit
# max_packet_size = 262144    # bytes; larger packets are refused
# max_connect_size = 8192     # bytes a client may send before its CONNECT is accepted
# max_inflight = 20           # QoS 1/2 messages in flight per client
# max_queued_messages = 1000  # per offline persistent session
# max_output_total = 67108864 # bytes waiting for clients, all connections together
# max_retained_messages = 10000
# max_retained_bytes = 16777216
# max_persistent_sessions = 1000
# persistent_session_expiry_s = 604800  # an offline persistent session is dropped after; 0 = never
# max_subscriptions_per_client = 1000
# max_subscriptions_total = 100000  # all clients together
# connect_timeout_s = 10      # time a new connection has to send CONNECT
# sys_interval_s = 10         # $SYS statistics period, 0 = off
#
# Broker accounts with their password in clear, user name = "password" (prefer password_file).
# [MQTT.users]
# user = "password"

[web]
secret_key = )" +
      toml_quote(secret_key) +
      R"(  # the old tool's session key: kept, not used (sessions live on the server)
default_admin_email = "admin@fablab.org"  # login of the first administrator
# base_url = ""               # public URL of the portal, used in mails
# port = 23336                # HTTPS port of the portal
# bind_address = "0.0.0.0"
# http_redirect_port = 0      # plain HTTP port redirecting to HTTPS, 0 = off
# certificate = ""            # PEM certificate; empty = self-signed one in data_dir
# private_key = ""            # PEM private key; empty = self-signed one in data_dir
# session_idle_min = 30       # portal session ends after this idle time
# session_absolute_hours = 12 # and at the latest after this long
# max_connections = 512       # HTTPS and WebSocket connections at once
# max_connections_per_address = 64  # the same from one address (0 = no limit: a reverse proxy)
# body_limit_kib = 1024       # largest request body (KiB)
# client_timeout_s = 10       # a client must finish TLS, then its headers, within this

[email]
server = "smtp.gmail.com"     # SMTP server
port = 587                    # 587 STARTTLS, 465 TLS, 25 plain
use_tls = true
username = ""
password = ""
# sender = "admin@fablab.org" # From: address of the mails

[weekly_summary]
enabled = false               # weekly usage summary by mail
# language = "en"             # en or it
# day = "monday"              # sent every week on this day (local time)
# hour = 8                    # at this hour (0-23)

# [backend]
# data_dir = "."                     # database-independent files: certificate, key
# purge_retention_days = 365         # uses older than this are anonymized
# interventions_retention_days = 365 # interventions older than this are anonymized (default:
#                                    # purge_retention_days)
# unknown_cards_retention_days = 30  # taps of unknown cards older than this are deleted
# audit_retention_days = 730         # portal audit-log entries older than this are deleted (0: kept)
# backup_dir = ""                    # folder for a nightly backup copy of the database ("": none)
# backup_keep = 7                    # the newest copies kept there
# backup_hour = 3                    # the hour of the nightly backup (local time)
# use_timeout_min = 60               # a use not refreshed for this long is closed
# online_window_s = 90               # a board heard within this window is online
# stats_interval_s = 5               # stats/<client_id> period, 0 = off
# stale_check_interval_s = 60        # how often uses not refreshed for use_timeout_min close
# unknown_card_window_s = 300        # an unknown card is recorded once per machine in this time
# max_unknown_cards = 10000          # unknown-card taps kept (the oldest go)
# max_discovered_boards = 100        # boards of unknown machine ids kept (the oldest go)
# discovered_boards_retention_days = 30
# log_level = "info"                 # debug, info, warning, error (or 10, 20, 30, 40)
)";
  return text;
}

void write_default_settings(const std::filesystem::path& file) {
  std::error_code ec;
  if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw SettingsError(file.string() +
                        ": cannot create the default settings file: " + std::strerror(errno));
  }
  const std::string text = default_settings_text(random_secret());
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      throw SettingsError(file.string() + ": cannot write the default settings file: " + reason);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    throw SettingsError(file.string() +
                        ": cannot write the default settings file: " + std::strerror(errno));
  }
}

std::optional<log::Level> log_level_from_number(std::int64_t number) {
  if (number < 0 || number > 50) return std::nullopt;
  if (number <= 10) return log::Level::debug;
  if (number <= 20) return log::Level::info;
  if (number <= 30) return log::Level::warning;
  return log::Level::error;
}

std::optional<log::Level> parse_log_level(std::string_view text) {
  const std::string name = text::ascii_lowercase(text);
  if (const auto level = log::level_named(name)) return level;
  // Python's logging also knows these words.
  if (name == "warn") return log::Level::warning;
  if (name == "critical") return log::Level::error;
  if (name.empty() || name.size() > 3) return std::nullopt;
  std::int64_t number = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return std::nullopt;
    number = number * 10 + (c - '0');
  }
  return log_level_from_number(number);
}

}  // namespace fabomatic::backend
