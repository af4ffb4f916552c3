#include "web/auth/setup.hpp"

#include <sodium.h>

#include <array>

#include "common/typed_code.hpp"
#include "db/portal_access.hpp"
#include "web/auth/tokens.hpp"

namespace fabomatic::web {

namespace {

constexpr std::size_t kGroups = 3;
constexpr std::size_t kGroupSize = 4;

}  // namespace

FirstSetup::FirstSetup(db::Connection& db, Announce announce, std::size_t max_failures)
    : db_(db), announce_(std::move(announce)), max_failures_(max_failures) {}

std::string FirstSetup::generate() {
  std::array<unsigned char, kGroups * kGroupSize> random{};
  randombytes_buf(random.data(), random.size());
  std::string code = typed_code::format(random, kGroupSize);
  sodium_memzero(random.data(), random.size());
  return code;
}

std::string FirstSetup::normalize(std::string_view typed) {
  return typed_code::normalize(typed);
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
