#include "broker/auth/access_control.hpp"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>

namespace fabomatic::broker::auth {

std::optional<std::string_view> AclAccess::user(const ClientInfo& client) const {
  if (anonymous_ || client.account.empty()) return std::nullopt;
  return client.account;
}

bool AclAccess::may_publish(const ClientInfo& client, std::string_view topic, bool) const {
  return acl_->may_publish(user(client), client.client_id, topic);
}

bool AclAccess::may_subscribe(const ClientInfo& client, std::string_view filter) const {
  return acl_->may_subscribe(user(client), client.client_id, filter);
}

AccessControl::AccessControl(bool allow_anonymous)
    : BrokerHooks(static_cast<HookEvents>(HookEvent::authenticate)),
      allow_anonymous_(allow_anonymous) {
  if (RAND_bytes(cache_key_.data(), static_cast<int>(cache_key_.size())) != 1) {
    // Without randomness nothing is remembered: every check runs the full hash.
    cache_key_.fill(0);
  }
}

std::vector<std::string> AccessControl::set_files(std::shared_ptr<const PasswordFile> passwords,
                                                  std::shared_ptr<const AclFile> acl) {
  std::vector<std::string> changed;
  if (passwords_) {
    for (const auto& [user, credential] : passwords_->entries()) {
      const Credential* now = passwords ? passwords->find(user) : nullptr;
      if (!now || now->text != credential.text) changed.push_back(user);
    }
  }
  passwords_ = std::move(passwords);
  acl_ = std::move(acl);
  acl_account_access_ = acl_ ? std::make_shared<AclAccess>(acl_, false) : nullptr;
  acl_anonymous_access_ = acl_ ? std::make_shared<AclAccess>(acl_, true) : nullptr;
  proven_.clear();
  changed_ = changed;
  return changed;
}

void AccessControl::set_anonymous_access(std::shared_ptr<const ClientAccess> access) {
  anonymous_override_ = std::move(access);
}

bool AccessControl::has_account(std::string_view user) const {
  return passwords_ && passwords_->find(user) != nullptr;
}

std::shared_ptr<const ClientAccess> AccessControl::account_access() const {
  return acl_account_access_;  // null without an ACL file: everything
}

std::shared_ptr<const ClientAccess> AccessControl::anonymous_access() const {
  if (anonymous_override_) return anonymous_override_;
  return acl_anonymous_access_;
}

std::array<unsigned char, 32> AccessControl::remember_key(std::string_view user,
                                                          std::string_view password) const {
  // HMAC(key, user NUL password): tells a proven password again without its slow hash.
  std::string message(user);
  message += '\0';
  message += password;
  std::array<unsigned char, 32> out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), cache_key_.data(), static_cast<int>(cache_key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &length);
  OPENSSL_cleanse(message.data(), message.size());
  return out;
}

AuthResult AccessControl::authenticate(const ClientInfo&, const Credentials& credentials) {
  if (credentials.username) {
    if (const Credential* credential =
            passwords_ ? passwords_->find(*credentials.username) : nullptr) {
      const std::string_view password = credentials.password.value_or("");
      const std::string user(*credentials.username);
      const auto digest = remember_key(user, password);
      const auto known = proven_.find(user);
      const bool ok = (known != proven_.end() &&
                       CRYPTO_memcmp(known->second.data(), digest.data(), digest.size()) == 0) ||
                      (credentials.password && credential->verify(password));
      if (!ok) return AuthResult::refuse(ConnectReturnCode::not_authorized);
      if (known == proven_.end() || known->second != digest) {
        if (proven_.size() >= 100'000) proven_.clear();  // bounded by the accounts in practice
        proven_[user] = digest;
      }
      return AuthResult::accept(account_access(), true);
    }
  }
  if (!allow_anonymous_) {
    return AuthResult::refuse(ConnectReturnCode::not_authorized);
  }
  return AuthResult::accept(anonymous_access(), false);
}

AuthResult AccessControl::review(const ClientInfo& client) {
  if (!client.account.empty()) {
    if (!has_account(client.account) ||
        std::find(changed_.begin(), changed_.end(), client.account) != changed_.end()) {
      return AuthResult::refuse(ConnectReturnCode::not_authorized);
    }
    return AuthResult::accept(account_access(), true);
  }
  if (!allow_anonymous_) return AuthResult::refuse(ConnectReturnCode::not_authorized);
  return AuthResult::accept(anonymous_access(), false);
}

}  // namespace fabomatic::broker::auth
