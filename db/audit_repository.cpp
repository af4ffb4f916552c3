#include "db/audit_repository.hpp"

#include "db/repository.hpp"

namespace fabomatic::db {

namespace {

constexpr std::string_view kColumns =
    "SELECT audit_id, timestamp, user_id, user_email, remote_address, action, entity, entity_id, "
    "before_json, after_json FROM audit_log";

AuditEntry read_entry(const Statement& stmt) {
  AuditEntry entry;
  entry.id = stmt.get<Id>(0);
  entry.timestamp = stmt.get<Timestamp>(1);
  entry.user_id = stmt.get<std::optional<Id>>(2);
  entry.user_email = stmt.get<std::string>(3);
  entry.remote_address = stmt.get<std::string>(4);
  entry.action = stmt.get<std::string>(5);
  entry.entity = stmt.get<std::string>(6);
  entry.entity_id = stmt.get<std::optional<Id>>(7);
  entry.before_json = stmt.get<std::optional<std::string>>(8);
  entry.after_json = stmt.get<std::optional<std::string>>(9);
  return entry;
}

// Each set filter becomes its own condition, so SQLite can pick the matching index.
void apply(ListQuery& query, const AuditFilter& filter) {
  if (filter.entity) query.where("entity = ?", {*filter.entity});
  if (filter.entity_id) query.where("entity_id = ?", {*filter.entity_id});
  if (filter.user_id) query.where("user_id = ?", {*filter.user_id});
  if (filter.action) query.where("action = ?", {*filter.action});
  if (filter.from) query.where("timestamp >= ?", {*filter.from});
  if (filter.to) query.where("timestamp < ?", {*filter.to});
}

}  // namespace

Id AuditRepository::insert(const AuditEntry& entry) {
  conn_.execute(
      "INSERT INTO audit_log (timestamp, user_id, user_email, remote_address, action, entity, "
      "entity_id, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      entry.timestamp, entry.user_id, entry.user_email, entry.remote_address, entry.action,
      entry.entity, entry.entity_id, entry.before_json, entry.after_json);
  return conn_.last_insert_rowid();
}

std::vector<AuditEntry> AuditRepository::list(const AuditFilter& filter, const Page& page) {
  ListQuery query{std::string(kColumns)};
  apply(query, filter);
  query.order_by("timestamp DESC, audit_id DESC").page(page);
  auto stmt = query.prepare(conn_);
  std::vector<AuditEntry> entries;
  while (stmt->step())
    entries.push_back(read_entry(*stmt));
  return entries;
}

std::int64_t AuditRepository::count(const AuditFilter& filter) {
  ListQuery query{"SELECT count(*) FROM audit_log"};
  apply(query, filter);
  auto stmt = query.prepare(conn_);
  stmt->step();
  return stmt->column_int64(0);
}

std::int64_t AuditRepository::purge_before(Timestamp before) {
  return conn_.execute("DELETE FROM audit_log WHERE timestamp < ?", before);
}

}  // namespace fabomatic::db
