#include "backend/settings_editor.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "backend/json_text.hpp"
#include "common/text.hpp"

namespace fabomatic::backend {

namespace {

namespace fs = std::filesystem;

// Getters and appliers of each key (captureless lambdas: plain function pointers).
#define FIELD(section_member, member) \
  [](const Settings& s) -> SettingValue { return s.section_member.member; }
#define INTEGER(section_member, member)                        \
  [](const Settings& s) -> SettingValue {                      \
    return static_cast<std::int64_t>(s.section_member.member); \
  }
#define PATH(section_member, member) \
  [](const Settings& s) -> SettingValue { return s.section_member.member.string(); }
#define AT_ONCE(section_member, member) \
  [](Settings& to, const Settings& from) { to.section_member.member = from.section_member.member; }

std::vector<SettingSpec> make_specs() {
  using K = SettingKind;
  std::vector<SettingSpec> s;
  const auto add = [&](SettingSpec spec) { s.push_back(std::move(spec)); };
  // [MQTT]: the broker is built at start.
  add({"MQTT", "port", K::integer, nullptr, INTEGER(mqtt, port), 1, 65535});
  add({"MQTT", "bind_address", K::string, nullptr, FIELD(mqtt, bind_address)});
  add({"MQTT", "client_id", K::string, nullptr, FIELD(mqtt, client_id)});
  add({"MQTT", "topic", K::string, nullptr, FIELD(mqtt, topic)});
  add({"MQTT", "reply_subtopic", K::string, nullptr, FIELD(mqtt, reply_subtopic)});
  add({"MQTT", "request_subtopic", K::string, nullptr, FIELD(mqtt, request_subtopic)});
  add({"MQTT", "stats_topic", K::string, nullptr, FIELD(mqtt, stats_topic)});
  add({"MQTT", "max_connections", K::integer, nullptr, INTEGER(mqtt, max_connections), 1,
       1'000'000});
  add({"MQTT", "max_packet_size", K::integer, nullptr, INTEGER(mqtt, max_packet_size), 512,
       268'435'455});
  add({"MQTT", "max_inflight", K::integer, nullptr, INTEGER(mqtt, max_inflight), 1, 65535});
  add({"MQTT", "max_queued_messages", K::integer, nullptr, INTEGER(mqtt, max_queued_messages), 0,
       1'000'000});
  add({"MQTT", "connect_timeout_s", K::integer, nullptr, INTEGER(mqtt, connect_timeout_s), 1,
       3600});
  add({"MQTT", "sys_interval_s", K::integer, nullptr, INTEGER(mqtt, sys_interval_s), 0, 86400});
  // [web]: the portal is built at start.
  add({"web", "base_url", K::string, nullptr, FIELD(web, base_url)});
  add({"web", "default_admin_email", K::string, nullptr, FIELD(web, default_admin_email)});
  add({"web", "secret_key", K::secret, nullptr, FIELD(web, secret_key)});
  add({"web", "port", K::integer, nullptr, INTEGER(web, port), 1, 65535});
  add({"web", "bind_address", K::string, nullptr, FIELD(web, bind_address)});
  add({"web", "http_redirect_port", K::integer, nullptr, INTEGER(web, http_redirect_port), 0,
       65535});
  add({"web", "certificate", K::string, nullptr, PATH(web, certificate)});
  add({"web", "private_key", K::string, nullptr, PATH(web, private_key)});
  add({"web", "session_idle_min", K::integer, nullptr, INTEGER(web, session_idle_min), 1, 10080});
  add({"web", "session_absolute_hours", K::integer, nullptr, INTEGER(web, session_absolute_hours),
       1, 8760});
  add({"web", "max_connections", K::integer, nullptr, INTEGER(web, max_connections), 1, 100000});
  add({"web", "max_connections_per_address", K::integer, nullptr,
       INTEGER(web, max_connections_per_address), 0, 100000});
  add({"web", "body_limit_kib", K::integer, nullptr, INTEGER(web, body_limit_kib), 1, 65536});
  add({"web", "client_timeout_s", K::integer, nullptr, INTEGER(web, client_timeout_s), 1, 3600});
  // [email]: the mailer takes new settings for its next mail.
  add({"email", "server", K::string, AT_ONCE(email, server), FIELD(email, server)});
  add({"email", "port", K::integer, AT_ONCE(email, port), INTEGER(email, port), 1, 65535});
  add({"email", "use_tls", K::boolean, AT_ONCE(email, use_tls), FIELD(email, use_tls)});
  add({"email", "username", K::string, AT_ONCE(email, username), FIELD(email, username)});
  add({"email", "password", K::secret, AT_ONCE(email, password), FIELD(email, password)});
  add({"email", "sender", K::string, AT_ONCE(email, sender), FIELD(email, sender)});
  // [weekly_summary]: read when the summary is scheduled and composed.
  add({"weekly_summary", "enabled", K::boolean, AT_ONCE(weekly_summary, enabled),
       FIELD(weekly_summary, enabled)});
  add({"weekly_summary",
       "language",
       K::choice,
       AT_ONCE(weekly_summary, language),
       FIELD(weekly_summary, language),
       0,
       0,
       {"en", "it"}});
  add({"weekly_summary",
       "day",
       K::choice,
       AT_ONCE(weekly_summary, day),
       FIELD(weekly_summary, day),
       0,
       0,
       {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}});
  add({"weekly_summary", "hour", K::integer, AT_ONCE(weekly_summary, hour),
       INTEGER(weekly_summary, hour), 0, 23});
  // [backend]: retention is read at each purge, the backup and log level when they change.
  add({"backend", "purge_retention_days", K::integer, AT_ONCE(backend, purge_retention_days),
       INTEGER(backend, purge_retention_days), 1, 36500});
  add({"backend", "interventions_retention_days", K::integer,
       AT_ONCE(backend, interventions_retention_days),
       INTEGER(backend, interventions_retention_days), 1, 36500});
  add({"backend", "unknown_cards_retention_days", K::integer,
       AT_ONCE(backend, unknown_cards_retention_days),
       INTEGER(backend, unknown_cards_retention_days), 1, 36500});
  add({"backend", "audit_retention_days", K::integer, AT_ONCE(backend, audit_retention_days),
       INTEGER(backend, audit_retention_days), 0, 36500});
  add({"backend", "backup_dir", K::string, AT_ONCE(backend, backup_dir),
       PATH(backend, backup_dir)});
  add({"backend", "backup_keep", K::integer, AT_ONCE(backend, backup_keep),
       INTEGER(backend, backup_keep), 1, 1000});
  add({"backend", "backup_hour", K::integer, AT_ONCE(backend, backup_hour),
       INTEGER(backend, backup_hour), 0, 23});
  add({"backend", "use_timeout_min", K::integer, AT_ONCE(backend, use_timeout_min),
       INTEGER(backend, use_timeout_min), 1, 10080});
  add({"backend",
       "log_level",
       K::choice,
       AT_ONCE(backend, log_level),
       [](const Settings& s) -> SettingValue {
         return std::string(log::level_name(s.backend.log_level));
       },
       0,
       0,
       {log::kLevelNames.begin(), log::kLevelNames.end()}});
  add({"backend", "online_window_s", K::integer, nullptr, INTEGER(backend, online_window_s), 10,
       86400});
  add({"backend", "stats_interval_s", K::integer, nullptr, INTEGER(backend, stats_interval_s), 0,
       86400});
  add({"backend", "stale_check_interval_s", K::integer, nullptr,
       INTEGER(backend, stale_check_interval_s), 1, 86400});
  add({"backend", "data_dir", K::string, nullptr, PATH(backend, data_dir)});
  return s;
}

#undef FIELD
#undef INTEGER
#undef PATH
#undef AT_ONCE

using text::trim;

/// The section a header line opens ("[web]" -> "web"); nullopt for other lines.
std::optional<std::string> header_of(std::string_view line) {
  line = trim(line);
  if (line.size() < 3 || line.front() != '[' || line[1] == '[') return std::nullopt;
  const auto close = line.find(']');
  if (close == std::string_view::npos) return std::nullopt;
  return std::string(trim(line.substr(1, close - 1)));
}

/// Whether `line` assigns `key` ("key = ..."), with or without a leading "#".
bool assigns(std::string_view line, std::string_view key, bool commented) {
  line = trim(line);
  if (commented) {
    if (line.empty() || line.front() != '#') return false;
    line = trim(line.substr(1));
  }
  if (!line.starts_with(key)) return false;
  line = trim(line.substr(key.size()));
  return !line.empty() && line.front() == '=';
}

std::string literal(const SettingSpec& spec, const SettingValue& value) {
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  (void)spec;
  std::string out;
  append_json_string(out, std::get<std::string>(value));
  std::string quoted;  // JSON leaves DEL raw; TOML wants it escaped
  for (char c : out)
    quoted += c == '\x7f' ? std::string("\\u007F") : std::string(1, c);
  return quoted;
}

/// Where the value of an assignment line ends (its comment, if any, follows).
std::size_t value_end(std::string_view line, std::size_t start, std::string_view name) {
  std::size_t i = start;
  if (line.substr(i, 3) == "\"\"\"" || line.substr(i, 3) == "'''") {
    throw SettingsError(std::string(name) +
                        ": its value is a multi-line string; edit the file by hand");
  }
  if (i < line.size() && (line[i] == '"' || line[i] == '\'')) {
    const char quote = line[i++];
    while (i < line.size() && line[i] != quote) {
      if (quote == '"' && line[i] == '\\') ++i;
      ++i;
    }
    return std::min(line.size(), i + 1);
  }
  const auto hash = line.find('#', i);
  std::size_t end = hash == std::string_view::npos ? line.size() : hash;
  while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r'))
    --end;
  return end;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      break;
    }
    lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

void set_key(std::vector<std::string>& lines, const SettingSpec& spec, const std::string& value) {
  const std::string name = spec.name();
  // The section's lines: from its header (or the top, for no section) to the next header.
  std::optional<std::size_t> header;
  std::optional<std::size_t> commented_header;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (header_of(lines[i]) == std::string(spec.section)) header = i;
    const std::string_view t = trim(lines[i]);
    if (!header && t.starts_with("#") && header_of(trim(t.substr(1))) == std::string(spec.section))
      commented_header = i;
  }
  if (!header && commented_header) {
    lines[*commented_header] = "[" + std::string(spec.section) + "]";
    header = commented_header;
  }
  if (!header) {
    if (!lines.empty() && !trim(lines.back()).empty()) lines.emplace_back();
    lines.push_back("[" + std::string(spec.section) + "]");
    lines.push_back(std::string(spec.key) + " = " + value);
    return;
  }
  std::size_t end = *header + 1;
  while (end < lines.size() && !header_of(lines[end]))
    ++end;
  std::optional<std::size_t> commented;
  for (std::size_t i = *header + 1; i < end; ++i) {
    if (assigns(lines[i], spec.key, false)) {
      std::string& line = lines[i];
      const auto equals = line.find('=');
      std::size_t start = equals + 1;
      while (start < line.size() && (line[start] == ' ' || line[start] == '\t'))
        ++start;
      const std::size_t stop = value_end(line, start, name);
      line = line.substr(0, start) + value + line.substr(stop);
      return;
    }
    if (!commented && assigns(lines[i], spec.key, true)) commented = i;
  }
  const std::size_t at = commented ? *commented + 1 : *header + 1;
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at),
               std::string(spec.key) + " = " + value);
}

}  // namespace

