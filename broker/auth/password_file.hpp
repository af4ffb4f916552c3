// Mosquitto 2.0's password file, as mosquitto_passwd writes it: one "user:hash" per line, the
// hash "$7$<iterations>$<salt>$<hash>" (PBKDF2-HMAC-SHA512, mosquitto_passwd's default) or
// "$6$<salt>$<hash>" (salted SHA-512, Mosquitto 1.6's), salt 12 and hash 64 bytes in base64.
// Lines starting with '#' and lines without ':' are skipped; a line whose hash cannot be used is
// reported and skipped, as Mosquitto does. Pure: parses text, reads no file.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace fabomatic::broker::auth {

/// One account's stored credential.
struct Credential {
  enum class Kind : std::uint8_t { sha512, pbkdf2_sha512, plain };
  Kind kind = Kind::pbkdf2_sha512;
  int iterations = 0;  // pbkdf2 only
  std::string salt;    // raw bytes
  std::string hash;    // raw bytes (64), or the password itself for `plain`
  std::string text;    // as written in the file: tells whether it changed on reload

  /// Whether `password` matches (constant time in the password's bytes compared).
  bool verify(std::string_view password) const;
};

class PasswordFile {
 public:
  /// Parses the text of a password file. `problems` (when given) receives one line per
  /// skipped entry: "line 3: invalid password hash for user bob".
  static PasswordFile parse(std::string_view text, std::vector<std::string>* problems = nullptr);

  /// An account whose password is known in clear (the settings file's [MQTT.users]).
  void add_plain(std::string_view user, std::string_view password);

  const Credential* find(std::string_view user) const;
  std::size_t size() const { return entries_.size(); }
  const std::map<std::string, Credential, std::less<>>& entries() const { return entries_; }

  /// A "$7$" entry as mosquitto_passwd would write it, for tests and tools.
  static std::string pbkdf2_entry(std::string_view password, std::string_view salt, int iterations);

 private:
  std::map<std::string, Credential, std::less<>> entries_;
};

}  // namespace fabomatic::broker::auth
