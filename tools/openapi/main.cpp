// Prints the portal's OpenAPI document, built from the same route table the server registers
// (web/api/routes.hpp), so that the browser app's API types are generated from the routes
// themselves at build time (web/frontend/build.mjs --openapi). Needs no running appliance:
// the handlers are built over a scratch database and never called.
//   fabomatic-openapi [FILE]     (stdout without FILE)
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "backend/live_status.hpp"
#include "db/database.hpp"
#include "web/api/context.hpp"
#include "web/api/openapi.hpp"
#include "web/api/routes.hpp"
#include "web/auth/audit_log.hpp"
#include "web/auth/routes.hpp"
#include "web/auth/sessions.hpp"
#include "web/http/static_assets.hpp"
#include "web/live/hub.hpp"
#include "web/mail/mailer.hpp"

namespace {

using namespace fabomatic;

class NoMail final : public web::Mailer {
 public:
  bool send(std::string, std::string, std::string) override { return false; }
};

std::string document() {
  char scratch[] = "/tmp/fabomatic-openapi-XXXXXX";
  if (::mkdtemp(scratch) == nullptr) throw std::runtime_error("cannot create a scratch folder");
  const std::filesystem::path dir(scratch);
  std::string text;
  {
    db::Database database = db::open_database((dir / "database.sqldb").string());
    web::SessionAuth sessions(database.conn);
    web::AuditLog audit(database.conn);
    backend::LiveStatus live;
    web::LiveHub hub(live, [] { return 0.0; });
    const web::StaticAssets assets({});
    NoMail mail;
    web::api::ApiContext context{database.conn, audit, live, nullptr, &sessions, {}};
    web::RouteTable sign_in;
    web::add_auth_routes(sign_in, sessions, database.conn, mail, audit, web::AuthOptions{});
    const auto routes = web::api::portal_routes({.api = context,
                                                 .sign_in = std::move(sign_in),
                                                 .live = hub,
                                                 .assets = assets,
                                                 .metrics = {}});
    text = web::api::openapi_document(routes).dump(1);
  }
  std::filesystem::remove_all(dir);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string text = document();
    if (argc > 1) {
      std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
      out << text << '\n';
      if (!out) throw std::runtime_error(std::string("cannot write ") + argv[1]);
    } else {
      std::cout << text << '\n';
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fabomatic-openapi: %s\n", e.what());
    return 1;
  }
}