std::string SettingSpec::name() const {
  return std::string(section) + "." + std::string(key);
}

const std::vector<SettingSpec>& editable_settings() {
  static const std::vector<SettingSpec> specs = make_specs();
  return specs;
}

const SettingSpec* find_setting(std::string_view name) {
  for (const auto& spec : editable_settings()) {
    if (spec.name() == name) return &spec;
  }
  return nullptr;
}

std::string edit_settings_text(std::string_view text, const std::vector<SettingEdit>& edits) {
  auto lines = split_lines(text);
  // A file written on Windows keeps its CRLF line ends, the lines added here included (the
  // first line's end decides).
  const bool crlf =
      !lines.empty() && lines.front().ends_with('\r') && text.size() > lines.front().size();
  if (crlf) {
    for (auto& line : lines)
      if (line.ends_with('\r')) line.pop_back();
  }
  for (const auto& edit : edits)
    set_key(lines, *edit.spec, literal(*edit.spec, edit.value));
  std::string out;
  for (const auto& line : lines) {
    out += line;
    out += crlf ? "\r\n" : "\n";
  }
  return out;
}

bool key_is_set(std::string_view text, std::string_view section, std::string_view key) {
  try {
    const toml::table root = toml::parse(text);
    const toml::node* node = root.get(section);
    return node != nullptr && node->is_table() && node->as_table()->contains(key);
  } catch (const toml::parse_error&) {
    return false;
  }
}

