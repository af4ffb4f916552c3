// The portal's one route table: the router is built from it, and so is the OpenAPI document,
// which must therefore list every route the server answers — sign-in, the audit log, the live
// WebSocket, /metrics and the app's files included — and nothing it does not answer.
#include <set>

#include "support_api.hpp"
#include "web/api/openapi.hpp"
#include "web/auth/route_table.hpp"
#include "web/auth/routes.hpp"
#include "web/http/static_assets.hpp"
#include "web/live/hub.hpp"
#include "web/mail/mailer.hpp"

namespace fabomatic::web::api::test {
namespace {

class PortalRoutesTest : public ApiTest {
 protected:
  PortalRoutesTest() : hub_(live_, [] { return 0.0; }), assets_(kNoAssets) {
    context_.auth = &sessions_;
    RouteTable sign_in;
    add_auth_routes(sign_in, sessions_, db_, outbox_, audit_, AuthOptions{});
    register_routes(portal_router_,
                    portal_routes({.api = context_,
                                   .sign_in = std::move(sign_in),
                                   .live = hub_,
                                   .assets = assets_,
                                   .metrics = {}}),
                    sessions_);
  }

  Json document() {
    Request request;
    request.method = Method::get;
    const auto match = portal_router_.find(Method::get, {"api", "v1", "openapi.json"});
    const Response answer = dispatch(match, request, nullptr);
    EXPECT_EQ(answer.status, 200);
    return Json::parse(answer.body);
  }

  static constexpr std::span<const EmbeddedAsset> kNoAssets{};
  LiveHub hub_;
  StaticAssets assets_;
  Router portal_router_;
};

std::string lower(std::string_view method) {
  std::string out(method);
  for (char& c : out)
    c = static_cast<char>(c - 'A' + 'a');
  return out;
}

TEST_F(PortalRoutesTest, TheDocumentListsEveryRouteTheServerAnswersAndNoOther) {
  const Json doc = document();
  std::set<std::string> served;
  for (const auto& [method, pattern] : portal_router_.list()) {
    std::string path = pattern;
    if (const auto tail = path.find("...}"); tail != std::string::npos) path.erase(tail, 3);
    served.insert(lower(to_string(method)) + " " + path);
    EXPECT_TRUE(doc["paths"].contains(path) &&
                doc["paths"][path].contains(lower(to_string(method))))
        << to_string(method) << " " << pattern << " is served but not in the document";
  }
  std::size_t documented = 0;
  for (const auto& [path, operations] : doc["paths"].items()) {
    for (const auto& [method, op] : operations.items()) {
      ++documented;
      EXPECT_TRUE(served.contains(method + " " + path))
          << method << " " << path << " is documented but not served";
    }
  }
  EXPECT_EQ(documented, served.size());
  // The ones that used to be left out.
  for (const char* path : {"/api/v1/auth/login", "/api/v1/auth/session", "/api/v1/auth/logout",
                           "/api/v1/auth/password", "/api/v1/auth/forgot", "/api/v1/auth/reset",
                           "/api/v1/audit", "/api/v1/live", "/metrics", "/", "/{file}"}) {
    EXPECT_TRUE(served.contains("get " + std::string(path)) ||
                served.contains("post " + std::string(path)))
        << path;
  }
}

TEST_F(PortalRoutesTest, EveryReferencedSchemaIsDefined) {
  const Json doc = document();
  const std::string text = doc.dump();
  const std::string prefix = "#/components/schemas/";
  std::size_t refs = 0;
  for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
    const auto end = text.find('"', at);
    const std::string name = text.substr(at + prefix.size(), end - at - prefix.size());
    EXPECT_TRUE(doc["components"]["schemas"].contains(name)) << name;
    ++refs;
  }
  EXPECT_GT(refs, 50u);
}

TEST_F(PortalRoutesTest, PublicRoutesAreMarkedSoInTheDocument) {
  const Json doc = document();
  std::set<std::string> open;
  for (const auto& [path, operations] : doc["paths"].items()) {
    for (const auto& [method, op] : operations.items()) {
      if (op.contains("security") && op["security"].empty()) open.insert(method + " " + path);
    }
  }
  // Exactly what a browser must reach before signing in (and the WebSocket, which checks the
  // session cookie at its upgrade, and /metrics, which only loopback clients may read).
  EXPECT_EQ(open, (std::set<std::string>{"post /api/v1/auth/login", "get /api/v1/auth/session",
                                         "post /api/v1/auth/forgot", "post /api/v1/auth/reset",
                                         "get /api/v1/auth/setup", "post /api/v1/auth/setup",
                                         "get /api/v1/openapi.json", "get /api/v1/live",
                                         "get /metrics", "get /", "get /{file}"}));
}

}  // namespace
}  // namespace fabomatic::web::api::test
