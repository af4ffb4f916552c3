// Guarding API handlers with the portal's session: what the REST API and the live WebSocket
// build on. Include this header; it brings Principal and SessionAuth along.
//
//   router.get("/api/v1/members", protect(auth, [&](const Request& req, const Principal& who) {
//     ...
//   }));
#pragma once

#include <functional>

#include "web/auth/principal.hpp"
#include "web/auth/sessions.hpp"
#include "web/http/http_message.hpp"
#include "web/http/router.hpp"

namespace fabomatic::web {

inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

using ProtectedHandler = std::function<Response(const Request&, const Principal&)>;

struct ProtectOptions {
  /// Lets a session whose user must still change the password through (the change-password,
  /// session and logout routes only).
  bool allow_password_change_required = false;
};

/// Wraps an API handler: 401 {"error":{"code":"unauthenticated"}} without a valid session
/// cookie; 403 "password_change_required" while the session's user must still choose a new
/// password; 403 "csrf" without the session's CSRF token in X-CSRF-Token on POST, PUT, PATCH
/// and DELETE (compared in constant time); then `handler(request, principal)`.
/// `auth` must outlive the returned handler.
Handler protect(SessionAuth& auth, ProtectedHandler handler, ProtectOptions options = {});

/// The same for an asynchronous handler (see AsyncHandler): a refusal is replied at once.
using ProtectedAsyncHandler = std::function<void(const Request&, const Principal&, Reply)>;
AsyncHandler protect_async(SessionAuth& auth, ProtectedAsyncHandler handler,
                           ProtectOptions options = {});

/// The same checks for code that is not a plain handler (e.g. a WebSocket upgrade's
/// authorize): the principal, or the error response to send.
struct Guarded {
  std::optional<Principal> principal;
  std::optional<Response> refusal;
};
Guarded check_request(SessionAuth& auth, const Request& request, ProtectOptions options = {});

}  // namespace fabomatic::web
