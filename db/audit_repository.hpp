// The audit log table (ours): who changed what and when, with the entity before and after as
// JSON text. Rows are only ever added (and purged by age); they name the user by id *and*
// e-mail so that an entry stays readable after the user is deleted or renamed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

struct AuditEntry {
  Id id = 0;
  Timestamp timestamp = 0;
  std::optional<Id> user_id;  // NULL: nobody signed in (failed login, reset by token)
  std::string user_email;     // as at the time of the entry ("" when unknown)
  std::string remote_address;
  std::string action;  // create | update | delete | login | login_failed | logout | ...
  std::string entity;  // "user", "machine", "session", ...
  std::optional<Id> entity_id;
  std::optional<std::string> before_json;
  std::optional<std::string> after_json;
};

struct AuditFilter {
  std::optional<std::string> entity;
  std::optional<Id> entity_id;
  std::optional<Id> user_id;
  std::optional<std::string> action;
  std::optional<Timestamp> from;  // inclusive
  std::optional<Timestamp> to;    // exclusive
};

class AuditRepository {
 public:
  explicit AuditRepository(Connection& conn) : conn_(conn) {}

  // Returns the new id (`entry.id` is ignored).
  Id insert(const AuditEntry& entry);
  // Newest first (then by id, descending).
  std::vector<AuditEntry> list(const AuditFilter& filter = {}, const Page& page = {});
  std::int64_t count(const AuditFilter& filter = {});
  // Deletes entries older than `before`; returns how many.
  std::int64_t purge_before(Timestamp before);

 private:
  Connection& conn_;
};

}  // namespace fabomatic::db
