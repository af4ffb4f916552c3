#include "app/settings_store.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/listen_probe.hpp"
#include "backend/settings_editor.hpp"
#include "certs/certificates.hpp"
#include "common/text.hpp"
#include "web/auth/field_errors.hpp"

namespace fabomatic::app {

namespace {

namespace fs = std::filesystem;

// Whether this process can create a file in `folder` (tried, then removed): permissions, a
// read-only mount, systemd's ProtectSystem and a pseudo file system (/proc) all answer here,
// where access(2) would let root through. Nullopt when it can.
std::optional<std::string> cannot_write_in(const fs::path& folder) {
  std::string probe = (folder / ".fabomatic-write-test-XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) return std::string(std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
  return std::nullopt;
}

using web::api::Json;

std::optional<std::string> read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Json to_json(const backend::SettingValue& value) {
  return std::visit([](const auto& v) { return Json(v); }, value);
}

const char* kind_name(backend::SettingKind kind) {
  switch (kind) {
    case backend::SettingKind::integer:
      return "integer";
    case backend::SettingKind::boolean:
      return "boolean";
    case backend::SettingKind::choice:
      return "choice";
    case backend::SettingKind::secret:
      return "secret";
    case backend::SettingKind::string:
      break;
  }
  return "string";
}

/// What parse_settings cannot see and the next start would stop on: a file setting that names no
/// file, a certificate and key that are not a matching PEM pair (checked by the loader the start
/// uses), a folder setting that names a file (a missing folder is made at start if what exists
/// of its path is a folder). Only what this change sets; `errors` gets one per bad setting.
void check_named_paths(const backend::Settings& read, const std::map<std::string, Json>& values,
                       web::FieldErrors& errors) {
  std::error_code ec;
  const auto file = [&](const char* name, const fs::path& path) {
    if (values.count(name) && !path.empty() && !fs::is_regular_file(path, ec))
      errors[name] = web::field_error::unusable("no_file", path.string(), "",
                                                "no such file: " + path.string());
  };
  const auto folder = [&](const char* name, const fs::path& path) {
    if (!values.count(name) || path.empty()) return;
    fs::path existing = path;
    while (!fs::exists(existing, ec) && existing.has_relative_path())
      existing = existing.parent_path();
    if (!fs::is_directory(existing, ec)) {
      errors[name] = web::field_error::unusable("not_a_folder", existing.string(), "",
                                                existing.string() + " is not a folder");
    } else if (const auto why = cannot_write_in(existing)) {
      // The next start writes there (the database's log, the certificate, backups): a folder
      // this process may not write would stop it, and the portal could not undo that.
      errors[name] = web::field_error::unusable(
          "not_writable", existing.string(), *why,
          "fabomatic cannot write in " + existing.string() + ": " + *why);
    }
  };
  // A pair either both empty (the self-signed one) or two files that load together.
  const auto pair = [&](const char* cert_name, const fs::path& cert, const char* key_name,
                        const fs::path& key) {
    if (!values.count(cert_name) && !values.count(key_name)) return;
    file(cert_name, cert);
    file(key_name, key);
    if (errors.count(cert_name) || errors.count(key_name) || (cert.empty() && key.empty())) return;
    const char* at = values.count(cert_name) ? cert_name : key_name;
    try {
      certs::load_or_create({.certificate_file = cert, .key_file = key});
    } catch (const std::exception& e) {
      errors[at] = web::field_error::unusable(
          "tls_pair", "", e.what(),
          std::string("the certificate and the key do not load together: ") + e.what());
    }
  };
  pair("web.certificate", read.web.certificate, "web.private_key", read.web.private_key);
  pair("MQTT.tls_certificate", read.mqtt.tls_certificate, "MQTT.tls_private_key",
       read.mqtt.tls_private_key);
  folder("backend.data_dir", read.backend.data_dir);
  folder("backend.backup_dir", read.backend.backup_dir);
}

/// A listener this change moves (its address or port set to something else than what runs) must
/// be one the next start can open: an address of this host, a port nobody else holds and this
/// process may take. A port one of our own listeners holds now is free at the next start; there
/// only the address is tried.
void check_listeners(const backend::Settings& read, const backend::Settings& running,
                     const std::map<std::string, Json>& values, web::FieldErrors& errors) {
  const std::uint16_t ours[] = {running.mqtt.port, running.web.port,
                                running.web.http_redirect_port};
  const auto listener = [&](const char* address_name, const std::string& address,
                            const std::string& running_address, const char* port_name,
                            std::uint16_t port, std::uint16_t running_port) {
    if (!values.count(address_name) && !values.count(port_name)) return;
    if (port == 0 || errors.count(address_name) || errors.count(port_name)) return;
    if (address == running_address && port == running_port) return;
    // The address alone first, so the message lands on the field that is wrong.
    const auto blame = [&](const char* first) {
      return values.count(first) ? first : (first == port_name ? address_name : port_name);
    };
    std::string tried = address;
    auto why = cannot_listen(address, 0);
    const char* at = blame(address_name);
    const bool held_by_us = std::find(std::begin(ours), std::end(ours), port) != std::end(ours);
    if (!why && !held_by_us) {
      why = cannot_listen(address, port);
      tried += ":" + std::to_string(port);
      at = blame(port_name);
    }
    if (why)
      errors[at] =
          web::field_error::unusable("cannot_listen", tried, *why,
                                     "the next start could not listen on " + tried + ": " + *why);
  };
  listener("MQTT.bind_address", read.mqtt.bind_address, running.mqtt.bind_address, "MQTT.port",
           read.mqtt.port, running.mqtt.port);
  listener("web.bind_address", read.web.bind_address, running.web.bind_address, "web.port",
           read.web.port, running.web.port);
  listener("web.bind_address", read.web.bind_address, running.web.bind_address,
           "web.http_redirect_port", read.web.http_redirect_port, running.web.http_redirect_port);
}

/// What the start would read but not use well, checked on the values as typed: an administrator
/// e-mail no mail can go to, a portal address mails could not link to, a folder given relative
/// (it would depend on the folder the service happens to start in). The start reads the same
/// e-mail and address rules (backend/settings.cpp); the folder rule is the editor's alone, so
/// an old file with data_dir = "." still starts.
void check_typed_values(const std::map<std::string, Json>& values, web::FieldErrors& errors) {
  const auto typed = [&](const char* name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end() || !it->second.is_string()) return std::nullopt;
    return it->second.get<std::string>();
  };
  if (const auto email = typed("web.default_admin_email")) {
    if (email->size() > 254) {
      errors["web.default_admin_email"] = web::field_error::too_long(254);
    } else if (!text::plausible_email(*email)) {
      errors["web.default_admin_email"] =
          web::field_error::pattern("email", "not an e-mail address");
    }
  }
  if (const auto url = typed("web.base_url"); url && !backend::is_portal_address(*url)) {
    errors["web.base_url"] = web::field_error::pattern(
        "url", "not a web address (https://host[:port][/path], or host[:port])");
  }
  for (const char* name : {"backend.data_dir", "backend.backup_dir"}) {
    if (const auto folder = typed(name);
        folder && !folder->empty() && !fs::path(*folder).is_absolute()) {
      errors[name] = web::field_error::unusable(
          "relative_path", *folder, "",
          "write the whole path (from /): " + *folder + " depends on where the service starts");
    }
  }
}

/// The other half of a setting that goes in pairs (a certificate and its key); "" for others.
std::string partner_of(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kPairs[] = {
      {"web.certificate", "web.private_key"}, {"MQTT.tls_certificate", "MQTT.tls_private_key"}};
  for (const auto& [a, b] : kPairs) {
    if (name == a) return std::string(b);
    if (name == b) return std::string(a);
  }
  return "";
}

/// The working directory relative paths resolve against, as at start.
fs::path start_dir() {
  std::error_code ec;
  return fs::current_path(ec);
}

}  // namespace

SettingsFile::SettingsFile(backend::Settings& running, std::function<void()> applied)
    : running_(running), applied_(std::move(applied)) {}

web::api::SettingsView SettingsFile::view() {
  web::api::SettingsView view;
  const fs::path file = running_.source;
  view.file = file.string();
  view.not_writable_reason = backend::why_not_writable(file);
  view.writable = view.not_writable_reason.empty();
  std::string text;
  backend::Settings in_file = running_;
  if (!file.empty()) {
    if (auto read = read_file(file)) {
      text = std::move(*read);
      try {
        in_file = backend::parse_settings(text, file.string(), start_dir());
      } catch (const backend::SettingsError&) {
        // Edited by hand into something unreadable: show what runs.
      }
    }
  }
  for (const auto& spec : backend::editable_settings()) {
    web::api::SettingField field;
    field.section = std::string(spec.section);
    field.key = std::string(spec.key);
    field.kind = kind_name(spec.kind);
    field.restart = spec.restart();
    const auto value = spec.get(in_file);
    if (spec.kind == backend::SettingKind::secret) {
      field.value = nullptr;
      field.is_set = !std::get<std::string>(value).empty();
    } else {
      field.value = to_json(value);
      field.is_set = backend::key_is_set(text, spec.section, spec.key);
    }
    if (spec.kind == backend::SettingKind::integer) {
      field.min = spec.min;
      field.max = spec.max;
    }
    for (const auto c : spec.choices)
      field.choices.emplace_back(c);
    if (spec.restart() && spec.get(in_file) != spec.get(running_)) view.restart_pending = true;
    view.fields.push_back(std::move(field));
  }
  return view;
}

web::api::SettingsOutcome SettingsFile::change(const std::map<std::string, Json>& values) {
  web::api::SettingsOutcome outcome;
  const fs::path file = running_.source;
  std::vector<backend::SettingEdit> edits;
  for (const auto& [name, json] : values) {
    const auto* spec = backend::find_setting(name);
    if (spec == nullptr) {
      outcome.errors[name] = web::field_error::unknown_field();
      continue;
    }
    backend::SettingValue value;
    if (json.is_boolean()) {
      value = json.get<bool>();
    } else if (json.is_number_integer()) {
      value = json.get<std::int64_t>();
    } else if (json.is_string()) {
      value = json.get<std::string>();
    } else {
      outcome.errors[name] =
          web::field_error::type("string", "must be a string, an integer or true/false");
      continue;
    }
    edits.push_back({spec, std::move(value)});
  }
  check_typed_values(values, outcome.errors);
  if (!outcome.errors.empty()) return outcome;
  const auto content = read_file(file);
  if (!content) {
    outcome.errors["file"] = web::field_error::invalid("cannot read " + file.string());
    return outcome;
  }
  std::string edited;
  backend::Settings read;
  try {
    edited = backend::edit_settings_text(*content, edits);
    // The very code that reads the file at start decides whether the new text is good.
    read = backend::parse_settings(edited, file.string(), start_dir());
  } catch (const backend::SettingsError& e) {
    for (const auto& line : e.errors()) {
      std::string name = backend::setting_named_in(line);
      // "certificate and private_key go together" names the one left empty: the message
      // belongs on the one that was sent.
      if (values.count(name) == 0 && values.count(partner_of(name))) name = partner_of(name);
      if (name.empty() || values.count(name) == 0) name = "file";
      auto& error = outcome.errors[name];
      const auto at = line.find(": [");
      const auto colon = at == std::string::npos ? std::string::npos : line.find(": ", at + 3);
      const std::string text_of_line =
          colon == std::string::npos || name == "file" ? line : line.substr(colon + 2);
      // The startup code's sentence says what is wrong; as a code, "invalid".
      error = web::field_error::invalid(
          error.message.empty() ? text_of_line : error.message + "; " + text_of_line);
    }
    return outcome;
  }
  check_named_paths(read, values, outcome.errors);
  check_listeners(read, running_, values, outcome.errors);
  if (!outcome.errors.empty()) return outcome;
  try {
    outcome.backup = backend::replace_settings_file(file, edited).string();
  } catch (const backend::SettingsError& e) {
    outcome.errors["file"] = web::field_error::invalid(e.what());
    return outcome;
  }
  outcome.saved = true;
  bool any_now = false;
  for (const auto& edit : edits) {
    if (edit.spec->restart()) {
      outcome.after_restart.push_back(edit.spec->name());
    } else {
      edit.spec->apply(running_, read);
      outcome.applied.push_back(edit.spec->name());
      any_now = true;
    }
  }
  if (any_now && applied_) applied_();
  return outcome;
}

}  // namespace fabomatic::app
