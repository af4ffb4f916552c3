// Editing settings.toml from the portal: which keys may be changed there, of what kind, and
// whether a change takes effect at once or after a restart; the file's text changed key by key
// with its comments and layout kept; the new text checked by parse_settings (the code that reads
// the file at start) before anything is written; the file replaced atomically, the previous one
// kept as <file>.bak.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "backend/settings.hpp"

namespace fabomatic::backend {

enum class SettingKind { string, integer, boolean, choice, secret };
using SettingValue = std::variant<std::string, std::int64_t, bool>;

struct SettingSpec {
  std::string_view section;  // as in the file ("MQTT", "email", ...)
  std::string_view key;
  SettingKind kind = SettingKind::string;
  /// Copies the value from freshly read settings into the running ones when the change takes
  /// effect at once; null: it takes effect after a restart.
  void (*apply)(Settings& running, const Settings& read) = nullptr;
  SettingValue (*get)(const Settings&) = nullptr;
  std::int64_t min = 0, max = 0;          // integers
  std::vector<std::string_view> choices;  // choice

  bool restart() const { return apply == nullptr; }
  std::string name() const;  // "<section>.<key>"
};

/// The keys the portal edits, section by section as the file orders them. Left out: the
/// database URL (a wrong one loses the data at the next start), and who may use the broker
/// (accounts, password and ACL files, anonymous clients: the access-control pages and files).
const std::vector<SettingSpec>& editable_settings();

/// The spec named "<section>.<key>", or null.
const SettingSpec* find_setting(std::string_view name);

struct SettingEdit {
  const SettingSpec* spec = nullptr;
  SettingValue value;
};

/// `text` with each key set to its value: the value of a key's line is replaced (its comment
/// kept); a key not in the file goes into its section, after its commented-out default when
/// there is one; a section not in the file is added (or its commented-out header restored).
/// Throws SettingsError when a line cannot be edited safely (a multi-line string).
std::string edit_settings_text(std::string_view text, const std::vector<SettingEdit>& edits);

/// Whether the TOML text sets `key` in `section` (false as well when it does not parse).
bool key_is_set(std::string_view text, std::string_view section, std::string_view key);

/// Why this process cannot replace `file` ("" when it can): a missing file, a read-only file
/// or folder (the Debian package keeps it in /etc, read-only for the service).
std::string why_not_writable(const std::filesystem::path& file);

/// Replaces `file` by `text`: the previous file copied to <file>.bak (and, the first time, to
/// <file>.orig, which later changes leave alone), the new one written
/// beside it with the same permissions, synced and renamed over it. Returns the backup's path;
/// throws SettingsError saying what failed (the file is then unchanged).
std::filesystem::path replace_settings_file(const std::filesystem::path& file,
                                            std::string_view text);

/// The "<section>.<key>" an error line of SettingsError names ("settings.toml: [email] port:
/// must be ..."), or "" when it names none.
std::string setting_named_in(std::string_view error_line);

}  // namespace fabomatic::backend
