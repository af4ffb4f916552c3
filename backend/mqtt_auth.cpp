#include "backend/mqtt_auth.hpp"

#include <openssl/crypto.h>

namespace fabomatic::backend {

broker::AuthResult MqttAuth::authenticate(const broker::ClientInfo&,
                                          const broker::Credentials& credentials) {
  using broker::AuthResult;
  if (!credentials.username) {
    return settings_.allow_anonymous
               ? AuthResult::accept(nullptr, false)
               : AuthResult::refuse(broker::ConnectReturnCode::not_authorized);
  }
  if (settings_.users.empty()) return AuthResult::accept(nullptr, false);
  const auto it = settings_.users.find(std::string(*credentials.username));
  const std::string_view given = credentials.password.value_or("");
  // Constant-time comparison: the time taken says nothing about the password.
  const bool ok = it != settings_.users.end() && it->second.size() == given.size() &&
                  CRYPTO_memcmp(it->second.data(), given.data(), given.size()) == 0;
  return ok ? AuthResult::accept(nullptr, true)
            : AuthResult::refuse(broker::ConnectReturnCode::bad_username_or_password);
}

}  // namespace fabomatic::backend
