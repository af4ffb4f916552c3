#include "db/passwords.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <charconv>
#include <optional>
#include <stdexcept>
#include <vector>

namespace fabomatic::db {

namespace {

constexpr auto kOpsLimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr auto kMemLimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
// Bounds on the cost parameters read from a stored hash, so a corrupt or hostile row cannot
// make one login take minutes or gigabytes.
constexpr std::uint64_t kMaxPbkdf2Iterations = 10'000'000;
constexpr std::uint64_t kMaxScryptMemory = 512ull * 1024 * 1024;

void ensure_sodium() {
  static const int ready = sodium_init();
  if (ready < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

std::string to_hex(const std::vector<unsigned char>& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Werkzeug: "pbkdf2:<digest>:<iterations>$<salt>$<hex>", salt used as its UTF-8 text.
bool verify_pbkdf2(std::string_view password, std::string_view method, std::string_view salt,
                   std::string_view expected_hex) {
  const auto args = split(method, ':');  // "pbkdf2", digest, iterations
  if (args.size() != 3) return false;
  const EVP_MD* digest = EVP_get_digestbyname(std::string(args[1]).c_str());
  const auto iterations = parse_number(args[2]);
  if (!digest || !iterations || *iterations == 0 || *iterations > kMaxPbkdf2Iterations)
    return false;
  if (expected_hex.size() != static_cast<std::size_t>(EVP_MD_get_size(digest)) * 2) return false;
  std::vector<unsigned char> key(static_cast<std::size_t>(EVP_MD_get_size(digest)));
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(*iterations), digest,
                        static_cast<int>(key.size()), key.data()) != 1)
    return false;
  return equal_constant_time(to_hex(key), expected_hex);
}

// Werkzeug: "scrypt:<n>:<r>:<p>$<salt>$<hex>" (hashlib.scrypt, 64-byte key).
bool verify_scrypt(std::string_view password, std::string_view method, std::string_view salt,
                   std::string_view expected_hex) {
  const auto args = split(method, ':');  // "scrypt", n, r, p
  if (args.size() != 4) return false;
  const auto n = parse_number(args[1]);
  const auto r = parse_number(args[2]);
  const auto p = parse_number(args[3]);
  if (!n || !r || !p || *n < 2 || *r == 0 || *p == 0) return false;
  if (*n > kMaxScryptMemory / (128 * *r) || *p > 16) return false;
  if (expected_hex.empty() || expected_hex.size() % 2 != 0 || expected_hex.size() > 1024)
    return false;
  // Python passes maxmem = 132 * n * r * p; OpenSSL needs ~128 * n * r (+ 128 * r * p).
  const std::uint64_t maxmem = 132 * *n * *r * *p + 1024 * 1024;
  std::vector<unsigned char> key(expected_hex.size() / 2);
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), *n, *r, *p,
                     maxmem, key.data(), key.size()) != 1)
    return false;
  return equal_constant_time(to_hex(key), expected_hex);
}

}  // namespace

std::string hash_password(std::string_view password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOpsLimit, kMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("argon2id hashing failed (out of memory?)");
  return out;
}

bool verify_password(std::string_view password, std::string_view hash) {
  if (hash.starts_with("$argon2")) {
    ensure_sodium();
    const std::string stored(hash);  // libsodium wants a NUL-terminated string
    return crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
  }
  const auto parts = split(hash, '$');  // method, salt, hex
  if (parts.size() != 3) return false;
  if (parts[0].starts_with("pbkdf2:")) return verify_pbkdf2(password, parts[0], parts[1], parts[2]);
  if (parts[0].starts_with("scrypt:")) return verify_scrypt(password, parts[0], parts[1], parts[2]);
  return false;
}

bool needs_rehash(std::string_view hash) {
  if (!hash.starts_with("$argon2id$")) return true;
  ensure_sodium();
  const std::string stored(hash);
  return crypto_pwhash_str_needs_rehash(stored.c_str(), kOpsLimit, kMemLimit) != 0;
}

PasswordCheck check_password(std::string_view password, std::string_view stored) {
  PasswordCheck check;
  check.match = verify_password(password, stored);
  if (check.match && needs_rehash(stored)) check.rehash = hash_password(password);
  return check;
}

void store_rehash(Connection& conn, std::int64_t user_id, std::string_view checked,
                  std::string_view rehash) {
  conn.execute("UPDATE users SET password_hash = ? WHERE user_id = ? AND password_hash = ?",
               std::string(rehash), user_id, std::string(checked));
}

bool verify_and_upgrade(Connection& conn, std::int64_t user_id, std::string_view password) {
  const auto stored = conn.query_optional<std::optional<std::string>>(
      "SELECT password_hash FROM users WHERE user_id = ?", user_id);
  if (!stored || !*stored || (*stored)->empty()) return false;
  const auto check = check_password(password, **stored);
  if (check.rehash) store_rehash(conn, user_id, **stored, *check.rehash);
  return check.match;
}

}  // namespace fabomatic::db
