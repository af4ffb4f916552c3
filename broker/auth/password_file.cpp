#include "broker/auth/password_file.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <charconv>

#include "common/base64.hpp"
#include "common/text.hpp"

namespace fabomatic::broker::auth {

namespace {

constexpr std::size_t kSaltSize = 12;  // Mosquitto refuses other sizes
constexpr std::size_t kHashSize = 64;  // SHA-512

using text::trim;

// "$7$101$salt$hash" or "$6$salt$hash" -> credential; false when unusable.
bool parse_hash(std::string_view text, Credential& out) {
  // Split at '$' like Mosquitto's strtok: empty fields are skipped.
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find('$', pos), text.size());
    if (end > pos) fields.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  if (fields.empty()) return false;
  std::size_t next = 1;
  if (fields[0] == "6") {
    out.kind = Credential::Kind::sha512;
  } else if (fields[0] == "7") {
    out.kind = Credential::Kind::pbkdf2_sha512;
    if (fields.size() < 2) return false;
    const auto field = fields[1];
    int iterations = 0;
    const auto [end, error] =
        std::from_chars(field.data(), field.data() + field.size(), iterations);
    if (error != std::errc() || end != field.data() + field.size() || iterations < 1) return false;
    out.iterations = iterations;
    next = 2;
  } else {
    return false;
  }
  if (fields.size() != next + 2) return false;
  auto salt = base64::decode(fields[next]);
  auto hash = base64::decode(fields[next + 1]);
  if (!salt || salt->size() != kSaltSize || !hash || hash->size() != kHashSize) return false;
  out.salt = std::move(*salt);
  out.hash = std::move(*hash);
  return true;
}

bool digest(const Credential& c, std::string_view password, unsigned char (&out)[kHashSize]) {
  if (c.kind == Credential::Kind::pbkdf2_sha512) {
    return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                             reinterpret_cast<const unsigned char*>(c.salt.data()),
                             static_cast<int>(c.salt.size()), c.iterations, EVP_sha512(),
                             static_cast<int>(kHashSize), out) == 1;
  }
  // $6$: SHA-512 of the password followed by the salt.
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) return false;
  unsigned int length = 0;
  const bool ok = EVP_DigestInit_ex(ctx, EVP_sha512(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, password.data(), password.size()) == 1 &&
                  EVP_DigestUpdate(ctx, c.salt.data(), c.salt.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, out, &length) == 1 && length == kHashSize;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace

bool Credential::verify(std::string_view password) const {
  if (kind == Kind::plain) {
    return hash.size() == password.size() &&
           CRYPTO_memcmp(hash.data(), password.data(), password.size()) == 0;
  }
  unsigned char computed[kHashSize];
  if (hash.size() != kHashSize || !digest(*this, password, computed)) return false;
  return CRYPTO_memcmp(computed, hash.data(), kHashSize) == 0;
}

PasswordFile PasswordFile::parse(std::string_view text, std::vector<std::string>* problems) {
  PasswordFile file;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view user = trim(line.substr(0, colon));
    std::string_view rest = line.substr(colon + 1);
    rest = trim(rest.substr(0, rest.find(':')));  // the hash ends at the next ':'
    const auto report = [&](const std::string& what) {
      if (problems) problems->push_back("line " + std::to_string(line_number) + ": " + what);
    };
    if (user.empty()) {
      report("empty user name");
      continue;
    }
    Credential credential;
    if (rest.empty() || !parse_hash(rest, credential)) {
      report("invalid password hash for user " + std::string(user) +
             " (not made by mosquitto_passwd?), entry skipped");
      continue;
    }
    credential.text = std::string(rest);
    file.entries_.insert_or_assign(std::string(user), std::move(credential));
  }
  return file;
}

void PasswordFile::add_plain(std::string_view user, std::string_view password) {
  Credential credential;
  credential.kind = Credential::Kind::plain;
  credential.hash = std::string(password);
  credential.text = "plain:" + std::string(password);
  entries_.insert_or_assign(std::string(user), std::move(credential));
}

const Credential* PasswordFile::find(std::string_view user) const {
  const auto it = entries_.find(user);
  return it == entries_.end() ? nullptr : &it->second;
}

std::string PasswordFile::pbkdf2_entry(std::string_view password, std::string_view salt,
                                       int iterations) {
  unsigned char out[kHashSize];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha512(),
                    static_cast<int>(kHashSize), out);
  return "$7$" + std::to_string(iterations) + "$" + base64::encode(salt) + "$" +
         base64::encode(std::string_view(reinterpret_cast<const char*>(out), kHashSize));
}

}  // namespace fabomatic::broker::auth
