// The fixture of the REST API tests: a fresh seeded database in a temporary directory (machine
// 1 "MACHINE1", the roles, the admin user 1 and Anonymous), the real audit log, live status and
// remote control (publishing on a recording bus), and the API's route table in a router that
// calls each handler as a fixed signed-in admin — so a test sends method + target + body and
// reads status and JSON, exactly what a client would after protect() let it through.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "backend/live_status.hpp"
#include "backend/remote_control.hpp"
#include "broker/core/message_bus.hpp"
#include "db/database.hpp"
#include "support_operations.hpp"
#include "web/api/routes.hpp"
#include "web/auth/audit_log.hpp"
#include "web/auth/password_reset.hpp"
#include "web/auth/sessions.hpp"
#include "web/export/export_worker.hpp"
#include "web/http/router.hpp"
#include "web/mail/mailer.hpp"

namespace fabomatic::web::api::test {

using nlohmann::json;

/// Records what is published instead of routing it.
class RecordingBus : public broker::MessageBus {
 public:
  struct Published {
    std::string topic;
    std::string payload;
  };
  void publish(std::string_view topic, std::string_view payload, std::uint8_t, bool) override {
    published.push_back({std::string(topic), std::string(payload)});
  }
  HandlerId subscribe(std::string_view, Handler) override { return 1; }
  void unsubscribe(HandlerId) override {}

  std::vector<Published> published;
};

struct Reply {
  int status = 0;
  json body;         // null when the answer had no body
  std::string text;  // the body as sent (json sorts the keys of objects; this keeps their order)

  // The per-field message of a 400/409, "" when there is none.
  std::string field(const std::string& name) const;
  std::string code() const;
};

class ApiTest : public ::testing::Test {
 protected:
  ApiTest();
  ~ApiTest() override;

  Reply call(Method method, const std::string& target, const std::string& body = "");
  /// The handler's answer as it is, unparsed (for timing a handler alone).
  Response respond(Method method, const std::string& target, const std::string& body = "");
  Reply get(const std::string& target) { return call(Method::get, target); }
  Reply post(const std::string& target, const json& body) {
    return call(Method::post, target, body.dump());
  }
  Reply patch(const std::string& target, const json& body) {
    return call(Method::patch, target, body.dump());
  }
  Reply del(const std::string& target) { return call(Method::delete_, target); }

  /// Creates through the API and returns the new id (fails the test otherwise).
  db::Id create(const std::string& collection, const json& body);

  /// Audit entries, newest first.
  std::vector<db::AuditEntry> audit_entries();

  std::int64_t count_rows(const std::string& table);

  std::filesystem::path dir_;
  db::Database database_;
  db::Connection& db_;
  double now_ = 1'700'000'000;  // the API's clock
  AuditLog audit_;
  backend::LiveStatus live_;
  RecordingBus bus_;
  backend::RemoteControl remote_;
  FakeSystem system_;
  FakeSettings settings_;
  FakeMail mail_;
  // Downloads are made for real (from this database, into dir_); reset mails are recorded.
  exports::ExportWorker downloads_;
  SessionAuth reset_sessions_;
  RecordingMailer mailer_;
  PasswordResets resets_;
  ApiContext context_;
  RouteTable routes_;
  Router router_;
  Principal admin_;  // who the handlers see as signed in
};

}  // namespace fabomatic::web::api::test
