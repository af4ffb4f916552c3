// Password hashes: new ones are argon2id (libsodium, "interactive" limits, affordable on a
// Raspberry Pi); hashes written by the Python backend (Werkzeug "pbkdf2:<digest>:<iterations>$
// <salt>$<hex>" and "scrypt:<n>:<r>:<p>$<salt>$<hex>") keep working and are replaced by argon2id
// at the next successful login (verify_and_upgrade).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/sqlite.hpp"

namespace fabomatic::db {

// An argon2id hash in the standard "$argon2id$v=19$m=...,t=...,p=...$salt$hash" form.
std::string hash_password(std::string_view password);

// True when `password` matches `hash` (argon2id, Werkzeug pbkdf2 or scrypt). Unknown or
// malformed hashes never match. Comparisons are constant-time.
bool verify_password(std::string_view password, std::string_view hash);

// True when `hash` is not an argon2id hash with our current limits (so it should be replaced
// by hash_password() once the password is known, i.e. at a successful login).
bool needs_rehash(std::string_view hash);

// The CPU-heavy half of a login, safe on any thread (no database): whether `password` matches
// `stored` and, when it does and `stored` is legacy or weaker than today's limits, a fresh
// argon2id hash to store in its place (store_rehash).
struct PasswordCheck {
  bool match = false;
  std::optional<std::string> rehash;
};
PasswordCheck check_password(std::string_view password, std::string_view stored);

// Replaces users.password_hash = `checked` of `user_id` by `rehash`; a hash changed meanwhile (a
// concurrent password change) is left alone.
void store_rehash(Connection& conn, std::int64_t user_id, std::string_view checked,
                  std::string_view rehash);

// Login check for users.user_id = `user_id`: verifies `password` against the stored hash and,
// when it matches and the hash is legacy, stores a fresh argon2id hash in its place. False for
// an unknown user, a user without a password, or a wrong password.
bool verify_and_upgrade(Connection& conn, std::int64_t user_id, std::string_view password);

}  // namespace fabomatic::db