std::string why_not_writable(const fs::path& file) {
  if (file.empty()) return "fabomatic runs on built-in defaults: there is no settings file";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return file.string() + " is not a file";
  const fs::path folder = file.has_parent_path() ? file.parent_path() : fs::path(".");
  if (::access(file.c_str(), W_OK) != 0 || ::access(folder.c_str(), W_OK) != 0) {
    return file.string() +
           " cannot be changed by the service (read-only for it): edit it as root and restart";
  }
  return "";
}

fs::path replace_settings_file(const fs::path& file, std::string_view text) {
  const std::string reason = why_not_writable(file);
  if (!reason.empty()) throw SettingsError(reason);
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    throw SettingsError(file.string() + ": " + std::strerror(errno));
  }
  // The file as it was before the portal first changed it is kept for good (.orig), the one
  // before each change as .bak: a second save must not lose the admin's own file.
  const fs::path original = file.string() + ".orig";
  const fs::path backup = file.string() + ".bak";
  for (const auto& [copy, option] : {std::pair{original, fs::copy_options::skip_existing},
                                     std::pair{backup, fs::copy_options::overwrite_existing}}) {
    std::error_code ec;
    fs::copy_file(file, copy, option, ec);
    if (ec)
      throw SettingsError("cannot keep the previous file as " + copy.string() + ": " +
                          ec.message());
    ::chmod(copy.c_str(), st.st_mode & 07777);
  }
  std::string temp = file.string() + ".new-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0)
    throw SettingsError("cannot write beside " + file.string() + ": " + std::strerror(errno));
  const auto fail = [&](const std::string& what) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    ::unlink(temp.c_str());
    throw SettingsError(what + " " + file.string() + ": " + why);
  };
  if (::fchmod(fd, st.st_mode & 07777) != 0) fail("cannot set the permissions of");
  // The same owner and group when we may (root editing a file the service reads).
  if (::fchown(fd, st.st_uid, st.st_gid) != 0) errno = 0;
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot write");
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) fail("cannot sync");
  ::close(fd);
  if (::rename(temp.c_str(), file.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temp.c_str());
    throw SettingsError("cannot replace " + file.string() + ": " + why);
  }
  const fs::path folder = file.has_parent_path() ? file.parent_path() : fs::path(".");
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);  // the rename itself survives a power cut
    ::close(dir);
  }
  return backup;
}

std::string setting_named_in(std::string_view line) {
  const auto open = line.find(": [");
  if (open == std::string_view::npos) return "";
  const auto close = line.find(']', open + 3);
  if (close == std::string_view::npos) return "";
  const std::string_view section = line.substr(open + 3, close - open - 3);
  std::string_view rest = line.substr(close + 1);
  if (!rest.starts_with(" ")) return "";
  rest.remove_prefix(1);
  const auto colon = rest.find(':');
  if (colon == std::string_view::npos) return "";
  return std::string(section) + "." + std::string(rest.substr(0, colon));
}

}  // namespace fabomatic::backend
