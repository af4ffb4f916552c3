#include "web/auth/guard.hpp"

#include "web/auth/csrf.hpp"

namespace fabomatic::web {

Guarded check_request(SessionAuth& auth, const Request& request, ProtectOptions options) {
  auto session = auth.authenticate(request);
  if (!session) return {std::nullopt, Response::error(401, "unauthenticated", "Sign in first")};
  if (session->password_change_required && !options.allow_password_change_required) {
    return {std::nullopt, Response::error(403, "password_change_required",
                                          "Choose a new password before continuing")};
  }
  if (is_state_changing(request.method) &&
      !csrf_token_valid(request, session->principal.csrf_token)) {
    return {std::nullopt,
            Response::error(403, "csrf", "Missing or wrong X-CSRF-Token for this session")};
  }
  return {std::move(session->principal), std::nullopt};
}

Handler protect(SessionAuth& auth, ProtectedHandler handler, ProtectOptions options) {
  return [&auth, handler = std::move(handler), options](const Request& request) {
    auto guarded = check_request(auth, request, options);
    if (guarded.refusal) return std::move(*guarded.refusal);
    return handler(request, *guarded.principal);
  };
}

AsyncHandler protect_async(SessionAuth& auth, ProtectedAsyncHandler handler,
                           ProtectOptions options) {
  return [&auth, handler = std::move(handler), options](const Request& request, Reply reply) {
    auto guarded = check_request(auth, request, options);
    if (guarded.refusal) return reply(std::move(*guarded.refusal));
    handler(request, *guarded.principal, std::move(reply));
  };
}

}  // namespace fabomatic::web
