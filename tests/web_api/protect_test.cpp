// The API as registered for the server: every route but the OpenAPI document behind
// protect() — 401 without a session, 403 without the CSRF token on state changes — and the
// principal of the session reaching the handlers (the audit log names the signed-in user).
#include <stdexcept>

#include "support_api.hpp"
#include "web/api/openapi.hpp"
#include "web/auth/guard.hpp"
#include "web/http/request_target.hpp"

namespace fabomatic::web::api::test {
namespace {

class ProtectTest : public ApiTest {
 protected:
  ProtectTest() : sessions_(db_) {
    // A signed-in admin whose password is set (a new database's admin has none yet).
    db_.execute(
        "UPDATE users SET password_hash = 'x', password_change_required = 0 "
        "WHERE user_id = 1");
    const auto opened = sessions_.open(1, "127.0.0.1");
    EXPECT_TRUE(opened.has_value());
    cookie_ = opened->cookie.substr(0, opened->cookie.find(';'));
    csrf_ = opened->session.principal.csrf_token;
    context_.auth = &sessions_;
    register_api_routes(server_router_, context_);
  }

  Response send(const ApiRoute& route, bool with_cookie, bool with_csrf) {
    std::string target = route.pattern;
    if (const auto open = target.find("{id}"); open != std::string::npos) {
      target.replace(open, 4, "1");
    }
    const TargetResult parsed = parse_target(target);
    Request request;
    request.method = route.method;
    request.target = target;
    request.path = parsed.target.path;
    request.query = parsed.target.query;
    request.body = "{}";
    request.remote_address = "127.0.0.1";
    if (with_cookie) request.headers.add("Cookie", cookie_);
    if (with_csrf) request.headers.add(std::string(kCsrfHeader), csrf_);
    const RouteMatch match = server_router_.find(route.method, parsed.target.segments);
    request.path_params = match.params;
    return dispatch(match, request, [](std::string_view error) { ADD_FAILURE() << error; });
  }

  static bool changes_state(Method method) {
    return method != Method::get && method != Method::head;
  }

  SessionAuth sessions_;
  Router server_router_;
  std::string cookie_;
  std::string csrf_;
};

TEST_F(ProtectTest, EveryRouteButTheDocumentNeedsASession) {
  for (const auto& route : routes_) {
    const Response response = send(route, false, false);
    if (route.pattern == kOpenApiPath) {
      EXPECT_EQ(response.status, 200);
      continue;
    }
    EXPECT_EQ(response.status, 401) << to_string(route.method) << " " << route.pattern;
    EXPECT_NE(response.body.find("unauthenticated"), std::string::npos);
  }
  EXPECT_EQ(count_rows("audit_log"), 0);
}

TEST_F(ProtectTest, StateChangesNeedTheCsrfToken) {
  for (const auto& route : routes_) {
    if (!changes_state(route.method)) continue;
    const Response response = send(route, true, false);
    EXPECT_EQ(response.status, 403) << to_string(route.method) << " " << route.pattern;
    EXPECT_NE(response.body.find("\"csrf\""), std::string::npos) << route.pattern;
  }
  EXPECT_EQ(count_rows("audit_log"), 0);
  EXPECT_EQ(count_rows("machines"), 1);  // nothing was deleted
}

TEST_F(ProtectTest, WithSessionAndTokenTheHandlersAnswer) {
  for (const auto& route : routes_) {
    // The deletes would change what later routes find; their guard is what is tested here.
    if (route.method == Method::delete_) continue;
    const Response response = send(route, true, changes_state(route.method));
    EXPECT_NE(response.status, 401) << route.pattern;
    EXPECT_NE(response.status, 403) << route.pattern;
    EXPECT_LT(response.status, 500) << route.pattern;
  }
}

TEST_F(ProtectTest, TheSessionsUserIsTheOneAudited) {
  Request request;
  request.method = Method::post;
  request.path = "/api/v1/roles";
  request.body = R"({"name":"Guests"})";
  request.headers.set("Content-Type", "application/json");
  request.remote_address = "10.1.2.3";
  request.headers.add("Cookie", cookie_);
  request.headers.add(std::string(kCsrfHeader), csrf_);
  const RouteMatch match = server_router_.find(Method::post, {"api", "v1", "roles"});
  const Response response = dispatch(match, request, nullptr);
  ASSERT_EQ(response.status, 201) << response.body;
  const auto entry = audit_entries()[0];
  EXPECT_EQ(entry.user_id, 1);
  EXPECT_EQ(entry.user_email, "admin@lab.example");
  EXPECT_EQ(entry.entity, "role");
}

TEST_F(ProtectTest, RegistrationRefusesToRunUnguarded) {
  context_.auth = nullptr;
  Router router;
  EXPECT_THROW(register_api_routes(router, context_), std::invalid_argument);
  EXPECT_EQ(router.size(), 0u);
}

}  // namespace
}  // namespace fabomatic::web::api::test
