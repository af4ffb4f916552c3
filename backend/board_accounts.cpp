#include "backend/board_accounts.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "db/repository.hpp"

namespace fabomatic::backend {

namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kKeySize = 32;
constexpr int kGroups = 5;
constexpr int kGroupSize = 5;

void random_bytes(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    throw std::runtime_error("no random bytes from OpenSSL");
  }
}

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0xF];
  }
  return out;
}

}  // namespace

BoardSecrets BoardSecrets::load_or_create(const std::filesystem::path& key_file) {
  std::error_code ec;
  if (std::filesystem::exists(key_file, ec)) {
    std::ifstream in(key_file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    std::string key = text.str();
    if (!in || key.size() != kKeySize) {
      throw std::runtime_error(key_file.string() + ": not a board account key (" +
                               std::to_string(kKeySize) + " bytes expected)");
    }
    return BoardSecrets(std::move(key));
  }
  std::array<unsigned char, kKeySize> key{};
  random_bytes(key.data(), key.size());
  if (key_file.has_parent_path()) std::filesystem::create_directories(key_file.parent_path(), ec);
  const int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw std::runtime_error(key_file.string() +
                             ": cannot create the board account key: " + std::strerror(errno));
  }
  const ssize_t written = ::write(fd, key.data(), key.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (written != static_cast<ssize_t>(key.size()) || !synced) {
    std::filesystem::remove(key_file, ec);
    throw std::runtime_error(key_file.string() + ": cannot write the board account key");
  }
  return BoardSecrets(std::string(reinterpret_cast<const char*>(key.data()), key.size()));
}

std::string BoardSecrets::generate() {
  // 25 characters of 5 bits from 25 random bytes (the low 5 bits of each: uniform).
  std::array<unsigned char, kGroups * kGroupSize> random{};
  random_bytes(random.data(), random.size());
  std::string secret;
  for (int i = 0; i < kGroups * kGroupSize; ++i) {
    if (i != 0 && i % kGroupSize == 0) secret += '-';
    secret += kCrockford[random[static_cast<std::size_t>(i)] & 0x1F];
  }
  OPENSSL_cleanse(random.data(), random.size());
  return secret;
}

std::string BoardSecrets::normalize(std::string_view typed) {
  std::string out;
  out.reserve(typed.size());
  for (char c : typed) {
    if (c == '-' || c == ' ' || c == '\t') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    out += c;
  }
  return out;
}

std::string BoardSecrets::hash(std::string_view secret) const {
  const std::string normalized = normalize(secret);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(normalized.data()), normalized.size(), digest,
       &length);
  return hex(digest, length);
}

bool BoardSecrets::verify(std::string_view secret, std::string_view stored) const {
  const std::string computed = hash(secret);
  return computed.size() == stored.size() &&
         CRYPTO_memcmp(computed.data(), stored.data(), computed.size()) == 0;
}

std::string board_username(db::Id machine_id) {
  return "board-" + std::to_string(machine_id);
}

IssuedSecret BoardAccounts::create(db::Id machine_id) {
  IssuedSecret issued;
  issued.secret = BoardSecrets::generate();
  const double now = clock_();
  issued.account = db::BoardAccount{.machine_id = machine_id,
                                    .username = board_username(machine_id),
                                    .secret_hash = secrets_.hash(issued.secret),
                                    .created = now,
                                    .rotated = now};
  db::BoardAccountsRepository(db_).create(issued.account);
  return issued;
}

std::optional<IssuedSecret> BoardAccounts::rotate(db::Id machine_id) {
  db::BoardAccountsRepository accounts(db_);
  IssuedSecret issued;
  issued.secret = BoardSecrets::generate();
  if (!accounts.set_secret(machine_id, secrets_.hash(issued.secret), clock_())) {
    return std::nullopt;
  }
  issued.account = *accounts.by_machine(machine_id);
  return issued;
}

bool BoardAccounts::revoke(db::Id machine_id) {
  return db::BoardAccountsRepository(db_).remove(machine_id);
}

std::vector<db::BoardAccount> BoardAccounts::list() {
  return db::BoardAccountsRepository(db_).list();
}

std::optional<db::BoardAccount> BoardAccounts::get(db::Id machine_id) {
  return db::BoardAccountsRepository(db_).by_machine(machine_id);
}

}  // namespace fabomatic::backend
