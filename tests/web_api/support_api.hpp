// The fixture of the REST API tests: a fresh seeded database in a temporary directory (machine
// 1 "MACHINE1", the roles, the admin user 1 — given the card 12345678 — and Anonymous), the real
// audit log, live status, remote control (publishing on a recording bus), reset mails (kept in an
// outbox), a broker core with the board accounts and the anonymous mode of
// /api/v1/board-accounts and /api/v1/mqtt (legacy unless a test calls start_mqtt again), and the
// API's route table in a router that calls each handler as a fixed signed-in admin — so a test
// sends method + target + body and reads status and JSON, exactly what a client would after
// protect() let it through. Every answer with per-field messages is checked to carry a
// documented code for each of them.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "backend/board_accounts.hpp"
#include "backend/live_status.hpp"
#include "backend/mqtt_auth.hpp"
#include "backend/mqtt_security.hpp"
#include "backend/remote_control.hpp"
#include "broker/auth/access_control.hpp"
#include "broker/core/broker.hpp"
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

/// Keeps the mails instead of sending them; refuses them all while `refuse` is set (a full
/// queue).
class Outbox final : public Mailer {
 public:
  bool send(std::string to, std::string subject, std::string text) override {
    if (refuse) return false;
    mails.push_back({std::move(to), std::move(subject), std::move(text)});
    return true;
  }
  std::vector<Mail> mails;
  bool refuse = false;
};

struct Reply {
  int status = 0;
  json body;         // null when the answer had no body
  std::string text;  // the body as sent (json sorts the keys of objects; this keeps their order)

  // The per-field message of a 400/409, "" when there is none.
  std::string field(const std::string& name) const;
  // The per-field code ({"code": .., params..}) of a 400/409, null when there is none.
  json field_code(const std::string& name) const;
  std::string code() const;
};

class ApiTest : public ::testing::Test {
 protected:
  ApiTest();
  ~ApiTest() override;

  /// A non-empty body is sent as `content_type`, JSON unless said otherwise.
  Reply call(Method method, const std::string& target, const std::string& body = "",
             const std::string& content_type = "application/json");
  /// The handler's answer as it is, unparsed (for timing a handler alone).
  Response respond(Method method, const std::string& target, const std::string& body = "",
                   const std::string& content_type = "application/json");
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

  /// A new broker core with the FabLab's hook, the generic accounts (none) and `mode`, wired
  /// into the API as the appliance does it.
  void start_mqtt(backend::AnonymousMode mode);

  std::filesystem::path dir_;
  db::Database database_;
  db::Connection& db_;
  double now_ = 1'700'000'000;  // the API's clock
  AuditLog audit_;
  backend::LiveStatus live_;
  RecordingBus bus_;
  backend::RemoteControl remote_;
  SessionAuth sessions_;
  Outbox outbox_;
  PasswordResets resets_;  // links to https://lab.example:23336
  FakeSystem system_;
  FakeSettings settings_;
  FakeMail mail_;
  exports::ExportWorker downloads_;  // downloads are made for real, from this database
  ApiContext context_;
  backend::BoardSecrets secrets_{std::string(32, 'k')};
  backend::BoardAccounts accounts_{db_, secrets_, [this] { return now_; }};
  backend::MqttAuth auth_{db_, secrets_, backend::BoardTopics{}};
  std::unique_ptr<broker::Broker> broker_;
  std::unique_ptr<broker::auth::AccessControl> access_;
  std::unique_ptr<backend::MqttSecurity> security_;
  RouteTable routes_;
  Router router_;
  Principal admin_;  // who the handlers see as signed in
};

}  // namespace fabomatic::web::api::test
