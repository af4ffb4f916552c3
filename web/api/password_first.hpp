// Routes whose body may carry a member's new password (create a member, change one, register an
// unknown card as a member): the argon2id hash takes about 0.1 s of CPU here and more on a Pi,
// so it is made on the password worker before the handler runs, not on the reactor where every
// board's answer would wait for it. The handler then runs on the reactor as any other.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "web/api/context.hpp"
#include "web/api/routes.hpp"
#include "web/auth/guard.hpp"

namespace fabomatic::web::api {

/// What the API accepts as a member's password, in characters (UTF-8 code points).
inline constexpr std::size_t kMinMemberPassword = 8;
inline constexpr std::size_t kMaxMemberPassword = 1024;

/// The body's "password" and its hash, made off the reactor.
struct HashedPassword {
  std::string password;
  std::string hash;
};

/// A handler given the hash of the body's password (nullopt: the body has no password of an
/// acceptable length; the handler's own validation then says what is wrong, having hashed
/// nothing).
using PasswordFirstHandler =
    std::function<Response(const Request&, const Principal&, const std::optional<HashedPassword>&)>;

/// Hashes the body's password through context.password_work (inline when unset), then runs
/// `handler` inside guarded() where handlers run. A full hashing queue answers 503 "busy".
ProtectedAsyncHandler hash_password_first(ApiContext& context, PasswordFirstHandler handler);

/// A table entry answered by hash_password_first(context, handler).
ApiRoute password_first_route(ApiContext& context, Method method, std::string pattern,
                              std::string tag, std::string summary, PasswordFirstHandler handler);

/// The hash to store for `password`: the one made beforehand when it is of this very password,
/// else one made now (on the calling thread).
std::string hash_for(const std::string& password, const std::optional<HashedPassword>& hashed);

}  // namespace fabomatic::web::api
