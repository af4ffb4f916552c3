#include "web/auth/setup.hpp"

#include <sodium.h>

#include <array>

#include "db/portal_access.hpp"
#include "web/auth/tokens.hpp"

namespace fabomatic::web {

namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kGroups = 3;
constexpr std::size_t kGroupSize = 4;

}  // namespace

FirstSetup::FirstSetup(db::Connection& db, Announce announce, std::size_t max_failures)
    : db_(db), announce_(std::move(announce)), max_failures_(max_failures) {}

std::string FirstSetup::generate() {
  std::array<unsigned char, kGroups * kGroupSize> random{};
  randombytes_buf(random.data(), random.size());
  std::string code;
  for (std::size_t i = 0; i < random.size(); ++i) {
    if (i != 0 && i % kGroupSize == 0) code += '-';
    code += kCrockford[random[i] & 0x1F];  // the low 5 bits of a uniform byte: uniform
  }
  sodium_memzero(random.data(), random.size());
  return code;
}

std::string FirstSetup::normalize(std::string_view typed) {
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

std::optional<db::Id> FirstSetup::pending_account() {
  const auto accounts = db::sign_in_accounts(db_);
  for (const auto& account : accounts) {
    if (account.has_password()) return std::nullopt;  // someone can sign in: nothing to set up
  }
  if (accounts.empty()) return std::nullopt;  // nobody to set up: `fabomatic admin` grants
  return accounts.front().user.id;
}

bool FirstSetup::start() {
  account_ = pending_account();
  if (!account_) {
    code_.clear();
    return false;
  }
  renew();
  return true;
}

void FirstSetup::renew() {
  const std::string code = generate();
  code_ = normalize(code);
  failures_ = 0;
  if (announce_) announce_(code, account_email().value_or(""));
}

bool FirstSetup::pending() {
  if (code_.empty()) return false;
  account_ = pending_account();
  if (!account_) finish();  // an account got a password meanwhile (fabomatic admin)
  return !code_.empty();
}

std::optional<db::Id> FirstSetup::account_id() {
  if (!pending()) return std::nullopt;
  return account_;
}

std::optional<std::string> FirstSetup::account_email() {
  if (code_.empty() || !account_) return std::nullopt;
  for (const auto& account : db::sign_in_accounts(db_)) {
    if (account.user.id == *account_) return account.user.email.value_or("");
  }
  return std::nullopt;
}

bool FirstSetup::check(std::string_view typed) {
  if (code_.empty()) return false;
  // Bounded before anything else: a typed code is a dozen characters.
  const std::string given = typed.size() <= 64 ? normalize(typed) : std::string();
  if (given.size() == code_.size() && equal_constant_time(given, code_)) return true;
  if (++failures_ >= max_failures_) renew();
  return false;
}

void FirstSetup::finish() {
  sodium_memzero(code_.data(), code_.size());
  code_.clear();
  failures_ = 0;
}

}  // namespace fabomatic::web
