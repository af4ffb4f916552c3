// The audit log as the web layer writes it: every state change made through the portal (the
// REST API records entity changes; sign-in records login, failed login, logout, password change
// and reset). Call record() inside the transaction of the change it describes: the entry then
// commits or rolls back with it (it throws db::Error like any write).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "db/audit_repository.hpp"
#include "db/sqlite.hpp"
#include "web/auth/principal.hpp"

namespace fabomatic::web {

struct AuditPage {
  std::vector<db::AuditEntry> items;
  std::int64_t total = 0;  // entries matching the filter, for paging
};

class AuditLog {
 public:
  explicit AuditLog(db::Connection& db, const Clock& clock = Clock::system());

  /// `action`: create | update | delete | login | logout | password_change | ...;
  /// `entity`: the model's name ("user", "machine", ...). The JSON texts are stored as given.
  void record(const Principal& who, std::string_view action, std::string_view entity,
              std::optional<db::Id> entity_id, const std::optional<std::string>& before_json,
              const std::optional<std::string>& after_json);
  /// For events without a session: a failed login (the e-mail that was tried), a reset by token.
  void record_unauthenticated(std::optional<db::Id> user_id, std::string_view email,
                              std::string_view remote_address, std::string_view action,
                              std::string_view entity, std::optional<db::Id> entity_id);

  AuditPage list(const db::AuditFilter& filter, const db::Page& page);

 private:
  db::Connection& db_;
  const Clock& clock_;
};

/// {"items":[{"id":..,"time":..,"user_id":..,"user_email":..,"address":..,"action":..,
/// "entity":..,"entity_id":..,"before":{..},"after":{..}}],"total":..,"limit":..,"offset":..}
/// before/after are embedded as JSON (as a string when a stored text is not valid JSON).
std::string audit_page_json(const AuditPage& page, const db::Page& paging);

}  // namespace fabomatic::web
