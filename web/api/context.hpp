// What the REST API handlers work with, and the two things every state change does besides
// writing its rows: an audit entry (in the same transaction) and, when the change shows on the
// dashboard, a reload of the live status model.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "db/models.hpp"
#include "db/sqlite.hpp"
#include "web/api/json.hpp"
#include "web/auth/audit_log.hpp"
#include "web/auth/principal.hpp"

namespace fabomatic::backend {
class LiveStatus;
class MqttSecurity;
class RemoteControl;
}  // namespace fabomatic::backend

namespace fabomatic::web {
class PasswordResets;
class SessionAuth;
}  // namespace fabomatic::web
namespace fabomatic::web::exports {
class ExportWorker;
}

namespace fabomatic::web::api {

class SystemSource;   // operations.hpp
class SettingsStore;  // operations.hpp
class MailCenter;     // operations.hpp

/// Everything referenced must outlive the router.
struct ApiContext {
  db::Connection& db;
  AuditLog& audit;
  backend::LiveStatus& live;
  /// Remote start/stop; unset: those routes answer 503.
  backend::RemoteControl* remote = nullptr;
  /// Guards every non-public route; register_api_routes refuses to run without it.
  SessionAuth* auth = nullptr;
  /// Unix seconds now (manual registrations default to it); unset: the system clock.
  std::function<double()> clock;
  /// Mails reset links (POST /api/v1/members/{id}/password-reset); unset: that route answers
  /// 503.
  PasswordResets* resets = nullptr;
  /// Where a member's new password is hashed (the portal's PasswordWorker: a job returns what
  /// to run back on the reactor; false when its queue is full); unset: inline.
  std::function<bool(std::function<std::function<void()>()>)> password_work;
  /// Where downloads (exports, backups, a member's data) are made, off the reactor; unset:
  /// those routes answer 503.
  exports::ExportWorker* downloads = nullptr;
  /// The operations pages' sources (operations.hpp), implemented by the composition root;
  /// unset: their routes answer 503.
  SystemSource* system = nullptr;
  SettingsStore* settings = nullptr;
  MailCenter* mail = nullptr;
  /// Board accounts, the broker's anonymous mode and shared client ids (board_accounts.cpp);
  /// unset: those routes answer 503.
  backend::MqttSecurity* mqtt_security = nullptr;

  double now() const;
};

/// Writes the audit entry of a change: `before`/`after` are the entity as the API shows it
/// (nullopt for a create's before and a delete's after). Call inside the change's transaction.
void record_change(ApiContext& context, const Principal& who, std::string_view action,
                   std::string_view entity, std::optional<db::Id> id,
                   const std::optional<Json>& before, const std::optional<Json>& after);

/// Reloads the live status model from the database after a change the dashboard shows
/// (machines, their uses, blocked flag, maintenance, boards, member names). Call after commit.
void refresh_live(ApiContext& context);

}  // namespace fabomatic::web::api
