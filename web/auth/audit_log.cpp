#include "web/auth/audit_log.hpp"

#include <nlohmann/json.hpp>

namespace fabomatic::web {

AuditLog::AuditLog(db::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

void AuditLog::record(const Principal& who, std::string_view action, std::string_view entity,
                      std::optional<db::Id> entity_id,
                      const std::optional<std::string>& before_json,
                      const std::optional<std::string>& after_json) {
  db::AuditEntry entry;
  entry.timestamp = clock_.unix_seconds();
  if (who.user_id != 0) entry.user_id = who.user_id;
  entry.user_email = who.email;
  entry.remote_address = who.remote_address;
  entry.action = action;
  entry.entity = entity;
  entry.entity_id = entity_id;
  entry.before_json = before_json;
  entry.after_json = after_json;
  db::AuditRepository(db_).insert(entry);
}

void AuditLog::record_unauthenticated(std::optional<db::Id> user_id, std::string_view email,
                                      std::string_view remote_address, std::string_view action,
                                      std::string_view entity, std::optional<db::Id> entity_id) {
  Principal who;
  who.user_id = user_id.value_or(0);
  who.email = email;
  who.remote_address = remote_address;
  record(who, action, entity, entity_id, std::nullopt, std::nullopt);
}

AuditPage AuditLog::list(const db::AuditFilter& filter, const db::Page& page) {
  db::AuditRepository repository(db_);
  return AuditPage{repository.list(filter, page), repository.count(filter)};
}

namespace {

nlohmann::json embedded(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  auto parsed = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return *text;
  return parsed;
}

}  // namespace

std::string audit_page_json(const AuditPage& page, const db::Page& paging) {
  auto items = nlohmann::json::array();
  for (const auto& entry : page.items) {
    items.push_back({
        {"id", entry.id},
        {"time", entry.timestamp},
        {"user_id", entry.user_id ? nlohmann::json(*entry.user_id) : nlohmann::json(nullptr)},
        {"user_email", entry.user_email},
        {"address", entry.remote_address},
        {"action", entry.action},
        {"entity", entry.entity},
        {"entity_id", entry.entity_id ? nlohmann::json(*entry.entity_id) : nlohmann::json(nullptr)},
        {"before", embedded(entry.before_json)},
        {"after", embedded(entry.after_json)},
    });
  }
  const nlohmann::json body = {
      {"items", std::move(items)},
      {"total", page.total},
      {"limit", paging.limit},
      {"offset", paging.offset},
  };
  // Replace invalid UTF-8 (an e-mail typed into a failed login) instead of throwing.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace fabomatic::web
